//! Criterion benchmarks for subexec; see `benches/` and `docs/PERFORMANCE.md`.
