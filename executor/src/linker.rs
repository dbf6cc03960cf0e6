//! Imports: resolved once per blob by name, linked into each call's store.
//!
//! At load ([`resolve_imports`]) every import is checked: it must come from module `env`; a
//! function must be a known host function ([`HostFunction::resolve`], for the runtime's mode) with exactly its
//! signature (a wrong signature is always an error), or, when the embedder allows missing
//! functions, it becomes a stub that traps with "call to a missing function env:NAME"; the only
//! other import allowed is the memory `env.memory`. Missing functions are reported together.
//!
//! Per call ([`link`]) each slot becomes a wasmi [`Func`] whose closure converts wasmi values
//! to `sp_wasm_interface` [`Value`]s, takes the call's `HostState` out of the store (so the
//! memory adapter can borrow the store mutably), runs [`subexec_host_functions::invoke`], and
//! puts the state back. The frequent signatures (allocator, storage, hashing) use statically
//! typed closures (`Func::wrap`), which cost wasmi less per call than the generic `Func::new`
//! path the others take: on `Metadata_metadata`, about 9 000 host calls, that is 7 % of the
//! call's instructions.

pub mod external;

use crate::error::LoadError;
use crate::memory::GuestMemory;
use crate::panic_guard::{TEST_PANIC_IN_ENGINE, TEST_PANIC_IN_HOST_FUNCTION, TEST_PANIC_MESSAGE};
use crate::store::StoreData;
use external::{external_func, ExternalFunction, HostFunctionSet};
use subexec_host_functions::{
    invoke, HostError, HostFunction, HostMode, HostState, Signature, Value, ValueType,
};
use wasmi::{Caller, Extern, ExternType, Func, FuncType, Module, StoreContextMut, Val, ValType};

/// Name of the imported memory.
pub(crate) const MEMORY_IMPORT: &str = "memory";

/// What one import of the module is bound to.
#[derive(Clone, Debug)]
pub(crate) enum ImportSlot {
    /// A host function.
    Host(HostFunction),
    /// A host function the embedder added ([`crate::external`]).
    External(ExternalFunction),
    /// An unknown function linked as a trapping stub.
    Missing {
        /// Import name.
        name: String,
        /// Its declared type.
        ty: FuncType,
    },
    /// `env.memory`.
    Memory,
    /// A test hook that panics ([`crate::panic_guard::TEST_PANIC_IN_ENGINE`] and
    /// [`crate::panic_guard::TEST_PANIC_IN_HOST_FUNCTION`]); only with
    /// [`crate::Executor::with_panicking_test_imports`].
    TestPanic {
        /// Panic inside the host functions' guarded section (else straight through wasmi).
        in_host_function: bool,
        /// Its declared type.
        ty: FuncType,
    },
}

/// A host trap raised from inside a host function closure.
#[derive(Debug, Clone)]
pub(crate) enum HostTrap {
    /// The host function returned an error.
    Failed(HostError),
    /// A missing function's stub was called.
    Missing(String),
    /// The call's host state was not in the store (a bug; reported, never a panic).
    NoState(&'static str),
    /// The host function returned a value of another type than its signature's (a bug).
    BadResult(&'static str),
    /// The host function panicked; the panic was caught before it reached wasmi.
    Panicked {
        /// The host function's name.
        function: &'static str,
        /// The panic's message.
        message: String,
    },
}

impl std::fmt::Display for HostTrap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HostTrap::Failed(e) => e.fmt(f),
            HostTrap::Missing(name) => write!(f, "call to a missing function env:{name}"),
            HostTrap::NoState(name) => write!(f, "{name}: host state unavailable"),
            HostTrap::BadResult(name) => write!(f, "{name}: result does not match the signature"),
            HostTrap::Panicked { function, message } => {
                write!(f, "host function `{function}` panicked: {message}")
            }
        }
    }
}

impl wasmi::errors::HostError for HostTrap {}

