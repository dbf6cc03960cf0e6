//! Reuse tests: a pooled executor against a fresh one on the same calls.
