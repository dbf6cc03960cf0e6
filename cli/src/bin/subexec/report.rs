//! What `run` prints about each call: text for people, JSON (`--json`) for programs.

use serde_json::{json, Map, Value};
use subexec_cli::text::one_line;
use subexec_cli::upgrade::{Chain, ChainCall};
use subexec_executor::storage::CommittedState;
use subexec_executor::storage::{StorageChanges, TrieChanges};
use subexec_executor::AllocationStats;

fn hex0x(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

/// `N main-trie changes, M child tries changed`.
pub fn changes_summary(changes: &StorageChanges) -> String {
    format!(
        "{} main-trie changes, {} child tries changed",
        changes.main.len(),
        changes.children.len()
    )
}

/// The text lines of one call (after its headline).
pub fn text(done: &ChainCall) -> String {
    let outcome = &done.outcome;
    let stats = &outcome.allocation_stats;
    let mut text = format!(
        "  output:  {} bytes: {}\n  heap:    {} bytes live, {} peak, {} allocated in total, {} bytes of address space\n",
        outcome.output.len(),
        hex0x(&outcome.output),
        stats.bytes_allocated,
        stats.bytes_allocated_peak,
        stats.bytes_allocated_sum,
        stats.address_space_used
    );
    match outcome.fuel_consumed {
        Some(fuel) => text.push_str(&format!("  fuel:    {fuel}\n")),
        None => text.push_str("  fuel:    not metered\n"),
    }
    text.push_str(&format!("  storage: {}\n", changes_summary(&done.changes)));
    if let Some(upgrade) = &done.upgrade {
        text.push_str(&format!(
            "  upgrade: {} spec_version {} -> {}, code {}, heap {:?}\n",
            one_line(&upgrade.to.spec_name),
            upgrade.from.spec_version,
            upgrade.to.spec_version,
            hex0x(&upgrade.code_hash),
            upgrade.heap_alloc_strategy
        ));
    }
    text
}

/// The runtime headline: name, version, code hash.
pub fn runtime_line<S: CommittedState>(chain: &Chain<S>, origin: &str) -> String {
    let version = chain.version();
    format!(
        "runtime: {} (spec_version {}), {origin}, code {}",
        one_line(&version.spec_name),
        version.spec_version,
        hex0x(&chain.runtime().code_hash())
    )
}

/// The closing line: the committed state's root.
pub fn root_line<S: CommittedState>(chain: &Chain<S>) -> String {
    format!(
        "state root ({:?}): {}",
        chain.state_version(),
        hex0x(&chain.storage_root())
    )
}

fn trie_json(changes: &TrieChanges) -> Value {
    Value::Object(
        changes
            .iter()
            .map(|(k, v)| {
                (
                    hex0x(k),
                    v.as_deref().map_or(Value::Null, |v| json!(hex0x(v))),
                )
            })
            .collect::<Map<_, _>>(),
    )
}

fn stats_json(stats: &AllocationStats) -> Value {
    json!({
        "bytes_allocated": stats.bytes_allocated,
        "bytes_allocated_peak": stats.bytes_allocated_peak,
        // u128 as a string: JSON numbers lose precision beyond 2^53.
        "bytes_allocated_sum": stats.bytes_allocated_sum.to_string(),
        "address_space_used": stats.address_space_used,
    })
}

/// One call as JSON.
pub fn json_call(method: &str, summary: Option<String>, done: &ChainCall) -> Value {
    let children: Map<_, _> = done
        .changes
        .children
        .iter()
        .map(|(key, changes)| (hex0x(key), trie_json(changes)))
        .collect();
    json!({
        "call": method,
        "summary": summary,
        "output": hex0x(&done.outcome.output),
        "allocation_stats": stats_json(&done.outcome.allocation_stats),
        "fuel": done.outcome.fuel_consumed,
        "changes": {"main": trie_json(&done.changes.main), "children": children},
        "logs": crate::import_report::logs_json(&done.outcome.logs),
        "upgrade": done.upgrade.as_ref().map(|u| json!({
            "from_spec_version": u.from.spec_version,
            "to_spec_version": u.to.spec_version,
            "code_hash": hex0x(&u.code_hash),
            "heap_alloc_strategy": format!("{:?}", u.heap_alloc_strategy),
        })),
    })
}

/// The whole run as JSON.
pub fn json_run<S: CommittedState>(chain: &Chain<S>, calls: Vec<Value>) -> Value {
    let version = chain.version();
    json!({
        "runtime": {
            "spec_name": version.spec_name,
            "spec_version": version.spec_version,
            "code_hash": hex0x(&chain.runtime().code_hash()),
        },
        "calls": calls,
        "state_version": format!("{:?}", chain.state_version()),
        "storage_root": hex0x(&chain.storage_root()),
    })
}
