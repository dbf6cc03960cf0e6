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
///
/// Kept in its raw form (`0xFFFF_FFFF` = nil), so moving links between headers and list heads
/// costs nothing; [`Link::target`] is the only way to look at it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Link(u32);

impl Link {
    /// The end of a list.
    pub(crate) const NIL: Self = Self(NIL);

    /// A link to the header at `header_ptr` (unchecked: free lists may be forged). Header
    /// addresses are at most `u32::MAX - 8`, so this is never nil.
    #[inline]
    pub(crate) fn to(header_ptr: u32) -> Self {
        Self(header_ptr)
    }

    /// The linked header's address, or `None` at the end of the list.
    #[inline]
    pub(crate) fn target(self) -> Option<u32> {
        (self.0 != NIL).then_some(self.0)
    }
}

impl core::fmt::Debug for Link {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.target() {
            Some(ptr) => write!(f, "Link({ptr:#x})"),
            None => f.write_str("Link(nil)"),
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
    /// Decodes a raw header value: only bit 32 decides; an occupied order of 23 or more is
    /// `"invalid order"`.
    #[inline]
    fn decode(raw: u64) -> Result<Self, Error> {
        let low = raw as u32;
        if raw & OCCUPIED != 0 {
            Order::from_raw(low).map(Self::Occupied)
        } else {
            Ok(Self::Free(Link(low)))
        }
    }

    /// The canonical raw value of this header.
    #[inline]
    fn encode(self) -> u64 {
        match self {
            Self::Free(link) => u64::from(link.0),
            Self::Occupied(order) => u64::from(order.raw()) | OCCUPIED,
        }
    }

    /// Reads and decodes the header at `at`.
    ///
    /// Fails with `"read out of heap bounds"` if the 8 bytes are not all inside `memory`, and
    /// with `"invalid order"` if the header is occupied with an order of 23 or more.
    #[cfg(test)]
    fn read(memory: &mut [u8], at: u32) -> Result<Self, Error> {
        HeaderSlot::for_read(memory, at)?.get()
    }

    /// Encodes this header at `at`; `"write out of heap bounds"` if it does not fit.
    #[inline]
    pub(crate) fn write(self, memory: &mut [u8], at: u32) -> Result<(), Error> {
        HeaderSlot::at(memory, at)
            .ok_or(WRITE_OUT_OF_BOUNDS)?
            .set(self);
        Ok(())
    }
}

/// The 8 bytes of one header, bounds-checked once for a read followed by a write.
pub(crate) struct HeaderSlot<'a>(&'a mut [u8; 8]);

impl<'a> HeaderSlot<'a> {
    /// The header at `at`, if all 8 bytes are inside `memory`.
    #[inline]
    fn at(memory: &'a mut [u8], at: u32) -> Option<Self> {
        memory.get_mut(at as usize..)?.first_chunk_mut().map(Self)
    }

    /// The header at `at`, to be read (and maybe rewritten); `"read out of heap bounds"` if
    /// its 8 bytes are not all inside `memory`.
    #[inline]
    pub(crate) fn for_read(memory: &'a mut [u8], at: u32) -> Result<Self, Error> {
        Self::at(memory, at).ok_or(READ_OUT_OF_BOUNDS)
    }

    /// Decodes the header: only bit 32 decides; an occupied order of 23 or more is
    /// `"invalid order"`.
    #[inline]
    pub(crate) fn get(&self) -> Result<Header, Error> {
        Header::decode(u64::from_le_bytes(*self.0))
    }

    /// Stores `header` in canonical form.
    #[inline]
    pub(crate) fn set(self, header: Header) {
        *self.0 = header.encode().to_le_bytes();
    }
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
        Header::Free(Link::to(0x0102_0304))
            .write(&mut memory, 0)
            .unwrap();
        assert_eq!(memory, [4, 3, 2, 1, 0, 0, 0, 0]);
        Header::Free(Link::NIL).write(&mut memory, 0).unwrap();
        assert_eq!(memory, [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]);
    }

    #[test]
    fn only_bit_32_decides_occupied() {
        // Bits 33..=63 set, bit 32 clear: free, link 7.
        let mut memory = [7, 0, 0, 0, 0xFE, 0xFF, 0xFF, 0xFF];
        assert_eq!(Header::read(&mut memory, 0), Ok(Header::Free(Link::to(7))));
        // Bit 32 set plus junk in bytes 6 and 7 (a runtime shim's u16): occupied, order 3.
        let mut memory = [3, 0, 0, 0, 1, 0, 0x34, 0x12];
        assert_eq!(Header::read(&mut memory, 0), Ok(Header::Occupied(order(3))));
        let mut memory = [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0];
        assert_eq!(Header::read(&mut memory, 0), Ok(Header::Free(Link::NIL)));
    }

    #[test]
    fn occupied_with_order_23_is_invalid() {
        let mut memory = [23, 0, 0, 0, 1, 0, 0, 0];
        assert_eq!(
            Header::read(&mut memory, 0),
            Err(Error::Other("invalid order"))
        );
    }

    #[test]
    fn out_of_bounds_accesses_fail() {
        let mut memory = [0; 16];
        assert_eq!(
            Header::read(&mut memory, 9),
            Err(Error::Other("read out of heap bounds"))
        );
        assert_eq!(
            Header::read(&mut memory, u32::MAX - 3),
            Err(Error::Other("read out of heap bounds"))
        );
        assert_eq!(
            Header::Free(Link::NIL).write(&mut memory, 9),
            Err(Error::Other("write out of heap bounds"))
        );
        assert_eq!(Header::read(&mut memory, 8), Ok(Header::Free(Link::to(0))));
    }
}
