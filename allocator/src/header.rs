//! The 8-byte block header that lives in linear memory just before every returned pointer.
//!
//! ```text
//!  byte:   7   6   5   4   3   2   1   0        (little-endian u64)
//!        +---------------+---------------+
//!  free  |  0 (bit 32=0) |  next link    |      link = header address of the next free block
//!        +---------------+---------------+             of the same order, 0xFFFF_FFFF = nil
//!  occ.  |  1 (bit 32=1) |  order        |      order = size class, 0 ..= 22
//!        +---------------+---------------+
//! ```
//!
//! Only bit 32 decides free or occupied when reading; bits 33..=63 are ignored (runtimes' own
//! allocator shims scribble in bytes 6 and 7). Writing always stores the canonical form.
//! Header accesses are bounds-checked against the memory slice, never against the heap base or
//! the bump pointer: the guest owns this memory and may have written anything into it.

use crate::error::{Error, READ_OUT_OF_BOUNDS, WRITE_OUT_OF_BOUNDS};
use crate::order::Order;

/// Size of a header in bytes.
pub(crate) const HEADER_SIZE: u32 = 8;

/// Raw value of the nil link.
const NIL: u32 = u32::MAX;
/// The occupied flag.
const OCCUPIED: u64 = 1 << 32;

/// A free-list link: the header address of the next free block, or the end of the list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Link {
    /// End of the list.
    Nil,
    /// Header address of the next free block (unchecked: free lists may be forged).
    Ptr(u32),
}

impl Link {
    #[inline]
    fn from_raw(raw: u32) -> Self {
        if raw == NIL {
            Self::Nil
        } else {
            Self::Ptr(raw)
        }
    }

    #[inline]
    fn raw(self) -> u32 {
        match self {
            Self::Nil => NIL,
            Self::Ptr(ptr) => ptr,
        }
    }
}

/// A decoded header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Header {
    /// A freed block, linked into the free list of its order.
    Free(Link),
    /// A live block of the given order.
    Occupied(Order),
}

impl Header {
    /// Reads and decodes the header at `at`.
    ///
    /// Fails with `"read out of heap bounds"` if the 8 bytes are not all inside `memory`, and
    /// with `"invalid order"` if the header is occupied with an order of 23 or more.
    #[inline]
    pub(crate) fn read(memory: &[u8], at: u32) -> Result<Self, Error> {
        let bytes = header_bytes(memory, at).ok_or(READ_OUT_OF_BOUNDS)?;
        let raw = u64::from_le_bytes(bytes);
        let low = raw as u32;
        if raw & OCCUPIED != 0 {
            Order::from_raw(low).map(Self::Occupied)
        } else {
            Ok(Self::Free(Link::from_raw(low)))
        }
    }

    /// Encodes this header at `at`; `"write out of heap bounds"` if it does not fit.
    #[inline]
    pub(crate) fn write(self, memory: &mut [u8], at: u32) -> Result<(), Error> {
        let raw = match self {
            Self::Free(link) => u64::from(link.raw()),
            Self::Occupied(order) => u64::from(order.raw()) | OCCUPIED,
        };
        let slot = header_slot(memory, at).ok_or(WRITE_OUT_OF_BOUNDS)?;
        slot.copy_from_slice(&raw.to_le_bytes());
        Ok(())
    }
}

/// The 8 bytes at `at`, if all of them are inside `memory`.
#[inline]
fn header_bytes(memory: &[u8], at: u32) -> Option<[u8; 8]> {
    let end = at.checked_add(HEADER_SIZE)?;
    memory.get(at as usize..end as usize)?.try_into().ok()
}

/// The 8 writable bytes at `at`, if all of them are inside `memory`.
#[inline]
fn header_slot(memory: &mut [u8], at: u32) -> Option<&mut [u8]> {
    let end = at.checked_add(HEADER_SIZE)?;
    memory.get_mut(at as usize..end as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(raw: u32) -> Order {
        Order::from_raw(raw).expect("valid order")
    }

    #[test]
    fn occupied_header_layout() {
        let mut memory = [0xAA; 16];
        Header::Occupied(order(5)).write(&mut memory, 4).unwrap();
        assert_eq!(
            memory,
            [0xAA, 0xAA, 0xAA, 0xAA, 5, 0, 0, 0, 1, 0, 0, 0, 0xAA, 0xAA, 0xAA, 0xAA]
        );
    }

    #[test]
    fn free_header_layout() {
        let mut memory = [0xAA; 8];
        Header::Free(Link::Ptr(0x0102_0304))
            .write(&mut memory, 0)
            .unwrap();
        assert_eq!(memory, [4, 3, 2, 1, 0, 0, 0, 0]);
        Header::Free(Link::Nil).write(&mut memory, 0).unwrap();
        assert_eq!(memory, [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]);
    }

    #[test]
    fn only_bit_32_decides_occupied() {
        // Bits 33..=63 set, bit 32 clear: free, link 7.
        let memory = [7, 0, 0, 0, 0xFE, 0xFF, 0xFF, 0xFF];
        assert_eq!(Header::read(&memory, 0), Ok(Header::Free(Link::Ptr(7))));
        // Bit 32 set plus junk in bytes 6 and 7 (a runtime shim's u16): occupied, order 3.
        let memory = [3, 0, 0, 0, 1, 0, 0x34, 0x12];
        assert_eq!(Header::read(&memory, 0), Ok(Header::Occupied(order(3))));
        let memory = [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0];
        assert_eq!(Header::read(&memory, 0), Ok(Header::Free(Link::Nil)));
    }

    #[test]
    fn occupied_with_order_23_is_invalid() {
        let memory = [23, 0, 0, 0, 1, 0, 0, 0];
        assert_eq!(Header::read(&memory, 0), Err(Error::Other("invalid order")));
    }

    #[test]
    fn out_of_bounds_accesses_fail() {
        let mut memory = [0; 16];
        assert_eq!(
            Header::read(&memory, 9),
            Err(Error::Other("read out of heap bounds"))
        );
        assert_eq!(
            Header::read(&memory, u32::MAX - 3),
            Err(Error::Other("read out of heap bounds"))
        );
        assert_eq!(
            Header::Free(Link::Nil).write(&mut memory, 9),
            Err(Error::Other("write out of heap bounds"))
        );
        assert_eq!(Header::read(&memory, 8), Ok(Header::Free(Link::Ptr(0))));
    }
}
