//! subexec-runtime-blobs (work in progress).
