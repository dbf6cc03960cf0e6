//! Heap allocation strategies: how large the runtime's linear memory may become.
//!
//! Mirrors `sc_executor_common::wasm_runtime::HeapAllocStrategy`:
//! - [`HeapAllocStrategy::Static`]: the memory is the module's initial pages plus
//!   `extra_pages`, and that is also its maximum. The host allocator sees all of it from the
//!   start and never grows it; the runtime's own `memory.grow` fails.
//! - [`HeapAllocStrategy::Dynamic`]: the memory starts at the module's initial pages; the
//!   allocator grows it (by doubling) up to `maximum_pages` (or the wasm32 limit).
//!
//! The storage entry `:heappages` (SCALE `u64`, trailing bytes ignored, truncated to `u32`)
//! selects `Static { extra_pages }` for on-chain calls; see [`HeapAllocStrategy::from_heap_pages`].
//! How the static heap is provided without paying for untouched pages is explained in
//! [`crate::memory`].
//!
//! Substrate applies these limits by rewriting the module's memory declaration; wasmi checks
//! an imported memory against the module's declaration instead. Two corners differ as a
//! result: a declared maximum below the strategy's caps the heap (Rust-built runtimes declare
//! none), and `Dynamic { maximum_pages }` below the module's initial pages fails
//! instantiation instead of shrinking the memory.

use parity_scale_codec::Decode;

/// Extra pages of the default static heap (Substrate's `DEFAULT_HEAP_ALLOC_PAGES`).
pub const DEFAULT_HEAP_ALLOC_PAGES: u32 = 2048;

/// The storage key that overrides the heap size of on-chain calls.
pub const HEAP_PAGES_KEY: &[u8] = b":heappages";

/// How much memory a runtime call may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HeapAllocStrategy {
    /// Memory fixed at the module's initial pages plus `extra_pages`.
    Static {
        /// Pages added to the module's initial memory.
        extra_pages: u32,
    },
    /// Memory starts at the module's initial pages and grows on demand.
    Dynamic {
        /// Upper bound in pages; `None` means the wasm32 limit (65 536 pages).
        maximum_pages: Option<u32>,
    },
}

impl Default for HeapAllocStrategy {
    fn default() -> Self {
        HeapAllocStrategy::Static {
            extra_pages: DEFAULT_HEAP_ALLOC_PAGES,
        }
    }
}

impl HeapAllocStrategy {
    /// The strategy selected by a `:heappages` storage value, as Substrate reads it: a SCALE
    /// `u64` (trailing bytes ignored) truncated to `u32` gives `Static { extra_pages }`.
    /// A missing or undecodable value gives `default`.
    pub fn from_heap_pages(value: Option<&[u8]>, default: HeapAllocStrategy) -> Self {
        value
            .and_then(|mut bytes| u64::decode(&mut bytes).ok())
            .map(|pages| HeapAllocStrategy::Static {
                extra_pages: pages as u32,
            })
            .unwrap_or(default)
    }

    /// The memory's size limits in pages for a module whose memory starts at `initial` pages:
    /// `(minimum, maximum)`, as Substrate rewrites them. `maximum` never exceeds 65 536.
    pub fn limits(self, initial: u32) -> (u32, u32) {
        match self {
            HeapAllocStrategy::Static { extra_pages } => {
                let pages = initial
                    .saturating_add(extra_pages)
                    .min(subexec_allocator::MAX_WASM_PAGES);
                (pages, pages)
            }
            HeapAllocStrategy::Dynamic { maximum_pages } => {
                let max = maximum_pages.unwrap_or(subexec_allocator::MAX_WASM_PAGES);
                let max = max.min(subexec_allocator::MAX_WASM_PAGES);
                (initial.min(max), max)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parity_scale_codec::Encode;

    #[test]
    fn default_is_static_2048() {
        assert_eq!(
            HeapAllocStrategy::default(),
            HeapAllocStrategy::Static { extra_pages: 2048 }
        );
    }

    #[test]
    fn heap_pages_decoding() {
        let dflt = HeapAllocStrategy::Dynamic {
            maximum_pages: None,
        };
        assert_eq!(HeapAllocStrategy::from_heap_pages(None, dflt), dflt);
        let v = 64u64.encode();
        assert_eq!(
            HeapAllocStrategy::from_heap_pages(Some(&v), dflt),
            HeapAllocStrategy::Static { extra_pages: 64 }
        );
        // Trailing bytes are ignored.
        let mut v = 7u64.encode();
        v.extend([1, 2, 3]);
        assert_eq!(
            HeapAllocStrategy::from_heap_pages(Some(&v), dflt),
            HeapAllocStrategy::Static { extra_pages: 7 }
        );
        // Too short to decode: default.
        assert_eq!(
            HeapAllocStrategy::from_heap_pages(Some(&[1, 2, 3]), dflt),
            dflt
        );
        // Truncated to u32.
        let v = ((1u64 << 32) + 5).encode();
        assert_eq!(
            HeapAllocStrategy::from_heap_pages(Some(&v), dflt),
            HeapAllocStrategy::Static { extra_pages: 5 }
        );
    }

    #[test]
    fn limits() {
        let s = HeapAllocStrategy::Static { extra_pages: 10 };
        assert_eq!(s.limits(17), (27, 27));
        assert_eq!(
            HeapAllocStrategy::Static {
                extra_pages: u32::MAX
            }
            .limits(17),
            (65_536, 65_536)
        );
        let d = HeapAllocStrategy::Dynamic {
            maximum_pages: Some(8),
        };
        assert_eq!(d.limits(17), (8, 8));
        assert_eq!(d.limits(3), (3, 8));
        let d = HeapAllocStrategy::Dynamic {
            maximum_pages: None,
        };
        assert_eq!(d.limits(3), (3, 65_536));
    }
}
