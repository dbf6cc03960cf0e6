//! `subexec run --heap-report` and `--memory-budget`: files, text, JSON fields, failures.

mod cli_common;
mod diagnostics_common;

use cli_common::{chain_spec, subexec, temp};
use diagnostics_common::parse_xml;
use parity_scale_codec::Encode;
use subexec_runtime_blobs::api::AllocParams;

fn alloc_input(boxes: u32) -> String {
    hex::encode(
        AllocParams {
            boxes,
            box_size: 100,
            vec_pushes: 1000,
            map_entries: 100,
        }
        .encode(),
    )
}

#[test]
fn heap_report_writes_a_map_and_json_fields() {
    let svg = temp("alloc.svg");
    let input = alloc_input(400);
    let out = subexec(&[
        "run",
        "--call",
        "Bench_alloc_heavy",
        "--input",
        &input,
        "--heap-report",
        svg.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("heap report of Bench_alloc_heavy"),
        "{}",
        out.stderr
    );
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    let call = &doc["calls"][0];
    let report = &call["heap_report"];
    assert_eq!(report["file"], svg.to_str().unwrap());
    // The peak the report gives is the allocator's own statistic.
    assert_eq!(
        report["peak_live_bytes"],
        call["allocation_stats"]["bytes_allocated_peak"]
    );
    let map = std::fs::read_to_string(&svg).unwrap();
    let elements = parse_xml(&map).unwrap();
    assert_eq!(elements[0].name, "svg");
    assert!(elements
        .iter()
        .any(|e| e.attribute("class") == Some("block live")));
}

#[test]
fn memory_budget_reports_headroom_in_text_and_json() {
    let input = alloc_input(200);
    let out = subexec(&[
        "run",
        "--call",
        "Bench_alloc_heavy",
        "--input",
        &input,
        "--memory-budget",
        "validator",
        "--json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    let budget = &doc["calls"][0]["memory_budget"];
    // polkadot-sdk's PVF default: 32 + 2048 pages of 64 KiB.
    assert_eq!(budget["budget_pages"], 2080);
    assert_eq!(budget["budget_bytes"], 2080u64 * 65536);
    let footprint = budget["footprint_bytes"].as_u64().unwrap();
    assert_eq!(
        budget["headroom_bytes"].as_u64().unwrap(),
        2080 * 65536 - footprint
    );
    assert_eq!(budget["over_half_of_validator_budget"], false);

    let out = subexec(&[
        "run",
        "--call",
        "Bench_alloc_heavy",
        "--input",
        &input,
        "--memory-budget",
        "100",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("budget:  100 pages: footprint"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("warning:"), "{}", out.stdout);
}

#[test]
fn a_budget_is_validator_or_a_page_count() {
    for bad in ["0", "lots", "70000"] {
        let out = subexec(&["run", "--memory-budget", bad]);
        assert_eq!(out.code, 2, "{bad}: {}", out.stderr);
        assert!(out.stderr.contains("memory budget"), "{}", out.stderr);
    }
    let out = subexec(&["run", "--memory-budget", "validator", "--heap-pages", "4"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
}

#[test]
fn out_of_memory_on_the_command_line_explains_itself_and_maps_the_failure() {
    let svg = temp("oom.svg");
    let out = subexec(&[
        "run",
        "--chain-spec",
        chain_spec(),
        "--allow-missing-host-functions",
        "--call",
        "Metadata_metadata",
        "--heap-pages",
        "1",
        "--heap-report",
        svg.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr.contains("Allocator ran out of space"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("heap report of Metadata_metadata"),
        "{}",
        out.stderr
    );
    let map = std::fs::read_to_string(&svg).unwrap();
    parse_xml(&map).unwrap();
    assert!(map.contains("at the failure"), "{map}");
}
