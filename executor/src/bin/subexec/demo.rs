//! The bundled demo: the `runtime-guest` classic runtime endows four accounts, then executes a
//! block of transfers (one of which fails and is rolled back).

use parity_scale_codec::{Decode, Encode};
use subexec_executor::storage::StateVersion;
use subexec_executor::{empty_storage, Executor};
use subexec_runtime_blobs::api::{entries, AccountId, Block, BlockSummary, Transfer};

use crate::BoxError;

fn account(n: u8) -> AccountId {
    [n; 32]
}

/// Runs the demo workload on `executor` and prints what happened.
pub fn run(executor: &Executor) -> Result<(), BoxError> {
    let runtime = executor.load(subexec_runtime_blobs::CLASSIC)?;
    let version = runtime.version()?;
    println!(
        "runtime: {} (spec_version {}), bundled runtime-guest, classic ABI",
        version.spec_name, version.spec_version
    );
    let mut storage = empty_storage();

    let endowments: Vec<(AccountId, u128)> = (1..=4).map(|n| (account(n), 1_000_000)).collect();
    let outcome = runtime.call(&mut storage, entries::DEMO_INITIALIZE, &endowments.encode())?;
    let accounts = u32::decode(&mut &outcome.output[..])?;
    println!(
        "{}: {accounts} accounts endowed (fuel {:?}, heap peak {} bytes)",
        entries::DEMO_INITIALIZE,
        outcome.fuel_consumed,
        outcome.allocation_stats.bytes_allocated_peak
    );

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
    let outcome = runtime.call(&mut storage, entries::DEMO_EXECUTE_BLOCK, &block.encode())?;
    let summary = BlockSummary::decode(&mut &outcome.output[..])?;
    println!(
        "{}: block {} applied {} transfers, {} failed, {} moved, {} events (fuel {:?}, heap peak {} bytes)",
        entries::DEMO_EXECUTE_BLOCK,
        summary.number,
        summary.applied,
        summary.failed,
        summary.total_transferred,
        summary.event_count,
        outcome.fuel_consumed,
        outcome.allocation_stats.bytes_allocated_peak
    );
    println!(
        "state root (V1): 0x{}",
        hex::encode(storage.root(StateVersion::V1))
    );
    Ok(())
}
