//! What a call's wasmi `Store` carries besides the engine's own state.

use subexec_host_functions::HostState;

/// The data of one call's store.
pub(crate) struct StoreData {
    /// The call's host state; taken out while a host function runs.
    pub host: Option<HostState>,
    /// The instance's memory, once known.
    pub memory: Option<wasmi::Memory>,
    /// The maximum the allocator is told (see [`crate::memory`]).
    pub allocator_max_pages: Option<u32>,
    /// Caps memory growth at the heap strategy's maximum.
    pub limiter: wasmi::StoreLimits,
}
