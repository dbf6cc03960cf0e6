//! Classic vs guest-allocator: the same `runtime-guest` workloads run in both modes.
//!
//! [`workloads`] lists them (a block-like demo, allocation-heavy code, storage reads with
//! values below and above the guest's 64-byte first-guess buffer, hashing-heavy host calls,
//! pure compute); each is a few set-up calls and one measured call on fresh storage.
//! [`measure`] runs one workload on one blob and returns a [`Measurement`]: output and storage
//! changes (for the equality tests), host calls by function, bytes copied across the
//! boundary, peak memory pages, allocator statistics (classic only), fuel and wall time.
//! [`render_table`] and [`render_svg`] turn measurements into the table `subexec compare`
//! prints and the chart `docs/MODES.md` shows (the SVG is generated here, never drawn by
//! hand). Timing for performance claims lives in the criterion bench `benches/modes.rs`;
//! the time here is a median of a few runs, for orientation.

use std::time::{Duration, Instant};

use parity_scale_codec::Encode;
use subexec_host_functions::storage::StorageChanges;
use subexec_runtime_blobs::api::{
    entries, AllocParams, Block, HashAlgorithm, HostCall, StorageParams, Transfer,
};

use subexec_executor::{
    CallError, CallOutcome, Executor, HeapAllocStrategy, LoadError, RuntimeMode,
};

/// The heap strategy of the comparison: `Dynamic` without a limit, so peak pages are what
/// each mode really grew its memory to (a `Static` heap would report its fixed size).
pub const HEAP: HeapAllocStrategy = HeapAllocStrategy::Dynamic {
    maximum_pages: None,
};

/// The executor the comparison uses: [`HEAP`], fuel metered.
pub fn executor() -> Executor {
    Executor::builder()
        .heap_alloc_strategy(HEAP)
        .fuel(Some(crate::limits::DEFAULT_CALL_FUEL))
        .build()
}

/// One workload: calls that prepare the state, then the measured call.
#[derive(Clone, Debug)]
pub struct Workload {
    /// Short name, e.g. `demo-block`.
    pub name: &'static str,
    /// What it exercises.
    pub description: &'static str,
    /// Calls run first (not measured), in order, on the same storage.
    pub setup: Vec<EntryCall>,
    /// The measured call: entry point and input.
    pub call: EntryCall,
}

