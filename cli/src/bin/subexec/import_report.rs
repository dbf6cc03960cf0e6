//! What `import-blocks` and `execute-block` print: a line per block (`--verbose`), the
//! summary, the memory-budget report, and the JSON document (`--json`); and how a refused
//! block becomes an exit code.
//!
//! | block failure | exit code |
//! |---|---|
//! | the runtime call failed (trap, panic, out of fuel, host-function error) | 3 |
//! | the state root after the block is not the header's | 1 |
//! | not the head's successor, wrong parent, a `:code` that does not load | 2 |

use std::time::Duration;
use subexec_cli::text::one_line;

use serde_json::{json, Value};
use subexec_cli::diagnostics::budget::{assess, BudgetReport, MemoryBudget};
use subexec_cli::diagnostics::heap_map::human_bytes;
use subexec_executor::block::{BlockError, BlockFailure, BlockOutcome, Head, Importer};
use subexec_executor::storage::CommittedState;
use subexec_executor::{CallError, CallLogs};

use crate::failure::{Failure, Kind};

fn hex0x(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// A refused block as a failure: the block and the call on the first line, the cause chain
/// after it, the exit code by the cause (see the module docs).
pub fn block_failure(error: BlockError) -> Failure {
    let kind = match &*error.failure {
        BlockFailure::Call(CallError::MissingExport(_) | CallError::BadEntrySignature { .. }) => {
            Kind::BadInput
        }
        BlockFailure::Call(_) | BlockFailure::RuntimeVersion(_) => Kind::Runtime,
        BlockFailure::StateRootMismatch { .. } | BlockFailure::Backend(_) => Kind::Other,
        BlockFailure::NotNext { .. }
        | BlockFailure::WrongParent { .. }
        | BlockFailure::RuntimeLoad(_)
        | BlockFailure::NoCode => Kind::BadInput,
    };
    let mut message = format!(
        "block #{} ({}) not imported",
        error.number,
        hex0x(&error.hash)
    );
    if let Some(call) = &error.call {
        message.push_str(&format!(", `{call}`"));
    }
    Failure::caused(kind, message, error.failure)
}

/// The measurement of one block against a memory budget (from its allocation trace).
pub fn budget_of(outcome: &BlockOutcome, budget: Option<MemoryBudget>) -> Option<BudgetReport> {
    Some(assess(outcome.call.allocation_trace.as_ref()?, budget?))
}

/// `#N 0xHASH  T ms  (execution, root, commit)  E extrinsics … ` for `--verbose`.
pub fn block_line(outcome: &BlockOutcome, extrinsics: usize) -> String {
    let call = &outcome.call;
    let t = &outcome.timings;
    let mut line = format!(
        "#{} {}  {:.2} ms (execution {:.2} of which host calls {:.2}, root {:.2}, commit {:.2})  {extrinsics} extrinsics  {} host calls  heap peak {}  memory {} pages  {} changes",
        outcome.number,
        hex0x(&outcome.hash),
        ms(t.total),
        ms(t.execution),
        ms(t.host_calls),
        ms(t.storage_root),
        ms(t.commit),
        call.host_calls.total_calls(),
        human_bytes(call.allocation_stats.bytes_allocated_peak.into()),
        call.peak_memory_pages,
        outcome.changes.main.len(),
    );
    if let Some(fuel) = call.fuel_consumed {
        line.push_str(&format!("  fuel {fuel}"));
    }
    if !call.logs.is_empty() {
        line.push_str(&format!("  {} log lines", call.logs.lines.len()));
    }
    if outcome.runtime_changed {
        line.push_str("  runtime changed");
    }
    line
}

/// A block's budget line: footprint and headroom.
pub fn budget_line(number: u32, report: &BudgetReport) -> String {
    format!(
        "#{number}: heap footprint {} of {}, headroom {}{}",
        human_bytes(report.footprint_bytes),
        human_bytes(report.budget_bytes),
        signed_bytes(report.headroom_bytes),
        if report.over_half_of_validator_budget {
            "  WARNING: above half of the validators' budget"
        } else {
            ""
        }
    )
}

fn signed_bytes(bytes: i64) -> String {
    match bytes < 0 {
        true => format!("-{}", human_bytes(bytes.unsigned_abs())),
        false => human_bytes(bytes.unsigned_abs()),
    }
}

/// The block that came closest to the budget (least headroom; the first of equals).
pub fn closest(reports: &[(u32, BudgetReport)]) -> Option<&(u32, BudgetReport)> {
    reports.iter().reduce(
        |best, next| match next.1.headroom_bytes < best.1.headroom_bytes {
            true => next,
            false => best,
        },
    )
}

/// The summary lines: blocks, time, rate, head, root.
pub fn summary<S: CommittedState>(
    importer: &Importer<S>,
    blocks: usize,
    elapsed: Duration,
) -> String {
    let version = importer.version();
    let head = importer.head();
    format!(
        "runtime: {} (spec_version {}), code {}\nimported {blocks} blocks in {:.3} s ({:.1} blocks/s)\nhead: {}\nstate root ({:?}): {}\n",
        one_line(&version.spec_name),
        version.spec_version,
        hex0x(&importer.runtime().code_hash()),
        elapsed.as_secs_f64(),
        rate(blocks, elapsed),
        head.map_or("unknown".to_string(), |h| format!("#{} {}", h.number, hex0x(&h.hash))),
        importer.state_version(),
        hex0x(&importer.storage_root()),
    )
}

fn rate(blocks: usize, elapsed: Duration) -> f64 {
    match elapsed.as_secs_f64() {
        secs if secs > 0.0 => blocks as f64 / secs,
        _ => 0.0,
    }
}

/// A call's logs as JSON.
pub fn logs_json(logs: &CallLogs) -> Value {
    json!({
        "lines": logs.lines.iter().map(|line| json!({
            "level": line.level.as_str(),
            "target": line.target,
            "message": line.message,
        })).collect::<Vec<_>>(),
        "dropped": logs.dropped,
    })
}

/// One block as JSON.
pub fn block_json(outcome: &BlockOutcome, budget: Option<&BudgetReport>) -> Value {
    let call = &outcome.call;
    let stats = &call.allocation_stats;
    let t = &outcome.timings;
    json!({
        "number": outcome.number,
        "hash": hex0x(&outcome.hash),
        "state_root": hex0x(&outcome.state_root),
        "spec_version": outcome.spec_version,
        "time_ms": {
            "total": ms(t.total),
            "runtime_reload": ms(t.runtime_reload),
            "execution": ms(t.execution),
            "host_calls": ms(t.host_calls),
            "storage_root": ms(t.storage_root),
            "commit": ms(t.commit),
        },
        "fuel": call.fuel_consumed,
        "allocation_stats": {
            "bytes_allocated": stats.bytes_allocated,
            "bytes_allocated_peak": stats.bytes_allocated_peak,
            "bytes_allocated_sum": stats.bytes_allocated_sum.to_string(),
            "address_space_used": stats.address_space_used,
        },
        "peak_memory_pages": call.peak_memory_pages,
        "host_calls": {
            "total": call.host_calls.total_calls(),
            "bytes_in": call.host_calls.bytes_in,
            "bytes_out": call.host_calls.bytes_out,
        },
        "changes": {
            "main": outcome.changes.main.len(),
            "children": outcome.changes.children.len(),
        },
        "runtime_changed": outcome.runtime_changed,
        "logs": logs_json(&call.logs),
        "memory_budget": budget.map(budget_json),
    })
}

/// A budget measurement as JSON.
pub fn budget_json(report: &BudgetReport) -> Value {
    json!({
        "budget": report.budget.to_string(),
        "budget_bytes": report.budget_bytes,
        "footprint_bytes": report.footprint_bytes,
        "headroom_bytes": report.headroom_bytes,
        "largest_request_left": report.largest_request_left,
        "over_half_of_validator_budget": report.over_half_of_validator_budget,
    })
}

/// A refused block as JSON.
pub fn error_json(error: &BlockError) -> Value {
    let mut causes = Vec::new();
    let mut next: Option<&dyn std::error::Error> = Some(&*error.failure);
    while let Some(cause) = next {
        causes.push(cause.to_string());
        next = cause.source();
    }
    json!({
        "number": error.number,
        "hash": hex0x(&error.hash),
        "call": error.call,
        "message": error.to_string(),
        "causes": causes,
    })
}

/// The head as JSON.
pub fn head_json(head: Option<&Head>) -> Value {
    head.map_or(
        Value::Null,
        |h| json!({"number": h.number, "hash": hex0x(&h.hash), "state_root": hex0x(&h.state_root)}),
    )
}

/// The whole document: runtime, blocks, summary, the refused block (or null).
pub fn document<S: CommittedState>(
    importer: &Importer<S>,
    blocks: Vec<Value>,
    elapsed: Duration,
    closest: Option<&(u32, BudgetReport)>,
    error: Option<&BlockError>,
) -> Value {
    let version = importer.version();
    let imported = blocks.len();
    json!({
        "runtime": {
            "spec_name": version.spec_name,
            "spec_version": version.spec_version,
            "code_hash": hex0x(&importer.runtime().code_hash()),
        },
        "blocks": blocks,
        "summary": {
            "blocks": imported,
            "total_time_s": elapsed.as_secs_f64(),
            "blocks_per_second": rate(imported, elapsed),
            "head": head_json(importer.head()),
            "state_version": format!("{:?}", importer.state_version()),
            "state_root": hex0x(&importer.storage_root()),
        },
        "closest_to_memory_budget": closest.map(|(number, report)| json!({
            "number": number,
            "headroom_bytes": report.headroom_bytes,
            "footprint_bytes": report.footprint_bytes,
        })),
        "error": error.map(error_json),
    })
}
