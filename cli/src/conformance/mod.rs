//! Conformance vectors: a JSON description of a runtime, its starting state and a sequence of
//! calls with what each must produce, and a runner that checks them.
//!
//! - [`format`](mod@format): the serde types of a vector file (documented field by field in
//!   `docs/CONFORMANCE.md`).
//! - [`runner`]: runs a vector on a [`crate::upgrade::Chain`] (so a call that writes `:code`
//!   upgrades the runtime for the next call) and reports every mismatch as a readable diff.
//!
//! The runner never stops at the first mismatch of a vector: each call is checked in full and
//! the sequence goes on, so one report shows everything that differs.

pub mod format;
pub mod runner;

pub use format::Vector;
pub use runner::{run_file, run_vector, ConformanceError, Mismatch, Report};
