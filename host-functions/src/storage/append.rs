//! `storage_append`'s encoding: keep the stored value a SCALE `Vec<T>`.
//!
//! The stored value is `Compact(n) ‖ item₁ ‖ … ‖ itemₙ`. Appending one already-encoded item
//! rewrites the compact count to `n + 1` and adds the item's bytes at the end. Only the count is
//! checked, as in `sp-state-machine`: if the value does not start with a canonical `Compact<u32>`
//! (including the empty or absent value) it becomes `[item]`, i.e. `Compact(1) ‖ item`. The
//! count wraps at `u32::MAX` like Substrate's release builds (`u32::MAX + 1` → `0`).

use parity_scale_codec::{Compact, CompactLen, Decode, Encode};

/// Appends the encoded `item` to the SCALE vector in `value` (see the module docs).
pub fn append_item(value: &mut Vec<u8>, item: &[u8]) {
    match Compact::<u32>::decode(&mut &value[..]) {
        Ok(Compact(count)) => {
            let old_prefix = Compact::<u32>::compact_len(&count);
            let new_prefix = Compact(count.wrapping_add(1)).encode();
            if new_prefix.len() == old_prefix {
                value[..old_prefix].copy_from_slice(&new_prefix);
            } else {
                value.splice(..old_prefix, new_prefix);
            }
        }
        Err(_) => {
            value.clear();
            Compact(1u32).encode_to(value);
        }
    }
    value.extend_from_slice(item);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn appended(start: &[u8], item: &[u8]) -> Vec<u8> {
        let mut value = start.to_vec();
        append_item(&mut value, item);
        value
    }

    #[test]
    fn empty_value_becomes_one_item_vector() {
        assert_eq!(appended(&[], &[7]), vec![4, 7]);
    }

    #[test]
    fn count_prefix_grows_across_compact_modes() {
        // 63 items → 64 items: single-byte mode (0xfc) to two-byte mode (0x0101).
        let mut value = Compact(63u32).encode();
        value.extend(std::iter::repeat_n(1u8, 63));
        let out = appended(&value, &[9]);
        assert_eq!(&out[..2], &Compact(64u32).encode()[..]);
        assert_eq!(out.len(), 2 + 64);
        let decoded = Vec::<u8>::decode(&mut &out[..]).unwrap();
        assert_eq!(decoded.len(), 64);
        assert_eq!(decoded[63], 9);
        // 2^14 - 1 → 2^14: two-byte mode to four-byte mode.
        let out = appended(&Compact(16_383u32).encode(), &[]);
        assert_eq!(out, Compact(16_384u32).encode());
        // 2^30 - 1 → 2^30: four-byte mode to big-integer mode.
        let out = appended(&Compact(1_073_741_823u32).encode(), &[]);
        assert_eq!(out, Compact(1_073_741_824u32).encode());
    }

    #[test]
    fn invalid_or_non_canonical_prefix_resets_to_one_item() {
        // 0b11 mode announcing 5 bytes is not a u32.
        assert_eq!(appended(&[0b0000_0111, 1, 2, 3, 4, 5], &[8]), vec![4, 8]);
        // Non-canonical two-byte encoding of 1 is rejected by the SCALE decoder.
        assert_eq!(appended(&[0b0000_0101, 0], &[8]), vec![4, 8]);
        // Truncated four-byte mode.
        assert_eq!(appended(&[0b0000_0010, 0], &[8]), vec![4, 8]);
    }

    #[test]
    fn only_the_prefix_is_checked() {
        // Count 2 but a single byte of payload: kept and extended as is.
        assert_eq!(appended(&[8, 0xaa], &[0xbb]), vec![12, 0xaa, 0xbb]);
    }

    #[test]
    fn count_wraps_at_u32_max() {
        let out = appended(&Compact(u32::MAX).encode(), &[1]);
        assert_eq!(out, vec![0, 1]);
    }

    proptest! {
        #[test]
        fn appending_items_builds_the_vector(items in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..40), 0..80)) {
            let mut value = Vec::new();
            for item in &items {
                append_item(&mut value, &item.encode());
            }
            if items.is_empty() {
                prop_assert!(value.is_empty());
            } else {
                prop_assert_eq!(value, items.encode());
            }
        }
    }
}
