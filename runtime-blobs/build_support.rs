//! Builds `runtime-guest` to wasm, in the style of Substrate's wasm builder.
//!
//! Shared by `build.rs` (which embeds the blobs) and the reproducibility test (which builds
//! them again into a fresh target directory and compares bytes), so both run exactly the same
//! command.
//!
//! The command is `cargo rustc --release --locked --lib --crate-type cdylib --target
//! wasm32v1-none --features <mode>[,spec-version-2]` on the guest's own workspace and lock
//! file, with:
//! - an environment cleared of everything the outer build could leak in (`RUSTFLAGS`,
//!   `CARGO_ENCODED_RUSTFLAGS`, `CARGO_TARGET_DIR`, `CARGO_BUILD_*`, `CARGO_PROFILE_*`, the
//!   jobserver's `CARGO_MAKEFLAGS`/`MAKEFLAGS`, `RUSTC_WRAPPER`, the build-script variables),
//!   so the blobs do not depend on how the workspace is being built;
//! - `--remap-path-prefix` of the cargo home (registry sources), so no local path ends up in
//!   a blob; the guest's own sources are compiled with relative paths already;
//! - the guest's `[profile.release]`: `opt-level = 3`, fat LTO, one codegen unit,
//!   `panic = "abort"`, no debug info, and `strip = "symbols"` (no `name` section: symbol
//!   hashes may depend on local paths);
//! - final-link arguments for classic mode only (`--import-memory`, `--export=__heap_base`),
//!   passed after `--` so they do not invalidate the dependencies shared by all variants.
//!
//! `wasm32v1-none` is MVP + mutable globals with a prebuilt `core`/`alloc` built the same
//! way, which is what abi.md §4 allows; `wasm32-unknown-unknown` enables post-MVP features.
//! The target is installed with `rustup target add` when its sysroot directory is missing.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The wasm target every blob is built for.
pub const TARGET: &str = "wasm32v1-none";

/// One blob to build.
#[derive(Clone, Copy, Debug)]
pub struct Variant {
    /// File name (without `.wasm`) and the name used in messages.
    pub name: &'static str,
    /// Guest features.
    pub features: &'static str,
    /// Whether this is the classic ABI (imported memory, exported `__heap_base`).
    pub classic: bool,
}

/// The four blobs: classic and guest-allocator, spec_version 1 and 2.
pub const VARIANTS: [Variant; 4] = [
    Variant {
        name: "classic",
        features: "classic",
        classic: true,
    },
    Variant {
        name: "classic_v2",
        features: "classic,spec-version-2",
        classic: true,
    },
    Variant {
        name: "guest_allocator",
        features: "guest-allocator",
        classic: false,
    },
    Variant {
        name: "guest_allocator_v2",
        features: "guest-allocator,spec-version-2",
        classic: false,
    },
];

/// Why a guest build failed.
#[derive(Debug)]
pub enum BuildError {
    /// A tool could not be started.
    Spawn {
        /// The tool.
        tool: String,
        /// The OS error.
        error: std::io::Error,
    },
    /// A tool ran and failed.
    Failed {
        /// The command line.
        command: String,
        /// Its standard error (or output).
        output: String,
    },
    /// The wasm target is missing and could not be installed.
    MissingTarget(String),
    /// The build did not leave the expected file.
    Read {
        /// Path expected.
        path: PathBuf,
        /// The OS error.
        error: std::io::Error,
    },
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Spawn { tool, error } => write!(f, "cannot run `{tool}`: {error}"),
            Self::Failed { command, output } => write!(f, "`{command}` failed:\n{output}"),
            Self::MissingTarget(why) => write!(f, "the `{TARGET}` target is missing: {why}"),
            Self::Read { path, error } => write!(f, "cannot read {}: {error}", path.display()),
        }
    }
}

impl std::error::Error for BuildError {}

/// Where and with what to build.
#[derive(Clone, Debug)]
pub struct GuestBuilder {
    /// The cargo binary (the one running the outer build).
    pub cargo: PathBuf,
    /// The rustc binary (the one the outer build uses), so both builds use one toolchain.
    pub rustc: PathBuf,
    /// The `runtime-guest` directory.
    pub guest_dir: PathBuf,
    /// Target directory of the guest builds.
    pub target_dir: PathBuf,
}

