//! Heap maps: an SVG picture of a call's heap, generated from its allocation trace.
//!
//! The picture has two parts:
//! - **the map**: the heap's address range from `__heap_base` (rounded up to 8) to a little
//!   past the bump frontier, wrapped into rows like text. Every block the allocator handed out
//!   is one `<path>` (one element per block, whatever the rows it spans), coloured by size
//!   class: live blocks solid, free blocks (on their class's free list) pale and outlined.
//!   The bump frontier is a red line; the memory's limit is drawn when it is close enough to
//!   be visible, and stated in the caption otherwise. The moment shown is the *focus*: the
//!   first failed operation if there is one (the out-of-memory point), else the first event
//!   at which live bytes peak.
//! - **the chart**: live bytes (blocks plus their 8-byte headers, the allocator's own
//!   `bytes_allocated`) after every event, by event index, with the focus marked.
//!
//! The state of the heap at an event is rebuilt from the trace alone ([`heap_at`]): allocated
//! blocks become live, freed ones free, a block reused from a free list live again. The
//! allocator trusts headers the guest may forge; blocks the trace places outside
//! `[heap base, bump frontier)` are left out of the map. Everything here is a pure function
//! of the trace, so the same trace gives the same bytes.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use subexec_allocator::{AllocationEvent, AllocationTrace, PAGE_SIZE};

/// Bytes of the header in front of every block.
const HEADER: u64 = 8;
/// Width of the picture in pixels.
const WIDTH: f64 = 1000.0;
/// Left and right margin.
const MARGIN: f64 = 10.0;
/// Rows the map wraps the address range into.
const ROWS: u64 = 48;
/// Height of one row of the map, and the gap between rows.
const ROW_HEIGHT: f64 = 10.0;
const ROW_GAP: f64 = 2.0;
/// Height of the live-bytes chart.
const CHART_HEIGHT: f64 = 160.0;
/// At most this many points in the chart (buckets keep their maximum).
const CHART_POINTS: usize = 2000;

/// One block of the heap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Block {
    /// Address of its 8-byte header (the pointer handed out minus 8).
    pub header: u32,
    /// Its size class: it holds `8 << order` bytes after the header.
    pub order: u32,
    /// Allocated and not freed (else on its class's free list).
    pub live: bool,
    /// The size requested by the allocation that last held it.
    pub requested: u32,
}

impl Block {
    /// Bytes the block takes, header included.
    pub fn footprint(&self) -> u64 {
        class_bytes(self.order) + HEADER
    }
}

/// Which moment a heap map shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    /// The trace has no events: the empty heap.
    Start,
    /// The first event at which live bytes reach their maximum.
    Peak(usize),
    /// The first failed operation (allocation or free).
    Failure(usize),
}

impl Focus {
    /// The event index, if any.
    pub fn index(self) -> Option<usize> {
        match self {
            Focus::Start => None,
            Focus::Peak(i) | Focus::Failure(i) => Some(i),
        }
    }
}

/// The heap right after one event, rebuilt from a trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeapState {
    /// The event (`None`: before the first).
    pub event_index: Option<usize>,
    /// The heap base rounded up to 8, as the allocator uses it.
    pub heap_base: u32,
    /// The bump frontier (where the next bumped header would go).
    pub bumper: u32,
    /// The memory's size in pages.
    pub memory_pages: u32,
    /// The allocator's limit in pages (`None`: the wasm32 limit).
    pub max_pages: Option<u32>,
    /// Blocks inside `[heap_base, bumper)`, by address.
    pub blocks: Vec<Block>,
    /// Live bytes (blocks and headers) at that point.
    pub live_bytes: u64,
}

/// The size of class `order` in bytes.
fn class_bytes(order: u32) -> u64 {
    8u64 << order.min(40)
}

/// The heap base as the allocator rounds it.
fn rounded_base(heap_base: u32) -> u32 {
    heap_base.wrapping_add(7) & !7
}

/// Live bytes (blocks plus headers) after each event.
pub fn live_bytes(trace: &AllocationTrace) -> Vec<u64> {
    let mut live = 0u64;
    trace
        .events
        .iter()
        .map(|event| {
            match event.event {
                AllocationEvent::Allocated { order, .. } => live += class_bytes(order) + HEADER,
                AllocationEvent::Freed { order, .. } => {
                    live = live.saturating_sub(class_bytes(order) + HEADER)
                }
                _ => {}
            }
            live
        })
        .collect()
}

