//! The allocator's errors.
//!
//! The variants and their display strings are consensus-visible: a node reports them when a
//! runtime call fails (`ext_allocator_malloc_version_1: Failed to allocate memory: "..."`), so
//! they are exactly those of `sc_allocator::Error`.

/// Why an allocation or a deallocation failed.
///
/// Every error except `Other("the allocator has been poisoned")` also poisons the allocator:
/// all later calls fail with that one.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The request is larger than the largest size class (32 MiB).
    #[error("Requested allocation size is too large")]
    RequestedAllocationTooLarge,
    /// The bump region cannot grow: the memory is at its maximum or refused to grow.
    #[error("Allocator ran out of space")]
    AllocatorOutOfSpace,
    /// The memory is smaller than it was at an earlier call.
    #[error("Shrinking of the underlying memory is observed")]
    MemoryShrinked,
    /// Anything else; the message says what (e.g. `"invalid order"`).
    #[error("Other: {0}")]
    Other(&'static str),
}

/// Returned by every call once the allocator is poisoned.
pub(crate) const POISONED: Error = Error::Other("the allocator has been poisoned");
/// A free-list head points so high that its block would not fit in memory.
pub(crate) const INVALID_HEADER_POINTER: Error = Error::Other("Invalid header pointer detected");
/// A free-list head points at a header marked occupied.
pub(crate) const FREE_LIST_OCCUPIED: Error = Error::Other("free list points to a occupied header");
/// An occupied header names an order outside `0..23`.
pub(crate) const INVALID_ORDER: Error = Error::Other("invalid order");
/// `deallocate` was given a pointer below the header size.
pub(crate) const INVALID_DEALLOCATION_POINTER: Error =
    Error::Other("Invalid pointer for deallocation");
/// `deallocate` found a free header: a double free or a pointer never allocated.
pub(crate) const EMPTY_HEADER: Error = Error::Other("the allocation points to an empty header");
/// A deallocation would take the live byte count below zero (forged headers).
pub(crate) const UNDERFLOW: Error =
    Error::Other("underflow of the currently allocated bytes count");
/// A header read reached past the end of memory.
pub(crate) const READ_OUT_OF_BOUNDS: Error = Error::Other("read out of heap bounds");
/// A header write reached past the end of memory.
pub(crate) const WRITE_OUT_OF_BOUNDS: Error = Error::Other("write out of heap bounds");

/// Every `Other` error the allocator can return (traces name them by their message).
const OTHER_ERRORS: [Error; 9] = [
    POISONED,
    INVALID_HEADER_POINTER,
    FREE_LIST_OCCUPIED,
    INVALID_ORDER,
    INVALID_DEALLOCATION_POINTER,
    EMPTY_HEADER,
    UNDERFLOW,
    READ_OUT_OF_BOUNDS,
    WRITE_OUT_OF_BOUNDS,
];

/// The `Other` error with this message, if the allocator has one.
pub(crate) fn other_error(message: &str) -> Option<Error> {
    OTHER_ERRORS
        .into_iter()
        .find(|error| matches!(error, Error::Other(known) if *known == message))
}