/// Whether an inherited environment variable must not reach the guest build.
fn is_leaky(name: &str) -> bool {
    const KEEP: &[&str] = &[
        "CARGO_HOME",
        "CARGO_NET_",
        "CARGO_HTTP_",
        "CARGO_REGISTRIES_",
        "CARGO_REGISTRY_",
        "CARGO_TERM_",
    ];
    const DROP: &[&str] = &[
        "RUSTFLAGS",
        "RUSTDOCFLAGS",
        "RUSTC",
        "RUSTDOC",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "RUSTC_LINKER",
        "MAKEFLAGS",
        "MFLAGS",
        "OUT_DIR",
        "TARGET",
        "HOST",
        "NUM_JOBS",
        "OPT_LEVEL",
        "DEBUG",
        "PROFILE",
    ];
    if name.starts_with("CARGO_") || name == "CARGO" || name.starts_with("__CARGO") {
        return !KEEP.iter().any(|keep| name.starts_with(keep));
    }
    DROP.contains(&name) || name.starts_with("DEP_")
}

/// Runs a command; returns its stdout, or the failure with its stderr.
fn run(mut command: Command) -> Result<Vec<u8>, BuildError> {
    let line = format!("{command:?}");
    let output = command.output().map_err(|error| BuildError::Spawn {
        tool: line.clone(),
        error,
    })?;
    if output.status.success() {
        Ok(output.stdout)
    } else {
        Err(BuildError::Failed {
            command: line,
            output: String::from_utf8_lossy(&output.stderr).into_owned(),
        })
    }
}

/// The cargo home, for path remapping.
fn cargo_home() -> Option<PathBuf> {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")))
}

impl GuestBuilder {
    /// A command with the leaky parts of this process's environment removed.
    fn clean_command(&self, program: &Path) -> Command {
        let mut command = Command::new(program);
        for (name, _) in std::env::vars_os() {
            if is_leaky(&name.to_string_lossy()) {
                command.env_remove(&name);
            }
        }
        command
    }

    /// Installs the wasm target with rustup when the toolchain's sysroot lacks it; returns
    /// whether it had to.
    pub fn ensure_target(&self) -> Result<bool, BuildError> {
        let mut print = self.clean_command(&self.rustc);
        print.args(["--print", "sysroot"]);
        let sysroot = String::from_utf8_lossy(&run(print)?).trim().to_owned();
        let sysroot = PathBuf::from(sysroot);
        if sysroot.join("lib/rustlib").join(TARGET).is_dir() {
            return Ok(false);
        }
        let toolchain = sysroot
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut add = Command::new("rustup");
        add.args(["target", "add", TARGET]);
        if !toolchain.is_empty() {
            add.args(["--toolchain", &toolchain]);
        }
        run(add).map(drop).map_err(|error| {
            BuildError::MissingTarget(format!(
                "no {} in {}, and `rustup target add {TARGET}` failed ({error}); \
                 install the target for this toolchain by hand",
                TARGET,
                sysroot.join("lib/rustlib").display()
            ))
        })?;
        if sysroot.join("lib/rustlib").join(TARGET).is_dir() {
            Ok(true)
        } else {
            Err(BuildError::MissingTarget(format!(
                "rustup ran but {} is still missing",
                sysroot.join("lib/rustlib").join(TARGET).display()
            )))
        }
    }

    /// Builds one variant and returns the wasm bytes.
    pub fn build(&self, variant: &Variant) -> Result<Vec<u8>, BuildError> {
        let mut command = self.clean_command(&self.cargo);
        command
            .current_dir(&self.guest_dir)
            .env("RUSTC", &self.rustc);
        let mut rustflags: Vec<OsString> = Vec::new();
        if let Some(home) = cargo_home() {
            let mut flag = OsString::from("--remap-path-prefix=");
            flag.push(home.as_os_str());
            flag.push("=/cargo");
            rustflags.push(flag);
        }
        command.env(
            "CARGO_ENCODED_RUSTFLAGS",
            rustflags.join(&OsString::from("\x1f")),
        );
        command
            .args([
                "rustc",
                "--release",
                "--locked",
                "--lib",
                "--crate-type",
                "cdylib",
            ])
            .args(["--target", TARGET, "--features", variant.features])
            .arg("--manifest-path")
            .arg(self.guest_dir.join("Cargo.toml"))
            .arg("--target-dir")
            .arg(&self.target_dir)
            .arg("--");
        if variant.classic {
            command.args([
                "-Clink-arg=--import-memory",
                "-Clink-arg=--export=__heap_base",
            ]);
        }
        run(command)?;
        let path = self
            .target_dir
            .join(TARGET)
            .join("release")
            .join("subexec_runtime_guest.wasm");
        std::fs::read(&path).map_err(|error| BuildError::Read { path, error })
    }
}
