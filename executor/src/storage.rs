//! The storage types calls run against (re-exported from `subexec-host-functions`), and
//! [`empty_storage`].

use std::sync::Arc;

pub use subexec_host_functions::storage::*;
pub use subexec_host_functions::StorageState;

/// Storage with an empty in-memory backend.
pub fn empty_storage() -> StorageState {
    StorageState::new(Arc::new(InMemoryBackend::default()))
}