/// An entry point and its input.
pub type EntryCall = (&'static str, Vec<u8>);

fn storage_read(value_size: u32) -> (Vec<EntryCall>, EntryCall) {
    let params = StorageParams {
        count: 200,
        value_size,
    };
    (
        vec![(entries::BENCH_STORAGE_POPULATE, params.encode())],
        (entries::BENCH_STORAGE_READ, params.encode()),
    )
}

/// The compared workloads, in table order.
pub fn workloads() -> Vec<Workload> {
    let accounts: Vec<([u8; 32], u128)> = (1..=16u8).map(|n| ([n; 32], 1_000_000)).collect();
    let transfers = (0..64u32)
        .map(|i| Transfer {
            from: [(i % 16 + 1) as u8; 32],
            to: [((i * 7) % 16 + 1) as u8; 32],
            amount: 1_000 + u128::from(i),
        })
        .collect();
    let block = Block {
        number: 1,
        transfers,
    };
    let hashing: Vec<HostCall> = (0..200u32)
        .flat_map(|i| {
            let data = vec![i as u8; 256];
            [
                HostCall::Hash(HashAlgorithm::Blake2_256, data.clone()),
                HostCall::Hash(HashAlgorithm::Twox128, data.clone()),
                HostCall::Hash(HashAlgorithm::Keccak256, data),
            ]
        })
        .collect();
    let (small_setup, small_call) = storage_read(32);
    let (large_setup, large_call) = storage_read(200);
    vec![
        Workload {
            name: "demo-block",
            description: "block of 64 transfers over 16 accounts (FRAME-like storage, events)",
            setup: vec![(entries::DEMO_INITIALIZE, accounts.encode())],
            call: (entries::DEMO_EXECUTE_BLOCK, block.encode()),
        },
        Workload {
            name: "alloc-heavy",
            description: "2000 boxes, 5000 Vec pushes, 1000 BTreeMap entries",
            setup: vec![],
            call: (
                entries::BENCH_ALLOC_HEAVY,
                AllocParams {
                    boxes: 2000,
                    box_size: 48,
                    vec_pushes: 5000,
                    map_entries: 1000,
                }
                .encode(),
            ),
        },
        Workload {
            name: "storage-small",
            description: "200 reads of 32-byte values (fit the guest's 64-byte first guess)",
            setup: small_setup,
            call: small_call,
        },
        Workload {
            name: "storage-large",
            description: "200 reads of 200-byte values (the guest reads twice)",
            setup: large_setup,
            call: large_call,
        },
        Workload {
            name: "hashing",
            description: "600 host hashes of 256 bytes (blake2-256, twox-128, keccak-256)",
            setup: vec![],
            call: (entries::HOST_API_RUN, hashing.encode()),
        },
        Workload {
            name: "compute",
            description: "pure compute, no host calls (20 000 iterations)",
            setup: vec![],
            call: (entries::BENCH_COMPUTE, 20_000u32.encode()),
        },
    ]
}

/// What one workload did in one mode.
#[derive(Clone, Debug)]
pub struct Measurement {
    /// The workload's name.
    pub workload: &'static str,
    /// The runtime's mode.
    pub mode: RuntimeMode,
    /// The measured call's outcome (output, host calls, bytes, pages, allocator, fuel).
    pub outcome: CallOutcome,
    /// Storage changes after the set-up and the measured call.
    pub changes: StorageChanges,
    /// Median wall time of the measured call over the runs.
    pub time: Duration,
}

/// Why a comparison could not run.
#[derive(thiserror::Error, Debug)]
pub enum CompareError {
    /// A blob did not load.
    #[error("cannot load a compared runtime: {0}")]
    Load(LoadError),
    /// A call failed.
    #[error("{workload}: `{entry}` failed: {error}")]
    Call {
        /// The workload.
        workload: &'static str,
        /// The entry point.
        entry: &'static str,
        /// Why.
        error: CallError,
    },
}

/// Runs `workload` on `wasm` (`runs` times on fresh storage; every run is identical but for
/// the time, whose median is kept).
pub fn measure(
    executor: &Executor,
    wasm: &[u8],
    workload: &Workload,
    runs: usize,
) -> Result<Measurement, CompareError> {
    let runtime = executor.load(wasm).map_err(CompareError::Load)?;
    let failed = |entry: &'static str| {
        move |error| CompareError::Call {
            workload: workload.name,
            entry,
            error,
        }
    };
    let run_once = || -> Result<(CallOutcome, StorageChanges, Duration), CompareError> {
        let mut storage = subexec_executor::empty_storage();
        for (entry, input) in &workload.setup {
            runtime
                .call(&mut storage, entry, input)
                .map_err(failed(entry))?;
        }
        let (entry, input) = &workload.call;
        let start = Instant::now();
        let outcome = runtime
            .call(&mut storage, entry, input)
            .map_err(failed(entry))?;
        let time = start.elapsed();
        Ok((outcome, storage.changes(), time))
    };
    let (outcome, changes, first) = run_once()?;
    let mut times = vec![first];
    for _ in 1..runs {
        times.push(run_once()?.2);
    }
    times.sort();
    Ok(Measurement {
        workload: workload.name,
        mode: runtime.mode(),
        outcome,
        changes,
        time: times[times.len() / 2],
    })
}

/// Every workload in both modes: `(classic, guest)` per workload.
pub fn compare(
    executor: &Executor,
    classic: &[u8],
    guest: &[u8],
    runs: usize,
) -> Result<Vec<(Measurement, Measurement)>, CompareError> {
    workloads()
        .iter()
        .map(|w| {
            Ok((
                measure(executor, classic, w, runs)?,
                measure(executor, guest, w, runs)?,
            ))
        })
        .collect()
}

