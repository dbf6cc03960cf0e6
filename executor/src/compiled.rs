//! The compiled runtime: blob → validated, compiled module with its imports resolved, and
//! what loading learnt about it ([`Prepared`]). The bottom layer of a runtime: everything
//! above (one run on an instance, the pool, the call policy, the `Executor`/`Runtime` handles)
//! uses it; it uses none of them.
//!
//! [`prepare`] decompresses, scans (`scan`), rewrites the module to export every mutable global
//! and to import the memory it defines (`rewrite`), validates and compiles the module (see
//! [`crate::config`] for when functions are translated), resolves its imports (`linker`),
//! detects the ABI (`mode`), checks the exports the ABI needs (`__heap_base`, a memory) and
//! reads the embedded version.
//!
//! Engines: every compiled runtime gets a wasmi `Engine` of its own (same settings), and its
//! stores are made from `module.engine()`. wasmi's engine keeps every function it parsed or
//! translated in an append-only code map that is freed only when the engine itself is dropped,
//! so one engine shared by the executor would keep the code of every module it ever compiled:
//! runtimes evicted from the cache and loaded again, failed loads, and every blob a runtime
//! hands to `ext_misc_runtime_version_version_1` (guest input). With an engine per runtime the
//! code goes when the last `Module` handle and store of it go (cache entry, `Runtime` handles,
//! pooled instances), so memory stays bounded by what is cached and in use. Measured (fuzz
//! binary, five blobs cycling through a four-entry cache): ~0.3 MB kept per reload with a
//! shared engine, RSS rising without bound; flat with one engine per runtime
//! (docs/FUZZING.md, finding 3).
//!
//! If the rewritten module fails validation, the original is compiled to report its own
//! error, so load errors do not depend on the rewrite.
//!
//! Start functions: a module with a `start` section is rejected ([`LoadError::StartFunction`]).
//! Substrate runtimes never have one, and running arbitrary code at every instantiation (i.e.
//! before every call) would only add a way to diverge.

use std::sync::Mutex;

use blake2::digest::consts::U32;
use blake2::{Blake2b, Digest};
use wasmi::{Engine, ExternType, Module, ValType};

use crate::blob::{decompress, CODE_BLOB_BOMB_LIMIT};
use crate::config::Settings;
use crate::error::LoadError;
use crate::linker::{resolve_imports, ImportSlot};
use crate::memory::MemorySource;
use crate::mode::RuntimeMode;
use crate::rewrite::{export_mutable_globals, import_defined_memory};
use crate::scan::{scan, ScanReport};
use crate::version::{RuntimeVersion, APIS_SECTION, VERSION_SECTION};

/// A 32-byte blake2-256 code hash.
pub type CodeHash = [u8; 32];

/// A compiled runtime and what loading learnt about it.
pub(crate) struct Prepared {
    pub code_hash: CodeHash,
    pub module: Module,
    pub imports: Vec<ImportSlot>,
    pub mode: RuntimeMode,
    pub memory: MemorySource,
    pub scan: ScanReport,
    /// The export name of every mutable global (imported ones included), in global index
    /// order: the module's own export where it has one, else the one `rewrite` added.
    pub mutable_globals: Vec<String>,
    pub embedded_version: Option<RuntimeVersion>,
    /// `Core_version`'s raw output and its decoding, once a call succeeded.
    pub called_version: Mutex<Option<(Vec<u8>, RuntimeVersion)>>,
    /// Set by the first engine panic: no more calls ([`crate::panic_guard`]).
    pub poison: crate::panic_guard::Poison,
}

impl Prepared {
    /// Records an engine panic (see [`crate::panic_guard`]): later calls are refused (the
    /// call policy then drops the idle pooled instances built on the same module, and the
    /// handle evicts the runtime from the code cache).
    pub fn poison(&self, message: &str) {
        if self.poison.set(message) {
            log::warn!(target: "subexec", "engine panicked, runtime poisoned: {message}");
        }
    }
}

