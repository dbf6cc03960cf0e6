//! What `--state PATH` names: a state database or a JSON state file.
//!
//! The rule: **an existing directory is a state database** (parity-db, `subexec-state-db`);
//! **anything else is a JSON state file** (created if missing). A database is created only by
//! `subexec state import`, so a mistyped path never silently becomes a new empty database;
//! every other command refuses a directory that holds no database.

use std::path::{Path, PathBuf};

use subexec_state_db::StateDb;

use crate::failure::{Failure, Kind, Outcome};

/// Where `--state` points.
#[derive(Debug, Clone)]
pub enum Location {
    /// A state database directory.
    Database(PathBuf),
    /// A JSON state file (or a raw chain spec read as one).
    File(PathBuf),
}

/// Applies the rule of the module docs.
pub fn locate(path: &Path) -> Location {
    match path.is_dir() {
        true => Location::Database(path.to_path_buf()),
        false => Location::File(path.to_path_buf()),
    }
}

/// Opens an existing state database (refuses a directory without one).
pub fn open_existing(dir: &Path) -> Outcome<StateDb> {
    // parity-db writes `metadata` when it creates a database.
    if !dir.join("metadata").is_file() {
        return Err(Failure::new(
            Kind::BadInput,
            format!(
                "`{}` is a directory but not a state database (create one with `subexec state import`)",
                dir.display()
            ),
        ));
    }
    open(dir)
}

/// Opens (or creates) the state database in `dir`.
pub fn open(dir: &Path) -> Outcome<StateDb> {
    StateDb::open(dir).map_err(|e| {
        Failure::caused(
            Kind::Other,
            format!("cannot open the state database `{}`", dir.display()),
            e,
        )
    })
}

/// A state database error while committing or reading.
pub fn db_failure(dir: &Path, error: subexec_state_db::StateDbError) -> Failure {
    Failure::caused(
        Kind::Other,
        format!("cannot commit to the state database `{}`", dir.display()),
        error,
    )
}

/// The block a database's head records (see [`subexec_state_db::Head::block`]) as an
/// importer's head, so that the first block's number and parent are checked; `None` if the
/// state is no block's post-state or the number does not fit a block number.
pub fn block_head(db: &StateDb) -> Option<subexec_executor::block::Head> {
    let block = db.head().block?;
    Some(subexec_executor::block::Head {
        number: block.number.try_into().ok()?,
        hash: block.hash,
        state_root: db.root(),
    })
}