/// Resolves the module's imports in `module.imports()` order.
///
/// Functions in `added` come first (they replace built-ins of the same name; see
/// [`crate::external`]). With `test_panics` (a test hook), the imports named by
/// [`crate::panic_guard::TEST_PANIC_IN_ENGINE`] and
/// [`crate::panic_guard::TEST_PANIC_IN_HOST_FUNCTION`] become panicking functions.
pub(crate) fn resolve_imports(
    module: &Module,
    mode: HostMode,
    allow_missing: bool,
    test_panics: bool,
    added: &HostFunctionSet,
) -> Result<Vec<ImportSlot>, LoadError> {
    let mut slots = Vec::new();
    let mut missing = Vec::new();
    for import in module.imports() {
        if import.module() != "env" {
            return Err(LoadError::NonEnvImport {
                module: import.module().to_string(),
                name: import.name().to_string(),
            });
        }
        let name = import.name();
        match import.ty() {
            ExternType::Func(ty)
                if test_panics
                    && (name == TEST_PANIC_IN_ENGINE || name == TEST_PANIC_IN_HOST_FUNCTION) =>
            {
                slots.push(ImportSlot::TestPanic {
                    in_host_function: name == TEST_PANIC_IN_HOST_FUNCTION,
                    ty: ty.clone(),
                });
            }
            ExternType::Func(ty) if added.get(name).is_some() => {
                slots.push(external::resolve(added, name, ty)?);
            }
            ExternType::Func(ty) => {
                match HostFunction::resolve(name, mode).filter(|_| added.builtins()) {
                    Some(function) => {
                        let expected = function.signature();
                        if !signature_matches(ty, &expected) {
                            return Err(LoadError::HostFunctionSignature {
                                name: name.to_string(),
                                expected: describe_signature(&expected),
                                found: describe_func_type(ty),
                            });
                        }
                        slots.push(ImportSlot::Host(function));
                    }
                    None => {
                        missing.push(name.to_string());
                        slots.push(ImportSlot::Missing {
                            name: name.to_string(),
                            ty: ty.clone(),
                        });
                    }
                }
            }
            ExternType::Memory(_) if name == MEMORY_IMPORT => slots.push(ImportSlot::Memory),
            other => {
                let kind = match other {
                    ExternType::Memory(_) => "a memory not named `memory`",
                    ExternType::Table(_) => "a table",
                    ExternType::Global(_) => "a global",
                    ExternType::Func(_) => "a function",
                };
                return Err(LoadError::UnsupportedImport {
                    name: name.to_string(),
                    kind: kind.to_string(),
                });
            }
        }
    }
    if !missing.is_empty() && !allow_missing {
        return Err(LoadError::MissingHostFunctions(missing));
    }
    Ok(slots)
}

/// The externs for one instantiation, in import order.
pub(crate) fn link(
    store: &mut StoreContextMut<'_, StoreData>,
    slots: &[ImportSlot],
    memory: Option<wasmi::Memory>,
) -> Vec<Extern> {
    slots
        .iter()
        .filter_map(|slot| match slot {
            ImportSlot::Host(function) => Some(Extern::Func(host_func(store, *function))),
            ImportSlot::External(function) => Some(Extern::Func(external_func(store, *function))),
            ImportSlot::Missing { name, ty } => {
                let name = name.clone();
                Some(Extern::Func(Func::new(
                    &mut *store,
                    ty.clone(),
                    move |_caller, _params, _results| {
                        Err(wasmi::Error::host(HostTrap::Missing(name.clone())))
                    },
                )))
            }
            ImportSlot::Memory => memory.map(Extern::Memory),
            ImportSlot::TestPanic {
                in_host_function,
                ty,
            } => {
                let in_host_function = *in_host_function;
                Some(Extern::Func(Func::new(
                    &mut *store,
                    ty.clone(),
                    move |mut caller, _params, _results| {
                        if in_host_function {
                            guarded(&mut caller, TEST_PANIC_IN_HOST_FUNCTION, |_, _| {
                                std::panic::panic_any(TEST_PANIC_MESSAGE)
                            })
                        } else {
                            std::panic::panic_any(TEST_PANIC_MESSAGE)
                        }
                    },
                )))
            }
        })
        .collect()
}

/// Runs `function` with `args` on the call's host state and memory.
fn dispatch(
    caller: &mut Caller<'_, StoreData>,
    function: HostFunction,
    args: &[Value],
) -> Result<Option<Value>, wasmi::Error> {
    let host_call = crate::host_fuel::HostCall::enter(caller);
    if let Some(state) = caller.data_mut().host.as_mut() {
        state.set_fuel_left(host_call.fuel_left());
    }
    let timing = crate::host_time::start();
    let result = guarded(caller, function.name(), |state, guest| {
        invoke(function, state, guest, args)
    });
    crate::host_time::stop(timing);
    let value = result?.map_err(|error| wasmi::Error::host(HostTrap::Failed(error)))?;
    host_call.charge(caller)?;
    Ok(value)
}

