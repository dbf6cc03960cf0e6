//! Criterion benchmarks for subexec; see `benches/` and `docs/PERFORMANCE.md`.
//!
//! The library holds what several bench targets share.
#![deny(missing_docs)]

pub mod alloc_traces;
pub mod large_state;
