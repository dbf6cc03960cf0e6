//! The bundled demo: the `runtime-guest` classic runtime endows four accounts, then executes a
//! block of transfers (one of which fails and is rolled back). This file only builds the inputs
//! and reads the outputs; `run` executes them like any other calls.

use parity_scale_codec::{Decode, Encode};
use subexec_runtime_blobs::api::{entries, AccountId, Block, BlockSummary, Transfer};

fn account(n: u8) -> AccountId {
    [n; 32]
}

/// The demo's calls: `Demo_initialize` then `Demo_execute_block`.
pub fn calls() -> Vec<(String, Vec<u8>)> {
    let endowments: Vec<(AccountId, u128)> = (1..=4).map(|n| (account(n), 1_000_000)).collect();
    let transfer = |from, to, amount| Transfer {
        from: account(from),
        to: account(to),
        amount,
    };
    let block = Block {
        number: 1,
        transfers: vec![
            transfer(1, 2, 250_000),
            transfer(2, 3, 100),
            transfer(3, 4, 5_000_000), // more than account 3 holds: rolled back
            transfer(4, 9, 42),        // creates account 9
        ],
    };
    vec![
        (entries::DEMO_INITIALIZE.into(), endowments.encode()),
        (entries::DEMO_EXECUTE_BLOCK.into(), block.encode()),
    ]
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
