//! The reference side of the wire-level differential tests: `sp-io` 49's host functions run
//! through this `FunctionContext` (shaped like `sc-executor`'s) on a linear memory with
//! `sc-allocator` 39 as the allocator.

use sp_wasm_interface::{FunctionContext, Pointer};
use subexec_allocator::ScMemory;

/// The reference `FunctionContext`.
pub struct Reference {
    /// The reference memory, through sc-allocator's trait.
    pub memory: ScMemory,
    /// The reference allocator.
    pub allocator: sc_allocator::FreeingBumpHeapAllocator,
}

impl FunctionContext for Reference {
    fn read_memory_into(
        &mut self,
        address: Pointer<u8>,
        dest: &mut [u8],
    ) -> sp_wasm_interface::Result<()> {
        let start = u32::from(address) as usize;
        let data = &self.memory.0.data;
        let end = start
            .checked_add(dest.len())
            .filter(|end| *end <= data.len())
            .ok_or("memory read is out of bounds")?;
        dest.copy_from_slice(&data[start..end]);
        Ok(())
    }
    fn write_memory(
        &mut self,
        address: Pointer<u8>,
        bytes: &[u8],
    ) -> sp_wasm_interface::Result<()> {
        let start = u32::from(address) as usize;
        let data = &mut self.memory.0.data;
        let end = start
            .checked_add(bytes.len())
            .filter(|end| *end <= data.len())
            .ok_or("memory write is out of bounds")?;
        data[start..end].copy_from_slice(bytes);
        Ok(())
    }
    fn allocate_memory(&mut self, size: u32) -> sp_wasm_interface::Result<Pointer<u8>> {
        self.allocator
            .allocate(&mut self.memory, size)
            .map_err(|e| e.to_string())
    }
    fn deallocate_memory(&mut self, ptr: Pointer<u8>) -> sp_wasm_interface::Result<()> {
        self.allocator
            .deallocate(&mut self.memory, ptr)
            .map_err(|e| e.to_string())
    }
    fn register_panic_error_message(&mut self, _message: &str) {}
}

/// The text of a caught panic.
pub fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panicked".into())
}
