//! Host functions an embedder adds: any `sp_wasm_interface::HostFunctions` set, linked next to
//! (or instead of) the built-in ones.
//!
//! A node does not only run what `sp-io` defines: cumulus adds `storage_proof_size`, chains add
//! their own crypto, and all of them write host functions the ecosystem's way, with
//! `#[sp_runtime_interface::runtime_interface]`, which generates a `&'static dyn Function` per
//! function version and collects them in a `HostFunctions` set. [`HostFunctionSet`] holds such
//! functions by import name; the executor is given one at build time
//! ([`crate::ExecutorBuilder::host_functions`]) and resolves every import against it first.
//!
//! # Name collisions
//! An added function **replaces** the built-in function of the same name: the runtime's import
//! `env.<name>` is bound to the added one, whose signature must then match the import's like
//! any other's. Among added functions, the one added last wins, as with
//! `sp_wasm_interface::ExtendedHostFunctions` (its overlay replaces its base). With
//! [`HostFunctionSet::without_builtins`] only the added functions are linked (the Substrate
//! bridge links `sp_io::SubstrateHostFunctions` that way, see the `substrate` feature).
//!
//! # How a call runs one
//! At load, the import is checked against the function's `signature()` (a mismatch is
//! [`crate::LoadError::HostFunctionSignature`]). Per call it becomes a wasmi function whose
//! closure converts wasmi's values, takes the call's `HostState` out of the store (as the
//! built-ins' closures do, `linker`), and runs `subexec_host_functions::invoke_external`:
//! `function.execute` with a `FunctionContext` over the call's memory and allocator (pointers as
//! `sc-executor`'s), the panic message recorded as `ext_panic_handler_abort_on_panic`'s. A
//! failure is a [`crate::CallError::HostFunction`]; a panic is caught before it reaches wasmi
//! and becomes [`crate::CallError::HostFunctionPanicked`] (see [`crate::panic_guard`]).
//!
//! # What is available to them
//! Guest memory, the call's allocator, the panic message. Not externalities: a function that
//! uses them (`&mut self` in a `runtime_interface` that is not `wasm_only`: storage, offchain,
//! extensions such as a keystore or cumulus' proof recorder) calls
//! `sp_externalities::with_externalities`, which finds none in a plain [`crate::Runtime::call`]
//! and panics; the call then fails with `HostFunctionPanicked`. Pure functions (hashing,
//! signature checks, anything that only reads its arguments) work as they are. Functions that
//! need externalities run under the `substrate` feature's `CodeExecutor`, which runs the call
//! inside `sp_externalities::set_and_run_with_externalities` with the node's `Externalities`.

use std::collections::BTreeMap;
use std::sync::Arc;

use subexec_host_functions::{invoke_external, Function, HostFunctions, Value};
use wasmi::{Caller, Func, FuncType, StoreContextMut, Val};

use super::{
    describe_func_type, describe_signature, from_value, guarded, signature_matches, to_value,
    val_type, HostTrap, ImportSlot,
};
use crate::error::LoadError;
use crate::store::StoreData;

/// The host functions an embedder adds to (or substitutes for) the built-in ones, by import
/// name. Cheap to clone.
///
/// ```
/// use subexec_executor::{Executor, HostFunctionSet};
/// # #[sp_runtime_interface::runtime_interface]
/// # pub trait MyChain {
/// #     fn double(x: u32) -> u32 { x * 2 }
/// # }
/// // `my_chain::HostFunctions` comes from `#[runtime_interface] trait MyChain { .. }`.
/// let executor = Executor::builder()
///     .host_functions(HostFunctionSet::new().with::<my_chain::HostFunctions>())
///     .build();
/// # assert!(executor.settings().host_functions.get("ext_my_chain_double_version_1").is_some());
/// ```
#[derive(Clone)]
pub struct HostFunctionSet {
    functions: Arc<BTreeMap<String, &'static dyn Function>>,
    builtins: bool,
}

impl Default for HostFunctionSet {
    fn default() -> Self {
        HostFunctionSet {
            functions: Arc::default(),
            builtins: true,
        }
    }
}

