//! subexec-allocator (work in progress).
