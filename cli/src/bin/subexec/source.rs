//! Where runtimes and state come from: blob files, raw chain specs, state files, call inputs.
//!
//! A state file (`--state FILE`) has the shape of a raw chain spec reduced to its genesis
//! storage: `{"genesis": {"raw": {"top": {"0xKEY": "0xVALUE", …}, "childrenDefault": {…}}}}`,
//! so a raw chain spec is also a valid starting state and `subexec` reads both with one parser.
//!
//! Every file is read with a documented maximum size (`docs/LIMITS.md`): a regular file
//! larger than the limit is refused from its metadata before anything is read, and any file
//! (pipes, devices such as `/dev/zero`) is read through `Read::take(limit + 1)`, so at most
//! limit + 1 bytes are ever held. Writing state files is `state_file`'s job.

use std::io::Read;
use std::path::Path;

use subexec_cli::upgrade::CODE_KEY;
use subexec_executor::storage::chain_spec::GenesisStorage;
use subexec_executor::storage::CommittedState as _;

use crate::failure::{Failure, Kind, Outcome};

/// The largest runtime blob file (`--runtime`, `version`, `inspect`, `upgrade-check`):
/// 64 MiB, above Substrate's 50 MiB decompression limit (`CODE_BLOB_BOMB_LIMIT`).
pub const MAX_RUNTIME_FILE_BYTES: u64 = 64 << 20;
/// The largest `--input @FILE`: 32 MiB, the largest block the host allocator hands out
/// (Substrate's `MAX_POSSIBLE_ALLOCATION`), so no larger input could reach a classic runtime.
pub const MAX_INPUT_FILE_BYTES: u64 = 32 << 20;
/// The largest JSON file: chain specs, state files, block lists, a chain spec given as a
/// runtime: 1 GiB. Larger states belong in a state database (`subexec state import`).
pub const MAX_JSON_FILE_BYTES: u64 = 1 << 30;
/// The largest SCALE block file (`execute-block --block`): 64 MiB.
pub const MAX_BLOCK_FILE_BYTES: u64 = 64 << 20;

/// A file past its size limit.
#[derive(thiserror::Error, Debug)]
#[error("{what} `{path}` is larger than its limit of {limit} bytes")]
pub struct TooLarge {
    /// What the file was for.
    pub what: &'static str,
    /// The file.
    pub path: String,
    /// The limit in bytes.
    pub limit: u64,
}

/// Reads at most `limit` bytes of `path` (`what` names its role in errors). A failure is bad
/// input naming the file; a file past the limit fails without reading more than `limit + 1`
/// bytes (a regular file: without reading at all).
pub fn read_bounded(path: &Path, limit: u64, what: &'static str) -> Outcome<Vec<u8>> {
    let cannot = |e| Failure::input(format!("cannot read `{}`", path.display()), e);
    let too_large = || {
        Failure::new(
            Kind::BadInput,
            TooLarge {
                what,
                path: path.display().to_string(),
                limit,
            }
            .to_string(),
        )
    };
    let file = std::fs::File::open(path).map_err(cannot)?;
    let meta = file.metadata().map_err(cannot)?;
    if meta.is_dir() {
        return Err(Failure::new(
            Kind::BadInput,
            format!("cannot read `{}`: it is a directory", path.display()),
        ));
    }
    if meta.is_file() && meta.len() > limit {
        return Err(too_large());
    }
    let capacity = if meta.is_file() { meta.len() } else { 0 };
    let mut bytes = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(bytes)
}

/// Reads a JSON file (chain spec, state file, block list) of at most [`MAX_JSON_FILE_BYTES`].
pub fn read(path: &Path) -> Outcome<Vec<u8>> {
    read_bounded(path, MAX_JSON_FILE_BYTES, "the JSON file")
}

/// Parses a raw chain spec or state file.
pub fn genesis(path: &Path) -> Outcome<GenesisStorage> {
    parse_genesis(path, &read(path)?)
}

