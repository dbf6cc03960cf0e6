//! `host_api`: the target's dispatch on the input's first byte (the selector).
//!
//! | selector bits | half |
//! |---|---|
//! | bit 0 = 1 | [`host_script`](crate::host_script): a `HostApi_run` script of the runtime-guest (both blobs) |
//! | bit 0 = 0, bit 1 = 0 | [`raw_host_calls`](crate::raw_host_calls) on the classic interpreter |
//! | bit 0 = 0, bit 1 = 1 | [`raw_host_calls`](crate::raw_host_calls) on the guest-allocator (RFC-0145) interpreter |
//!
//! The other bits are ignored, so the seeds written before the guest-allocator interpreter
//! existed (selector 0) still drive the classic one.

use subexec_host_functions::HostMode;

use crate::{host_script, raw_host_calls};

/// The raw interpreter's mode for `selector`.
pub fn raw_mode(selector: u8) -> HostMode {
    if selector & 2 == 0 {
        HostMode::Classic
    } else {
        HostMode::GuestAllocator
    }
}

/// The target.
pub fn run(data: &[u8]) {
    match data.split_first() {
        Some((selector, rest)) if selector & 1 == 0 => {
            raw_host_calls::run(raw_mode(*selector), rest)
        }
        Some((_, rest)) => host_script::run(rest),
        None => {}
    }
}
