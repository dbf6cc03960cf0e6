//! A guest stand-in: a `Vec`-backed linear memory plus a [`HostState`], driven through the
//! real wire ABI (fat pointers into memory, results read back from memory).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;

use subexec_allocator::VecMemory;
use subexec_host_functions::memory_access::{pack_ptr_len, unpack_ptr_len};
use subexec_host_functions::storage::{Backend, InMemoryBackend, StorageMap};
use subexec_host_functions::{invoke, HostError, HostFunction, HostState, StorageState, Value};

/// Where the heap starts in test memories.
pub const HEAP_BASE: u32 = 1024;

/// A guest: memory and the host state of one call.
pub struct Guest {
    pub state: HostState,
    pub memory: VecMemory,
}

impl Guest {
    /// A guest over `backend` with 2 initial pages, growable to 10.
    pub fn with_backend(backend: Arc<dyn Backend>) -> Self {
        Guest {
            state: HostState::new(HEAP_BASE, StorageState::new(backend)),
            memory: VecMemory::new(2, Some(10)),
        }
    }

    /// A guest whose state holds only `:code` = empty (the w3f reference state).
    pub fn w3f() -> Self {
        let mut top = StorageMap::new();
        top.insert(b":code".to_vec(), Vec::new());
        Guest::with_backend(Arc::new(InMemoryBackend::new(
            top,
            BTreeMap::new(),
            Default::default(),
        )))
    }

    /// Calls `function` with raw arguments.
    pub fn call(
        &mut self,
        function: HostFunction,
        args: &[Value],
    ) -> Result<Option<Value>, HostError> {
        invoke(function, &mut self.state, &mut self.memory, args)
    }

    /// Calls and expects success.
    pub fn ok(&mut self, function: HostFunction, args: &[Value]) -> Option<Value> {
        self.call(function, args)
            .unwrap_or_else(|e| panic!("{} failed: {e}", function.name()))
    }

    /// Places `bytes` in guest memory through `ext_allocator_malloc_version_1` and returns the
    /// fat pointer, as a runtime would.
    pub fn put(&mut self, bytes: &[u8]) -> Value {
        let ptr = match self.ok(
            HostFunction::AllocatorMallocV1,
            &[Value::I32(bytes.len() as i32)],
        ) {
            Some(Value::I32(ptr)) => ptr as u32,
            other => panic!("malloc returned {other:?}"),
        };
        self.memory.data[ptr as usize..ptr as usize + bytes.len()].copy_from_slice(bytes);
        Value::I64(pack_ptr_len(ptr, bytes.len() as u32))
    }

    /// The bytes a returned fat pointer designates.
    pub fn fat(&self, value: Option<Value>) -> Vec<u8> {
        match value {
            Some(Value::I64(fat)) => {
                let (ptr, len) = unpack_ptr_len(fat);
                self.memory.data[ptr as usize..ptr as usize + len as usize].to_vec()
            }
            other => panic!("expected a fat pointer, got {other:?}"),
        }
    }

    /// `len` bytes at a returned `i32` pointer.
    pub fn at(&self, value: Option<Value>, len: usize) -> Vec<u8> {
        match value {
            Some(Value::I32(ptr)) => self.memory.data[ptr as usize..ptr as usize + len].to_vec(),
            other => panic!("expected a pointer, got {other:?}"),
        }
    }

    /// An `i32` result.
    pub fn i32(value: Option<Value>) -> i32 {
        match value {
            Some(Value::I32(v)) => v,
            other => panic!("expected i32, got {other:?}"),
        }
    }
}
