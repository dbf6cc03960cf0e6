//! `run --json` when a call fails: the failed call's record, with the out-of-memory diagnosis
//! as a structured object (see `docs/MEMORY-DIAGNOSTICS.md`, "Out-of-memory diagnosis in
//! `--json`").
//!
//! A classic call that runs out of memory comes back as `CallError::OutOfMemory`, whose
//! diagnosis (`subexec_allocator::OutOfMemoryDiagnosis`) the text output prints on stderr. With
//! `--json` the same figures go into the call's record under `out_of_memory`: one field per
//! field of the diagnosis, with the library's names, bytes and pages as numbers, size classes as
//! their block size in bytes (`class_bytes`, as in the heap report), consumers as arrays largest
//! first. A few derived figures the text prints are fields too (`memory_bytes`, `limit_bytes`,
//! `left_below_limit`), so that a program need not know the page size. Nothing is computed here
//! that the diagnosis does not hold, except those products and the by-class ordering the text
//! uses.

use serde_json::{json, Value};
use subexec_allocator::{ClassUsage, Need, OutOfMemoryDiagnosis, N_ORDERS, PAGE_SIZE};
use subexec_cli::upgrade::ChainError;
use subexec_executor::diagnostics::OutOfMemory;
use subexec_executor::CallError;

/// The record of a call that failed: its name, the error (for a failed call, the message
/// Substrate reports, without the diagnosis) and, when it ran out of memory, the diagnosis.
pub fn json_failed_call(method: &str, error: &ChainError) -> Value {
    let (message, diagnosis) = match error {
        ChainError::Call { error, .. } => (
            error.undiagnosed().to_string(),
            match error {
                CallError::OutOfMemory(failure) => diagnosis_json(failure),
                _ => Value::Null,
            },
        ),
        other => (chain_message(other), Value::Null),
    };
    json!({
        "call": method,
        "error": message,
        "out_of_memory": diagnosis,
    })
}

/// `error` and its causes on one line, `: `-separated.
fn chain_message(error: &ChainError) -> String {
    let mut message = error.to_string();
    let mut next = std::error::Error::source(error);
    while let Some(cause) = next {
        message.push_str(&format!(": {cause}"));
        next = cause.source();
    }
    message
}

/// Bytes in one block of class `order`, if it is a class.
fn class_bytes(order: u32) -> Option<u64> {
    ((order as usize) < N_ORDERS).then(|| 8u64 << order)
}

fn pages_bytes(pages: u32) -> u64 {
    u64::from(pages) * u64::from(PAGE_SIZE)
}

fn need_json(need: &Need) -> Value {
    json!({"bytes": need.bytes, "pages": need.pages})
}

fn class_json(class: &ClassUsage) -> Value {
    json!({
        "class_bytes": class.block_bytes(),
        "live_blocks": class.live_blocks,
        "live_requested": class.live_requested,
        "live_footprint": class.live_footprint,
        "free_blocks": class.free_blocks,
        "free_footprint": class.free_footprint,
    })
}

/// The diagnosis of an out-of-memory call as JSON (the field table is in
/// `docs/MEMORY-DIAGNOSTICS.md`).
pub fn diagnosis_json(failure: &OutOfMemory) -> Value {
    let d: &OutOfMemoryDiagnosis = &failure.diagnosis;
    let limit_bytes = pages_bytes(d.limit_pages);
    let mut by_class: Vec<&ClassUsage> = d.classes.iter().filter(|c| c.live_blocks > 0).collect();
    by_class.sort_by_key(|class| std::cmp::Reverse(class.live_footprint));
    json!({
        "event": d.event,
        "site": d.site,
        "size": d.size,
        "order": d.order,
        "class_bytes": d.order.and_then(class_bytes),
        "error": d.error.to_string(),
        "memory_pages": d.memory_pages,
        "memory_bytes": pages_bytes(d.memory_pages),
        "max_pages": d.max_pages,
        "limit_pages": d.limit_pages,
        "limit_bytes": limit_bytes,
        "heap_base": d.heap_base,
        "bumper": d.bumper,
        "left_below_limit": limit_bytes.saturating_sub(u64::from(d.bumper)),
        "live_blocks": d.live_blocks,
        "live_requested": d.live_requested,
        "live_footprint": d.live_footprint,
        "waste": {
            "rounding": d.waste.rounding,
            "headers": d.waste.headers,
            "stranded": d.waste.stranded,
        },
        "classes": d.classes.iter().map(class_json).collect::<Vec<_>>(),
        "consumers_by_site": d.sites.iter().map(|s| json!({
            "site": s.site,
            "live_blocks": s.live_blocks,
            "live_requested": s.live_requested,
            "live_footprint": s.live_footprint,
        })).collect::<Vec<_>>(),
        "consumers_by_class": by_class.iter().map(|c| json!({
            "class_bytes": c.block_bytes(),
            "live_blocks": c.live_blocks,
            "live_footprint": c.live_footprint,
        })).collect::<Vec<_>>(),
        "larger_heap": d.larger_heap.as_ref().map(need_json),
        "non_fragmenting": need_json(&d.non_fragmenting),
        "trace_events": failure.trace.events.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_are_block_sizes_and_orders_past_the_last_class_are_none() {
        assert_eq!(class_bytes(0), Some(8));
        assert_eq!(class_bytes(10), Some(8192));
        assert_eq!(class_bytes(22), Some(32 << 20));
        assert_eq!(class_bytes(23), None);
    }
}
