//! Which ABI a runtime speaks, decided once at load from its exports and imports.
//!
//! abi.md §3 (RFC-0145): the entry points' types say it. Every exported function of type
//! `(i32, i32) -> i64` is a classic entry point, every one of type `(i32) -> i64` a
//! guest-allocator one; other exports (helpers, globals, the memory) do not count. A runtime
//! with both kinds is refused, naming both lists ([`LoadError::MixedEntryPoints`]); one with
//! neither is classic (calls will find no entry point and say so).
//!
//! Then the imports must agree with the mode ([`FunctionStyle::allowed_in`](subexec_host_functions::FunctionStyle::allowed_in)): a
//! guest-allocator runtime may not import host-allocating functions (`ext_allocator_*`,
//! `ext_storage_get_version_1`, the version-1 hashes, …) nor `env.memory` (it owns its memory
//! and exports it); a classic runtime may not import the RFC-0145 functions. Every offending
//! import is named ([`LoadError::ImportsContradictMode`]). The check runs before any call,
//! so a contradictory runtime never runs.

use subexec_host_functions::HostMode;
use wasmi::{ExternType, FuncType, Module, ValType};

use crate::error::LoadError;
use crate::linker::ImportSlot;
use crate::memory::MemorySource;

/// The ABI of a runtime: re-exported from `subexec-host-functions`.
pub type RuntimeMode = HostMode;

/// Whether `ty` is a classic entry point `(i32, i32) -> i64`.
pub(crate) fn is_classic_entry(ty: &FuncType) -> bool {
    ty.params() == [ValType::I32, ValType::I32] && ty.results() == [ValType::I64]
}

/// Whether `ty` is a guest-allocator entry point `(i32) -> i64`.
pub(crate) fn is_guest_entry(ty: &FuncType) -> bool {
    ty.params() == [ValType::I32] && ty.results() == [ValType::I64]
}

/// The mode `module`'s entry points say, before its imports are resolved (a few import names
/// mean different functions in the two modes: [`HostFunction::resolve`]).
///
/// [`HostFunction::resolve`]: subexec_host_functions::HostFunction::resolve
pub(crate) fn entry_mode(module: &Module) -> Result<RuntimeMode, LoadError> {
    let mut classic = Vec::new();
    let mut guest = Vec::new();
    for export in module.exports() {
        if let ExternType::Func(ty) = export.ty() {
            if is_classic_entry(ty) {
                classic.push(export.name().to_string());
            } else if is_guest_entry(ty) {
                guest.push(export.name().to_string());
            }
        }
    }
    if !classic.is_empty() && !guest.is_empty() {
        return Err(LoadError::MixedEntryPoints { classic, guest });
    }
    Ok(if guest.is_empty() {
        HostMode::Classic
    } else {
        HostMode::GuestAllocator
    })
}

/// The mode of `module` ([`entry_mode`]), or why it has none: its imports must agree with it.
/// `memory` is where the blob's memory comes from: a defined memory is linked as `env.memory`
/// after the load-time rewrite, which is no import of the runtime's own.
pub(crate) fn detect(
    module: &Module,
    imports: &[ImportSlot],
    memory: MemorySource,
) -> Result<RuntimeMode, LoadError> {
    let mode = entry_mode(module)?;
    let offending: Vec<String> = imports
        .iter()
        .filter_map(|slot| match slot {
            ImportSlot::Host(function) if !function.style().allowed_in(mode) => {
                Some(function.name().to_string())
            }
            ImportSlot::Memory
                if mode == HostMode::GuestAllocator
                    && matches!(memory, MemorySource::Imported { .. }) =>
            {
                Some(crate::linker::MEMORY_IMPORT.to_string())
            }
            _ => None,
        })
        .collect();
    if !offending.is_empty() {
        return Err(LoadError::ImportsContradictMode {
            mode,
            imports: offending,
        });
    }
    Ok(mode)
}