/// Runs `run` (host function `name`) on the call's host state, taken out of the store, and
/// memory. A panic of `run` is caught here, before it reaches wasmi: the host state goes back
/// into the store either way, and the panic becomes [`HostTrap::Panicked`] (see
/// [`crate::panic_guard`]).
pub(crate) fn guarded<R>(
    caller: &mut Caller<'_, StoreData>,
    name: &'static str,
    run: impl FnOnce(&mut HostState, &mut GuestMemory<&mut Caller<'_, StoreData>>) -> R,
) -> Result<R, wasmi::Error> {
    let no_state = || wasmi::Error::host(HostTrap::NoState(name));
    let (memory, max_pages) = {
        let data = caller.data();
        (data.memory.ok_or_else(no_state)?, data.allocator_max_pages)
    };
    let mut state = caller.data_mut().host.take().ok_or_else(no_state)?;
    let result = {
        let mut guest = GuestMemory::new(memory, &mut *caller, max_pages);
        crate::panic_guard::catch(|| run(&mut state, &mut guest))
    };
    caller.data_mut().host = Some(state);
    result.map_err(|message| {
        wasmi::Error::host(HostTrap::Panicked {
            function: name,
            message,
        })
    })
}

/// The single result of `function`, which must have this type.
fn result_as<T>(
    function: HostFunction,
    value: Option<Value>,
    get: impl FnOnce(Value) -> Option<T>,
) -> Result<T, wasmi::Error> {
    value
        .and_then(get)
        .ok_or_else(|| wasmi::Error::host(HostTrap::BadResult(function.name())))
}

/// A host function as a wasmi function. The hot signatures (the allocator's, storage's,
/// hashing's) get statically typed closures, which wasmi calls without boxing values; the
/// rest go through the generic `Func::new` path. Both call [`dispatch`].
fn host_func(store: &mut StoreContextMut<'_, StoreData>, function: HostFunction) -> Func {
    use ValueType::{I32, I64};
    let signature = function.signature();
    let i32_of = |v: Value| match v {
        Value::I32(x) => Some(x),
        _ => None,
    };
    let i64_of = |v: Value| match v {
        Value::I64(x) => Some(x),
        _ => None,
    };
    match (&signature.args[..], signature.return_value) {
        ([I32], Some(I32)) => Func::wrap(store, move |mut c: Caller<'_, StoreData>, a: i32| {
            let r = dispatch(&mut c, function, &[Value::I32(a)])?;
            result_as(function, r, i32_of)
        }),
        ([I32], None) => Func::wrap(store, move |mut c: Caller<'_, StoreData>, a: i32| {
            dispatch(&mut c, function, &[Value::I32(a)]).map(drop)
        }),
        ([I64], Some(I64)) => Func::wrap(store, move |mut c: Caller<'_, StoreData>, a: i64| {
            let r = dispatch(&mut c, function, &[Value::I64(a)])?;
            result_as(function, r, i64_of)
        }),
        ([I64], Some(I32)) => Func::wrap(store, move |mut c: Caller<'_, StoreData>, a: i64| {
            let r = dispatch(&mut c, function, &[Value::I64(a)])?;
            result_as(function, r, i32_of)
        }),
        ([I64], None) => Func::wrap(store, move |mut c: Caller<'_, StoreData>, a: i64| {
            dispatch(&mut c, function, &[Value::I64(a)]).map(drop)
        }),
        ([I64, I64], None) => Func::wrap(
            store,
            move |mut c: Caller<'_, StoreData>, a: i64, b: i64| {
                dispatch(&mut c, function, &[Value::I64(a), Value::I64(b)]).map(drop)
            },
        ),
        ([], Some(I32)) => Func::wrap(store, move |mut c: Caller<'_, StoreData>| {
            let r = dispatch(&mut c, function, &[])?;
            result_as(function, r, i32_of)
        }),
        _ => generic_host_func(store, function, &signature),
    }
}

