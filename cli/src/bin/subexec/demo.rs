//! The bundled demo (`subexec_cli::demo`): the `runtime-guest` classic runtime endows
//! four accounts, then executes a block of transfers (one of which fails and is rolled back).
//! This file only hands the library's inputs to `run` and reads the outputs; `run` executes
//! them like any other calls.

use parity_scale_codec::Decode;
use subexec_runtime_blobs::api::{entries, BlockSummary};

/// The demo's calls: `Demo_initialize` then `Demo_execute_block`.
pub fn calls() -> Vec<(String, Vec<u8>)> {
    subexec_cli::demo::calls()
        .into_iter()
        .map(|(method, input)| (method.to_owned(), input))
        .collect()
}
/// A one-line reading of a runtime-guest demo output, if `method` is a demo entry.
pub fn describe(method: &str, output: &[u8]) -> Option<String> {
    match method {
        entries::DEMO_INITIALIZE => {
            let accounts = u32::decode(&mut &output[..]).ok()?;
            Some(format!("{accounts} accounts endowed"))
        }
        entries::DEMO_EXECUTE_BLOCK => {
            let s = BlockSummary::decode(&mut &output[..]).ok()?;
            Some(format!(
                "block {} applied {} transfers, {} failed, {} moved, {} events",
                s.number, s.applied, s.failed, s.total_transferred, s.event_count
            ))
        }
        _ => None,
    }
}
