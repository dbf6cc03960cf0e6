//! Block import: real blocks executed in order on the committed state of their parent, as a
//! node imports them.
//!
//! - [`header`]: the header and digest types (SCALE as `sp-runtime`, `u32` numbers,
//!   blake2-256), the block hash, seal stripping.
//! - [`body`]: [`Block`] (header and opaque extrinsics) and the `Core_execute_block` input.
//! - `json` (feature `json`): the shared JSON block-list format.
//! - [`genesis`]: the genesis header from the genesis state root.
//! - [`importer`]: [`Importer`], the committed state, the head and `import(block)`.
//! - [`outcome`]: what a block reports ([`BlockOutcome`]); [`error`]: why it was refused
//!   ([`BlockError`]).
//!
//! With the `json` feature:
//! ```ignore
//! use subexec_executor::block::{json::parse_blocks, Importer};
//! use subexec_executor::storage::chain_spec::GenesisStorage;
//! use subexec_executor::Executor;
//!
//! let executor = Executor::builder().build();
//! let genesis = GenesisStorage::from_json(&std::fs::read("chain-spec-raw.json")?)?;
//! let mut chain = Importer::from_genesis(&executor, genesis)?;
//! for block in parse_blocks(&std::fs::read("blocks.json")?)? {
//!     let outcome = chain.import(&block)?;
//!     println!("#{} in {:?}", outcome.number, outcome.timings.total);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod body;
pub mod error;
pub mod genesis;
pub mod header;
pub mod importer;
#[cfg(feature = "json")]
pub mod json;
pub mod outcome;

pub use body::{Block, BlockDecodeError};
pub use error::{BlockError, BlockFailure, GenesisError, EXECUTE_BLOCK};
pub use genesis::genesis_header;
pub use header::{BlockNumber, Digest, DigestItem, Hash, Header};
pub use importer::{state_version_of, Head, Importer, CODE_KEY};
pub use outcome::{BlockOutcome, BlockTimings};
