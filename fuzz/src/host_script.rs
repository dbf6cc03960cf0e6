//! `host_api`, structured half: a `HostApi_run` script of the bundled runtime-guest.
//!
//! The fuzz bytes become a `Vec<HostCall>` (the runtime-guest's own SCALE type): keys and
//! prefixes from a small alphabet so calls meet each other's data, values of any length,
//! transactions opened and closed in any order, limits, state versions (valid and invalid),
//! and `misc_runtime_version` on arbitrary bytes or on a real blob. The script runs twice per
//! heap strategy on the classic and on the guest-allocator blob, and both runs must be
//! byte-identical; any typed error
//! (the runtime panicking on a bad state version, a commit without a transaction, …) is fine.

use arbitrary::{Result, Unstructured};
use parity_scale_codec::Encode;
use subexec_runtime_blobs::api::{entries, HashAlgorithm, HostCall};
use subexec_runtime_blobs::Mode;

use crate::outcome;

/// At most this many calls per script.
pub const MAX_CALLS: usize = 48;

fn key(u: &mut Unstructured) -> Result<Vec<u8>> {
    Ok(match u.int_in_range(0u8..=5)? {
        0 => Vec::new(),
        1 => vec![u.int_in_range(b'a'..=b'd')?],
        2 => vec![u.int_in_range(b'a'..=b'd')?, u.int_in_range(b'a'..=b'd')?],
        3 => b":heappages".to_vec(),
        4 => b":code".to_vec(),
        _ => bytes(u, 40)?,
    })
}

fn child_key(u: &mut Unstructured) -> Result<Vec<u8>> {
    Ok(match u.int_in_range(0u8..=2)? {
        0 => b":child_storage:default:x".to_vec(),
        1 => b":child_storage:default:".to_vec(),
        _ => key(u)?,
    })
}

fn bytes(u: &mut Unstructured, max: usize) -> Result<Vec<u8>> {
    let len = u.int_in_range(0..=max)?;
    Ok(u.bytes(len.min(u.len()))?.to_vec())
}

fn value(u: &mut Unstructured) -> Result<Vec<u8>> {
    Ok(match u.int_in_range(0u8..=3)? {
        0 => vec![0xAB; u.int_in_range(0usize..=70_000)?],
        _ => bytes(u, 64)?,
    })
}

fn version(u: &mut Unstructured) -> Result<Option<u32>> {
    Ok(match u.int_in_range(0u8..=4)? {
        0 => None,
        1 => Some(0),
        2 => Some(1),
        3 => Some(2),
        _ => Some(u.arbitrary()?),
    })
}

fn limit(u: &mut Unstructured) -> Result<Option<u32>> {
    Ok(if u.arbitrary()? {
        None
    } else {
        Some(u.int_in_range(0..=3)?)
    })
}

fn hash_algorithm(u: &mut Unstructured) -> Result<HashAlgorithm> {
    Ok(match u.int_in_range(0u8..=6)? {
        0 => HashAlgorithm::Keccak256,
        1 => HashAlgorithm::Sha2_256,
        2 => HashAlgorithm::Blake2_128,
        3 => HashAlgorithm::Blake2_256,
        4 => HashAlgorithm::Twox64,
        5 => HashAlgorithm::Twox128,
        _ => HashAlgorithm::Twox256,
    })
}

