//! The demo workload: what `subexec run` runs when it is given no runtime and no call.
//!
//! The bundled `runtime-guest` (`subexec-runtime-blobs`, either ABI) has a toy balances
//! pallet behind two entry points ([`entries::DEMO_INITIALIZE`], [`entries::DEMO_EXECUTE_BLOCK`]).
//! The demo is two calls on one storage, in this order:
//!
//! 1. `Demo_initialize` with [`endowments`]: accounts 1 to 4 (see [`account`]) receive
//!    [`ENDOWMENT`] each; the output is the number of accounts endowed.
//! 2. `Demo_execute_block` with [`block`]: block 1, four transfers, each applied by the runtime
//!    in a storage transaction of its own:
//!    - 1 → 2, 250 000;
//!    - 2 → 3, 100;
//!    - 3 → 4, 5 000 000: more than account 3 holds, so the runtime rolls it back and counts
//!      it as failed;
//!    - 4 → 9, 42: account 9 does not exist yet and is created.
//!
//!    The output is a [`BlockSummary`](subexec_runtime_blobs::api::BlockSummary).
//!
//! The workload is small on purpose (a few hundred bytes of input, a dozen storage writes) but
//! touches what a block does: storage reads and writes, nested storage transactions and a
//! rollback, events, and host allocations for inputs and outputs. The CLI runs it, the
//! cross-process determinism test (`tests/determinism_processes.rs`) digests it, and the
//! `call_transaction` bench times it; [`calls`] is the one definition of its inputs for all
//! three.

use parity_scale_codec::Encode;
use subexec_runtime_blobs::api::{entries, AccountId, Block, Transfer};

/// What each endowed account receives.
pub const ENDOWMENT: u128 = 1_000_000;

/// Demo account `n`: 32 bytes of `n`.
pub fn account(n: u8) -> AccountId {
    [n; 32]
}

/// The input of `Demo_initialize`: accounts 1 to 4, [`ENDOWMENT`] each.
pub fn endowments() -> Vec<(AccountId, u128)> {
    (1..=4).map(|n| (account(n), ENDOWMENT)).collect()
}

/// The input of `Demo_execute_block`: block 1 with four transfers, the third of which is
/// more than its sender holds (module docs).
pub fn block() -> Block {
    let transfer = |from, to, amount| Transfer {
        from: account(from),
        to: account(to),
        amount,
    };
    Block {
        number: 1,
        transfers: vec![
            transfer(1, 2, 250_000),
            transfer(2, 3, 100),
            transfer(3, 4, 5_000_000), // more than account 3 holds: rolled back
            transfer(4, 9, 42),        // creates account 9
        ],
    }
}

/// The demo's calls in order, with their SCALE-encoded inputs: `Demo_initialize` with
/// [`endowments`], then `Demo_execute_block` with [`block`].
pub fn calls() -> [(&'static str, Vec<u8>); 2] {
    [
        (entries::DEMO_INITIALIZE, endowments().encode()),
        (entries::DEMO_EXECUTE_BLOCK, block().encode()),
    ]
}
