//! Builds the four `runtime-guest` blobs (see `build_support.rs`) and writes them to
//! `OUT_DIR` for `src/lib.rs` to embed.
//!
//! The guest target directory is shared by every profile of this workspace
//! (`<target>/runtime-guest`), so `cargo test`, `cargo build --release` and `cargo bench`
//! build the guest once; cargo's own lock serialises concurrent uses.

#[path = "build_support.rs"]
mod build_support;

use build_support::{GuestBuilder, VARIANTS};
use std::path::{Path, PathBuf};

/// `<target>/runtime-guest` when `OUT_DIR` has the usual `<target>/<profile>/build/<pkg>/out`
/// shape, `OUT_DIR/runtime-guest` otherwise.
fn guest_target_dir(out_dir: &Path) -> PathBuf {
    let build_dir = out_dir.ancestors().nth(2);
    match (build_dir, out_dir.ancestors().nth(4)) {
        (Some(build), Some(target)) if build.file_name() == Some("build".as_ref()) => {
            target.join("runtime-guest")
        }
        _ => out_dir.join("runtime-guest"),
    }
}

fn main() {
    let manifest_dir = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let guest_dir = manifest_dir.join("../runtime-guest");
    let guest_dir = guest_dir.canonicalize().unwrap_or(guest_dir);

    println!("cargo:rerun-if-changed=build_support.rs");
    for path in ["Cargo.toml", "Cargo.lock", "src"] {
        println!("cargo:rerun-if-changed={}", guest_dir.join(path).display());
    }

    let builder = GuestBuilder {
        cargo: std::env::var_os("CARGO").map_or_else(|| "cargo".into(), PathBuf::from),
        rustc: std::env::var_os("RUSTC").map_or_else(|| "rustc".into(), PathBuf::from),
        guest_dir,
        target_dir: guest_target_dir(&out_dir),
    };
    match builder.ensure_target() {
        Ok(true) => println!(
            "cargo:warning=installed the {} target with rustup",
            build_support::TARGET
        ),
        Ok(false) => {}
        Err(error) => panic!("subexec-runtime-blobs: {error}"),
    }
    for variant in &VARIANTS {
        let wasm = match builder.build(variant) {
            Ok(wasm) => wasm,
            Err(error) => panic!("subexec-runtime-blobs: building {}: {error}", variant.name),
        };
        let path = out_dir.join(format!("{}.wasm", variant.name));
        if let Err(error) = std::fs::write(&path, wasm) {
            panic!("subexec-runtime-blobs: writing {}: {error}", path.display());
        }
    }
}
