//! The blobs are reproducible: building the guest again, with the build script's own code,
//! into a fresh target directory gives the embedded bytes exactly.

#[path = "../build_support.rs"]
#[allow(dead_code)]
mod build_support;

use build_support::{GuestBuilder, VARIANTS};
use std::path::PathBuf;

fn embedded(name: &str) -> &'static [u8] {
    subexec_runtime_blobs::ALL
        .iter()
        .find(|blob| blob.name == name)
        .unwrap_or_else(|| panic!("no embedded blob {name}"))
        .wasm
}

#[test]
fn a_fresh_build_gives_identical_bytes() {
    let target = tempfile::tempdir().expect("temporary directory");
    let builder = GuestBuilder {
        cargo: std::env::var_os("CARGO").map_or_else(|| "cargo".into(), PathBuf::from),
        rustc: "rustc".into(),
        guest_dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../runtime-guest"),
        target_dir: target.path().join("fresh target"),
    };
    builder.ensure_target().expect("wasm target available");
    for variant in &VARIANTS {
        let wasm = builder
            .build(variant)
            .unwrap_or_else(|error| panic!("{}: {error}", variant.name));
        assert!(
            wasm == embedded(variant.name),
            "{}: rebuilt blob differs from the embedded one ({} vs {} bytes)",
            variant.name,
            wasm.len(),
            embedded(variant.name).len()
        );
    }
}
