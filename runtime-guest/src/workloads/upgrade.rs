//! Runtime upgrade: `Upgrade_set_code` writes a new runtime under `:code`, as
//! `frame_system::set_code` does (without the version check, which the host can do by
//! reading the new blob's custom sections).

use crate::host;
use alloc::vec::Vec;

/// Well-known key of the runtime code.
const CODE_KEY: &[u8] = b":code";

/// `Upgrade_set_code`.
pub fn set_code(code: Vec<u8>) {
    host::storage_set(CODE_KEY, &code);
}
