//! The demo workload: a block of balance transfers, shaped like FRAME block execution.
//!
//! Accounts are SCALE [`AccountInfo`] values under
//! `twox_128("Balances") ‖ twox_128("Account") ‖ blake2_128(who) ‖ who`. Each transfer runs in
//! its own storage transaction: the sender is debited and written *before* the recipient is
//! checked, so a transfer that then fails (recipient below the existential deposit, or
//! overflow) really needs the rollback. Events are appended to `System::Events` with
//! `ext_storage_append_version_1` and counted in `System::EventCount`, as `frame_system` does.

use crate::api::{
    AccountId, AccountInfo, Block, BlockSummary, Event, Transfer, TransferError,
    EXISTENTIAL_DEPOSIT,
};
use crate::host;
use alloc::vec::Vec;
use codec::{Decode, Encode};

/// `twox_128(pallet) ‖ twox_128(item) ‖ suffix`.
fn storage_key(pallet: &[u8], item: &[u8], suffix: &[u8]) -> Vec<u8> {
    let mut key = Vec::with_capacity(32 + suffix.len());
    key.extend_from_slice(&host::storage_prefix(pallet, item));
    key.extend_from_slice(suffix);
    key
}

/// `Balances::Account` key of `who` (a `Blake2_128Concat` map).
fn account_key(who: &AccountId) -> Vec<u8> {
    let mut suffix = Vec::with_capacity(48);
    suffix.extend_from_slice(&host::blake2_128(who));
    suffix.extend_from_slice(who);
    storage_key(b"Balances", b"Account", &suffix)
}

/// Reads and decodes a value; a value that does not decode is corrupt state and panics.
fn read_value<T: Decode>(key: &[u8], what: &str) -> Option<T> {
    let bytes = host::storage_get(key)?;
    match T::decode(&mut &bytes[..]) {
        Ok(value) => Some(value),
        Err(_) => panic!("corrupt {what} in storage"),
    }
}

fn read_account(who: &AccountId) -> AccountInfo {
    read_value(&account_key(who), "account").unwrap_or_default()
}

fn write_account(who: &AccountId, info: &AccountInfo) {
    host::storage_set(&account_key(who), &info.encode());
}

/// Appends an event and bumps the event count.
fn deposit_event(event: &Event) {
    host::storage_append(&storage_key(b"System", b"Events", &[]), &event.encode());
    let count_key = storage_key(b"System", b"EventCount", &[]);
    let count: u32 = read_value(&count_key, "event count").unwrap_or(0);
    host::storage_set(&count_key, &count.wrapping_add(1).encode());
}

/// `Demo_initialize`: sets each account's balance (nonce 0) and emits `Endowed`.
pub fn initialize(endowments: Vec<(AccountId, u128)>) -> u32 {
    for (who, amount) in &endowments {
        write_account(
            who,
            &AccountInfo {
                nonce: 0,
                free: *amount,
            },
        );
        deposit_event(&Event::Endowed {
            who: *who,
            amount: *amount,
        });
    }
    endowments.len() as u32
}

/// Applies one transfer inside the caller's transaction.
fn apply(transfer: &Transfer) -> Result<(), TransferError> {
    let mut from = read_account(&transfer.from);
    from.free = from
        .free
        .checked_sub(transfer.amount)
        .ok_or(TransferError::InsufficientBalance)?;
    from.nonce = from.nonce.wrapping_add(1);
    write_account(&transfer.from, &from);

    let mut to = read_account(&transfer.to);
    if to.free == 0 && transfer.amount < EXISTENTIAL_DEPOSIT {
        return Err(TransferError::BelowExistentialDeposit);
    }
    to.free = to
        .free
        .checked_add(transfer.amount)
        .ok_or(TransferError::Overflow)?;
    write_account(&transfer.to, &to);
    deposit_event(&Event::Transferred {
        from: transfer.from,
        to: transfer.to,
        amount: transfer.amount,
    });
    Ok(())
}

/// `Demo_execute_block`: stores the block number and applies every transfer.
pub fn execute_block(block: Block) -> BlockSummary {
    host::storage_set(
        &storage_key(b"System", b"Number", &[]),
        &block.number.encode(),
    );
    let mut summary = BlockSummary {
        number: block.number,
        applied: 0,
        failed: 0,
        total_transferred: 0,
        event_count: 0,
    };
    for (index, transfer) in block.transfers.iter().enumerate() {
        host::start_transaction();
        match apply(transfer) {
            Ok(()) => {
                host::commit_transaction();
                summary.applied += 1;
                summary.total_transferred =
                    summary.total_transferred.saturating_add(transfer.amount);
            }
            Err(error) => {
                host::rollback_transaction();
                summary.failed += 1;
                deposit_event(&Event::TransferFailed {
                    index: index as u32,
                    error,
                });
            }
        }
    }
    summary.event_count =
        read_value(&storage_key(b"System", b"EventCount", &[]), "event count").unwrap_or(0);
    summary
}
