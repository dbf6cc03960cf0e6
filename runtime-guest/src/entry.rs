//! The exported entry points and the macro that gives them the selected mode's ABI.
//!
//! `entry_points!` turns `Name(Input) -> Output => handler;` into
//! - classic: `extern "C" fn Name(ptr: i32, len: i32) -> i64`, reading the input the host
//!   allocated at `ptr` (abi.md §2);
//! - guest-allocator: `extern "C" fn Name(len: i32) -> i64`, allocating `len` bytes and
//!   filling them with `ext_input_read_version_1` (abi.md §3).
//!
//! Both decode the input with `DecodeAll` (trailing bytes are rejected), run the handler and
//! return the SCALE-encoded output as `ptr | len << 32`. The output buffer is leaked on
//! purpose: the host copies it out and the instance's memory is discarded after the call.

use crate::api::{
    AllocParams, AllocSummary, Block, BlockSummary, HostCall, HostReturn, RuntimeVersion,
    StorageParams, StorageReadSummary,
};
use crate::workloads::{alloc_heavy, compute, demo, host_api, storage_heavy, upgrade, version};
use alloc::string::String;
use alloc::vec::Vec;
use codec::{DecodeAll, Encode};

/// Decodes an entry's input, panicking like a FRAME runtime on bad input.
pub(crate) fn decode_input<T: DecodeAll>(entry: &str, mut input: &[u8]) -> T {
    match T::decode_all(&mut input) {
        Ok(value) => value,
        Err(_) => panic!("Bad input data provided to {entry}"),
    }
}

/// Encodes an entry's output and hands it to the host as `ptr | len << 32`.
pub(crate) fn finish(output: impl Encode) -> u64 {
    let bytes = output.encode();
    let packed = crate::host::fat(&bytes);
    core::mem::forget(bytes);
    packed
}

macro_rules! entry_points {
    ($($name:ident($input:ty) -> $output:ty => $handler:path;)*) => {
        $(
            #[cfg(feature = "classic")]
            #[allow(non_snake_case)]
            #[no_mangle]
            pub extern "C" fn $name(ptr: u32, len: u32) -> u64 {
                let bytes: &[u8] = if len == 0 {
                    &[]
                } else {
                    // SAFETY: the host allocated `len` bytes at `ptr` and wrote the input there
                    // before the call (abi.md §2); nothing else aliases them during the call.
                    unsafe { core::slice::from_raw_parts(ptr as usize as *const u8, len as usize) }
                };
                let input: $input = decode_input(stringify!($name), bytes);
                let output: $output = $handler(input);
                finish(output)
            }

            #[cfg(feature = "guest-allocator")]
            #[allow(non_snake_case)]
            #[no_mangle]
            pub extern "C" fn $name(len: u32) -> u64 {
                let bytes = crate::host::read_input(len);
                let input: $input = decode_input(stringify!($name), &bytes);
                drop(bytes);
                let output: $output = $handler(input);
                finish(output)
            }
        )*
    };
}

entry_points! {
    Core_version(()) -> RuntimeVersion => version::core_version;
    Demo_initialize(Vec<([u8; 32], u128)>) -> u32 => demo::initialize;
    Demo_execute_block(Block) -> BlockSummary => demo::execute_block;
    Bench_alloc_heavy(AllocParams) -> AllocSummary => alloc_heavy::run;
    Bench_storage_populate(StorageParams) -> u32 => storage_heavy::populate;
    Bench_storage_read(StorageParams) -> StorageReadSummary => storage_heavy::read;
    Bench_compute(u32) -> u64 => compute::run;
    HostApi_run(Vec<HostCall>) -> Vec<HostReturn> => host_api::run;
    HostApi_panic(String) -> () => host_api::panic_with;
    Upgrade_set_code(Vec<u8>) -> () => upgrade::set_code;
}
