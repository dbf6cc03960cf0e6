//! Every conformance vector in `conformance/` passes, and a wrong expectation is reported.

use std::path::{Path, PathBuf};

use subexec_cli::conformance::{run_file, run_vector, Vector};

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../conformance")
}

fn vector_files() -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(vectors_dir())
        .expect("conformance/ exists")
        .map(|entry| entry.expect("readable").path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_vector_in_the_repository_passes() {
    let files = vector_files();
    assert!(files.len() >= 4, "{files:?}");
    for file in files {
        let report = run_file(&file).unwrap_or_else(|e| panic!("{}: {e:?}", file.display()));
        assert!(report.calls > 0, "{}", file.display());
        let diffs: Vec<String> = report.mismatches.iter().map(|m| m.to_string()).collect();
        assert!(report.passed(), "{}:\n{}", file.display(), diffs.join("\n"));
    }
}

#[test]
fn a_wrong_expectation_is_a_readable_mismatch() {
    let path = vectors_dir().join("runtime-guest-classic-demo.json");
    let mut vector: Vector = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    // BlockSummary with `applied` 4 instead of 3.
    let expect = &mut vector.calls[2].expect;
    let output = expect.output.clone().unwrap();
    expect.output = Some(output.replacen("0100000003000000", "0100000004000000", 1));
    // One storage value off.
    let changes = expect.storage_changes.as_mut().unwrap();
    let (key, _) = changes
        .iter()
        .next()
        .map(|(k, v)| (k.clone(), v.clone()))
        .unwrap();
    changes.insert(key.clone(), Some("0x00".into()));
    // A call that succeeds but is expected to fail.
    vector.calls[0].expect.error = Some("boom".into());

    let report = run_vector(&vector, path.parent().unwrap()).unwrap();
    let fields: Vec<_> = report
        .mismatches
        .iter()
        .map(|m| (m.call_index, m.field.as_str()))
        .collect();
    assert_eq!(
        fields,
        [(0, "result"), (2, "output"), (2, "storage_changes")]
    );
    let text = report.mismatches[1].to_string();
    assert!(text.contains("first difference at byte 4"), "{text}");
    let text = report.mismatches[2].to_string();
    assert!(text.contains(&format!("- {key} = 0x00")), "{text}");
}

#[test]
fn unknown_fields_and_bad_hex_are_errors_not_mismatches() {
    let bad_field = r#"{"name":"x","runtime":{"bundled":"classic"},"calls":[],"oops":1}"#;
    assert!(serde_json::from_str::<Vector>(bad_field).is_err());
    let bad_hex: Vector = serde_json::from_str(
        r#"{"name":"x","runtime":{"bundled":"classic"},"calls":[{"call":"Core_version","input":"zz","expect":{}}]}"#,
    )
    .unwrap();
    let error = run_vector(&bad_hex, Path::new(".")).unwrap_err();
    assert!(error.to_string().contains("input"), "{error}");
    let unknown: Vector =
        serde_json::from_str(r#"{"name":"x","runtime":{"bundled":"nope"},"calls":[]}"#).unwrap();
    assert!(run_vector(&unknown, Path::new(".")).is_err());
}
