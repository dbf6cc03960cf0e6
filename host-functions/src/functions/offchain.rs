//! `ext_offchain_*` (except the index): the offchain worker's view of the node, through the
//! call's [`OffchainContext`](crate::OffchainContext).
//!
//! Marshalling as `sp-io` 49: arguments are read (and decoded, and a storage kind or a
//! string checked) in order first; only then is the context looked up, so a call without
//! one fails with [`HostErrorCause::NoOffchainContext`] after its arguments were read, as
//! Substrate panics in the function body. Results of unknown size are SCALE-encoded and
//! allocated after the context answered; `http_response_read_body` writes its buffer back
//! before its result is allocated.

use std::sync::Arc;

use parity_scale_codec::Encode;
use sp_wasm_interface::Value;
use subexec_allocator::Memory;

use super::{bool_value, return_option_bytes, return_parts, return_pointer, Args, Outcome};
use crate::error::HostErrorCause;
use crate::host_state::HostState;
use crate::memory_access;
use crate::offchain::{OffchainContext, StorageKind};

/// The call's context, or the typed error Substrate's missing-extension panic corresponds to.
fn context(state: &HostState) -> Result<Arc<dyn OffchainContext>, HostErrorCause> {
    state
        .offchain
        .clone()
        .ok_or(HostErrorCause::NoOffchainContext)
}

/// `PassAs<StorageKind, u32>`.
fn kind(args: &Args<'_>, index: usize) -> Result<StorageKind, HostErrorCause> {
    let raw = args.u32(index)?;
    StorageKind::from_u32(raw).ok_or(HostErrorCause::InvalidStorageKind(raw))
}

/// `PassAs<HttpRequestId, u16>`: the `i32` truncated to `u16`.
fn request_id(args: &Args<'_>, index: usize) -> Result<u16, HostErrorCause> {
    Ok(args.u32(index)? as u16)
}

/// `PassFatPointerAndRead<&str>`: invalid UTF-8 fails the call.
fn string(
    memory: &impl Memory,
    args: &Args<'_>,
    index: usize,
    what: &'static str,
) -> Result<String, HostErrorCause> {
    String::from_utf8(args.bytes(memory, index)?).map_err(|_| HostErrorCause::InvalidUtf8 { what })
}

/// Allocates and writes an encoded result, returns its fat pointer.
fn return_encoded(state: &mut HostState, memory: &mut impl Memory, value: impl Encode) -> Outcome {
    return_parts(&mut state.allocator, memory, &[&value.encode()])
}

/// `is_validator() -> bool`.
pub fn is_validator(state: &mut HostState) -> Outcome {
    Ok(bool_value(context(state)?.is_validator()))
}

/// `submit_transaction(extrinsic) -> Result<(), ()>`.
pub fn submit_transaction(
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
) -> Outcome {
    let extrinsic = args.bytes(memory, 0)?;
    let result = context(state)?.submit_transaction(extrinsic);
    return_encoded(state, memory, result)
}

/// `network_state() -> Result<OpaqueNetworkState, ()>`.
pub fn network_state(state: &mut HostState, memory: &mut impl Memory) -> Outcome {
    let result = context(state)?.network_state();
    return_encoded(state, memory, result)
}

/// `timestamp() -> u64`.
pub fn timestamp(state: &mut HostState) -> Outcome {
    Ok(Some(Value::I64(context(state)?.timestamp() as i64)))
}

/// `sleep_until(deadline)`.
pub fn sleep_until(state: &mut HostState, args: &Args<'_>) -> Outcome {
    let deadline = args.i64(0)? as u64;
    context(state)?.sleep_until(deadline);
    Ok(None)
}

/// `random_seed() -> pointer to 32 bytes`.
pub fn random_seed(state: &mut HostState, memory: &mut impl Memory) -> Outcome {
    let seed = context(state)?.random_seed();
    return_pointer(&mut state.allocator, memory, &seed)
}

/// `local_storage_set(kind, key, value)`.
pub fn local_storage_set(
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
) -> Outcome {
    let kind = kind(args, 0)?;
    let key = args.bytes(memory, 1)?;
    let value = args.bytes(memory, 2)?;
    context(state)?.local_storage_set(kind, &key, &value);
    Ok(None)
}

/// `local_storage_clear(kind, key)`.
pub fn local_storage_clear(
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
) -> Outcome {
    let kind = kind(args, 0)?;
    let key = args.bytes(memory, 1)?;
    context(state)?.local_storage_clear(kind, &key);
    Ok(None)
}

