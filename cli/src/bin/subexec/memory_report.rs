//! `run --heap-report FILE` and `run --memory-budget validator|PAGES`: what a call did with
//! its heap, from its allocation trace (see `docs/MEMORY-DIAGNOSTICS.md`).
//!
//! The heap report is an SVG heap map written to FILE (one per call: with several calls the
//! call's number and name go before the extension) and a text summary on stderr: the peak,
//! the waste at the peak, live bytes by size class and by host function, and the headroom.
//! The budget report measures the call's footprint against the budget it ran under and warns
//! when it passes half of the validators' budget. Both are also fields of `--json` output.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use subexec_allocator::{profile, HeapProfile};
use subexec_cli::diagnostics::budget::{assess, BudgetReport, MemoryBudget};
use subexec_cli::diagnostics::heap_map::{self, human_bytes};
use subexec_executor::{AllocationTrace, RuntimeMode};

use crate::failure::{Failure, Kind, Outcome};

/// Why a call asked to be traced has no trace, for stderr: a guest-allocator runtime's heap is
/// its own, and a classic call that made more than
/// [`MAX_TRACE_EVENTS`](subexec_host_functions::MAX_TRACE_EVENTS) allocator operations outgrew the
/// trace (recording stops; the call itself is unaffected).
pub fn no_trace_note(method: &str, mode: RuntimeMode) -> String {
    match mode {
        RuntimeMode::GuestAllocator => format!(
            "note: no heap report or memory budget for `{method}`: a guest-allocator (RFC-0145) \
             runtime manages its heap itself, the host records nothing"
        ),
        RuntimeMode::Classic => format!(
            "note: no heap report or memory budget for `{method}`: it made more than {} \
             allocator operations, more than a trace holds",
            subexec_host_functions::MAX_TRACE_EVENTS
        ),
    }
}

/// Where the heap map of call `index` (0-based) of `total` goes.
pub fn heap_map_path(file: &Path, index: usize, total: usize, method: &str) -> PathBuf {
    if total <= 1 {
        return file.to_path_buf();
    }
    let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned());
    let name = match (stem, file.extension()) {
        (Some(stem), Some(ext)) => {
            format!("{stem}-{}-{method}.{}", index + 1, ext.to_string_lossy())
        }
        (Some(stem), None) => format!("{stem}-{}-{method}", index + 1),
        (None, _) => format!("heap-{}-{method}.svg", index + 1),
    };
    file.with_file_name(name)
}

/// Writes the heap map of `trace` to `path`; returns the text summary and its JSON.
pub fn heap_report(trace: &AllocationTrace, method: &str, path: &Path) -> Outcome<(String, Value)> {
    let svg = heap_map::render_svg(trace, method);
    std::fs::write(path, svg).map_err(|e| {
        Failure::caused(
            Kind::Other,
            format!("cannot write the heap map {}", path.display()),
            e,
        )
    })?;
    let profile = profile(trace);
    let text = format!(
        "heap report of {method}: map written to {}\n{}",
        path.display(),
        profile_text(trace, &profile)
    );
    let mut value = profile_json(&profile);
    if let Value::Object(map) = &mut value {
        map.insert("file".into(), json!(path.display().to_string()));
    }
    Ok((text, value))
}

/// The profile as text: peak, waste, classes, sites, headroom.
fn profile_text(trace: &AllocationTrace, profile: &HeapProfile) -> String {
    let peak = &profile.peak;
    let mut text = match peak.event {
        Some(event) => format!(
            "  peak:      event {event} of {}: {} live in {} blocks ({} requested), {} of address space, memory {} pages\n",
            trace.events.len(),
            human_bytes(peak.live_footprint),
            peak.live_blocks,
            human_bytes(peak.live_requested),
            human_bytes(peak.address_space),
            peak.memory_pages,
        ),
        None => "  peak:      nothing was allocated\n".to_string(),
    };
    let waste = &profile.waste_at_peak;
    text.push_str(&format!(
        "  waste:     {} at the peak: rounding to the class {}, headers {}, stranded in free lists {} ({:.1} % of the address space)\n",
        human_bytes(waste.total()),
        human_bytes(waste.rounding),
        human_bytes(waste.headers),
        human_bytes(waste.stranded),
        percent(waste.total(), peak.address_space),
    ));
    text.push_str(
        "  classes at the peak:   class   live  requested  footprint   free  free bytes\n",
    );
    for class in &profile.classes_at_peak {
        text.push_str(&format!(
            "    {:>26} {:>6} {:>10} {:>10} {:>6} {:>11}\n",
            human_bytes(class.block_bytes()),
            class.live_blocks,
            human_bytes(class.live_requested),
            human_bytes(class.live_footprint),
            class.free_blocks,
            human_bytes(class.free_footprint),
        ));
    }
    text.push_str("  sites (host functions):                          allocs   frees  requested  live at peak\n");
    let mut sites: Vec<_> = profile
        .sites
        .iter()
        .filter(|s| s.allocations + s.frees + s.failed_allocations > 0)
        .collect();
    sites.sort_by(|a, b| b.footprint.cmp(&a.footprint).then(a.site.cmp(&b.site)));
    for site in sites {
        text.push_str(&format!(
            "    {:<44} {:>7} {:>7} {:>10} {:>13}\n",
            site.site,
            site.allocations,
            site.frees,
            human_bytes(site.requested),
            human_bytes(site.live_footprint_at_peak),
        ));
    }
    let headroom = &profile.headroom;
    text.push_str(&format!(
        "  headroom:  {} left under the limit of {} pages (largest request that still fits: {})\n",
        signed_bytes(headroom.bytes),
        headroom.limit_pages,
        human_bytes(u64::from(headroom.largest_request)),
    ));
    text
}

