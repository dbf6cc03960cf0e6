//! The runtime's version as [`Runtime`] reports it: embedded, else from `Core_version`.

use parity_scale_codec::Encode;

use crate::error::VersionError;
use crate::runtime::Runtime;
use crate::version::RuntimeVersion;

impl Runtime {
    /// The runtime's version: from the custom sections, else by calling `Core_version` (on
    /// empty storage; a successful result is cached with the compiled code).
    ///
    /// # Errors
    /// The `Core_version` call fails or returns bytes that are not a `RuntimeVersion`.
    pub fn version(&self) -> Result<RuntimeVersion, VersionError> {
        match &self.prepared.embedded_version {
            Some(version) => Ok(version.clone()),
            None => self.called_version().map(|(_, version)| version),
        }
    }

    /// The SCALE bytes `ext_misc_runtime_version_version_1` reports for this runtime: the
    /// embedded version re-encoded in full, else `Core_version`'s raw output. Never served
    /// from the version cache, so that what a runtime observes (including where nested lookups
    /// stop, see [`crate::MAX_NESTED_VERSION_READS`]) does not depend on earlier calls.
    ///
    /// # Errors
    /// As [`Runtime::version`].
    pub fn version_bytes(&self) -> Result<Vec<u8>, VersionError> {
        match &self.prepared.embedded_version {
            Some(version) => Ok(version.encode()),
            None => self.call_core_version().map(|(bytes, _)| bytes),
        }
    }

    fn called_version(&self) -> Result<(Vec<u8>, RuntimeVersion), VersionError> {
        let cache = &self.prepared.called_version;
        if let Some(known) = cache.lock().unwrap_or_else(|e| e.into_inner()).clone() {
            return Ok(known);
        }
        // Not under the lock: `Core_version` may itself ask for a runtime version.
        let known = self.call_core_version()?;
        *cache.lock().unwrap_or_else(|e| e.into_inner()) = Some(known.clone());
        Ok(known)
    }

    /// Calls `Core_version` on empty storage and decodes its output.
    fn call_core_version(&self) -> Result<(Vec<u8>, RuntimeVersion), VersionError> {
        let mut storage = crate::empty_storage();
        let outcome = self.call(&mut storage, "Core_version", &[])?;
        let version = RuntimeVersion::decode_core_version_output(&outcome.output)?;
        Ok((outcome.output, version))
    }
}
