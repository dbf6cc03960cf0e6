//! [`VisitMeter`]: how many backend keys prefix removals walked, under an optional budget.
//!
//! A prefix removal (`clear_prefix`, `storage_kill`, their RFC-0145 forms) walks the backend's
//! keys under the prefix, and without a `limit` that walk is as long as the state: one host
//! call of 64 fuel could visit 10^7 keys, again on every call. The walk is therefore priced
//! per key visited ([`crate::cost::VISITED_KEY_FUEL`]) and, on a metered call, bounded before
//! it happens: the host sets the meter's budget to what the call's remaining fuel can pay, and a
//! walk that would pass it stops and fails the host call with out-of-fuel. Removals walk first
//! and apply after, so a stopped walk removes nothing.

use std::ops::ControlFlow;

use super::backend::BackendError;

/// Counts the backend keys walked by removals; see the module documentation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VisitMeter {
    /// Keys that may still be visited (`None`: unbounded).
    budget: Option<u64>,
    /// Keys visited since the meter was last taken.
    visited: u64,
    /// Whether a walk stopped at the budget.
    exhausted: bool,
}

impl VisitMeter {
    /// A meter allowing `budget` visits (`None`: any number).
    pub fn new(budget: Option<u64>) -> VisitMeter {
        VisitMeter {
            budget,
            visited: 0,
            exhausted: false,
        }
    }

    /// Keys visited.
    pub fn visited(&self) -> u64 {
        self.visited
    }

    /// Whether a walk was stopped because the budget was spent.
    pub fn exhausted(&self) -> bool {
        self.exhausted
    }

    /// Counts one visit; `Break` (and the meter exhausted) when the budget is spent.
    pub(crate) fn visit(&mut self) -> ControlFlow<()> {
        if self.budget.is_some_and(|budget| self.visited >= budget) {
            self.exhausted = true;
            return ControlFlow::Break(());
        }
        self.visited = self.visited.saturating_add(1);
        ControlFlow::Continue(())
    }

    /// The error a walk stopped by the budget returns (the host reports it as out of fuel).
    pub(crate) fn check(&self) -> Result<(), BackendError> {
        match self.exhausted {
            true => Err(BackendError(format!(
                "prefix removal stopped after {} keys: the fuel left cannot pay for more",
                self.visited
            ))),
            false => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_stops_at_the_budget() {
        let mut meter = VisitMeter::new(Some(2));
        assert_eq!(meter.visit(), ControlFlow::Continue(()));
        assert_eq!(meter.visit(), ControlFlow::Continue(()));
        assert!(meter.check().is_ok());
        assert_eq!(meter.visit(), ControlFlow::Break(()));
        assert!(meter.exhausted() && meter.check().is_err());
        assert_eq!(meter.visited(), 2);
        let mut unbounded = VisitMeter::default();
        for _ in 0..1000 {
            assert_eq!(unbounded.visit(), ControlFlow::Continue(()));
        }
        assert_eq!(unbounded.visited(), 1000);
    }
}
