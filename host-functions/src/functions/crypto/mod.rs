//! `ext_crypto_*`: signature verification, public-key recovery, the deprecated batch
//! verification and the keystore functions.
//!
//! Arguments follow `sp-runtime-interface`: a signature, public key or 32-byte message passed
//! as `PassPointerAndRead<&[u8; N], N>` is an `i32` pointer to `N` bytes, a message of any
//! length a fat pointer. They are all read (and bounds-checked) in argument order before the
//! function runs; verification results are `i32` 1/0, everything else is allocated through the
//! call's allocator after the function ran, as `sp-io` 49 does.

pub(crate) mod batch;
pub(crate) mod keystore;
pub(crate) mod recover;
pub mod schemes;
pub(crate) mod verify;

use subexec_allocator::Memory;

use super::Args;
use crate::error::HostErrorCause;
use crate::memory_access;

/// The `N` bytes at the `i32` pointer argument `index` (`PassPointerAndRead<&[u8; N], N>`).
pub(crate) fn array<const N: usize>(
    args: &Args<'_>,
    memory: &impl Memory,
    index: usize,
) -> Result<[u8; N], HostErrorCause> {
    let ptr = args.u32(index)?;
    memory_access::with_slice(memory, ptr, N as u32, |bytes| {
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        out
    })
}
