//! Why a block was not imported, or a chain could not start.
//!
//! A [`BlockError`] names the block (number and hash), the runtime call (when one ran) and the
//! cause ([`BlockFailure`]); its `Display` is one line with all three, and the cause chain
//! (`source()`) carries the underlying call error. A failed block changed nothing.

use crate::error::{CallError, LoadError, VersionError};
use crate::storage::BackendError;

use super::header::{BlockNumber, Hash};

/// `0x` and the hash in hex.
pub(crate) fn hex_hash(hash: &Hash) -> String {
    format!("0x{}", hex::encode(hash))
}

/// The runtime entry point that executes blocks.
pub const EXECUTE_BLOCK: &str = "Core_execute_block";

/// What went wrong with a block.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum BlockFailure {
    /// The block's number does not follow the head's.
    #[error("its number does not follow the head #{head}")]
    NotNext {
        /// The head's number.
        head: BlockNumber,
    },
    /// The block's parent hash is not the head's hash.
    #[error("its parent hash {} is not the head's hash {}", hex_hash(.parent), hex_hash(.head))]
    WrongParent {
        /// The header's parent hash.
        parent: Hash,
        /// The head's hash.
        head: Hash,
    },
    /// The runtime the state's `:code` holds (changed by an earlier block) does not load.
    #[error("the state's runtime (`:code`) does not load")]
    RuntimeLoad(#[source] LoadError),
    /// The state's runtime's version cannot be read.
    #[error("the state's runtime version cannot be read")]
    RuntimeVersion(#[source] VersionError),
    /// The state has no `:code`.
    #[error("the state has no `:code`")]
    NoCode,
    /// The runtime call failed (the runtime refused the block, trapped, panicked, …).
    #[error("the runtime call failed")]
    Call(#[source] CallError),
    /// The call succeeded but the state root after it is not the header's.
    #[error("the state root after execution is {}, the header says {}", hex_hash(.computed), hex_hash(.expected))]
    StateRootMismatch {
        /// The header's state root.
        expected: Hash,
        /// The root of the state after the call.
        computed: Hash,
    },
    /// The storage backend failed while the root was computed.
    #[error("the storage backend failed")]
    Backend(#[source] BackendError),
}

/// A block that was not imported; nothing changed.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
#[error("block #{number} ({}){}: {failure}", hex_hash(.hash), .call.as_ref().map(|c| format!(", `{c}`")).unwrap_or_default())]
pub struct BlockError {
    /// The block's number (from its header).
    pub number: BlockNumber,
    /// The block's hash (of its sealed header).
    pub hash: Hash,
    /// The runtime call that ran, if one did ([`EXECUTE_BLOCK`]).
    pub call: Option<String>,
    /// Why (boxed: a call error is large, and this travels in every `Result`).
    #[source]
    pub failure: Box<BlockFailure>,
}

impl BlockError {
    /// The runtime call's error, when the call itself failed.
    pub fn call_error(&self) -> Option<&CallError> {
        match &*self.failure {
            BlockFailure::Call(error) => Some(error),
            _ => None,
        }
    }
}

/// Why a chain could not start from a genesis or a state.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum GenesisError {
    /// The state has no `:code`.
    #[error("the genesis state has no `:code`")]
    NoCode,
    /// The runtime does not load.
    #[error("the genesis runtime does not load")]
    Load(#[source] LoadError),
    /// Its version cannot be read.
    #[error("the genesis runtime's version cannot be read")]
    Version(#[source] VersionError),
    /// The storage backend failed while the genesis root was computed.
    #[error("the storage backend failed")]
    Backend(#[source] BackendError),
}
