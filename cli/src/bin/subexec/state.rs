//! `subexec state`: state databases from and to JSON, and their roots.
//!
//! - `state import --chain-spec FILE --state DIR`: loads a raw chain spec, a JSON state file
//!   or a try-runtime snapshot into the database in DIR (created if needed), replacing its
//!   state. Nodes are written in bounded batches and the head last, so an interrupted import
//!   leaves the previous state.
//!   - JSON: the trie is built with the state version of the state's runtime (`system_version`
//!     of its `:code`: 0 ⇒ V0, else V1), as a node builds its genesis; without a `:code`, V1.
//!     A chain spec's state is its genesis: the head then records the genesis block (number 0,
//!     the hash of the genesis header, `subexec_executor::block::genesis_header`), so that
//!     `import-blocks --state DIR` checks block 1's parent; a state file's head records no
//!     block.
//!   - A snapshot (told from JSON by its first byte, `subexec_cli::snapshot`): the trie is
//!     built with the snapshot's state version and must come out at the snapshot's root, or
//!     the head does not move; the head records the snapshot's block when the snapshot holds
//!     that block's whole state.
//! - `state export --state DIR --out FILE`: writes the database's state as a JSON state file
//!   (atomically, `state_file`), walking the trie: memory does not grow with the state.
//! - `state root --state DIR`: prints the root of the database's state (`0x…`).
//!
//! Imports and exports show progress on stderr when it is a terminal (`progress`).

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use subexec_cli::snapshot::{self, MAX_SNAPSHOT_FILE_BYTES};
use subexec_cli::upgrade::CODE_KEY;
use subexec_executor::block::{genesis_header, state_version_of};
use subexec_executor::storage::chain_spec::GenesisStorage;
use subexec_executor::storage::StateVersion;
use subexec_executor::Executor;
use subexec_state_db::{BlockRef, Head, StateDbError};

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
    /// Load a raw chain spec, a JSON state file or a try-runtime snapshot into a state database
    /// (replacing its state).
    Import {
        /// The raw chain spec, state file or try-runtime snapshot (`create-snapshot`'s file).
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
            let source = ImportSource::read(&chain_spec)?;
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
            let genesis = &source.state;
            let total = genesis.top.len()
                + genesis
                    .children_default
                    .values()
                    .map(|c| c.len())
                    .sum::<usize>();
            let _progress = Progress::start(format!("importing {total} pairs"));
            let (top, children) = (&genesis.top, &genesis.children_default);
            let root = match source.expected {
                None => {
                    let root = db
                        .import(top, children, source.version, &mut |_| {})
                        .map_err(|e| state_arg::db_failure(&state, e))?;
                    if source.is_genesis {
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
                    root
                }
                Some((root, block)) => {
                    db.import_expecting(top, children, source.version, root, block, &mut |_| {})
                        .map_err(|e| match e {
                            StateDbError::RootMismatch { .. } => Failure::input(
                                format!(
                                    "`{}`: the snapshot's state does not build its root",
                                    chain_spec.display()
                                ),
                                e,
                            ),
                            e => state_arg::db_failure(&state, e),
                        })?;
                    root
                }
            };
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

/// What `state import` loads, read from its file.
struct ImportSource {
    state: GenesisStorage,
    version: StateVersion,
    /// A raw chain spec (its state is the genesis block's).
    is_genesis: bool,
    /// A snapshot's root and the block whose state it is, if it holds a whole block state.
    expected: Option<([u8; 32], Option<BlockRef>)>,
}

impl ImportSource {
    /// Reads a snapshot (told by its first byte, [`snapshot::is_snapshot_start`]) or a JSON
    /// chain spec or state file.
    fn read(path: &Path) -> Outcome<ImportSource> {
        let cannot = |e| Failure::input(format!("cannot read `{}`", path.display()), e);
        let mut file = std::fs::File::open(path).map_err(cannot)?;
        let mut first = [0u8; 1];
        let is_snapshot =
            file.read(&mut first).map_err(cannot)? == 1 && snapshot::is_snapshot_start(first[0]);
        if !is_snapshot {
            drop(file);
            return Self::read_json(path);
        }
        file.seek(SeekFrom::Start(0)).map_err(cannot)?;
        let meta = file.metadata().map_err(cannot)?;
        if meta.is_file() && meta.len() > MAX_SNAPSHOT_FILE_BYTES {
            return Err(Failure::new(
                Kind::BadInput,
                source::TooLarge {
                    what: "the snapshot",
                    path: path.display().to_string(),
                    limit: MAX_SNAPSHOT_FILE_BYTES,
                }
                .to_string(),
            ));
        }
        let not_a_snapshot = |e| {
            Failure::input(
                format!(
                    "`{}` is neither JSON (a chain spec or state file) nor a valid try-runtime \
                     snapshot",
                    path.display()
                ),
                e,
            )
        };
        let snapshot = {
            let _progress = Progress::start(format!("reading {}", path.display()));
            snapshot::read(file).map_err(not_a_snapshot)?
        };
        let version = snapshot.state_version;
        let root = snapshot.storage_root;
        let block = snapshot.block().map(|header| BlockRef {
            number: header.number.into(),
            hash: header.hash(),
        });
        let state = snapshot.into_state().map_err(not_a_snapshot)?;
        Ok(ImportSource {
            state,
            version,
            is_genesis: false,
            expected: Some((root, block)),
        })
    }

    fn read_json(path: &Path) -> Outcome<ImportSource> {
        let bytes = source::read(path)?;
        let state = source::parse_genesis(path, &bytes)?;
        let is_genesis = source::is_chain_spec(&bytes);
        drop(bytes);
        let version = match state.top.get(CODE_KEY) {
            Some(code) => {
                let runtime = Executor::builder()
                    .build()
                    .load(code)
                    .map_err(|e| Failure::input("cannot load the state's `:code`", e))?;
                state_version_of(&runtime.version().map_err(Failure::version)?)
            }
            None => StateVersion::V1,
        };
        Ok(ImportSource {
            state,
            version,
            is_genesis,
            expected: None,
        })
    }
}
