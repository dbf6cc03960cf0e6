//! subexec-cli: the `subexec` command line and the tooling it runs on top of the executor.
//!
//! Nothing here is needed to embed [`subexec_executor`] in a node: this crate holds what a
//! command-line tool, its tests and the benches need on top of the sandbox, so that the
//! library stays free of argument parsing, JSON, the bundled runtime-guest blobs and their
//! build script (`docs/ARCHITECTURE.md`).
//!
//! # Layout
//! - [`demo`]: the demo workload (`Demo_initialize`, then a block of four transfers) that
//!   `subexec run` runs by default, the determinism test digests and a bench times.
//! - [`comparison`]: the same workloads in both modes (`subexec compare`, `docs/MODES.md`).
//! - [`upgrade`]: [`upgrade::Chain`], calls over committed state with runtime upgrades.
//! - [`conformance`]: the JSON conformance-vector format and its runner.
//! - [`text`]: foreign text (panic messages, logs, names) made safe to print on one line.
//! - [`limits`]: the default fuel budgets of every subcommand that runs guest code.
//! - [`snapshot`]: try-runtime's state snapshot files (`subexec state import`).
//! - [`diagnostics`]: heap maps and validator-budget emulation over an allocation trace
//!   (`docs/MEMORY-DIAGNOSTICS.md`; the trace and the out-of-memory diagnosis themselves are
//!   the executor's).
//!
//! The binary (`src/bin/subexec/`) is one file per subcommand over these modules.
#![deny(missing_docs)]
#![deny(unsafe_code)]

pub mod comparison;
pub mod conformance;
pub mod demo;
pub mod diagnostics;
pub mod limits;
pub mod snapshot;
pub mod text;
pub mod upgrade;
