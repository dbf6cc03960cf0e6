//! `ext_storage_get_version_1` throughput for values of 32 B … 1 MiB, measured beside a plain
//! copy of the same bytes (the limit: a get must at least copy the value into guest memory).
//!
//! Each iteration is one host call through `invoke` (key read from guest memory, lookup,
//! SCALE `Option<Vec<u8>>` result allocated and written into a `Vec`-backed linear memory) and
//! one `ext_allocator_free_version_1` of the result, so the heap does not grow. The value lives
//! either in the backend (the node's database, cloned out per lookup) or in the call's overlay
//! (borrowed).

use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use subexec_allocator::VecMemory;
use subexec_host_functions::memory_access::{pack_ptr_len, unpack_ptr_len};
use subexec_host_functions::storage::{InMemoryBackend, StorageMap, TrieId};
use subexec_host_functions::{invoke, HostFunction, HostState, StorageState, Value};

const SIZES: &[usize] = &[32, 1024, 32 * 1024, 1024 * 1024];
const KEY: &[u8] = b"bench-key";
const KEY_PTR: u32 = 16;

fn setup(size: usize, in_overlay: bool) -> (HostState, VecMemory) {
    let value = vec![0xab; size];
    let mut top = StorageMap::new();
    if !in_overlay {
        top.insert(KEY.to_vec(), value.clone());
    }
    let mut storage = StorageState::new(Arc::new(InMemoryBackend::from_top(top)));
    if in_overlay {
        storage.set(TrieId::Main, KEY, Some(value));
    }
    let mut memory = VecMemory::new(40, Some(40));
    memory.data[KEY_PTR as usize..KEY_PTR as usize + KEY.len()].copy_from_slice(KEY);
    (HostState::new(1024, storage), memory)
}

fn get_and_free(state: &mut HostState, memory: &mut VecMemory) {
    let key = Value::I64(pack_ptr_len(KEY_PTR, KEY.len() as u32));
    let result = invoke(HostFunction::StorageGetV1, state, memory, &[key]);
    let Ok(Some(Value::I64(fat))) = result else {
        panic!("storage_get failed: {result:?}");
    };
    let (ptr, _len) = unpack_ptr_len(black_box(fat));
    invoke(
        HostFunction::AllocatorFreeV1,
        state,
        memory,
        &[Value::I32(ptr as i32)],
    )
    .expect("free");
}

fn storage_get(c: &mut Criterion) {
    let mut group = c.benchmark_group("storage_get");
    for &size in SIZES {
        group.throughput(Throughput::Bytes(size as u64));
        for (name, in_overlay) in [("backend", false), ("overlay", true)] {
            let (mut state, mut memory) = setup(size, in_overlay);
            group.bench_with_input(BenchmarkId::new(name, size), &size, |b, _| {
                b.iter(|| get_and_free(&mut state, &mut memory))
            });
        }
        let source = vec![0xab_u8; size];
        let mut destination = vec![0_u8; size];
        group.bench_with_input(BenchmarkId::new("memcpy", size), &size, |b, _| {
            b.iter(|| destination.copy_from_slice(black_box(&source)))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = storage_get
}
criterion_main!(benches);
