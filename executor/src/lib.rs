//! subexec-executor (work in progress).