/// The moment a heap map shows: the first failure, else the first peak of live bytes.
pub fn focus(trace: &AllocationTrace) -> Focus {
    if let Some(i) = trace.events.iter().position(|e| e.event.is_failure()) {
        return Focus::Failure(i);
    }
    let live = live_bytes(trace);
    let mut best: Option<(usize, u64)> = None;
    for (i, &bytes) in live.iter().enumerate() {
        if best.is_none_or(|(_, b)| bytes > b) {
            best = Some((i, bytes));
        }
    }
    best.map_or(Focus::Start, |(i, _)| Focus::Peak(i))
}

/// The heap right after event `index` (`None`: before the first event).
pub fn heap_at(trace: &AllocationTrace, index: Option<usize>) -> HeapState {
    let heap_base = rounded_base(trace.heap_base);
    let mut state = HeapState {
        event_index: index,
        heap_base,
        bumper: heap_base,
        memory_pages: trace.initial_pages,
        max_pages: trace.max_pages,
        blocks: Vec::new(),
        live_bytes: 0,
    };
    let Some(index) = index else {
        return state;
    };
    let mut blocks: BTreeMap<u32, Block> = BTreeMap::new();
    for event in trace.events.iter().take(index.saturating_add(1)) {
        match event.event {
            AllocationEvent::Allocated {
                size, order, ptr, ..
            } => {
                let header = ptr.wrapping_sub(HEADER as u32);
                blocks.insert(
                    header,
                    Block {
                        header,
                        order,
                        live: true,
                        requested: size,
                    },
                );
                state.live_bytes += class_bytes(order) + HEADER;
            }
            AllocationEvent::Freed { ptr, order } => {
                let header = ptr.wrapping_sub(HEADER as u32);
                let block = blocks.entry(header).or_insert(Block {
                    header,
                    order,
                    live: false,
                    requested: 0,
                });
                block.live = false;
                block.order = order;
                state.live_bytes = state.live_bytes.saturating_sub(class_bytes(order) + HEADER);
            }
            AllocationEvent::AllocationFailed { .. } | AllocationEvent::FreeFailed { .. } => {}
        }
        state.bumper = event.heap.bumper;
        state.memory_pages = event.heap.memory_pages;
        state.max_pages = event.heap.max_pages.or(trace.max_pages);
    }
    let (base, bumper) = (u64::from(heap_base), u64::from(state.bumper));
    state.blocks = blocks
        .into_values()
        .filter(|b| u64::from(b.header) >= base && u64::from(b.header) + b.footprint() <= bumper)
        .collect();
    state
}