/// The three host functions called most, as `name×count`.
fn top_calls(m: &Measurement) -> String {
    let mut calls: Vec<_> = m.outcome.host_calls.calls().collect();
    calls.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    calls
        .iter()
        .take(3)
        .map(|(f, n)| {
            let name = f.name().trim_start_matches("ext_");
            format!("{name}×{n}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A Markdown table: one row per workload and mode.
pub fn render_table(rows: &[(Measurement, Measurement)]) -> String {
    let mut out = String::from(
        "| workload | mode | host calls | bytes in | bytes out | peak pages | allocations (sum B / peak B) | fuel | time (µs) | most called |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---:|---|\n",
    );
    for (classic, guest) in rows {
        for m in [classic, guest] {
            let stats = &m.outcome.allocation_stats;
            let alloc = match m.mode {
                RuntimeMode::Classic => {
                    format!(
                        "{} / {}",
                        stats.bytes_allocated_sum, stats.bytes_allocated_peak
                    )
                }
                RuntimeMode::GuestAllocator => "— (in the runtime)".to_string(),
            };
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                m.workload,
                m.mode,
                m.outcome.host_calls.total_calls(),
                m.outcome.host_calls.bytes_in,
                m.outcome.host_calls.bytes_out,
                m.outcome.peak_memory_pages,
                alloc,
                m.outcome
                    .fuel_consumed
                    .map_or("—".to_string(), |f| f.to_string()),
                m.time.as_micros(),
                top_calls(m),
            ));
        }
    }
    out
}

/// A grouped bar chart (SVG) of guest-allocator / classic ratios per workload for host calls,
/// bytes copied and fuel: a bar below the 1.0 line means the guest-allocator mode does less.
/// Bars are capped at 2.0; a capped bar carries its real ratio as a label.
pub fn render_svg(rows: &[(Measurement, Measurement)]) -> String {
    type Metric = (&'static str, &'static str, fn(&Measurement) -> f64);
    let metrics: [Metric; 3] = [
        ("host calls", "#4e79a7", |m| {
            m.outcome.host_calls.total_calls() as f64
        }),
        ("bytes copied", "#f28e2b", |m| {
            (m.outcome.host_calls.bytes_in + m.outcome.host_calls.bytes_out) as f64
        }),
        ("fuel", "#59a14f", |m| {
            m.outcome.fuel_consumed.unwrap_or(0) as f64
        }),
    ];
    let ratio = |classic: f64, guest: f64| {
        if classic == 0.0 {
            if guest == 0.0 {
                1.0
            } else {
                f64::INFINITY
            }
        } else {
            guest / classic
        }
    };
    let (left, top, height, group_width, bar) = (60.0, 40.0, 240.0, 110.0, 26.0);
    let width = left + group_width * rows.len() as f64 + 20.0;
    let y = |r: f64| top + height - r / 2.0 * height;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{}\" font-family=\"sans-serif\" font-size=\"11\">\n",
        top + height + 60.0
    );
    svg.push_str(&format!(
        "<text x=\"{left}\" y=\"20\" font-size=\"13\">guest-allocator / classic (1.0 = equal; bars capped at 2.0, labelled above)</text>\n"
    ));
    for tick in [0.0, 0.5, 1.0, 1.5, 2.0] {
        let ty = y(tick);
        let stroke = if tick == 1.0 { "#000" } else { "#ddd" };
        svg.push_str(&format!(
            "<line x1=\"{left}\" y1=\"{ty}\" x2=\"{}\" y2=\"{ty}\" stroke=\"{stroke}\"/>\n<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{tick:.1}</text>\n",
            width - 20.0,
            left - 6.0,
            ty + 4.0
        ));
    }
    for (i, (classic, guest)) in rows.iter().enumerate() {
        let x0 = left + group_width * i as f64 + 10.0;
        for (j, (_, color, value)) in metrics.iter().enumerate() {
            let raw = ratio(value(classic), value(guest));
            let r = raw.min(2.0);
            let x = x0 + bar * j as f64;
            svg.push_str(&format!(
                "<rect x=\"{x}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{color}\"><title>{raw:.3}</title></rect>\n",
                y(r),
                bar - 4.0,
                top + height - y(r),
            ));
            if raw > 2.0 {
                // Capped bar: print the real ratio above it.
                svg.push_str(&format!(
                    "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{raw:.1}×</text>\n",
                    x + (bar - 4.0) / 2.0,
                    y(r) - 4.0
                ));
            }
        }
        svg.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
            x0 + bar * 1.5,
            top + height + 16.0,
            classic.workload
        ));
    }
    for (j, (name, color, _)) in metrics.iter().enumerate() {
        let x = left + 130.0 * j as f64;
        let ly = top + height + 38.0;
        svg.push_str(&format!(
            "<rect x=\"{x}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{color}\"/><text x=\"{}\" y=\"{ly}\">{name}</text>\n",
            ly - 10.0,
            x + 16.0
        ));
    }
    svg.push_str("</svg>\n");
    svg
}
