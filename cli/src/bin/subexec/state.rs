//! `subexec state`: state databases from and to JSON, and their roots.
//!
//! - `state import --chain-spec FILE --state DIR`: loads a raw chain spec or a JSON state file
//!   into the database in DIR (created if needed), replacing its state. The trie is built
//!   with the state version of the state's runtime (`system_version` of its `:code`: 0 ⇒ V0,
//!   else V1), as a node builds its genesis; without a `:code`, V1. Nodes are written in
//!   bounded batches and the head last, so an interrupted import leaves the previous state.
//!   A chain spec's state is its genesis: the head then records the genesis block (number 0,
//!   the hash of the genesis header, `subexec_executor::block::genesis_header`), so that
//!   `import-blocks --state DIR` checks block 1's parent; a state file's head records no block.
//! - `state export --state DIR --out FILE`: writes the database's state as a JSON state file
//!   (atomically, `state_file`), walking the trie: memory does not grow with the state.
//! - `state root --state DIR`: prints the root of the database's state (`0x…`).
//!
//! try-runtime's snapshot files are not read: their format (a SCALE encoding of
//! `frame-remote-externalities`' internal `Snapshot` struct, versioned by that crate and not
//! published as a specification) is not at hand here.
//!
//! Imports and exports show progress on stderr when it is a terminal (`progress`).

use std::path::PathBuf;

use clap::{Args, Subcommand};
use subexec_cli::upgrade::CODE_KEY;
use subexec_executor::block::{genesis_header, state_version_of};
use subexec_executor::storage::StateVersion;
use subexec_executor::Executor;
use subexec_state_db::{BlockRef, Head};

use crate::failure::{Failure, Kind, Outcome};
use crate::output::outln;
use crate::progress::Progress;
use crate::{source, state_arg, state_file};

/// `subexec state` arguments.
#[derive(Args)]
pub struct StateArgs {
    #[command(subcommand)]
    command: StateCommand,
}

#[derive(Subcommand)]
enum StateCommand {
    /// Load a raw chain spec or a JSON state file into a state database (replacing its state).
    Import {
        /// The raw chain spec or state file.
        #[arg(long, value_name = "FILE")]
        chain_spec: PathBuf,
        /// The database directory (created if needed).
        #[arg(long, value_name = "DIR")]
        state: PathBuf,
    },
    /// Write a state database's state as a JSON state file.
    Export {
        /// The database directory.
        #[arg(long, value_name = "DIR")]
        state: PathBuf,
        /// The state file to write (replaced atomically).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Print the root of a state database's state.
    Root {
        /// The database directory.
        #[arg(long, value_name = "DIR")]
        state: PathBuf,
    },
}

/// Runs `subexec state`.
pub fn run(args: StateArgs) -> Outcome {
    match args.command {
        StateCommand::Import { chain_spec, state } => {
            let bytes = source::read(&chain_spec)?;
            let genesis = source::parse_genesis(&chain_spec, &bytes)?;
            let is_genesis = source::is_chain_spec(&bytes);
            drop(bytes);
            let version = match genesis.top.get(CODE_KEY) {
                Some(code) => {
                    let runtime = Executor::builder()
                        .build()
                        .load(code)
                        .map_err(|e| Failure::input("cannot load the state's `:code`", e))?;
                    state_version_of(&runtime.version().map_err(Failure::version)?)
                }
                None => StateVersion::V1,
            };
            if state.exists() && !state.is_dir() {
                return Err(Failure::new(
                    Kind::BadInput,
                    format!("`{}` exists and is not a directory", state.display()),
                ));
            }
            std::fs::create_dir_all(&state).map_err(|e| {
                Failure::caused(
                    Kind::Other,
                    format!("cannot create `{}`", state.display()),
                    e,
                )
            })?;
            let mut db = state_arg::open(&state)?;
            let total = genesis.top.len()
                + genesis
                    .children_default
                    .values()
                    .map(|c| c.len())
                    .sum::<usize>();
            let root = {
                let _progress = Progress::start(format!("importing {total} pairs"));
                db.import(
                    &genesis.top,
                    &genesis.children_default,
                    version,
                    &mut |_| {},
                )
                .map_err(|e| state_arg::db_failure(&state, e))?
            };
            if is_genesis {
                let block = BlockRef {
                    number: 0,
                    hash: genesis_header(root).hash(),
                };
                db.set_head(Head {
                    block: Some(block),
                    ..db.head()
                })
                .map_err(|e| state_arg::db_failure(&state, e))?;
            }
            outln!("0x{}", hex::encode(root));
            Ok(())
        }
        StateCommand::Export { state, out } => {
            let db = state_arg::open_existing(&state)?;
            let backend = db.backend();
            let _progress = Progress::start(format!("exporting to {}", out.display()));
            let _lock = state_file::lock(&out)?;
            state_file::write(&out, &backend)
        }
        StateCommand::Root { state } => {
            let db = state_arg::open_existing(&state)?;
            outln!("0x{}", hex::encode(db.root()));
            Ok(())
        }
    }
}