/// A human size: `512 B`, `64 KiB`, `1.5 MiB`.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 || value.fract() == 0.0 {
        format!("{} {}", value as u64, UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// The fill colour of class `order`: hues spread so neighbouring classes differ.
fn class_colour(order: u32) -> String {
    let hue = (order * 47 + 200) % 360;
    let lightness = 38 + (order % 3) * 10;
    format!("hsl({hue},70%,{lightness}%)")
}

/// Escapes text for XML content and attribute values.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Where addresses land in the map.
struct MapGeometry {
    start: u64,
    end: u64,
    bytes_per_row: u64,
    top: f64,
}

impl MapGeometry {
    fn new(start: u64, end: u64, top: f64) -> Self {
        let span = end.saturating_sub(start).max(8);
        let bytes_per_row = span.div_ceil(ROWS).next_multiple_of(8).max(8);
        MapGeometry {
            start,
            end: start + bytes_per_row * ROWS,
            bytes_per_row,
            top,
        }
    }

    fn height(&self) -> f64 {
        ROWS as f64 * (ROW_HEIGHT + ROW_GAP)
    }

    /// (x, y of the row's top) of an address inside the map.
    fn point(&self, address: u64) -> (f64, f64) {
        let offset = address.clamp(self.start, self.end) - self.start;
        let row = (offset / self.bytes_per_row).min(ROWS - 1);
        let within = offset - row * self.bytes_per_row;
        let x = MARGIN + within as f64 * (WIDTH - 2.0 * MARGIN) / self.bytes_per_row as f64;
        (x, self.top + row as f64 * (ROW_HEIGHT + ROW_GAP))
    }

    /// Path data covering `[from, to)`, one rectangle per row it touches.
    fn path(&self, from: u64, to: u64) -> String {
        let (from, to) = (from.max(self.start), to.min(self.end));
        let mut data = String::new();
        let mut at = from;
        while at < to {
            let row_end =
                self.start + ((at - self.start) / self.bytes_per_row + 1) * self.bytes_per_row;
            let segment_end = to.min(row_end);
            let (x0, y) = self.point(at);
            let x1 = if segment_end == row_end {
                WIDTH - MARGIN
            } else {
                self.point(segment_end).0
            };
            let _ = write!(
                data,
                "M{x0:.2} {y:.1}h{:.2}v{ROW_HEIGHT}h{:.2}z",
                (x1 - x0).max(0.3),
                -(x1 - x0).max(0.3)
            );
            at = segment_end;
        }
        data
    }
}

/// The heap map of `trace` as a standalone SVG document; `title` names the call.
pub fn render_svg(trace: &AllocationTrace, title: &str) -> String {
    let focus = focus(trace);
    let state = heap_at(trace, focus.index());
    let live = live_bytes(trace);
    let base = u64::from(state.heap_base);
    let bumper = u64::from(state.bumper).max(base);
    let limit_pages = state
        .max_pages
        .unwrap_or(state.memory_pages)
        .max(state.memory_pages);
    let limit = u64::from(limit_pages) * u64::from(PAGE_SIZE);
    let used = bumper - base;
    let mut view_end = bumper + (used / 16).max(256);
    let limit_visible = limit > base && limit - base <= used.saturating_mul(2).max(4096);
    if limit_visible {
        view_end = view_end.max(limit);
    }

    let mut svg = String::new();
    let top = 80.0;
    let geometry = MapGeometry::new(base, view_end, top);
    let legend_top = top + geometry.height() + 10.0;
    let classes: BTreeMap<u32, (usize, usize)> =
        state.blocks.iter().fold(BTreeMap::new(), |mut map, b| {
            let entry = map.entry(b.order).or_insert((0, 0));
            if b.live {
                entry.0 += 1;
            } else {
                entry.1 += 1;
            }
            map
        });
    let legend_rows = classes.len().div_ceil(5).max(1);
    let chart_top = legend_top + legend_rows as f64 * 18.0 + 40.0;
    let height = chart_top + CHART_HEIGHT + 40.0;

    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height:.0}" viewBox="0 0 {WIDTH} {height:.0}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        svg,
        r#"<rect width="{WIDTH}" height="{height:.0}" fill="white"/>"#
    );
    let moment = match focus {
        Focus::Start => "before any allocation".to_string(),
        Focus::Peak(i) => format!("at the peak (event {i} of {})", trace.events.len()),
        Focus::Failure(i) => format!("at the failure (event {i} of {})", trace.events.len()),
    };
    let live_count = state.blocks.iter().filter(|b| b.live).count();
    let _ = writeln!(
        svg,
        r#"<text x="{MARGIN}" y="18" font-size="15" font-weight="bold">{}</text>"#,
        escape(&format!("Heap of {title} {moment}"))
    );
    let blocks_line = format!(
        "{} live in {live_count} blocks, {} free blocks; {} of address space handed out",
        human_bytes(state.live_bytes),
        state.blocks.len() - live_count,
        human_bytes(used),
    );
    let mut memory_line = format!(
        "heap base {base:#x}, bump frontier {bumper:#x}; memory {} pages, limit {limit_pages} pages ({})",
        state.memory_pages,
        human_bytes(limit),
    );
    if !limit_visible {
        memory_line.push_str(", beyond the picture");
    }
    let _ = writeln!(
        svg,
        r#"<text x="{MARGIN}" y="36">{}</text>"#,
        escape(&blocks_line)
    );
    let _ = writeln!(
        svg,
        r#"<text x="{MARGIN}" y="52">{}</text>"#,
        escape(&memory_line)
    );
    if let Focus::Failure(i) = focus {
        let text = match &trace.events[i].event {
            AllocationEvent::AllocationFailed { size, order, error } => format!(
                "failed: request of {size} bytes ({}): {error}",
                match order {
                    Some(order) => format!("class {}", human_bytes(class_bytes(*order))),
                    None => "above the largest class".into(),
                }
            ),
            AllocationEvent::FreeFailed { ptr, error } => {
                format!("failed: free of {ptr:#x}: {error}")
            }
            _ => String::new(),
        };
        let _ = writeln!(
            svg,
            r##"<text x="{MARGIN}" y="68" fill="#c00">{}</text>"##,
            escape(&text)
        );
    }

    // The map: address space handed out, what lies beyond, the blocks, frontier and limit.
    let _ = writeln!(svg, r#"<g id="map">"#);
    let _ = writeln!(
        svg,
        r##"<path class="handed-out" fill="#e8e8e8" d="{}"/>"##,
        geometry.path(base, bumper)
    );
    let _ = writeln!(
        svg,
        r##"<path class="untouched" fill="#fafafa" stroke="#ccc" stroke-width="0.5" d="{}"/>"##,
        geometry.path(
            bumper,
            geometry
                .end
                .min(if limit_visible { limit } else { view_end })
        )
    );
    for block in &state.blocks {
        let from = u64::from(block.header);
        let colour = class_colour(block.order);
        let (class, style) = if block.live {
            ("block live", format!(r#"fill="{colour}""#))
        } else {
            (
                "block free",
                format!(
                    r#"fill="{colour}" fill-opacity="0.25" stroke="{colour}" stroke-width="0.5""#
                ),
            )
        };
        let _ = writeln!(
            svg,
            r#"<path class="{class}" data-ptr="{}" data-order="{}" data-requested="{}" {style} d="{}"><title>{}</title></path>"#,
            from + HEADER,
            block.order,
            block.requested,
            geometry.path(from, from + block.footprint()),
            escape(&format!(
                "{:#x}: {} class {}{}",
                from + HEADER,
                if block.live { "live," } else { "free," },
                human_bytes(class_bytes(block.order)),
                if block.live {
                    format!(", {} requested", block.requested)
                } else {
                    String::new()
                }
            ))
        );
    }
    let (fx, fy) = geometry.point(bumper);
    let _ = writeln!(
        svg,
        r##"<line class="frontier" x1="{fx:.2}" y1="{:.1}" x2="{fx:.2}" y2="{:.1}" stroke="#d00" stroke-width="2"><title>bump frontier {bumper:#x}</title></line>"##,
        fy - 2.0,
        fy + ROW_HEIGHT + 2.0
    );
    if limit_visible {
        let (lx, ly) = geometry.point(limit);
        let _ = writeln!(
            svg,
            r##"<line class="limit" x1="{lx:.2}" y1="{:.1}" x2="{lx:.2}" y2="{:.1}" stroke="#000" stroke-width="2" stroke-dasharray="3 2"><title>memory limit {limit:#x}</title></line>"##,
            ly - 2.0,
            ly + ROW_HEIGHT + 2.0
        );
    }
    let _ = writeln!(svg, "</g>");

    // Legend: one swatch per class present.
    let _ = writeln!(svg, r#"<g id="legend">"#);
    for (n, (order, (live_n, free_n))) in classes.iter().enumerate() {
        let x = MARGIN + (n % 5) as f64 * 196.0;
        let y = legend_top + (n / 5) as f64 * 18.0;
        let _ = writeln!(
            svg,
            r#"<rect x="{x:.0}" y="{y:.0}" width="12" height="12" fill="{}"/><text x="{:.0}" y="{:.0}">{}: {live_n} live, {free_n} free</text>"#,
            class_colour(*order),
            x + 16.0,
            y + 10.0,
            escape(&human_bytes(class_bytes(*order)))
        );
    }
    let _ = writeln!(
        svg,
        r##"<text x="{MARGIN}" y="{:.0}" fill="#555">Each row is {} of address space; solid: live, pale: free; red line: bump frontier{}.</text>"##,
        legend_top + legend_rows as f64 * 18.0 + 6.0,
        human_bytes(geometry.bytes_per_row),
        if limit_visible {
            ", dashed line: memory limit"
        } else {
            ""
        }
    );
    let _ = writeln!(svg, "</g>");

    chart(&mut svg, &live, focus, chart_top);
    svg.push_str("</svg>\n");
    svg
}

/// The live-bytes chart below the map.
fn chart(svg: &mut String, live: &[u64], focus: Focus, top: f64) {
    let peak = live.iter().copied().max().unwrap_or(0).max(1);
    let n = live.len().max(1);
    let plot_left = MARGIN + 60.0;
    let plot_width = WIDTH - plot_left - MARGIN;
    let x_of = |i: usize| plot_left + i as f64 * plot_width / n as f64;
    let y_of = |bytes: u64| top + CHART_HEIGHT - bytes as f64 * CHART_HEIGHT / peak as f64;
    let _ = writeln!(svg, r#"<g id="chart">"#);
    let _ = writeln!(
        svg,
        r#"<text x="{MARGIN}" y="{:.0}" font-weight="bold">Live bytes (blocks and headers) after each event</text>"#,
        top - 10.0
    );
    let _ = writeln!(
        svg,
        r##"<rect x="{plot_left:.0}" y="{top:.0}" width="{plot_width:.0}" height="{CHART_HEIGHT}" fill="none" stroke="#999"/>"##
    );
    let bucket = live.len().div_ceil(CHART_POINTS).max(1);
    let mut points = format!("{:.2},{:.2}", x_of(0), y_of(0));
    for (b, chunk) in live.chunks(bucket).enumerate() {
        let max = chunk.iter().copied().max().unwrap_or(0);
        let _ = write!(
            points,
            " {:.2},{:.2}",
            x_of(b * bucket + chunk.len()),
            y_of(max)
        );
    }
    let _ = writeln!(
        svg,
        r##"<polyline class="live-bytes" fill="none" stroke="#1f6fb4" stroke-width="1.2" points="{points}"/>"##
    );
    if let Some(i) = focus.index() {
        let x = x_of(i + 1);
        let _ = writeln!(
            svg,
            r##"<line class="focus" x1="{x:.2}" y1="{top:.0}" x2="{x:.2}" y2="{:.0}" stroke="#d00" stroke-dasharray="4 3"/>"##,
            top + CHART_HEIGHT
        );
    }
    let _ = writeln!(
        svg,
        r#"<text x="{plot_left:.0}" y="{:.0}" text-anchor="end" dx="-4">{}</text><text x="{plot_left:.0}" y="{:.0}" text-anchor="end" dx="-4">0</text>"#,
        top + 10.0,
        escape(&human_bytes(peak)),
        top + CHART_HEIGHT
    );
    let _ = writeln!(
        svg,
        r#"<text x="{plot_left:.0}" y="{:.0}">event 0</text><text x="{:.0}" y="{:.0}" text-anchor="end">event {}</text>"#,
        top + CHART_HEIGHT + 16.0,
        WIDTH - MARGIN,
        top + CHART_HEIGHT + 16.0,
        live.len()
    );
    let _ = writeln!(svg, "</g>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use subexec_allocator::{AllocationRecorder, FreeingBumpHeapAllocator, VecMemory};

    /// A trace of real allocator operations: three blocks, one freed, one failure.
    fn small_trace() -> AllocationTrace {
        let mut memory = VecMemory::new(1, Some(1));
        let mut heap = FreeingBumpHeapAllocator::new(1000);
        let mut recorder = AllocationRecorder::new(1000, 1, Some(1));
        recorder.set_site("test");
        let a = heap
            .allocate_observed(&mut memory, 10, &mut recorder)
            .unwrap();
        heap.allocate_observed(&mut memory, 100, &mut recorder)
            .unwrap();
        heap.allocate_observed(&mut memory, 20, &mut recorder)
            .unwrap();
        heap.deallocate_observed(&mut memory, a, &mut recorder)
            .unwrap();
        heap.allocate_observed(&mut memory, 1 << 20, &mut recorder)
            .unwrap_err();
        recorder.finish()
    }

    #[test]
    fn heap_state_follows_the_events() {
        let trace = small_trace();
        // Hand arithmetic: base 1000 (already a multiple of 8); blocks 16+8, 128+8, 32+8.
        assert_eq!(live_bytes(&trace), vec![24, 160, 200, 176, 176]);
        assert_eq!(focus(&trace), Focus::Failure(4));
        let state = heap_at(&trace, Some(4));
        assert_eq!(state.bumper, 1000 + 24 + 136 + 40);
        let summary: Vec<(u32, u32, bool)> = state
            .blocks
            .iter()
            .map(|b| (b.header, b.order, b.live))
            .collect();
        assert_eq!(
            summary,
            vec![(1000, 1, false), (1024, 4, true), (1160, 2, true)]
        );
        assert_eq!(heap_at(&trace, None).blocks, vec![]);
    }

    #[test]
    fn svg_has_one_path_per_block_and_is_deterministic() {
        let trace = small_trace();
        let svg = render_svg(&trace, "test <call>");
        assert_eq!(svg.matches(r#"class="block live""#).count(), 2);
        assert_eq!(svg.matches(r#"class="block free""#).count(), 1);
        assert!(svg.contains("test &lt;call&gt;"));
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>\n"));
        assert_eq!(svg, render_svg(&trace, "test <call>"));
    }

    #[test]
    fn human_sizes() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(65536), "64 KiB");
        assert_eq!(human_bytes(3 << 19), "1.5 MiB");
    }
}
