//! subexec-host-functions (work in progress).
