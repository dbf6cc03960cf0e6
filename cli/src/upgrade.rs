//! A chain of calls over committed state, with runtime upgrades: [`Chain`].
//!
//! A [`Chain`] holds the current [`Runtime`] and the committed storage (a
//! [`CommittedState`]: by default an [`InMemoryBackend`]; [`Chain::on_state`] takes any other,
//! e.g. trie nodes staged over a state database). [`Chain::call`] runs one call on a fresh overlay over that state; a
//! successful call's changes are committed (as a node commits a block), a failed call's are
//! discarded. When the committed changes write `:code` (a new runtime) or `:heappages` (a new
//! heap size), the next call runs under them:
//!
//! 1. the new code must load ([`Executor::load`]: decompression, validation, imports; compiled
//!    modules are cached per code hash, so returning to a known runtime costs no compilation);
//! 2. it must instantiate: its `Core_version` is called on empty storage and must succeed;
//! 3. its version ([`Runtime::version`]: embedded sections, else `Core_version`) must keep the
//!    `spec_name` and raise the `spec_version` ([`check_versions`], the rule of
//!    `frame_system::can_set_code`).
//!
//! If any check fails the upgrade is refused ([`ChainError::UpgradeRefused`]): the whole call is
//! discarded, so the committed `:code` always holds the runtime that runs, and the old runtime
//! stays. A `:heappages` change needs no check: an undecodable value selects the executor's
//! default, as in Substrate. An explicit heap strategy ([`Chain::with_heap_alloc_strategy`])
//! overrides `:heappages` for every call.
//!
//! Storage roots and child-trie roots are computed with the state version the current runtime
//! declares (`system_version`: 0 ⇒ V0, else V1).

use std::sync::Arc;

use subexec_executor::heap::HEAP_PAGES_KEY;
use subexec_executor::storage::{
    BackendError, CommittedState, InMemoryBackend, StateVersion, StorageChanges, StorageState,
};
use subexec_executor::{
    CallError, CallOptions, CallOutcome, CodeHash, Executor, HeapAllocStrategy, LoadError, Runtime,
    RuntimeVersion, VersionError,
};

/// The storage key holding the runtime code.
pub const CODE_KEY: &[u8] = b":code";

