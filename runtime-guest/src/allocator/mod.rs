//! The `#[global_allocator]` of each mode.
//!
//! - `classic`: every allocation goes to the host (`ext_allocator_malloc_version_1`), as in
//!   every Substrate runtime built before RFC-0145; the host's freeing-bump allocator is part
//!   of consensus, so the pointers a classic blob sees are the host's.
//! - `guest`: [`picoalloc`] over the module's own memory, starting at `__heap_base` and
//!   growing it with `memory.grow`, as in the RFC-0145 reference implementation.

#[cfg(feature = "classic")]
mod classic;

#[cfg(feature = "guest-allocator")]
mod guest;