impl HostFunctionSet {
    /// No added functions; the built-in ones linked.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds every function of `H` (e.g. a `runtime_interface`'s `HostFunctions`, or a tuple of
    /// sets); each replaces a function of the same name added before, and the built-in one.
    pub fn with<H: HostFunctions>(self) -> Self {
        self.with_functions(H::host_functions())
    }

    /// Adds `functions` (later ones replace earlier ones of the same name, and built-ins).
    pub fn with_functions(
        mut self,
        functions: impl IntoIterator<Item = &'static dyn Function>,
    ) -> Self {
        let map = Arc::make_mut(&mut self.functions);
        for function in functions {
            map.insert(function.name().to_string(), function);
        }
        self
    }

    /// Links only the added functions: a runtime importing a built-in function that was not
    /// added fails to load as it would with any missing function.
    pub fn without_builtins(mut self) -> Self {
        self.builtins = false;
        self
    }

    /// Whether the built-in functions are linked (for names no added function has).
    pub fn builtins(&self) -> bool {
        self.builtins
    }

    /// The added function named `name`.
    pub fn get(&self, name: &str) -> Option<&'static dyn Function> {
        self.functions.get(name).copied()
    }

    /// The names of the added functions, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.functions.keys().map(String::as_str)
    }

    /// Number of added functions.
    pub fn len(&self) -> usize {
        self.functions.len()
    }

    /// Whether no function was added.
    pub fn is_empty(&self) -> bool {
        self.functions.is_empty()
    }
}

/// Two sets are equal when they link the same names with the same signatures.
impl PartialEq for HostFunctionSet {
    fn eq(&self, other: &Self) -> bool {
        self.builtins == other.builtins
            && self.functions.len() == other.functions.len()
            && self
                .functions
                .iter()
                .zip(other.functions.iter())
                .all(|((a, f), (b, g))| a == b && f.signature() == g.signature())
    }
}

impl Eq for HostFunctionSet {}

impl std::fmt::Debug for HostFunctionSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostFunctionSet")
            .field("functions", &self.functions.keys().collect::<Vec<_>>())
            .field("builtins", &self.builtins)
            .finish()
    }
}

/// An added function an import is bound to.
#[derive(Clone, Copy)]
pub(crate) struct ExternalFunction(pub &'static dyn Function);

impl std::fmt::Debug for ExternalFunction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ExternalFunction({})", self.0.name())
    }
}

/// The slot of import `name` (of type `ty`), bound to the added function of that name.
pub(crate) fn resolve(
    added: &HostFunctionSet,
    name: &str,
    ty: &FuncType,
) -> Result<ImportSlot, LoadError> {
    let Some(function) = added.get(name) else {
        return Err(LoadError::MissingHostFunctions(vec![name.to_string()]));
    };
    let expected = function.signature();
    if !signature_matches(ty, &expected) {
        return Err(LoadError::HostFunctionSignature {
            name: name.to_string(),
            expected: describe_signature(&expected),
            found: describe_func_type(ty),
        });
    }
    Ok(ImportSlot::External(ExternalFunction(function)))
}

/// `function` as a wasmi function of the call's store.
pub(crate) fn external_func(
    store: &mut StoreContextMut<'_, StoreData>,
    ExternalFunction(function): ExternalFunction,
) -> Func {
    let signature = function.signature();
    let ty = FuncType::new(
        signature.args.iter().map(|t| val_type(*t)),
        signature.return_value.map(val_type),
    );
    let name: &'static str = function.name();
    Func::new(
        store,
        ty,
        move |mut caller: Caller<'_, StoreData>, params: &[Val], results: &mut [Val]| {
            // The import's type was checked against the signature at load.
            let args: Vec<Value> = params.iter().map(to_value).collect();
            // Metered like a built-in function (`crate::host_fuel`).
            let host_call = crate::host_fuel::HostCall::enter(&caller);
            let value = guarded(&mut caller, name, |state, guest| {
                invoke_external(function, state, guest, &args)
            })?
            .map_err(|error| wasmi::Error::host(HostTrap::Failed(error)))?;
            host_call.charge(&mut caller)?;
            if let (Some(value), Some(slot)) = (value, results.first_mut()) {
                *slot = from_value(value);
            }
            Ok(())
        },
    )
}
