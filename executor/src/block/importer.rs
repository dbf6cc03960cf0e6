//! [`Importer`]: blocks executed in order on the committed state of their parent.
//!
//! The importer owns the committed state (a [`CommittedState`]: by default an
//! [`InMemoryBackend`] behind an `Arc`; [`Importer::on_state`] takes any other, e.g. trie nodes
//! staged over a database), the runtime its `:code` holds, and the head (number, hash, state root). [`Importer::import`] runs one
//! block as a node's import does:
//!
//! 1. if the previous block wrote `:code` or `:heappages`, the runtime is reloaded from the
//!    committed state through the [`Executor`] (its cache compiles each code once) and its
//!    version read;
//! 2. the header's number must follow the head's and its parent hash must be the head's hash
//!    (skipped for the first block of an importer started from a bare state, whose head is
//!    unknown);
//! 3. the header's trailing `Seal` items are removed and `Core_execute_block` runs on a fresh
//!    [`StorageState`] over the committed state;
//! 4. the root of the state after the call, computed with the state version of the runtime
//!    that executed the block, must equal the header's state root;
//! 5. only then are the changes applied to the committed state and the head moved.
//!
//! Any failure returns a [`BlockError`] and leaves the importer exactly as it was: the call's
//! overlay is dropped, the committed state and the head are untouched, and a pending runtime
//! reload stays pending. The runtime itself also checks the header's state and extrinsics
//! roots (Substrate's `frame_executive` does); the importer's own comparison makes the check
//! independent of the runtime and reports both roots.
//!
//! A node does not check that a new runtime may replace the old one when it imports: the
//! runtime did that when it accepted the upgrade (`frame_system::can_set_code`). The importer
//! does the same and only requires the new code to load.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use crate::call::{CallOptions, CallOutcome};
use crate::heap::{HeapAllocStrategy, HEAP_PAGES_KEY};
use crate::host_time::HostTimer;
use crate::runtime::{Executor, Runtime};
use crate::storage::{CommittedState, InMemoryBackend, StateVersion, StorageMap, StorageState};
use crate::version::RuntimeVersion;

use super::body::Block;
use super::error::{BlockError, BlockFailure, GenesisError, EXECUTE_BLOCK};
use super::genesis::genesis_header;
use super::header::{BlockNumber, Hash, Header};
use super::outcome::{BlockOutcome, BlockTimings};

/// The storage key of the runtime code.
pub const CODE_KEY: &[u8] = b":code";

/// The last imported block (or the genesis).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Head {
    /// Its number.
    pub number: BlockNumber,
    /// Its hash.
    pub hash: Hash,
    /// The state root after it.
    pub state_root: Hash,
}

/// The state version a runtime's roots use: V0 if its `system_version` is 0, else V1.
pub fn state_version_of(version: &RuntimeVersion) -> StateVersion {
    StateVersion::from_u8(version.system_version).unwrap_or(StateVersion::V1)
}

/// The committed state, its runtime and its head; see the module docs.
#[derive(Debug)]
pub struct Importer<S: CommittedState = Arc<InMemoryBackend>> {
    executor: Executor,
    runtime: Runtime,
    version: RuntimeVersion,
    backend: S,
    head: Option<Head>,
    genesis: Option<Header>,
    heap_override: Option<HeapAllocStrategy>,
    options: CallOptions,
    reload_pending: bool,
}

/// The runtime of `state` (its `:code`, heap pages from `:heappages`) and its version.
fn runtime_of(
    executor: &Executor,
    state: &dyn CommittedState,
    heap_override: Option<HeapAllocStrategy>,
) -> Result<(Runtime, RuntimeVersion), BlockFailure> {
    let code = state
        .top_value(CODE_KEY)
        .map_err(BlockFailure::Backend)?
        .ok_or(BlockFailure::NoCode)?;
    let runtime = executor.load(&code).map_err(BlockFailure::RuntimeLoad)?;
    let runtime = match heap_override {
        Some(strategy) => runtime.with_heap_alloc_strategy(strategy),
        None => runtime.with_heap_pages(
            state
                .top_value(HEAP_PAGES_KEY)
                .map_err(BlockFailure::Backend)?
                .as_deref(),
        ),
    };
    let version = runtime.version().map_err(BlockFailure::RuntimeVersion)?;
    Ok((runtime, version))
}

