//! Reports over a classic call's allocation trace (recorded by the executor, see
//! `subexec_executor::diagnostics`).
//!
//! - [`heap_map`]: an SVG picture of the heap at the peak (or at the failure) and of live bytes
//!   over the call.
//! - [`budget`]: the validator budget (the PVF default) and custom page budgets, and the
//!   headroom of a call against them.

pub mod budget;
pub mod heap_map;
