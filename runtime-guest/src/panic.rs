//! The panic handler: report the message to the host, then trap.
//!
//! The message is formatted into a fixed buffer on the stack (truncated at
//! [`MESSAGE_CAPACITY`] bytes on a UTF-8 boundary), so a panic caused by an exhausted heap
//! does not need the heap. `ext_panic_handler_abort_on_panic_version_1` never allocates, so
//! both modes use it.

use core::fmt::{self, Write};
use core::panic::PanicInfo;

/// Longest message reported, in bytes.
const MESSAGE_CAPACITY: usize = 1024;

/// A `fmt::Write` into a fixed buffer that silently truncates.
struct MessageBuffer {
    bytes: [u8; MESSAGE_CAPACITY],
    len: usize,
}

impl Write for MessageBuffer {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        for ch in text.chars() {
            let mut utf8 = [0u8; 4];
            let encoded = ch.encode_utf8(&mut utf8).as_bytes();
            let end = self.len + encoded.len();
            if end > MESSAGE_CAPACITY {
                return Ok(());
            }
            self.bytes[self.len..end].copy_from_slice(encoded);
            self.len = end;
        }
        Ok(())
    }
}

#[panic_handler]
fn panic(info: &PanicInfo<'_>) -> ! {
    let mut message = MessageBuffer {
        bytes: [0; MESSAGE_CAPACITY],
        len: 0,
    };
    // Only the message: the location would embed source paths in the output.
    let _ = write!(message, "{}", info.message());
    crate::host::abort_on_panic(&message.bytes[..message.len]);
    core::arch::wasm32::unreachable()
}