impl Importer<Arc<InMemoryBackend>> {
    /// A chain at its genesis: the genesis state (main trie and default child tries by
    /// unprefixed storage key, as a raw chain spec gives them), its runtime, and the genesis
    /// header derived from the state's root (see [`super::genesis`]) as the head, so that
    /// block 1's parent hash is checked.
    ///
    /// # Errors
    /// [`GenesisError`]: no `:code`, a runtime that does not load or whose version cannot be
    /// read, a failing backend.
    pub fn genesis(
        executor: &Executor,
        top: StorageMap,
        children: BTreeMap<Vec<u8>, StorageMap>,
    ) -> Result<Self, GenesisError> {
        let mut importer = Importer::bare(executor, top, children)?;
        let root = StorageState::new(importer.backend.clone())
            .try_root(importer.state_version())
            .map_err(GenesisError::Backend)?;
        let header = genesis_header(root);
        importer.head = Some(Head {
            number: 0,
            hash: header.hash(),
            state_root: root,
        });
        importer.genesis = Some(header);
        Ok(importer)
    }

    /// A chain at a state given as maps (as [`Importer::genesis`] takes them), with no known
    /// head: the first block's number and parent are not checked. Child-trie roots are
    /// computed with the state version of the state's runtime.
    ///
    /// # Errors
    /// [`GenesisError`] as in [`Importer::genesis`].
    pub fn bare(
        executor: &Executor,
        top: StorageMap,
        children: BTreeMap<Vec<u8>, StorageMap>,
    ) -> Result<Self, GenesisError> {
        let code = top.get(CODE_KEY).ok_or(GenesisError::NoCode)?;
        let runtime = executor.load(code).map_err(GenesisError::Load)?;
        let version = runtime.version().map_err(GenesisError::Version)?;
        let state = InMemoryBackend::new(top, children, state_version_of(&version));
        Importer::from_state(executor, state, None)
    }

    /// [`Importer::genesis`] from a raw chain spec's genesis storage.
    ///
    /// # Errors
    /// As [`Importer::genesis`].
    #[cfg(feature = "json")]
    pub fn from_genesis(
        executor: &Executor,
        genesis: crate::storage::chain_spec::GenesisStorage,
    ) -> Result<Self, GenesisError> {
        Importer::genesis(executor, genesis.top, genesis.children_default)
    }

    /// [`Importer::bare`] from a raw chain spec or state file.
    ///
    /// # Errors
    /// As [`Importer::genesis`].
    #[cfg(feature = "json")]
    pub fn from_storage(
        executor: &Executor,
        storage: crate::storage::chain_spec::GenesisStorage,
    ) -> Result<Self, GenesisError> {
        Importer::bare(executor, storage.top, storage.children_default)
    }

