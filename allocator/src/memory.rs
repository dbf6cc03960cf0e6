//! The view of a wasm linear memory the allocator works on.
//!
//! The trait has the same shape as `sc_allocator::Memory`, so an engine's memory (or a test
//! buffer) implements it directly. The allocator only reads and writes 8-byte headers through
//! it and grows it when the bump region runs out.

/// Bytes in a wasm page.
pub const PAGE_SIZE: u32 = 65_536;
/// Most pages a 32-bit wasm memory can have (4 GiB).
pub const MAX_WASM_PAGES: u32 = 65_536;

/// A wasm linear memory: contiguous bytes, a size in pages, growable up to a maximum.
///
/// Implementations must keep the slice given to the closures exactly `pages() * PAGE_SIZE`
/// bytes long and `pages() <= max_pages().unwrap_or(MAX_WASM_PAGES) <= MAX_WASM_PAGES`. The
/// allocator never panics if they do not, but then it cannot match Substrate's results.
pub trait Memory {
    /// Runs `run` with write access to the whole memory.
    fn with_access_mut<R>(&mut self, run: impl FnOnce(&mut [u8]) -> R) -> R;
    /// Runs `run` with read access to the whole memory.
    fn with_access<R>(&self, run: impl FnOnce(&[u8]) -> R) -> R;
    /// Grows the memory by `additional` pages; `Err(())` if it cannot (the memory is unchanged).
    // The contract fixes `()` as the error, as in `sc_allocator::Memory`: the allocator turns
    // any growth failure into `Error::AllocatorOutOfSpace`.
    #[allow(clippy::result_unit_err)]
    fn grow(&mut self, additional: u32) -> Result<(), ()>;
    /// The current size in pages.
    fn pages(&self) -> u32;
    /// The maximum size in pages, if the memory declares one.
    fn max_pages(&self) -> Option<u32>;
}

/// Size in bytes of `pages` pages (cannot overflow a u64).
#[inline]
pub(crate) fn bytes_in_pages(pages: u32) -> u64 {
    u64::from(pages) * u64::from(PAGE_SIZE)
}