fn generic_host_func(
    store: &mut StoreContextMut<'_, StoreData>,
    function: HostFunction,
    signature: &Signature,
) -> Func {
    let ty = FuncType::new(
        signature.args.iter().map(|t| val_type(*t)),
        signature.return_value.map(val_type),
    );
    Func::new(
        store,
        ty,
        move |mut caller: Caller<'_, StoreData>, params: &[Val], results: &mut [Val]| {
            // Signatures were checked at load: every parameter is i32/i64/f32/f64.
            let mut args = [Value::I32(0); 8];
            let n = params.len().min(args.len());
            for (arg, param) in args.iter_mut().zip(params) {
                *arg = to_value(param);
            }
            let value = dispatch(&mut caller, function, &args[..n])?;
            if let (Some(value), Some(slot)) = (value, results.first_mut()) {
                *slot = from_value(value);
            }
            Ok(())
        },
    )
}

pub(crate) fn val_type(t: ValueType) -> ValType {
    match t {
        ValueType::I32 => ValType::I32,
        ValueType::I64 => ValType::I64,
        ValueType::F32 => ValType::F32,
        ValueType::F64 => ValType::F64,
    }
}

fn value_type(t: &ValType) -> Option<ValueType> {
    match t {
        ValType::I32 => Some(ValueType::I32),
        ValType::I64 => Some(ValueType::I64),
        ValType::F32 => Some(ValueType::F32),
        ValType::F64 => Some(ValueType::F64),
        _ => None,
    }
}

pub(crate) fn to_value(v: &Val) -> Value {
    match v {
        Val::I32(x) => Value::I32(*x),
        Val::I64(x) => Value::I64(*x),
        Val::F32(x) => Value::F32(x.to_bits()),
        Val::F64(x) => Value::F64(x.to_bits()),
        // Excluded by the signature check at load.
        _ => Value::I32(0),
    }
}

pub(crate) fn from_value(v: Value) -> Val {
    match v {
        Value::I32(x) => Val::I32(x),
        Value::I64(x) => Val::I64(x),
        Value::F32(x) => Val::F32(wasmi::F32::from_bits(x)),
        Value::F64(x) => Val::F64(wasmi::F64::from_bits(x)),
    }
}

pub(crate) fn signature_matches(ty: &FuncType, expected: &Signature) -> bool {
    let params: Option<Vec<ValueType>> = ty.params().iter().map(value_type).collect();
    let results: Option<Vec<ValueType>> = ty.results().iter().map(value_type).collect();
    match (params, results) {
        (Some(params), Some(results)) => {
            params[..] == expected.args[..]
                && results.as_slice() == expected.return_value.as_slice()
        }
        _ => false,
    }
}

pub(crate) fn describe_signature(sig: &Signature) -> String {
    let params: Vec<String> = sig
        .args
        .iter()
        .map(|t| format!("{t:?}").to_lowercase())
        .collect();
    let result = sig
        .return_value
        .map(|t| format!("{t:?}").to_lowercase())
        .unwrap_or_else(|| "()".into());
    format!("({}) -> {}", params.join(", "), result)
}

/// One-line rendering of what an import or export is (`memory of 17 pages, maximum 18`):
/// error messages never carry wasmi's `Debug` dumps.
pub(crate) fn describe_extern_type(ty: &wasmi::ExternType) -> String {
    let maximum = |max: Option<u64>| max.map_or_else(|| "none".to_string(), |m| m.to_string());
    match ty {
        wasmi::ExternType::Func(f) => format!("function {}", describe_func_type(f)),
        wasmi::ExternType::Memory(m) => format!(
            "memory of {} pages, maximum {}",
            m.minimum(),
            maximum(m.maximum())
        ),
        wasmi::ExternType::Global(g) => format!(
            "{} global {}",
            if g.mutability().is_mut() {
                "mutable"
            } else {
                "immutable"
            },
            format!("{:?}", g.content()).to_lowercase()
        ),
        wasmi::ExternType::Table(t) => format!(
            "table of {} {} elements, maximum {}",
            t.minimum(),
            format!("{:?}", t.element()).to_lowercase(),
            maximum(t.maximum())
        ),
    }
}

/// `(i32, i64) -> i64` style rendering of a wasm function type.
pub(crate) fn describe_func_type(ty: &FuncType) -> String {
    let params: Vec<String> = ty
        .params()
        .iter()
        .map(|t| format!("{t:?}").to_lowercase())
        .collect();
    let results: Vec<String> = ty
        .results()
        .iter()
        .map(|t| format!("{t:?}").to_lowercase())
        .collect();
    let result = match results.len() {
        0 => "()".to_string(),
        1 => results[0].clone(),
        _ => format!("({})", results.join(", ")),
    };
    format!("({}) -> {}", params.join(", "), result)
}
