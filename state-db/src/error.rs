//! Errors of the state database.

use subexec_host_functions::storage::BackendError;

/// What went wrong opening, reading or committing a [`crate::StateDb`].
#[derive(thiserror::Error, Debug)]
pub enum StateDbError {
    /// parity-db failed (I/O, a corrupt file, a lock held by another process).
    #[error("state database {path}: {source}")]
    Database {
        /// The database directory.
        path: String,
        /// parity-db's error.
        #[source]
        source: parity_db::Error,
    },
    /// parity-db panicked on this database (a damaged file it does not check; see
    /// `panic_free`): the database is unusable, nothing was changed by this process.
    #[error("state database {path}: damaged ({operation} failed inside parity-db: {message})")]
    Panicked {
        /// The database directory.
        path: String,
        /// What was being done.
        operation: &'static str,
        /// parity-db's panic message.
        message: String,
    },
    /// The head record is not `root (32) ‖ version (1) ‖ commit count (8)`, optionally
    /// followed by `block number (8) ‖ block hash (32)`.
    #[error("state database {path}: corrupt head record ({len} bytes)")]
    CorruptHead {
        /// The database directory.
        path: String,
        /// The record's length.
        len: usize,
    },
    /// Staged changes started from a head that is no longer the database's.
    #[error("state database {path}: the head moved while changes were staged")]
    Moved {
        /// The database directory.
        path: String,
    },
    /// [`crate::StateDb::set_head`] was given a root the database holds no node for.
    #[error(
        "state database {path}: no committed state with root 0x{}",
        hex::encode(root)
    )]
    UnknownRoot {
        /// The database directory.
        path: String,
        /// The root asked for.
        root: [u8; 32],
    },
    /// An import ([`crate::StateDb::import_expecting`]) built another root than the one its
    /// source names; the head was not moved.
    #[error(
        "state database {path}: the imported pairs build root 0x{}, not the expected 0x{}",
        hex::encode(built),
        hex::encode(expected)
    )]
    RootMismatch {
        /// The database directory.
        path: String,
        /// The root the source names.
        expected: [u8; 32],
        /// The root the pairs build.
        built: [u8; 32],
    },
    /// Reading the trie or computing a root failed (a missing node means a corrupt database).
    #[error("state database: {0}")]
    Trie(#[from] BackendError),
}
