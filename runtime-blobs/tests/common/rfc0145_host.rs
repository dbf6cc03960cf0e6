//! A minimal host for the guest-allocator (RFC-0145) blobs, for tests only.
//!
//! `subexec-executor` and `subexec-host-functions` implement the classic ABI; the RFC-0145
//! functions of abi.md §3 are a later issue. Until they land, this runs the guest-allocator
//! blobs on wasmi directly, over the same `StorageState` and hash functions the real host
//! uses, so the cross-mode test can already compare what both ABIs compute. It follows the
//! choices documented in `runtime-guest/src/host/guest.rs` where abi.md leaves the encoding
//! open. Replace it with the executor once that supports the guest-allocator ABI.

use std::sync::Arc;

use subexec_executor::Executor;
use subexec_host_functions::storage::{trie_root, StateVersion, TrieId};
use subexec_host_functions::{digest, HashAlgorithm, StorageState};
use wasmi::{Caller, Engine, Error, Linker, Memory, Module, Store};

/// Host-side state of one call.
struct CallState {
    storage: StorageState,
    input: Vec<u8>,
    panic_message: Option<String>,
    executor: Arc<Executor>,
}

type Host<'a> = Caller<'a, CallState>;

fn unpack(fat: i64) -> (usize, usize) {
    let fat = fat as u64;
    ((fat & 0xFFFF_FFFF) as usize, (fat >> 32) as usize)
}

fn memory(caller: &Host<'_>) -> Result<Memory, Error> {
    caller
        .get_export("memory")
        .and_then(|export| export.into_memory())
        .ok_or_else(|| Error::new("the runtime exports no memory"))
}

fn read(caller: &Host<'_>, fat: i64) -> Result<Vec<u8>, Error> {
    let (ptr, len) = unpack(fat);
    let mut bytes = vec![0; len];
    memory(caller)?
        .read(caller, ptr, &mut bytes)
        .map_err(|_| Error::new("read out of bounds"))?;
    Ok(bytes)
}

fn write(caller: &mut Host<'_>, ptr: usize, bytes: &[u8]) -> Result<(), Error> {
    let memory = memory(caller)?;
    memory
        .write(caller, ptr, bytes)
        .map_err(|_| Error::new("write out of bounds"))
}

/// "Return the full length, write only if it fits (or if partial writes are allowed)".
fn write_if_fits(
    caller: &mut Host<'_>,
    out: i64,
    data: &[u8],
    allow_partial: bool,
) -> Result<(), Error> {
    let (ptr, len) = unpack(out);
    if data.len() <= len || allow_partial {
        write(caller, ptr, &data[..data.len().min(len)])?;
    }
    Ok(())
}

fn host_error<E: std::fmt::Display>(error: E) -> Error {
    Error::new(error.to_string())
}

fn state_version(version: i32) -> Result<StateVersion, Error> {
    StateVersion::from_u8(version as u8).ok_or_else(|| Error::new("bad state version"))
}