    /// A chain at `state`, with `head` as its last block; without a head, the first imported
    /// block's number and parent are not checked (its successors' are).
    ///
    /// # Errors
    /// [`GenesisError`] as in [`Importer::from_genesis`].
    pub fn from_state(
        executor: &Executor,
        state: InMemoryBackend,
        head: Option<Head>,
    ) -> Result<Self, GenesisError> {
        Importer::on_state(executor, Arc::new(state), head)
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

impl<S: CommittedState> Importer<S> {
    /// A chain at any committed `state` (e.g. trie nodes over a database), with `head` as its
    /// last block, as [`Importer::from_state`].
    ///
    /// # Errors
    /// [`GenesisError`] as in [`Importer::from_genesis`]; [`GenesisError::Backend`] if the
    /// state cannot be read.
    pub fn on_state(
        executor: &Executor,
        state: S,
        head: Option<Head>,
    ) -> Result<Self, GenesisError> {
        let (runtime, version) = runtime_of(executor, &state, None).map_err(|f| match f {
            BlockFailure::RuntimeLoad(e) => GenesisError::Load(e),
            BlockFailure::RuntimeVersion(e) => GenesisError::Version(e),
            BlockFailure::Backend(e) => GenesisError::Backend(e),
            _ => GenesisError::NoCode,
        })?;
        Ok(Importer {
            executor: executor.clone(),
            runtime,
            version,
            backend: state,
            head,
            genesis: None,
            heap_override: None,
            options: CallOptions::default(),
            reload_pending: false,
        })
    }

    /// Runs every block under `strategy` instead of `:heappages` (`None`: back to
    /// `:heappages`), e.g. a validator's memory budget.
    pub fn with_heap_alloc_strategy(mut self, strategy: Option<HeapAllocStrategy>) -> Self {
        self.heap_override = strategy;
        self.runtime = match strategy {
            Some(strategy) => self.runtime.with_heap_alloc_strategy(strategy),
            None => {
                // A read error leaves the default heap; the next block's reload reports it.
                let pages = self.backend.top_value(HEAP_PAGES_KEY).ok().flatten();
                self.runtime.with_heap_pages(pages.as_deref())
            }
        };
        self
    }

    /// Runs every block's call with `options` (e.g. recording its allocations).
    pub fn with_call_options(mut self, options: CallOptions) -> Self {
        self.options = options;
        self
    }

    /// The last imported block, or the genesis; `None` for a bare state before its first
    /// block.
    pub fn head(&self) -> Option<&Head> {
        self.head.as_ref()
    }

    /// The genesis header, when the importer started from a genesis.
    pub fn genesis_header(&self) -> Option<&Header> {
        self.genesis.as_ref()
    }

    /// The runtime the next block runs (before a pending reload).
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// Its version.
    pub fn version(&self) -> &RuntimeVersion {
        &self.version
    }

    /// The state version of the current runtime's roots.
    pub fn state_version(&self) -> StateVersion {
        state_version_of(&self.version)
    }

    /// The committed state, whatever holds it.
    pub fn committed(&self) -> &S {
        &self.backend
    }

    /// The committed state, taken out.
    pub fn into_committed(self) -> S {
        self.backend
    }

    /// The root of the committed state, with the current runtime's state version.
    pub fn storage_root(&self) -> Hash {
        StorageState::new(self.backend.backend()).root(self.state_version())
    }

    /// Imports `block` on the committed state; see the module docs.
    ///
    /// # Errors
    /// A [`BlockError`] naming the block, the call and the cause; nothing changed.
    pub fn import(&mut self, block: &Block) -> Result<BlockOutcome, BlockError> {
        let started = Instant::now();
        let number = block.number();
        let hash = block.hash();
        let fail = |call: bool, failure| BlockError {
            number,
            hash,
            call: call.then(|| EXECUTE_BLOCK.to_string()),
            failure: Box::new(failure),
        };
        let mut timings = BlockTimings::default();
        if self.reload_pending {
            let (runtime, version) = runtime_of(&self.executor, &self.backend, self.heap_override)
                .map_err(|failure| fail(false, failure))?;
            self.runtime = runtime;
            self.version = version;
            self.reload_pending = false;
            timings.runtime_reload = started.elapsed();
        }
        if let Some(head) = &self.head {
            if head.number.checked_add(1) != Some(number) {
                return Err(fail(false, BlockFailure::NotNext { head: head.number }));
            }
            if block.header.parent_hash != head.hash {
                return Err(fail(
                    false,
                    BlockFailure::WrongParent {
                        parent: block.header.parent_hash,
                        head: head.hash,
                    },
                ));
            }
        }

        let input = block.execute_block_input();
        let state_version = self.state_version();
        let mut storage = StorageState::new(self.backend.backend());
        let t = Instant::now();
        let host_timer = HostTimer::start();
        let call: CallOutcome = self
            .runtime
            .call_with(&mut storage, EXECUTE_BLOCK, &input, &self.options)
            .map_err(|error| fail(true, BlockFailure::Call(error)))?;
        timings.execution = t.elapsed();
        timings.host_calls = host_timer.elapsed();
        drop(host_timer);

        let t = Instant::now();
        let root = storage
            .try_root(state_version)
            .map_err(|error| fail(true, BlockFailure::Backend(error)))?;
        timings.storage_root = t.elapsed();
        if root != block.header.state_root {
            return Err(fail(
                true,
                BlockFailure::StateRootMismatch {
                    expected: block.header.state_root,
                    computed: root,
                },
            ));
        }

        let changes = storage.changes();
        drop(storage);
        let t = Instant::now();
        self.backend
            .apply(&changes, state_version)
            .map_err(|error| fail(true, BlockFailure::Backend(error)))?;
        timings.commit = t.elapsed();
        let runtime_changed =
            changes.main.contains_key(CODE_KEY) || changes.main.contains_key(HEAP_PAGES_KEY);
        self.reload_pending = runtime_changed;
        self.head = Some(Head {
            number,
            hash,
            state_root: root,
        });
        timings.total = started.elapsed();
        Ok(BlockOutcome {
            number,
            hash,
            state_root: root,
            spec_version: self.version.spec_version,
            call,
            changes,
            runtime_changed,
            timings,
        })
    }
}
