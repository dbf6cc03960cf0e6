//! Size classes ("orders").
//!
//! A block of order `n` holds `8 << n` bytes: 8 B for order 0 up to 32 MiB for order 22. A
//! request is rounded up to the next power of two (requests below 8 bytes become 8), so any
//! request in `(N, 2N]` takes `2N` bytes.

use crate::error::{Error, INVALID_ORDER};

/// Number of size classes: 2^3 ..= 2^25 bytes.
pub const N_ORDERS: usize = 23;
/// The smallest block, also the alignment every returned pointer keeps.
pub const MIN_POSSIBLE_ALLOCATION: u32 = 8;
/// The largest request the allocator accepts (32 MiB).
pub const MAX_POSSIBLE_ALLOCATION: u32 = MIN_POSSIBLE_ALLOCATION << (N_ORDERS - 1);

/// A valid size class: always `< N_ORDERS`, so it indexes the free lists without a check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Order(u8);

impl Order {
    /// The class of a request of `size` bytes.
    #[inline]
    pub(crate) fn from_size(size: u32) -> Result<Self, Error> {
        if size > MAX_POSSIBLE_ALLOCATION {
            return Err(Error::RequestedAllocationTooLarge);
        }
        // The class is the next power of two of `max(size, 8)`, 2^(32 - lz(size - 1)); its
        // order is that exponent minus 3. `size - 1` is in 7 ..= 2^25 - 1, so this is 0 ..= 22.
        let bits = u32::BITS - (size.max(MIN_POSSIBLE_ALLOCATION) - 1).leading_zeros();
        Ok(Self(
            (bits - MIN_POSSIBLE_ALLOCATION.trailing_zeros()) as u8,
        ))
    }

    /// The class stored in an occupied header; `"invalid order"` if it names no class.
    #[inline]
    pub(crate) fn from_raw(raw: u32) -> Result<Self, Error> {
        if raw < N_ORDERS as u32 {
            Ok(Self(raw as u8))
        } else {
            Err(INVALID_ORDER)
        }
    }

    /// The value an occupied header stores.
    #[inline]
    pub(crate) fn raw(self) -> u32 {
        u32::from(self.0)
    }

    /// Index into per-order tables.
    #[inline]
    pub(crate) fn index(self) -> usize {
        usize::from(self.0)
    }

    /// Bytes in a block of this class (a power of two, without the header).
    #[inline]
    pub(crate) fn size(self) -> u32 {
        MIN_POSSIBLE_ALLOCATION << self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn largest_class_is_32_mib() {
        assert_eq!(MAX_POSSIBLE_ALLOCATION, 33_554_432);
    }

    #[test]
    fn sizes_round_up_to_powers_of_two_from_eight() {
        let cases = [
            (0, 8),
            (1, 8),
            (8, 8),
            (9, 16),
            (16, 16),
            (17, 32),
            (65_535, 65_536),
            (65_536, 65_536),
            (16_777_217, 33_554_432),
            (33_554_432, 33_554_432),
        ];
        for (request, class) in cases {
            assert_eq!(
                Order::from_size(request).map(Order::size),
                Ok(class),
                "{request}"
            );
        }
    }

    #[test]
    fn class_is_the_smallest_power_of_two_holding_the_request() {
        let mut size = 0u32;
        while size <= MAX_POSSIBLE_ALLOCATION {
            for request in [size.saturating_sub(1), size, size + 1] {
                if request > MAX_POSSIBLE_ALLOCATION {
                    continue;
                }
                let class = Order::from_size(request).unwrap().size();
                assert!(class >= request && class >= 8, "{request}");
                assert!(class == 8 || class / 2 < request, "{request}");
                assert!(class.is_power_of_two());
            }
            size = if size == 0 { 1 } else { size * 2 };
        }
    }

    #[test]
    fn orders_count_from_zero_at_eight_bytes() {
        assert_eq!(Order::from_size(8).map(Order::raw), Ok(0));
        assert_eq!(Order::from_size(16).map(Order::raw), Ok(1));
        assert_eq!(Order::from_size(33_554_432).map(Order::raw), Ok(22));
    }

    #[test]
    fn requests_over_32_mib_are_too_large() {
        assert_eq!(
            Order::from_size(33_554_433),
            Err(Error::RequestedAllocationTooLarge)
        );
        assert_eq!(
            Order::from_size(u32::MAX),
            Err(Error::RequestedAllocationTooLarge)
        );
    }

    #[test]
    fn raw_orders_from_23_are_invalid() {
        assert_eq!(Order::from_raw(22).map(Order::size), Ok(33_554_432));
        assert_eq!(Order::from_raw(23), Err(Error::Other("invalid order")));
        assert_eq!(
            Order::from_raw(u32::MAX),
            Err(Error::Other("invalid order"))
        );
    }
}
