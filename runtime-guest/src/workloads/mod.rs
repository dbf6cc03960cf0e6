//! What the entry points run. Each module is written once against `crate::host` and works
//! unchanged in both modes.

pub mod alloc_heavy;
pub mod compute;
pub mod demo;
pub mod host_api;
pub mod storage_heavy;
pub mod upgrade;
pub mod version;

/// FNV-1a style 64-bit mixer used for checksums (deterministic, no floats).
#[derive(Clone, Copy)]
pub struct Mix(u64);

impl Mix {
    /// FNV-1a offset basis.
    pub const fn new() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }

    /// Mixes one integer in.
    pub fn word(&mut self, value: u64) {
        self.0 = (self.0 ^ value).wrapping_mul(0x0000_0100_0000_01b3);
    }

    /// Mixes bytes in.
    pub fn bytes(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.word(u64::from(byte));
        }
    }

    /// The current checksum.
    pub const fn value(self) -> u64 {
        self.0
    }
}
