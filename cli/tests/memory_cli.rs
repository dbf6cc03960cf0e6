//! `subexec run --heap-report` and `--memory-budget`: files, text, JSON fields, failures; the
//! out-of-memory diagnosis in `--json` output, field by field against the library's.

mod cli_common;
mod diagnostics_common;
// The node-template runtime; one file with the executor's tests and the benches.
#[path = "../../executor/tests/node_template_common/mod.rs"]
mod node_template_common;

use cli_common::{subexec, temp, Out};
use diagnostics_common::parse_xml;
use parity_scale_codec::Encode;
use subexec_executor::diagnostics::OutOfMemory;
use subexec_executor::{empty_storage, CallError, CallOptions, Executor, HeapAllocStrategy};
use subexec_runtime_blobs::api::{entries, AllocParams};
use subexec_runtime_blobs::CLASSIC;

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

/// `subexec run --call Bench_alloc_heavy --input <alloc_input(boxes)> OPTIONS…` on the bundled
/// runtime; the run must succeed.
fn run_alloc_heavy(boxes: u32, options: &[&str]) -> Out {
    let input = alloc_input(boxes);
    let mut args = vec![
        "run",
        "--call",
        entries::BENCH_ALLOC_HEAVY,
        "--input",
        &input,
    ];
    args.extend_from_slice(options);
    let out = subexec(&args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    out
}

#[test]
fn heap_report_writes_a_map_and_json_fields() {
    let svg = temp("alloc.svg");
    let out = run_alloc_heavy(400, &["--heap-report", svg.to_str().unwrap(), "--json"]);
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
    let out = run_alloc_heavy(200, &["--memory-budget", "validator", "--json"]);
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

    let out = run_alloc_heavy(200, &["--memory-budget", "100"]);
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
        node_template_common::CHAIN_SPEC,
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

/// The extra heap pages of the out-of-memory runs ([`failed_record`], [`library_failure`]).
const OOM_EXTRA_PAGES: u32 = 1;

/// A classic call's out-of-memory failure through the library, on empty state and a heap of
/// [`OOM_EXTRA_PAGES`].
fn library_failure(code: &[u8], method: &str, input: &[u8]) -> (u32, OutOfMemory) {
    let runtime = Executor::builder()
        .allow_missing_host_functions(true)
        .build()
        .load(code)
        .unwrap()
        .with_heap_alloc_strategy(HeapAllocStrategy::Static {
            extra_pages: OOM_EXTRA_PAGES,
        });
    match runtime.call_with(&mut empty_storage(), method, input, &CallOptions::default()) {
        Err(CallError::OutOfMemory(failure)) => (runtime.initial_pages(), *failure),
        other => panic!("not an out-of-memory failure: {other:?}"),
    }
}

/// The failed call's record of `subexec run RUNTIME… --call METHOD INPUT… --heap-pages 1
/// --json` (a heap of one extra page, [`OOM_EXTRA_PAGES`]), which runs out of memory: exit
/// code 3, the error on stderr as without `--json`, and one JSON document on stdout whose last
/// call is it.
fn failed_record(runtime: &[&str], method: &str, input: &[&str]) -> (serde_json::Value, String) {
    let extra_pages = OOM_EXTRA_PAGES.to_string();
    let mut args = vec!["run"];
    args.extend_from_slice(runtime);
    args.extend_from_slice(&["--call", method]);
    args.extend_from_slice(input);
    args.extend_from_slice(&["--heap-pages", &extra_pages, "--json"]);
    let out = subexec(&args);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr.contains("Allocator ran out of space"),
        "{}",
        out.stderr
    );
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON on stdout");
    let calls = doc["calls"].as_array().unwrap();
    (calls.last().unwrap().clone(), out.stderr)
}

/// `json` holds every field of the library's diagnosis `d`, field by field, and the figures
/// derived from them by the allocator's rules (hand arithmetic, not the code under test).
fn assert_json_is_the_diagnosis(json: &serde_json::Value, failure: &OutOfMemory) {
    let d = &failure.diagnosis;
    assert_eq!(json["event"], d.event);
    assert_eq!(json["site"], d.site.as_str());
    assert_eq!(json["size"], d.size);
    assert_eq!(json["order"], serde_json::json!(d.order));
    assert_eq!(json["error"], d.error.to_string());
    assert_eq!(json["memory_pages"], d.memory_pages);
    assert_eq!(json["max_pages"], serde_json::json!(d.max_pages));
    assert_eq!(json["limit_pages"], d.limit_pages);
    assert_eq!(json["heap_base"], d.heap_base);
    assert_eq!(json["bumper"], d.bumper);
    assert_eq!(json["live_blocks"], d.live_blocks);
    assert_eq!(json["live_requested"], d.live_requested);
    assert_eq!(json["live_footprint"], d.live_footprint);
    assert_eq!(json["waste"]["rounding"], d.waste.rounding);
    assert_eq!(json["waste"]["headers"], d.waste.headers);
    assert_eq!(json["waste"]["stranded"], d.waste.stranded);
    let classes = json["classes"].as_array().unwrap();
    assert_eq!(classes.len(), d.classes.len());
    for (json, class) in classes.iter().zip(&d.classes) {
        assert_eq!(json["class_bytes"], 8u64 << class.order);
        assert_eq!(json["live_blocks"], class.live_blocks);
        assert_eq!(json["live_requested"], class.live_requested);
        assert_eq!(json["live_footprint"], class.live_footprint);
        assert_eq!(json["free_blocks"], class.free_blocks);
        assert_eq!(json["free_footprint"], class.free_footprint);
    }
    let sites = json["consumers_by_site"].as_array().unwrap();
    assert_eq!(sites.len(), d.sites.len());
    for (json, site) in sites.iter().zip(&d.sites) {
        assert_eq!(json["site"], site.site.as_str());
        assert_eq!(json["live_blocks"], site.live_blocks);
        assert_eq!(json["live_requested"], site.live_requested);
        assert_eq!(json["live_footprint"], site.live_footprint);
    }
    match d.larger_heap {
        Some(need) => {
            assert_eq!(json["larger_heap"]["bytes"], need.bytes);
            assert_eq!(json["larger_heap"]["pages"], need.pages);
        }
        None => assert!(json["larger_heap"].is_null()),
    }
    assert_eq!(json["non_fragmenting"]["bytes"], d.non_fragmenting.bytes);
    assert_eq!(json["non_fragmenting"]["pages"], d.non_fragmenting.pages);
    assert_eq!(json["trace_events"], failure.trace.events.len());

    // Derived figures, by the allocator's rules.
    let page = 65_536u64;
    let n = |key: &str| json[key].as_u64().unwrap();
    if d.size <= 32 << 20 {
        assert_eq!(
            n("class_bytes"),
            u64::from(d.size.max(8).next_power_of_two())
        );
    } else {
        assert!(json["class_bytes"].is_null());
    }
    assert_eq!(n("memory_bytes"), n("memory_pages") * page);
    assert_eq!(n("limit_bytes"), n("limit_pages") * page);
    assert_eq!(n("left_below_limit"), n("limit_bytes") - n("bumper"));
    let sum = |list: &serde_json::Value, key: &str| -> u64 {
        list.as_array()
            .unwrap()
            .iter()
            .map(|e| e[key].as_u64().unwrap())
            .sum()
    };
    assert_eq!(sum(&json["classes"], "live_footprint"), n("live_footprint"));
    assert_eq!(
        sum(&json["consumers_by_site"], "live_footprint"),
        n("live_footprint")
    );
    assert_eq!(
        sum(&json["consumers_by_class"], "live_footprint"),
        n("live_footprint")
    );
    let by_class: Vec<u64> = json["consumers_by_class"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["live_footprint"].as_u64().unwrap())
        .collect();
    assert!(by_class.windows(2).all(|w| w[0] >= w[1]), "{by_class:?}");
    // Every live block has an 8-byte header and is rounded up to its class.
    let waste = &json["waste"];
    assert_eq!(waste["headers"].as_u64().unwrap(), 8 * n("live_blocks"));
    assert_eq!(
        n("live_requested") + waste["rounding"].as_u64().unwrap() + 8 * n("live_blocks"),
        n("live_footprint")
    );
    // A larger heap: the bumped block (header + class) ends past the frontier.
    if !json["larger_heap"].is_null() {
        let end = n("bumper") + 8 + n("class_bytes");
        assert_eq!(json["larger_heap"]["bytes"], end);
        assert_eq!(json["larger_heap"]["pages"], end.div_ceil(page));
    }
    assert_eq!(
        json["non_fragmenting"]["bytes"],
        n("live_requested") + n("size")
    );
}

#[test]
fn out_of_memory_in_json_is_the_librarys_diagnosis_field_by_field() {
    // node-template `Metadata_metadata` on a heap of one extra page (the example of
    // docs/MEMORY-DIAGNOSTICS.md); the library's diagnosis of this very call is checked against
    // sc-allocator 39 in memory_diagnostics.rs (`node_template_metadata_out_of_memory_…`).
    let code = node_template_common::code();
    let blob = temp("node-template.wasm");
    std::fs::write(&blob, &code).unwrap();
    let runtime = [
        "--runtime",
        blob.to_str().unwrap(),
        "--allow-missing-host-functions",
    ];
    let (record, stderr) = failed_record(&runtime, "Metadata_metadata", &[]);
    let (initial_pages, failure) = library_failure(&code, "Metadata_metadata", &[]);
    assert_eq!(record["call"], "Metadata_metadata");
    // The error as Substrate reports it; the diagnosis is still printed on stderr.
    assert_eq!(
        record["error"],
        "ext_allocator_malloc_version_1: Failed to allocate memory: \"Allocator ran out of space\""
    );
    assert_eq!(record["error"], failure.error.to_string());
    assert!(stderr.contains(&failure.diagnosis.to_string()), "{stderr}");
    let json = &record["out_of_memory"];
    assert_eq!(json["site"], "ext_allocator_malloc_version_1");
    assert_eq!(json["error"], "Allocator ran out of space");
    // A static heap: the module's pages plus one, fixed.
    assert_eq!(json["memory_pages"], initial_pages + OOM_EXTRA_PAGES);
    assert_eq!(json["max_pages"], initial_pages + OOM_EXTRA_PAGES);
    assert_eq!(json["limit_pages"], initial_pages + OOM_EXTRA_PAGES);
    assert_json_is_the_diagnosis(json, &failure);
    assert!(json["consumers_by_site"].as_array().unwrap().len() >= 2);
}

#[test]
fn out_of_memory_for_the_input_in_json_is_attributed_to_the_input() {
    // A 1 MiB input on the bundled runtime with one extra page: the input is the allocator's
    // first request, 2^20 bytes, class 2^20 (order 17), and nothing is live.
    let input = vec![0u8; 1 << 20];
    let file = temp("input.bin");
    std::fs::write(&file, &input).unwrap();
    let at_file = format!("@{}", file.to_str().unwrap());
    let (record, _) = failed_record(&[], entries::HOST_API_RUN, &["--input", &at_file]);
    let (initial_pages, failure) = library_failure(CLASSIC, entries::HOST_API_RUN, &input);
    assert_eq!(record["error"], failure.error.to_string());
    let json = &record["out_of_memory"];
    assert_eq!(json["event"], 0);
    assert_eq!(json["site"], "input");
    assert_eq!(json["size"], 1 << 20);
    assert_eq!(json["order"], 17);
    assert_eq!(json["class_bytes"], 1 << 20);
    assert_eq!(json["memory_pages"], initial_pages + OOM_EXTRA_PAGES);
    assert_eq!(json["live_blocks"], 0);
    assert_eq!(json["live_footprint"], 0);
    assert_eq!(json["consumers_by_site"], serde_json::json!([]));
    assert_eq!(json["consumers_by_class"], serde_json::json!([]));
    assert_json_is_the_diagnosis(json, &failure);
}
