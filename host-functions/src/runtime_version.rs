//! Reading another runtime's version, which needs the wasm engine.
//!
//! `ext_misc_runtime_version_version_1` asks the host for the `RuntimeVersion` of a wasm blob.
//! Only the executor can answer (custom sections or a `Core_version` call), so it implements
//! [`ReadRuntimeVersion`] and registers it with [`crate::HostState::with_runtime_version_reader`].

/// Reads the SCALE-encoded `RuntimeVersion` of a (possibly compressed) runtime blob.
pub trait ReadRuntimeVersion: Send + Sync {
    /// The encoded `RuntimeVersion`, or why it could not be read (the host function then
    /// returns `None` to the runtime).
    fn read_runtime_version(&self, wasm: &[u8]) -> Result<Vec<u8>, String>;
}
