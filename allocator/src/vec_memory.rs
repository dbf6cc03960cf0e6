//! A `Vec<u8>`-backed [`Memory`] for tests and benches of this and other crates.

use crate::memory::{Memory, MAX_WASM_PAGES, PAGE_SIZE};

/// A linear memory held in a `Vec<u8>`.
///
/// `data.len()` should be a multiple of [`PAGE_SIZE`]; [`Memory::pages`] reports whole pages
/// only. Growing appends zeroed pages and fails past `max_pages` (or past [`MAX_WASM_PAGES`]
/// when there is no maximum). Tests may shrink it by truncating `data` to provoke
/// `Error::MemoryShrinked`.
///
/// ```
/// use subexec_allocator::{FreeingBumpHeapAllocator, Memory, VecMemory};
///
/// let mut memory = VecMemory::new(1, Some(4));
/// let mut heap = FreeingBumpHeapAllocator::new(0);
/// assert_eq!(heap.allocate(&mut memory, 100), Ok(8));
/// assert_eq!(memory.pages(), 1);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VecMemory {
    /// The memory's bytes.
    pub data: Vec<u8>,
    /// The maximum size in pages; `None` means only the wasm limit of 65 536 pages applies.
    pub max_pages: Option<u32>,
}

impl VecMemory {
    /// A zeroed memory of `pages` pages with the given maximum.
    pub fn new(pages: u32, max_pages: Option<u32>) -> Self {
        Self {
            data: vec![0; pages as usize * PAGE_SIZE as usize],
            max_pages,
        }
    }

    /// A zeroed memory of `pages` pages that cannot grow (maximum = current size).
    pub fn fixed(pages: u32) -> Self {
        Self::new(pages, Some(pages))
    }
}

impl Memory for VecMemory {
    #[inline]
    fn with_access_mut<R>(&mut self, run: impl FnOnce(&mut [u8]) -> R) -> R {
        run(&mut self.data)
    }

    #[inline]
    fn with_access<R>(&self, run: impl FnOnce(&[u8]) -> R) -> R {
        run(&self.data)
    }

    fn grow(&mut self, additional: u32) -> Result<(), ()> {
        let limit = self.max_pages.unwrap_or(MAX_WASM_PAGES).min(MAX_WASM_PAGES);
        match self.pages().checked_add(additional) {
            Some(pages) if pages <= limit => {
                self.data.resize(pages as usize * PAGE_SIZE as usize, 0);
                Ok(())
            }
            _ => Err(()),
        }
    }

    #[inline]
    fn pages(&self) -> u32 {
        u32::try_from(self.data.len() / PAGE_SIZE as usize).unwrap_or(u32::MAX)
    }

    #[inline]
    fn max_pages(&self) -> Option<u32> {
        self.max_pages
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_up_to_its_maximum() {
        let mut memory = VecMemory::new(1, Some(3));
        assert_eq!(memory.grow(2), Ok(()));
        assert_eq!(memory.pages(), 3);
        assert_eq!(memory.data.len(), 3 * 65_536);
        assert_eq!(memory.grow(1), Err(()));
        assert_eq!(memory.pages(), 3);
    }

    #[test]
    fn fixed_memory_cannot_grow() {
        let mut memory = VecMemory::fixed(2);
        assert_eq!(memory.max_pages(), Some(2));
        assert_eq!(memory.grow(1), Err(()));
        assert_eq!(memory.grow(0), Ok(()));
    }

    #[test]
    fn without_maximum_the_wasm_limit_applies() {
        let mut memory = VecMemory::new(0, None);
        assert_eq!(memory.grow(65_537), Err(()));
        assert_eq!(memory.grow(u32::MAX), Err(()));
        assert_eq!(memory.pages(), 0);
    }
}
