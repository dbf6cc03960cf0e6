//! [`HostCallStats`]: what crossed the runtime/host boundary during one call.
//!
//! [`crate::invoke`] counts every host call by function, and the bytes the host read from
//! guest memory (arguments: keys, values, data to hash) and wrote into it (results, output
//! buffers). Bytes are counted where they are copied, in [`crate::memory_access`]: the
//! functions there add to a per-thread tally and `invoke` keeps the difference, so the
//! count is exact and needs no per-function bookkeeping. Allocator header reads and writes
//! are not boundary copies and are not counted (they show in the allocator statistics).
//! The executor adds the call's input and output copies.

use std::cell::Cell;

use crate::registry::HostFunction;

thread_local! {
    /// Bytes read from / written to guest memory by host functions on this thread.
    static TRAFFIC: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
}

/// Adds `read` bytes copied out of and `written` bytes copied into guest memory.
pub(crate) fn record_traffic(read: usize, written: usize) {
    TRAFFIC.with(|t| {
        let (r, w) = t.get();
        t.set((
            r.saturating_add(read as u64),
            w.saturating_add(written as u64),
        ));
    });
}

/// The thread's running totals (only differences are meaningful).
pub(crate) fn traffic() -> (u64, u64) {
    TRAFFIC.with(Cell::get)
}

/// Host calls and boundary traffic of one runtime call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostCallStats {
    calls: Vec<u64>,
    /// Calls of external host functions (`crate::invoke_external`), all together.
    external: u64,
    /// Bytes the host copied out of guest memory.
    pub bytes_in: u64,
    /// Bytes the host copied into guest memory.
    pub bytes_out: u64,
}

impl Default for HostCallStats {
    fn default() -> Self {
        HostCallStats {
            calls: vec![0; HostFunction::ALL.len()],
            external: 0,
            bytes_in: 0,
            bytes_out: 0,
        }
    }
}

impl HostCallStats {
    /// Counts one call of `function`.
    pub(crate) fn count(&mut self, function: HostFunction) {
        // `HostFunction` is field-less and `ALL` lists it in declaration order.
        if let Some(slot) = self.calls.get_mut(function as usize) {
            *slot = slot.saturating_add(1);
        }
    }

    /// Counts one call of an external host function.
    pub(crate) fn count_external(&mut self) {
        self.external = self.external.saturating_add(1);
    }

    /// Adds the boundary bytes between two readings of [`traffic`].
    pub(crate) fn add_traffic(&mut self, before: (u64, u64), after: (u64, u64)) {
        self.bytes_in = self
            .bytes_in
            .saturating_add(after.0.saturating_sub(before.0));
        self.bytes_out = self
            .bytes_out
            .saturating_add(after.1.saturating_sub(before.1));
    }

    /// Calls of external host functions (`crate::invoke_external`), all together: those
    /// an embedder added, and those that replaced a built-in function.
    pub fn external_calls(&self) -> u64 {
        self.external
    }

    /// Calls of `function`.
    pub fn calls_of(&self, function: HostFunction) -> u64 {
        self.calls.get(function as usize).copied().unwrap_or(0)
    }

    /// Every function called at least once, with its count, in table order.
    pub fn calls(&self) -> impl Iterator<Item = (HostFunction, u64)> + '_ {
        HostFunction::ALL
            .iter()
            .map(|&f| (f, self.calls_of(f)))
            .filter(|(_, n)| *n > 0)
    }

    /// All host calls, external ones included.
    pub fn total_calls(&self) -> u64 {
        self.calls.iter().sum::<u64>().saturating_add(self.external)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_order_is_declaration_order() {
        for (index, &f) in HostFunction::ALL.iter().enumerate() {
            assert_eq!(f as usize, index);
        }
    }

    #[test]
    fn counts_by_function() {
        let mut stats = HostCallStats::default();
        stats.count(HostFunction::StorageSetV1);
        stats.count(HostFunction::StorageSetV1);
        stats.count(HostFunction::InputReadV1);
        assert_eq!(stats.calls_of(HostFunction::StorageSetV1), 2);
        assert_eq!(stats.total_calls(), 3);
        assert_eq!(
            stats.calls().collect::<Vec<_>>(),
            vec![
                (HostFunction::StorageSetV1, 2),
                (HostFunction::InputReadV1, 1)
            ]
        );
    }
}