/// Parses the bytes of a raw chain spec or state file read from `path`.
pub fn parse_genesis(path: &Path, bytes: &[u8]) -> Outcome<GenesisStorage> {
    GenesisStorage::from_json(bytes).map_err(|e| {
        Failure::input(
            format!("`{}` is not a raw chain spec or state file", path.display()),
            e,
        )
    })
}

/// Whether `bytes` is a raw chain spec (a top-level `id` or `name`) rather than a state file.
pub fn is_chain_spec(bytes: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Probe {
        id: Option<serde::de::IgnoredAny>,
        name: Option<serde::de::IgnoredAny>,
    }
    serde_json::from_slice::<Probe>(bytes).is_ok_and(|p| p.id.is_some() || p.name.is_some())
}

/// A runtime blob from `path`: the `:code` at the head of a state database (a directory, see
/// `state_arg`), the file itself (at most [`MAX_RUNTIME_FILE_BYTES`]), or the `:code` of a raw
/// chain spec (a file starting with `{`, at most [`MAX_JSON_FILE_BYTES`]).
pub fn blob(path: &Path) -> Outcome<Vec<u8>> {
    if path.is_dir() {
        let db = crate::state_arg::open_existing(path)?;
        let code = db
            .stage()
            .top_value(CODE_KEY)
            .map_err(|e| Failure::caused(Kind::Other, "cannot read `:code`", e))?;
        return code.ok_or_else(|| {
            Failure::new(
                Kind::BadInput,
                format!("the state database `{}` has no `:code`", path.display()),
            )
        });
    }
    let file = std::fs::File::open(path)
        .map_err(|e| Failure::input(format!("cannot read `{}`", path.display()), e))?;
    let mut first = [0u8; 1];
    let mut head = file.take(4096);
    // The first non-whitespace byte decides; a JSON spec starts with `{`.
    let mut is_json = false;
    while head.read(&mut first).unwrap_or(0) == 1 {
        if !first[0].is_ascii_whitespace() {
            is_json = first[0] == b'{';
            break;
        }
    }
    if !is_json {
        return read_bounded(path, MAX_RUNTIME_FILE_BYTES, "the runtime file");
    }
    genesis(path)?.top.remove(CODE_KEY).ok_or_else(|| {
        Failure::new(
            Kind::BadInput,
            format!("the chain spec `{}` has no `:code`", path.display()),
        )
    })
}

/// A call input: hex (with or without `0x`), or `@FILE` for a file's raw bytes (at most
/// [`MAX_INPUT_FILE_BYTES`]).
pub fn input(text: &str) -> Outcome<Vec<u8>> {
    match text.strip_prefix('@') {
        Some(path) => read_bounded(Path::new(path), MAX_INPUT_FILE_BYTES, "the input file"),
        None => hex::decode(text.trim().trim_start_matches("0x"))
            .map_err(|e| Failure::input("--input is not hex (use @FILE for a binary file)", e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_of(len: u64) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        file.as_file().set_len(len).unwrap();
        file
    }

    #[test]
    fn reads_up_to_the_limit_and_refuses_one_byte_more() {
        let at = file_of(1000);
        assert_eq!(read_bounded(at.path(), 1000, "x").unwrap().len(), 1000);
        let past = file_of(1001);
        let error = read_bounded(past.path(), 1000, "the x file").unwrap_err();
        assert_eq!(error.exit_code(), std::process::ExitCode::from(2));
        assert!(
            error
                .render()
                .ends_with("is larger than its limit of 1000 bytes"),
            "{}",
            error.render()
        );
        assert!(!error.render().contains('\n'));
    }

    #[test]
    fn streams_are_cut_at_the_limit() {
        let error = read_bounded(Path::new("/dev/zero"), 4096, "the x file").unwrap_err();
        assert!(error.render().contains("limit of 4096 bytes"));
    }

    #[test]
    fn chain_specs_are_told_from_state_files() {
        assert!(is_chain_spec(
            br#"{"name":"x","genesis":{"raw":{"top":{}}}}"#
        ));
        assert!(is_chain_spec(br#"{"id":"x","genesis":{"raw":{"top":{}}}}"#));
        assert!(!is_chain_spec(br#"{"genesis":{"raw":{"top":{}}}}"#));
    }
}
