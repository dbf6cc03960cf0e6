//! Where runtimes and state come from: blob files, raw chain specs, state files.
//!
//! A state file (`--state FILE`) has the shape of a raw chain spec reduced to its genesis
//! storage: `{"genesis": {"raw": {"top": {"0xKEY": "0xVALUE", …}, "childrenDefault": {…}}}}`,
//! so a raw chain spec is also a valid starting state and `subexec` reads both with one parser.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Map, Value};
use subexec_cli::upgrade::CODE_KEY;
use subexec_executor::storage::chain_spec::GenesisStorage;
use subexec_executor::storage::InMemoryBackend;

use crate::failure::{Failure, Outcome};

/// Reads a file; a failure is bad input naming the file.
pub fn read(path: &Path) -> Outcome<Vec<u8>> {
    std::fs::read(path).map_err(|e| Failure::input(format!("cannot read `{}`", path.display()), e))
}

/// Parses a raw chain spec or state file.
pub fn genesis(path: &Path) -> Outcome<GenesisStorage> {
    GenesisStorage::from_json(&read(path)?).map_err(|e| {
        Failure::input(
            format!("`{}` is not a raw chain spec or state file", path.display()),
            e,
        )
    })
}

/// A runtime blob from `path`: the file itself, or the `:code` of a raw chain spec (a file
/// starting with `{`).
pub fn blob(path: &Path) -> Outcome<Vec<u8>> {
    let bytes = read(path)?;
    if bytes.trim_ascii_start().first() != Some(&b'{') {
        return Ok(bytes);
    }
    genesis(path)?.top.remove(CODE_KEY).ok_or_else(|| {
        Failure::new(
            crate::failure::Kind::BadInput,
            format!("the chain spec `{}` has no `:code`", path.display()),
        )
    })
}

/// Writes `state` to `path` in the state-file format.
pub fn save_state(path: &Path, state: &InMemoryBackend) -> Outcome {
    let hex_map = |map: &BTreeMap<Vec<u8>, Vec<u8>>| -> Value {
        Value::Object(
            map.iter()
                .map(|(k, v)| {
                    (
                        format!("0x{}", hex::encode(k)),
                        json!(format!("0x{}", hex::encode(v))),
                    )
                })
                .collect::<Map<_, _>>(),
        )
    };
    let children: Map<_, _> = state
        .children()
        .iter()
        .map(|(key, child)| (format!("0x{}", hex::encode(key)), hex_map(child)))
        .collect();
    let file =
        json!({"genesis": {"raw": {"top": hex_map(state.top()), "childrenDefault": children}}});
    let text = serde_json::to_string_pretty(&file).unwrap_or_default() + "\n";
    std::fs::write(path, text).map_err(|e| {
        Failure::caused(
            crate::failure::Kind::Other,
            format!("cannot write `{}`", path.display()),
            e,
        )
    })
}

/// A call input: hex (with or without `0x`), or `@FILE` for a file's raw bytes.
pub fn input(text: &str) -> Outcome<Vec<u8>> {
    match text.strip_prefix('@') {
        Some(path) => read(Path::new(path)),
        None => hex::decode(text.trim().trim_start_matches("0x"))
            .map_err(|e| Failure::input("--input is not hex (use @FILE for a binary file)", e)),
    }
}
