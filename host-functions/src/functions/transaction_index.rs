//! `ext_transaction_index_*`: recorded for the node ([`crate::effects`]).

use subexec_allocator::Memory;

use super::{Args, Outcome};
use crate::effects::TransactionIndexOperation;
use crate::host_state::HostState;
use crate::memory_access;

/// The 32-byte hash behind the `i32` pointer at `index` (`PassPointerAndReadCopy<[u8; 32]>`).
fn hash(
    memory: &impl Memory,
    args: &Args<'_>,
    index: usize,
) -> Result<[u8; 32], crate::HostErrorCause> {
    let bytes = memory_access::read(memory, args.u32(index)?, 32)?;
    let mut hash = [0u8; 32];
    hash.copy_from_slice(&bytes);
    Ok(hash)
}

/// `index(extrinsic, size, context_hash)`.
pub fn index(state: &mut HostState, memory: &mut impl Memory, args: &Args<'_>) -> Outcome {
    let extrinsic = args.u32(0)?;
    let size = args.u32(1)?;
    let hash = hash(memory, args, 2)?;
    state
        .transaction_index
        .push(TransactionIndexOperation::Insert {
            extrinsic,
            hash,
            size,
        });
    Ok(None)
}

/// `renew(extrinsic, context_hash)`.
pub fn renew(state: &mut HostState, memory: &mut impl Memory, args: &Args<'_>) -> Outcome {
    let extrinsic = args.u32(0)?;
    let hash = hash(memory, args, 1)?;
    state
        .transaction_index
        .push(TransactionIndexOperation::Renew { extrinsic, hash });
    Ok(None)
}