/// Registers every host function the guest-allocator blobs import.
fn link(linker: &mut Linker<CallState>) -> Result<(), Error> {
    linker.func_wrap(
        "env",
        "ext_input_read_version_1",
        |mut c: Host<'_>, buf: i64| {
            let input = c.data().input.clone();
            if unpack(buf).1 < input.len() {
                return Err(Error::new("input buffer too small"));
            }
            write(&mut c, unpack(buf).0, &input)
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_read_version_2",
        |mut c: Host<'_>, key: i64, out: i64, offset: i32, partial: i32| -> Result<i64, Error> {
            let key = read(&c, key)?;
            let Some(value) = c.data().storage.get(&key) else {
                return Ok(-1);
            };
            let rest = &value[(offset as u32 as usize).min(value.len())..];
            write_if_fits(&mut c, out, rest, partial != 0)?;
            Ok(rest.len() as i64)
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_next_key_version_2",
        |mut c: Host<'_>, key: i64, out: i64| -> Result<i32, Error> {
            let key = read(&c, key)?;
            match c
                .data()
                .storage
                .next_key(TrieId::Main, &key)
                .map_err(host_error)?
            {
                None => Ok(0),
                Some(next) => {
                    write_if_fits(&mut c, out, &next, false)?;
                    Ok(next.len() as i32)
                }
            }
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_root_version_3",
        |mut c: Host<'_>, out: i64| {
            let root = c
                .data_mut()
                .storage
                .storage_root(StateVersion::V1)
                .map_err(host_error)?;
            write_if_fits(&mut c, out, &root, false)
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_clear_prefix_version_3",
        |mut c: Host<'_>,
         prefix: i64,
         limit: i64,
         _cursor_in: i64,
         cursor_out: i64,
         counters: i32|
         -> Result<i32, Error> {
            use parity_scale_codec::DecodeAll;
            let prefix = read(&c, prefix)?;
            let limit =
                Option::<u32>::decode_all(&mut &read(&c, limit)?[..]).map_err(host_error)?;
            let result = c
                .data_mut()
                .storage
                .clear_prefix(TrieId::Main, &prefix, limit)
                .map_err(host_error)?;
            let counts = [result.backend, result.unique, result.loops]
                .iter()
                .flat_map(|count| count.to_le_bytes())
                .collect::<Vec<u8>>();
            write(&mut c, counters as u32 as usize, &counts)?;
            if result.all_removed {
                Ok(0)
            } else {
                // The continuation cursor: the prefix itself is enough for these tests.
                write_if_fits(&mut c, cursor_out, &prefix, false)?;
                Ok(prefix.len().max(1) as i32)
            }
        },
    )?;
    for (name, algorithm) in [
        ("keccak_256", HashAlgorithm::Keccak256),
        ("sha2_256", HashAlgorithm::Sha2256),
        ("blake2_128", HashAlgorithm::Blake2128),
        ("blake2_256", HashAlgorithm::Blake2256),
        ("twox_64", HashAlgorithm::Twox64),
        ("twox_128", HashAlgorithm::Twox128),
        ("twox_256", HashAlgorithm::Twox256),
    ] {
        linker.func_wrap(
            "env",
            &format!("ext_hashing_{name}_version_2"),
            move |mut c: Host<'_>, data: i64, out: i32| {
                let hash = digest(algorithm, &read(&c, data)?);
                write(&mut c, out as u32 as usize, &hash)
            },
        )?;
    }
    linker.func_wrap(
        "env",
        "ext_trie_blake2_256_root_version_3",
        |mut c: Host<'_>, input: i64, version: i32, out: i32| {
            use parity_scale_codec::DecodeAll;
            let pairs = Vec::<(Vec<u8>, Vec<u8>)>::decode_all(&mut &read(&c, input)?[..])
                .map_err(host_error)?;
            let root = trie_root::trie_root(state_version(version)?, pairs);
            write(&mut c, out as u32 as usize, &root)
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_trie_blake2_256_ordered_root_version_3",
        |mut c: Host<'_>, input: i64, version: i32, out: i32| {
            use parity_scale_codec::DecodeAll;
            let values =
                Vec::<Vec<u8>>::decode_all(&mut &read(&c, input)?[..]).map_err(host_error)?;
            let root = trie_root::ordered_trie_root(state_version(version)?, values);
            write(&mut c, out as u32 as usize, &root)
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_misc_runtime_version_version_2",
        |mut c: Host<'_>, wasm: i64, out: i64| -> Result<i64, Error> {
            let wasm = read(&c, wasm)?;
            let executor = c.data().executor.clone();
            let version = executor
                .load(&wasm)
                .map_err(|error| error.to_string())
                .and_then(|runtime| runtime.version_bytes().map_err(|error| error.to_string()));
            let Ok(version) = version else {
                return Ok(-1);
            };
            write_if_fits(&mut c, out, &version, false)?;
            Ok(version.len() as i64)
        },
    )?;
    link_shared(linker)
}

