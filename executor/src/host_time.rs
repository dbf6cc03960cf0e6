//! Wall-clock time spent inside host functions, measured on request.
//!
//! Reading the clock twice per host call costs about as much as a cheap host function, so it is
//! off by default: a [`HostTimer`] switches it on for the current thread (wasmi runs a call's
//! host functions on the calling thread) while it lives, and [`HostTimer::elapsed`] reads the
//! time accumulated since it started. Every host call enters through `linker::guarded`, which
//! adds its duration. The figure is a measurement, never part of a call's outcome: outcomes
//! stay deterministic.

use std::cell::Cell;
use std::time::{Duration, Instant};

thread_local! {
    static ENABLED: Cell<u32> = const { Cell::new(0) };
    static TOTAL: Cell<Duration> = const { Cell::new(Duration::ZERO) };
}

/// Starts timing a host call if a [`HostTimer`] is active on this thread.
pub(crate) fn start() -> Option<Instant> {
    (ENABLED.with(Cell::get) > 0).then(Instant::now)
}

/// Adds the time since `started` (if timing).
pub(crate) fn stop(started: Option<Instant>) {
    if let Some(started) = started {
        let elapsed = started.elapsed();
        TOTAL.with(|total| total.set(total.get().saturating_add(elapsed)));
    }
}

/// Measures host-function time on this thread while it lives (timers may nest).
#[derive(Debug)]
pub struct HostTimer {
    at_start: Duration,
}

impl HostTimer {
    /// Starts measuring.
    pub fn start() -> Self {
        ENABLED.with(|enabled| enabled.set(enabled.get().saturating_add(1)));
        HostTimer {
            at_start: TOTAL.with(Cell::get),
        }
    }

    /// Host-function time on this thread since [`HostTimer::start`].
    pub fn elapsed(&self) -> Duration {
        TOTAL.with(Cell::get).saturating_sub(self.at_start)
    }
}

impl Drop for HostTimer {
    fn drop(&mut self) {
        ENABLED.with(|enabled| enabled.set(enabled.get().saturating_sub(1)));
    }
}