/// Loads `code` (its hash `code_hash`): decompress, scan, rewrite, compile on a new engine of
/// `config`, resolve imports, detect the mode, check the ABI's exports, read the embedded
/// version. The settings say which host functions are linked and whether missing ones become
/// trapping stubs; `test_panics` is the panic test hook
/// ([`crate::Executor::with_panicking_test_imports`]).
pub(crate) fn prepare(
    config: &wasmi::Config,
    settings: &Settings,
    test_panics: bool,
    code_hash: CodeHash,
    code: &[u8],
) -> Result<Prepared, LoadError> {
    let wasm = decompress(code, CODE_BLOB_BOMB_LIMIT)?;
    let scan = scan(&wasm)?;
    if scan.has_start {
        return Err(LoadError::StartFunction);
    }
    let Compiled {
        module,
        mutable_globals,
        defined_memory,
    } = compile(config, &wasm)?;
    let imports = resolve_imports(
        &module,
        crate::mode::entry_mode(&module)?,
        settings.allow_missing_host_functions,
        test_panics,
        &settings.host_functions,
    )?;
    let memory = memory_source(&module, defined_memory)?;
    let mode = crate::mode::detect(&module, &imports, memory)?;
    match (mode, module.get_export("__heap_base")) {
        // Guest-allocator runtimes own their heap: no `__heap_base` needed.
        (RuntimeMode::GuestAllocator, _) => {}
        (RuntimeMode::Classic, Some(ExternType::Global(g))) if g.content() == ValType::I32 => {}
        (RuntimeMode::Classic, _) => return Err(LoadError::MissingHeapBase),
    }
    let mut version_section = None;
    let mut apis_section = None;
    for section in module.custom_sections() {
        match section.name() {
            VERSION_SECTION => version_section = Some(section.data()),
            APIS_SECTION => apis_section = Some(section.data()),
            _ => {}
        }
    }
    let embedded_version = RuntimeVersion::from_sections(version_section, apis_section)?;
    Ok(Prepared {
        code_hash,
        module,
        imports,
        mode,
        memory,
        scan,
        mutable_globals,
        embedded_version,
        called_version: Mutex::new(None),
        poison: crate::panic_guard::Poison::default(),
    })
}

/// A compiled module and what the load-time rewrites did.
struct Compiled {
    module: Module,
    /// The export name of every mutable global.
    mutable_globals: Vec<String>,
    /// The module defined its memory; the rewrite turned it into the import `env.memory`.
    defined_memory: bool,
}

/// Rewrites (see [`crate::rewrite`]) and compiles `wasm` on a new engine of its own (see the
/// module docs).
fn compile(config: &wasmi::Config, wasm: &[u8]) -> Result<Compiled, LoadError> {
    let invalid = |e: wasmi::Error| crate::error::invalid_wasm(e);
    let engine = Engine::new(config);
    let rewrite_error = match export_mutable_globals(wasm) {
        Ok(rewritten) => match import_defined_memory(&rewritten.wasm) {
            Ok(imported) => {
                let defined_memory = imported.is_some();
                let bytes = imported.as_deref().unwrap_or(&rewritten.wasm);
                match Module::new(&engine, bytes) {
                    Ok(module) => {
                        return Ok(Compiled {
                            module,
                            mutable_globals: rewritten.mutable_globals,
                            defined_memory,
                        })
                    }
                    Err(e) => format!("the rewritten module is invalid: {e}"),
                }
            }
            Err(e) => e.to_string(),
        },
        Err(e) => e.to_string(),
    };
    // The original's own error, independent of the rewrite.
    Module::new(&engine, wasm).map_err(invalid)?;
    Err(LoadError::InvalidWasm(format!(
        "the load-time rewrite failed: {rewrite_error}"
    )))
}

/// Where the memory of `module` (rewritten, see [`Compiled`]) comes from.
fn memory_source(module: &Module, defined_memory: bool) -> Result<MemorySource, LoadError> {
    let pages = |ty: &wasmi::MemoryType| {
        (
            u32::try_from(ty.minimum()).unwrap_or(u32::MAX),
            ty.maximum().map(|m| u32::try_from(m).unwrap_or(u32::MAX)),
        )
    };
    let imported = module.imports().find_map(|import| match import.ty() {
        ExternType::Memory(ty) => Some(pages(ty)),
        _ => None,
    });
    match (imported, defined_memory) {
        (Some((minimum, maximum)), false) => Ok(MemorySource::Imported { minimum, maximum }),
        // A defined memory must be exported as `memory` (abi.md).
        (Some((minimum, maximum)), true)
            if matches!(module.get_export("memory"), Some(ExternType::Memory(_))) =>
        {
            Ok(MemorySource::Defined { minimum, maximum })
        }
        _ => Err(LoadError::NoMemory),
    }
}

/// blake2-256 of `data`.
pub fn blake2_256(data: &[u8]) -> CodeHash {
    Blake2b::<U32>::digest(data).into()
}
