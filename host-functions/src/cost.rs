//! What a host function call costs in fuel: the cost model behind metered calls.
//!
//! wasmi charges fuel for the instructions a runtime executes, but a host function does its
//! work outside wasmi: hashing 128 MiB costs one `call` instruction. So every host call is
//! given a cost in the same units, and the executor takes it from the call's fuel budget (see
//! `subexec-executor`'s `host_fuel`): a budget then bounds the host's work too.
//!
//! The cost is a function of what the call was asked to do, never of how long it took, of
//! caches or of the machine, so the same call always costs the same:
//! - [`CALL_FUEL`] per call (about the instructions of a small wasm function call);
//! - [`BYTE_IN_FUEL`] per byte the host copied out of guest memory (data hashed or verified,
//!   keys and values stored, messages logged, blobs whose version is read);
//! - [`BYTE_OUT_FUEL`] per byte copied into guest memory (values read, hashes, results);
//! - [`ROOT_ENTRY_FUEL`] per pending change when a storage root is computed (each change is
//!   a trie path to rehash), plus the square of its key's length over
//!   [`ROOT_KEY_SQUARE_DIVISOR`]: a path to an `n`-byte key has up to `2n + 1` nodes and
//!   `trie-db` copies the rest of the key at each, so keys that extend each other cost
//!   `O(n²)` each (5 000 nested keys: 4·10¹⁰ byte², 18 s of trie work). The root's price is
//!   known before the work and checked against the budget first ([`root_price`]), so such a
//!   root fails out of fuel instead of running;
//! - [`DECOMPRESSED_BYTE_FUEL`] per byte of a blob whose version `ext_misc_runtime_version`
//!   reads, once decompressed, plus whatever its `Core_version` call spends (charged by the
//!   executor, which runs it on the caller's remaining budget).
//!
//! One unit per byte is about what wasmi itself spends per byte when a runtime does such work
//! in wasm, so a host function is never a way around the budget.

/// Fuel per host call.
pub const CALL_FUEL: u64 = 64;
/// Fuel per byte copied out of guest memory.
pub const BYTE_IN_FUEL: u64 = 1;
/// Fuel per byte copied into guest memory.
pub const BYTE_OUT_FUEL: u64 = 1;
/// Fuel per pending storage change when a storage root is computed.
pub const ROOT_ENTRY_FUEL: u64 = 256;
/// A storage root costs the squares of its pending keys' lengths divided by this (about the
/// time per byte² `trie-db` spends on nested keys, in wasm-instruction units).
pub const ROOT_KEY_SQUARE_DIVISOR: u64 = 4;
/// Fuel per decompressed byte of a blob whose runtime version is looked up.
pub const DECOMPRESSED_BYTE_FUEL: u64 = 1;

/// Fuel per backend key a prefix removal walks (`clear_prefix`, `storage_kill` and their
/// RFC-0145 forms, [`crate::storage::VisitMeter`]): the trie step to the next key, the key's
/// copy and the overlay entry it may write, priced like a root entry.
pub const VISITED_KEY_FUEL: u64 = 256;

/// What one host call did, in the units the model prices.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HostWork {
    /// Bytes copied out of guest memory.
    pub bytes_in: u64,
    /// Bytes copied into guest memory.
    pub bytes_out: u64,
    /// Pending storage changes a storage root covered.
    pub root_entries: u64,
    /// The sum of the squared key lengths of those changes.
    pub root_key_bytes_squared: u64,
    /// Backend keys prefix removals walked.
    pub visited_keys: u64,
}

/// What a storage root over `entries` pending changes whose key lengths squared sum to
/// `key_bytes_squared` costs (saturating).
pub fn root_price(entries: u64, key_bytes_squared: u64) -> u64 {
    entries
        .saturating_mul(ROOT_ENTRY_FUEL)
        .saturating_add(key_bytes_squared / ROOT_KEY_SQUARE_DIVISOR)
}

impl HostWork {
    /// The fuel this work costs (saturating).
    pub fn fuel(&self) -> u64 {
        CALL_FUEL
            .saturating_add(self.bytes_in.saturating_mul(BYTE_IN_FUEL))
            .saturating_add(self.bytes_out.saturating_mul(BYTE_OUT_FUEL))
            .saturating_add(root_price(self.root_entries, self.root_key_bytes_squared))
            .saturating_add(self.visited_keys.saturating_mul(VISITED_KEY_FUEL))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_is_linear_and_saturates() {
        assert_eq!(HostWork::default().fuel(), CALL_FUEL);
        let work = HostWork {
            bytes_in: 1000,
            bytes_out: 32,
            root_entries: 2,
            root_key_bytes_squared: 100 * 100 + 20 * 20,
            visited_keys: 3,
        };
        assert_eq!(
            work.fuel(),
            CALL_FUEL
                + 1000
                + 32
                + 2 * ROOT_ENTRY_FUEL
                + 10_400 / ROOT_KEY_SQUARE_DIVISOR
                + 3 * VISITED_KEY_FUEL
        );
        let huge = HostWork {
            bytes_in: u64::MAX,
            ..HostWork::default()
        };
        assert_eq!(huge.fuel(), u64::MAX);
    }
}