/// One arbitrary host call.
pub fn host_call(u: &mut Unstructured) -> Result<HostCall> {
    Ok(match u.int_in_range(0u8..=33)? {
        0 => HostCall::StorageGet(key(u)?),
        1 => HostCall::StorageRead {
            key: key(u)?,
            offset: u.int_in_range(0..=80)?,
            len: u.int_in_range(0..=80)?,
        },
        2 | 3 => HostCall::StorageSet(key(u)?, value(u)?),
        4 => HostCall::StorageClear(key(u)?),
        5 => HostCall::StorageExists(key(u)?),
        6 => HostCall::StorageAppend(key(u)?, bytes(u, 8)?),
        7 => HostCall::StorageClearPrefix(key(u)?),
        8 => HostCall::StorageClearPrefixLimit {
            prefix: key(u)?,
            limit: limit(u)?,
        },
        9 => HostCall::StorageRoot(version(u)?),
        10 => HostCall::StorageNextKey(key(u)?),
        11 => HostCall::StartTransaction,
        12 => HostCall::CommitTransaction,
        13 => HostCall::RollbackTransaction,
        14 => HostCall::Hash(hash_algorithm(u)?, value(u)?),
        15 => HostCall::Log {
            level: u.int_in_range(0..=6)?,
            target: bytes(u, 8)?,
            message: bytes(u, 16)?,
        },
        16 => HostCall::LogMaxLevel,
        17 => HostCall::PrintNum(u.arbitrary()?),
        18 => HostCall::PrintUtf8(bytes(u, 16)?),
        19 => HostCall::PrintHex(bytes(u, 16)?),
        20 => HostCall::RuntimeVersion(match u.int_in_range(0u8..=3)? {
            0 => subexec_runtime_blobs::CLASSIC_V2.to_vec(),
            _ => bytes(u, 64)?,
        }),
        21 => HostCall::TrieRoot {
            entries: (0..u.int_in_range(0..=6)?)
                .map(|_| Ok((key(u)?, value(u)?)))
                .collect::<Result<_>>()?,
            version: version(u)?,
        },
        22 => HostCall::TrieOrderedRoot {
            values: (0..u.int_in_range(0..=6)?)
                .map(|_| value(u))
                .collect::<Result<_>>()?,
            version: version(u)?,
        },
        23 => HostCall::AllocatorRoundTrip(value(u)?),
        24 => HostCall::ChildSet(child_key(u)?, key(u)?, value(u)?),
        25 => HostCall::ChildClear(child_key(u)?, key(u)?),
        26 => HostCall::ChildExists(child_key(u)?, key(u)?),
        27 => HostCall::ChildClearPrefix(child_key(u)?, key(u)?),
        28 => HostCall::ChildKill(child_key(u)?),
        29 => HostCall::ChildGet(child_key(u)?, key(u)?),
        30 => HostCall::ChildRead {
            storage_key: child_key(u)?,
            key: key(u)?,
            offset: u.int_in_range(0..=80)?,
            len: u.int_in_range(0..=80)?,
        },
        31 => HostCall::ChildRoot(child_key(u)?, version(u)?),
        32 => HostCall::ChildKillLimit {
            storage_key: child_key(u)?,
            limit: limit(u)?,
            kill_result: u.arbitrary()?,
        },
        _ => match u.int_in_range(0u8..=2)? {
            0 => HostCall::StorageChangesRoot(bytes(u, 40)?),
            1 => HostCall::ChildNextKey(child_key(u)?, key(u)?),
            _ => HostCall::ChildClearPrefixLimit {
                storage_key: child_key(u)?,
                prefix: key(u)?,
                limit: limit(u)?,
            },
        },
    })
}

/// A script of up to [`MAX_CALLS`] calls.
pub fn script(u: &mut Unstructured) -> Result<Vec<HostCall>> {
    let mut calls = Vec::new();
    while !u.is_empty() && calls.len() < MAX_CALLS {
        calls.push(host_call(u)?);
    }
    Ok(calls)
}

/// The blobs the script runs on: the classic and the guest-allocator (RFC-0145) builds of the
/// runtime-guest (spec_version 1).
pub fn blobs() -> impl Iterator<Item = &'static subexec_runtime_blobs::Blob> {
    subexec_runtime_blobs::ALL.iter().filter(|blob| {
        blob.spec_version == 1 && matches!(blob.mode, Mode::Classic | Mode::GuestAllocator)
    })
}

/// Runs the script (or, if `raw`, the bytes themselves as the `HostApi_run` input).
pub fn run(data: &[u8]) {
    let Some((selector, rest)) = data.split_first() else {
        return;
    };
    let input = if selector & 1 == 1 {
        rest.to_vec()
    } else {
        match script(&mut Unstructured::new(rest)) {
            Ok(calls) => calls.encode(),
            Err(_) => return,
        }
    };
    let executor = outcome::executor();
    for blob in blobs() {
        let runtime = executor
            .load(blob.wasm)
            .unwrap_or_else(|e| panic!("the bundled {} blob must load: {e}", blob.name));
        outcome::assert_deterministic(&runtime, entries::HOST_API_RUN, &input);
    }
}