/// `local_storage_compare_and_set(kind, key, old_value: Option<Vec<u8>>, new_value) -> bool`.
pub fn local_storage_compare_and_set(
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
) -> Outcome {
    let kind = kind(args, 0)?;
    let key = args.bytes(memory, 1)?;
    let old: Option<Vec<u8>> = args.decode(memory, 2, "Option<Vec<u8>>")?;
    let new = args.bytes(memory, 3)?;
    let set = context(state)?.local_storage_compare_and_set(kind, &key, old.as_deref(), &new);
    Ok(bool_value(set))
}

/// `local_storage_get(kind, key) -> Option<Vec<u8>>`.
pub fn local_storage_get(
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
) -> Outcome {
    let kind = kind(args, 0)?;
    let key = args.bytes(memory, 1)?;
    let value = context(state)?.local_storage_get(kind, &key);
    return_option_bytes(&mut state.allocator, memory, value.as_deref())
}

/// `http_request_start(method, uri, meta) -> Result<HttpRequestId, ()>`.
pub fn http_request_start(
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
) -> Outcome {
    let method = string(memory, args, 0, "HTTP method")?;
    let uri = string(memory, args, 1, "HTTP URI")?;
    let meta = args.bytes(memory, 2)?;
    let result = context(state)?.http_request_start(&method, &uri, &meta);
    return_encoded(state, memory, result)
}

/// `http_request_add_header(id, name, value) -> Result<(), ()>`.
pub fn http_request_add_header(
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
) -> Outcome {
    let id = request_id(args, 0)?;
    let name = string(memory, args, 1, "HTTP header name")?;
    let value = string(memory, args, 2, "HTTP header value")?;
    let result = context(state)?.http_request_add_header(id, &name, &value);
    return_encoded(state, memory, result)
}

/// `http_request_write_body(id, chunk, deadline: Option<Timestamp>) -> Result<(), HttpError>`.
pub fn http_request_write_body(
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
) -> Outcome {
    let id = request_id(args, 0)?;
    let chunk = args.bytes(memory, 1)?;
    let deadline: Option<u64> = args.decode(memory, 2, "Option<Timestamp>")?;
    let result = context(state)?.http_request_write_body(id, &chunk, deadline);
    return_encoded(state, memory, result)
}

/// `http_response_wait(ids: &[HttpRequestId], deadline) -> Vec<HttpRequestStatus>`.
pub fn http_response_wait(
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
) -> Outcome {
    let ids: Vec<u16> = args.decode(memory, 0, "Vec<HttpRequestId>")?;
    let deadline: Option<u64> = args.decode(memory, 1, "Option<Timestamp>")?;
    let statuses = context(state)?.http_response_wait(&ids, deadline);
    return_encoded(state, memory, statuses)
}

/// `http_response_headers(id) -> Vec<(Vec<u8>, Vec<u8>)>`.
pub fn http_response_headers(
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
) -> Outcome {
    let id = request_id(args, 0)?;
    let headers = context(state)?.http_response_headers(id);
    return_encoded(state, memory, headers)
}

/// `http_response_read_body(id, buffer, deadline) -> Result<u32, HttpError>`: the buffer is
/// read in, handed to the context, and written back whole before the result is allocated.
pub fn http_response_read_body(
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
) -> Outcome {
    let id = request_id(args, 0)?;
    let (buffer_ptr, buffer_len) = memory_access::unpack_ptr_len(args.i64(1)?);
    let mut buffer = memory_access::read(memory, buffer_ptr, buffer_len)?;
    let deadline: Option<u64> = args.decode(memory, 2, "Option<Timestamp>")?;
    let result = context(state)?
        .http_response_read_body(id, &mut buffer, deadline)
        .map(|read| read as u32);
    memory_access::write(memory, buffer_ptr, &buffer)?;
    return_encoded(state, memory, result)
}

/// `set_authorized_nodes(nodes: Vec<OpaquePeerId>, authorized_only: bool)`.
pub fn set_authorized_nodes(
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &Args<'_>,
) -> Outcome {
    let nodes: Vec<Vec<u8>> = args.decode(memory, 0, "Vec<OpaquePeerId>")?;
    // `bool` arguments: exactly 1 is true.
    let authorized_only = args.u32(1)? == 1;
    context(state)?.set_authorized_nodes(nodes, authorized_only);
    Ok(None)
}

/// `offchain_index::set(key, value)`: works in every context (see [`crate::effects`]).
pub fn index_set(state: &mut HostState, memory: &mut impl Memory, args: &Args<'_>) -> Outcome {
    let key = args.bytes(memory, 0)?;
    let value = args.bytes(memory, 1)?;
    state.offchain_index.set(&key, Some(value));
    Ok(None)
}

/// `offchain_index::clear(key)`.
pub fn index_clear(state: &mut HostState, memory: &mut impl Memory, args: &Args<'_>) -> Outcome {
    let key = args.bytes(memory, 0)?;
    state.offchain_index.set(&key, None);
    Ok(None)
}