/// Why a new runtime was not switched to.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum UpgradeRefusal {
    /// The call removed `:code`.
    #[error("the call removed `:code`")]
    CodeRemoved,
    /// The new code does not load.
    #[error("the new code does not load")]
    Load(#[source] LoadError),
    /// The new code does not instantiate (its `Core_version` call fails).
    #[error("the new code does not instantiate")]
    Instantiate(#[source] CallError),
    /// The new code's version cannot be read.
    #[error("the new code's version cannot be read")]
    Version(#[source] VersionError),
    /// The new runtime has another `spec_name`.
    #[error("spec_name changes from `{old}` to `{new}`")]
    SpecNameChanged {
        /// The running runtime's `spec_name`.
        old: String,
        /// The new runtime's `spec_name`.
        new: String,
    },
    /// The new runtime's `spec_version` is not higher.
    #[error("spec_version {new} is not higher than the running {old}")]
    SpecVersionNotIncreased {
        /// The running runtime's `spec_version`.
        old: u32,
        /// The new runtime's `spec_version`.
        new: u32,
    },
}

/// Why a [`Chain`] could not be built or a call on it failed.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum ChainError {
    /// The state has no `:code` to run.
    #[error("the state has no `:code`")]
    NoCode,
    /// The runtime does not load.
    #[error("cannot load the runtime")]
    Load(#[source] LoadError),
    /// The runtime's version cannot be read.
    #[error("cannot read the runtime's version")]
    Version(#[source] VersionError),
    /// The call failed; its changes were discarded.
    #[error("`{method}` failed")]
    Call {
        /// The called entry point.
        method: String,
        /// Why.
        #[source]
        error: CallError,
    },
    /// The call wrote a runtime that may not replace the current one; the call's changes were
    /// discarded and the old runtime stays.
    #[error("runtime upgrade refused")]
    UpgradeRefused(#[source] UpgradeRefusal),
    /// The committed state could not be read or written (a corrupt or failing database).
    #[error("the state cannot be read or committed")]
    Backend(#[source] BackendError),
}

/// A switch to a new runtime or heap strategy after a call (reported only when the code or
/// the heap strategy actually changed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upgrade {
    /// The version before.
    pub from: RuntimeVersion,
    /// The version after (equal to `from` when only `:heappages` changed).
    pub to: RuntimeVersion,
    /// The code hash after.
    pub code_hash: CodeHash,
    /// The heap strategy of the next calls.
    pub heap_alloc_strategy: HeapAllocStrategy,
}

/// A successful call on a [`Chain`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainCall {
    /// Output, allocator statistics, fuel.
    pub outcome: CallOutcome,
    /// The changes the call committed.
    pub changes: StorageChanges,
    /// The runtime switch the call caused, if any.
    pub upgrade: Option<Upgrade>,
}

/// The current runtime and committed storage; see the module docs.
#[derive(Debug)]
pub struct Chain<S: CommittedState = Arc<InMemoryBackend>> {
    executor: Executor,
    runtime: Runtime,
    version: RuntimeVersion,
    backend: S,
    heap_override: Option<HeapAllocStrategy>,
}

impl Chain<Arc<InMemoryBackend>> {
    /// A chain running `runtime` over `state`, whatever `:code` holds; a later write of
    /// `:code` upgrades it. `:heappages` in `state` selects the heap strategy.
    ///
    /// # Errors
    /// [`ChainError::Version`] if the runtime's version cannot be read.
    pub fn new(runtime: Runtime, state: InMemoryBackend) -> Result<Self, ChainError> {
        Chain::on_state(runtime, Arc::new(state))
    }

    /// A chain running the `:code` of `state`, loaded through `executor`.
    ///
    /// # Errors
    /// [`ChainError::NoCode`], [`ChainError::Load`], [`ChainError::Version`].
    pub fn from_state(executor: &Executor, state: InMemoryBackend) -> Result<Self, ChainError> {
        let code = state.top().get(CODE_KEY).ok_or(ChainError::NoCode)?;
        let runtime = executor.load(code).map_err(ChainError::Load)?;
        Chain::new(runtime, state)
    }

    /// The committed state.
    pub fn state(&self) -> &InMemoryBackend {
        &self.backend
    }

    /// The committed state, taken out.
    pub fn into_state(self) -> InMemoryBackend {
        Arc::try_unwrap(self.backend).unwrap_or_else(|shared| (*shared).clone())
    }
}

impl<S: CommittedState> Chain<S> {
    /// A chain running `runtime` over any committed `state`, as [`Chain::new`].
    ///
    /// # Errors
    /// [`ChainError::Version`], [`ChainError::Backend`].
    pub fn on_state(runtime: Runtime, state: S) -> Result<Self, ChainError> {
        let version = runtime.version().map_err(ChainError::Version)?;
        let heap_pages = state
            .top_value(HEAP_PAGES_KEY)
            .map_err(ChainError::Backend)?;
        Ok(Chain {
            executor: runtime.executor().clone(),
            runtime: runtime.with_heap_pages(heap_pages.as_deref()),
            version,
            backend: state,
            heap_override: None,
        })
    }

    /// Uses `strategy` for every call instead of `:heappages` (`None`: back to `:heappages`).
    pub fn with_heap_alloc_strategy(mut self, strategy: Option<HeapAllocStrategy>) -> Self {
        self.heap_override = strategy;
        self.runtime = self.strategy_for(self.runtime.clone(), &self.backend);
        self
    }

    fn strategy_for(&self, runtime: Runtime, state: &S) -> Runtime {
        match self.heap_override {
            Some(strategy) => runtime.with_heap_alloc_strategy(strategy),
            None => {
                // An unreadable `:heappages` selects the default, as an undecodable one does.
                let pages = state.top_value(HEAP_PAGES_KEY).ok().flatten();
                runtime.with_heap_pages(pages.as_deref())
            }
        }
    }

    /// The runtime the next call runs.
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// Its version.
    pub fn version(&self) -> &RuntimeVersion {
        &self.version
    }

    /// The trie layout of roots: V0 if the runtime's `system_version` is 0, else V1.
    pub fn state_version(&self) -> StateVersion {
        StateVersion::from_u8(self.version.system_version).unwrap_or(StateVersion::V1)
    }

    /// The committed state, whatever holds it.
    pub fn committed(&self) -> &S {
        &self.backend
    }

    /// The committed state, taken out.
    pub fn into_committed(self) -> S {
        self.backend
    }

    /// The root of the committed main trie, with [`Chain::state_version`].
    pub fn storage_root(&self) -> [u8; 32] {
        StorageState::new(self.backend.backend()).root(self.state_version())
    }

    /// Calls `method` with `input`, commits its changes and applies an upgrade it wrote.
    ///
    /// # Errors
    /// [`ChainError::Call`] (changes discarded) or [`ChainError::UpgradeRefused`] (changes
    /// discarded, old runtime kept).
    pub fn call(&mut self, method: &str, input: &[u8]) -> Result<ChainCall, ChainError> {
        self.call_with(method, input, &CallOptions::default())
    }

    /// [`Chain::call`] with call options (e.g. recording the call's allocations).
    ///
    /// # Errors
    /// As [`Chain::call`].
    pub fn call_with(
        &mut self,
        method: &str,
        input: &[u8],
        options: &CallOptions,
    ) -> Result<ChainCall, ChainError> {
        let mut storage = StorageState::new(self.backend.backend());
        let outcome = self
            .runtime
            .call_with(&mut storage, method, input, options)
            .map_err(|error| ChainError::Call {
                method: method.to_string(),
                error,
            })?;
        let changes = storage.changes();
        drop(storage);

        let new_code = match changes.main.get(CODE_KEY) {
            Some(None)
                if self
                    .backend
                    .top_value(CODE_KEY)
                    .map_err(ChainError::Backend)?
                    .is_some() =>
            {
                return Err(ChainError::UpgradeRefused(UpgradeRefusal::CodeRemoved))
            }
            // Rewriting the running code is not an upgrade.
            Some(Some(code)) if subexec_executor::blake2_256(code) != self.runtime.code_hash() => {
                Some(code)
            }
            _ => None,
        };
        let heap_pages_written = changes.main.contains_key(HEAP_PAGES_KEY);
        let switched = match new_code {
            Some(code) => {
                let (runtime, version) = check_upgrade(&self.executor, &self.version, code)
                    .map_err(ChainError::UpgradeRefused)?;
                Some((runtime, version))
            }
            None => None,
        };

        let state_version = match &switched {
            Some((_, version)) => {
                StateVersion::from_u8(version.system_version).unwrap_or(StateVersion::V1)
            }
            None => self.state_version(),
        };
        self.backend
            .apply(&changes, state_version)
            .map_err(ChainError::Backend)?;

        let from = self.version.clone();
        let old_strategy = self.runtime.heap_alloc_strategy();
        let code_switched = switched.is_some();
        if let Some((runtime, version)) = switched {
            self.version = version;
            self.runtime = self.strategy_for(runtime, &self.backend);
        } else if heap_pages_written {
            self.runtime = self.strategy_for(self.runtime.clone(), &self.backend);
        }
        let upgrade =
            (code_switched || self.runtime.heap_alloc_strategy() != old_strategy).then(|| {
                Upgrade {
                    from,
                    to: self.version.clone(),
                    code_hash: self.runtime.code_hash(),
                    heap_alloc_strategy: self.runtime.heap_alloc_strategy(),
                }
            });
        Ok(ChainCall {
            outcome,
            changes,
            upgrade,
        })
    }
}

/// The upgrade rule on versions: same `spec_name`, strictly higher `spec_version`.
///
/// # Errors
/// [`UpgradeRefusal::SpecNameChanged`] or [`UpgradeRefusal::SpecVersionNotIncreased`].
pub fn check_versions(old: &RuntimeVersion, new: &RuntimeVersion) -> Result<(), UpgradeRefusal> {
    if old.spec_name != new.spec_name {
        return Err(UpgradeRefusal::SpecNameChanged {
            old: old.spec_name.clone(),
            new: new.spec_name.clone(),
        });
    }
    if new.spec_version <= old.spec_version {
        return Err(UpgradeRefusal::SpecVersionNotIncreased {
            old: old.spec_version,
            new: new.spec_version,
        });
    }
    Ok(())
}

/// Every check of an upgrade from a runtime at version `current` to `code`: it loads,
/// instantiates and passes [`check_versions`]. Returns the new runtime (with the executor's
/// default heap strategy) and its version.
///
/// # Errors
/// The first check that fails, as an [`UpgradeRefusal`].
pub fn check_upgrade(
    executor: &Executor,
    current: &RuntimeVersion,
    code: &[u8],
) -> Result<(Runtime, RuntimeVersion), UpgradeRefusal> {
    let runtime = executor.load(code).map_err(UpgradeRefusal::Load)?;
    runtime
        .call(&mut subexec_executor::empty_storage(), "Core_version", &[])
        .map_err(UpgradeRefusal::Instantiate)?;
    let version = runtime.version().map_err(UpgradeRefusal::Version)?;
    check_versions(current, &version)?;
    Ok((runtime, version))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(name: &str, spec_version: u32) -> RuntimeVersion {
        RuntimeVersion {
            spec_name: name.into(),
            impl_name: "i".into(),
            authoring_version: 1,
            spec_version,
            impl_version: 0,
            apis: Vec::new(),
            transaction_version: 1,
            system_version: 1,
        }
    }

    #[test]
    fn versions_must_keep_the_name_and_rise() {
        assert_eq!(check_versions(&version("a", 1), &version("a", 2)), Ok(()));
        assert_eq!(
            check_versions(&version("a", 2), &version("a", 2)),
            Err(UpgradeRefusal::SpecVersionNotIncreased { old: 2, new: 2 })
        );
        assert_eq!(
            check_versions(&version("a", 2), &version("a", 1)),
            Err(UpgradeRefusal::SpecVersionNotIncreased { old: 2, new: 1 })
        );
        assert_eq!(
            check_versions(&version("a", 1), &version("b", 2)),
            Err(UpgradeRefusal::SpecNameChanged {
                old: "a".into(),
                new: "b".into()
            })
        );
    }
}
