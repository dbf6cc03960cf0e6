//! `subexec compare`: the table has a row per workload and mode, and the chart is written.

use std::process::Command;

use subexec_cli::comparison::workloads;

#[test]
fn compare_prints_every_workload_in_both_modes_and_writes_the_chart() {
    let dir = tempfile::Builder::new()
        .prefix("subexec-compare-")
        .tempdir()
        .expect("temp dir");
    let svg = dir.path().join("modes.svg");
    let output = Command::new(env!("CARGO_BIN_EXE_subexec"))
        .args(["compare", "--runs", "1", "--svg"])
        .arg(&svg)
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let table = String::from_utf8(output.stdout).expect("utf-8");
    for workload in workloads() {
        for mode in ["classic", "guest-allocator"] {
            assert!(
                table.contains(&format!("| {} | {mode} |", workload.name)),
                "{} {mode} missing:\n{table}",
                workload.name
            );
        }
    }
    let chart = std::fs::read_to_string(&svg).expect("chart written");
    assert!(chart.starts_with("<svg") && chart.trim_end().ends_with("</svg>"));
    assert_eq!(chart.matches("<rect").count(), 3 * workloads().len() + 3);
}