/// The functions both ABIs share (abi.md §3), with the classic host's meaning.
fn link_shared(linker: &mut Linker<CallState>) -> Result<(), Error> {
    linker.func_wrap(
        "env",
        "ext_storage_set_version_1",
        |mut c: Host<'_>, k: i64, v: i64| {
            let (key, value) = (read(&c, k)?, read(&c, v)?);
            c.data_mut().storage.set(TrieId::Main, &key, Some(value));
            Ok(())
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_clear_version_1",
        |mut c: Host<'_>, k: i64| {
            let key = read(&c, k)?;
            c.data_mut().storage.set(TrieId::Main, &key, None);
            Ok(())
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_exists_version_1",
        |c: Host<'_>, k: i64| {
            let key = read(&c, k)?;
            let exists = c
                .data()
                .storage
                .exists(TrieId::Main, &key)
                .map_err(host_error)?;
            Ok(exists as i32)
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_append_version_1",
        |mut c: Host<'_>, k: i64, v: i64| {
            let (key, item) = (read(&c, k)?, read(&c, v)?);
            c.data_mut().storage.append(&key, &item).map_err(host_error)
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_clear_prefix_version_1",
        |mut c: Host<'_>, p: i64| {
            let prefix = read(&c, p)?;
            c.data_mut()
                .storage
                .clear_prefix(TrieId::Main, &prefix, None)
                .map(drop)
                .map_err(host_error)
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_start_transaction_version_1",
        |mut c: Host<'_>| {
            c.data_mut().storage.start_transaction();
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_commit_transaction_version_1",
        |mut c: Host<'_>| {
            c.data_mut()
                .storage
                .commit_transaction()
                .map_err(host_error)
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_storage_rollback_transaction_version_1",
        |mut c: Host<'_>| {
            c.data_mut()
                .storage
                .rollback_transaction()
                .map_err(host_error)
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_default_child_storage_set_version_1",
        |mut c: Host<'_>, s: i64, k: i64, v: i64| {
            let (child, key, value) = (read(&c, s)?, read(&c, k)?, read(&c, v)?);
            c.data_mut()
                .storage
                .set(TrieId::DefaultChild(&child), &key, Some(value));
            Ok(())
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_default_child_storage_clear_version_1",
        |mut c: Host<'_>, s: i64, k: i64| {
            let (child, key) = (read(&c, s)?, read(&c, k)?);
            c.data_mut()
                .storage
                .set(TrieId::DefaultChild(&child), &key, None);
            Ok(())
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_default_child_storage_exists_version_1",
        |c: Host<'_>, s: i64, k: i64| {
            let (child, key) = (read(&c, s)?, read(&c, k)?);
            let exists = c
                .data()
                .storage
                .exists(TrieId::DefaultChild(&child), &key)
                .map_err(host_error)?;
            Ok(exists as i32)
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_default_child_storage_clear_prefix_version_1",
        |mut c: Host<'_>, s: i64, p: i64| {
            let (child, prefix) = (read(&c, s)?, read(&c, p)?);
            c.data_mut()
                .storage
                .clear_prefix(TrieId::DefaultChild(&child), &prefix, None)
                .map(drop)
                .map_err(host_error)
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_default_child_storage_storage_kill_version_1",
        |mut c: Host<'_>, s: i64| {
            let child = read(&c, s)?;
            c.data_mut()
                .storage
                .kill_child(&child, None)
                .map(drop)
                .map_err(host_error)
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_logging_log_version_1",
        |c: Host<'_>, _: i32, t: i64, m: i64| read(&c, t).and(read(&c, m)).map(drop),
    )?;
    linker.func_wrap(
        "env",
        "ext_logging_max_level_version_1",
        |_: Host<'_>| match log::max_level() {
            log::LevelFilter::Off => 0,
            log::LevelFilter::Error => 1,
            log::LevelFilter::Warn => 2,
            log::LevelFilter::Info => 3,
            log::LevelFilter::Debug => 4,
            log::LevelFilter::Trace => 5,
        },
    )?;
    linker.func_wrap(
        "env",
        "ext_misc_print_num_version_1",
        |_: Host<'_>, _: i64| {},
    )?;
    linker.func_wrap(
        "env",
        "ext_misc_print_utf8_version_1",
        |c: Host<'_>, m: i64| read(&c, m).map(drop),
    )?;
    linker.func_wrap(
        "env",
        "ext_misc_print_hex_version_1",
        |c: Host<'_>, m: i64| read(&c, m).map(drop),
    )?;
    linker.func_wrap(
        "env",
        "ext_panic_handler_abort_on_panic_version_1",
        |mut c: Host<'_>, m: i64| {
            let message = String::from_utf8_lossy(&read(&c, m)?).into_owned();
            c.data_mut().panic_message = Some(message);
            Ok(())
        },
    )?;
    Ok(())
}

/// How a call through this host ended badly.
#[derive(Debug, PartialEq, Eq)]
pub enum GuestCallError {
    /// The runtime panicked with this message.
    Panicked(String),
    /// Anything else (trap, host error), as text.
    Failed(String),
}

/// Calls `entry` of a guest-allocator blob on a fresh instance against `storage`.
pub fn call(
    wasm: &[u8],
    storage: &mut StorageState,
    entry: &str,
    input: &[u8],
) -> Result<Vec<u8>, GuestCallError> {
    let failed = |error: Error| GuestCallError::Failed(error.to_string());
    let engine = Engine::default();
    let module = Module::new(&engine, wasm).map_err(failed)?;
    let mut linker = Linker::new(&engine);
    link(&mut linker).map_err(failed)?;
    let placeholder = subexec_executor::empty_storage();
    let mut state = CallState {
        storage: std::mem::replace(storage, placeholder),
        input: input.to_vec(),
        panic_message: None,
        executor: Arc::new(Executor::builder().build()),
    };
    state
        .storage
        .enter_runtime()
        .map_err(|error| failed(host_error(error)))?;
    let mut store = Store::new(&engine, state);
    let result = (|| {
        let instance = linker.instantiate_and_start(&mut store, &module)?;
        let function = instance.get_typed_func::<i32, i64>(&store, entry)?;
        let packed = function.call(&mut store, input.len() as i32)?;
        let (ptr, len) = unpack(packed);
        let mut output = vec![0; len];
        instance
            .get_memory(&store, "memory")
            .ok_or_else(|| Error::new("no memory"))?
            .read(&store, ptr, &mut output)
            .map_err(|_| Error::new("output out of bounds"))?;
        Ok::<_, Error>(output)
    })();
    let mut state = store.into_data();
    state
        .storage
        .exit_runtime()
        .map_err(|error| failed(host_error(error)))?;
    *storage = state.storage;
    match (result, state.panic_message) {
        (Ok(output), _) => Ok(output),
        (Err(_), Some(message)) => Err(GuestCallError::Panicked(message)),
        (Err(error), None) => Err(failed(error)),
    }
}
