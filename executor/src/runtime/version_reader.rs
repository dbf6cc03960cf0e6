//! The executor as the reader of other runtimes' versions
//! (`ext_misc_runtime_version_version_1`): a lookup loads the blob through the executor (and
//! its cache) and asks the runtime handle for its version, so it belongs to the handle layer.

use super::Executor;

/// How deeply `ext_misc_runtime_version_version_1` lookups may nest on one thread. A lookup
/// of a blob without version sections calls its `Core_version`, which may look up a version
/// again; each level runs on the host stack, so the depth is bounded.
pub const MAX_NESTED_VERSION_READS: u32 = 4;

thread_local! {
    static VERSION_READ_DEPTH: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// Counts one nesting level for as long as it lives.
pub(crate) struct NestingGuard;

impl NestingGuard {
    pub(crate) fn enter() -> Option<Self> {
        VERSION_READ_DEPTH.with(|depth| {
            (depth.get() < MAX_NESTED_VERSION_READS).then(|| {
                depth.set(depth.get() + 1);
                NestingGuard
            })
        })
    }
}

impl Drop for NestingGuard {
    fn drop(&mut self) {
        VERSION_READ_DEPTH.with(|depth| depth.set(depth.get().saturating_sub(1)));
    }
}

/// `ext_misc_runtime_version_version_1`: the version of another blob, loaded through this
/// executor (and its cache); `Err` (reported to the runtime as `None`) if it cannot be read.
impl subexec_host_functions::ReadRuntimeVersion for Executor {
    fn read_runtime_version(&self, wasm: &[u8]) -> Result<Vec<u8>, String> {
        let _guard = NestingGuard::enter().ok_or_else(|| {
            format!("runtime version lookups nested more than {MAX_NESTED_VERSION_READS} deep")
        })?;
        let runtime = self.load(wasm).map_err(|e| e.to_string())?;
        // Metered: decompressing, then `Core_version`, on the caller's budget (`host_fuel`).
        if !crate::host_fuel::charge_decompression(runtime.prepared.scan.wasm_len) {
            return Err("out of fuel".into());
        }
        runtime.version_bytes().map_err(|e| e.to_string())
    }
}