fn signed_bytes(bytes: i64) -> String {
    if bytes < 0 {
        format!("-{}", human_bytes(bytes.unsigned_abs()))
    } else {
        human_bytes(bytes.unsigned_abs())
    }
}

/// The profile as JSON (bytes as numbers).
fn profile_json(profile: &HeapProfile) -> Value {
    let peak = &profile.peak;
    let waste = &profile.waste_at_peak;
    json!({
        "peak_event": peak.event,
        "peak_live_bytes": peak.live_footprint,
        "peak_live_blocks": peak.live_blocks,
        "peak_requested_bytes": peak.live_requested,
        "peak_address_space": peak.address_space,
        "peak_memory_pages": peak.memory_pages,
        "waste_at_peak": {
            "rounding": waste.rounding,
            "headers": waste.headers,
            "stranded": waste.stranded,
        },
        "classes_at_peak": profile.classes_at_peak.iter().map(|c| json!({
            "class_bytes": c.block_bytes(),
            "live_blocks": c.live_blocks,
            "live_requested": c.live_requested,
            "live_footprint": c.live_footprint,
            "free_blocks": c.free_blocks,
            "free_footprint": c.free_footprint,
        })).collect::<Vec<_>>(),
        "sites": profile.sites.iter().map(|s| json!({
            "site": s.site,
            "allocations": s.allocations,
            "failed_allocations": s.failed_allocations,
            "frees": s.frees,
            "requested": s.requested,
            "footprint": s.footprint,
            "live_footprint_at_peak": s.live_footprint_at_peak,
        })).collect::<Vec<_>>(),
        "headroom": {
            "limit_pages": profile.headroom.limit_pages,
            "bytes": profile.headroom.bytes,
            "largest_request": profile.headroom.largest_request,
        },
    })
}

/// The budget lines of a call, and their JSON.
pub fn budget_report(trace: &AllocationTrace, budget: MemoryBudget) -> (String, Value) {
    let report = assess(trace, budget);
    (budget_text(&report), budget_json(&report))
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

fn budget_text(report: &BudgetReport) -> String {
    let mut text = format!(
        "  budget:  {}: footprint {} of {} ({:.1} %), headroom {} (largest request that still fits: {})\n",
        report.budget,
        human_bytes(report.footprint_bytes),
        human_bytes(report.budget_bytes),
        percent(report.footprint_bytes, report.budget_bytes),
        signed_bytes(report.headroom_bytes),
        human_bytes(u64::from(report.largest_request_left)),
    );
    if report.over_half_of_validator_budget {
        text.push_str(&format!(
            "  warning: the call's footprint ({}) is above half of the validators' budget ({} of {}); keep blocks below half\n",
            human_bytes(report.footprint_bytes),
            human_bytes(report.validator_bytes / 2),
            human_bytes(report.validator_bytes),
        ));
    }
    text
}

fn budget_json(report: &BudgetReport) -> Value {
    json!({
        "budget": report.budget.to_string(),
        "budget_pages": report.budget.max_pages(),
        "budget_bytes": report.budget_bytes,
        "footprint_bytes": report.footprint_bytes,
        "headroom_bytes": report.headroom_bytes,
        "largest_request_left": report.largest_request_left,
        "validator_budget_bytes": report.validator_bytes,
        "over_half_of_validator_budget": report.over_half_of_validator_budget,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_call_keeps_the_name_several_get_numbered() {
        let file = Path::new("/tmp/x/heap.svg");
        assert_eq!(heap_map_path(file, 0, 1, "A"), file);
        assert_eq!(
            heap_map_path(file, 1, 2, "Demo_execute_block"),
            Path::new("/tmp/x/heap-2-Demo_execute_block.svg")
        );
    }
}
