//! [`CallLogs`]: the log lines a runtime call emitted, kept for the embedder.
//!
//! `ext_logging_log_version_1` forwards each line to the `log` crate (the node's logger) and
//! also keeps it here, so a call's outcome carries its own lines (`CallOutcome::logs`, `subexec
//! --json`) whatever logger the process has. The runtime filters its lines itself, by the
//! level `ext_logging_max_level_version_1` reports (`log::max_level()`, as in `sp-io`), so what
//! is kept is what the runtime chose to send.
//!
//! Guest input is hostile: a runtime may log in a loop. The lines kept are bounded in count
//! ([`MAX_LOG_LINES`]) and in bytes ([`MAX_LOG_BYTES`], target and message); further lines are
//! counted in [`CallLogs::dropped`] and not kept (they still reach the `log` crate).
//!
//! # Panic messages
//! A runtime built with `sp-io` panics in one of two ways. With the
//! `improved_panic_error_reporting` feature it calls `ext_panic_handler_abort_on_panic_version_1`
//! (the message is recorded by that function). Without it, its panic handler sends the
//! message as an `Error` line with target `runtime` (`panicked at FILE:LINE:COLUMN:\nMESSAGE`,
//! or `panicked at 'MESSAGE', FILE:LINE:COLUMN` before Rust 1.73) and executes `unreachable`.
//! [`CallLogs::panic_message`] is the last such line (at most [`MAX_PANIC_MESSAGE_BYTES`]), which
//! the executor attaches to the trap that follows.

/// Most lines a call keeps.
pub const MAX_LOG_LINES: usize = 4096;
/// Most bytes (targets and messages) a call keeps.
pub const MAX_LOG_BYTES: usize = 1 << 20;
/// Most bytes of a panic message kept from the panic handler's log line.
pub const MAX_PANIC_MESSAGE_BYTES: usize = 64 << 10;

/// One line a runtime logged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    /// Its level.
    pub level: log::Level,
    /// Its target (`runtime`, `runtime::system`, …).
    pub target: String,
    /// Its message.
    pub message: String,
}

/// The lines of one call, bounded (see the module docs).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallLogs {
    /// The lines kept, in order.
    pub lines: Vec<LogLine>,
    /// Lines not kept because a bound was reached.
    pub dropped: u64,
    bytes: usize,
    panic_message: Option<String>,
}

/// `text` cut to at most `max` bytes, at a character boundary.
fn truncated(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

impl CallLogs {
    /// Keeps one line if the bounds allow; notes a panic handler's line.
    pub fn push(&mut self, level: log::Level, target: &str, message: &str) {
        if level == log::Level::Error && target == "runtime" && message.starts_with("panicked at") {
            self.panic_message = Some(truncated(message, MAX_PANIC_MESSAGE_BYTES).to_string());
        }
        let size = target.len().saturating_add(message.len());
        if self.lines.len() >= MAX_LOG_LINES || self.bytes.saturating_add(size) > MAX_LOG_BYTES {
            self.dropped = self.dropped.saturating_add(1);
            return;
        }
        self.bytes += size;
        self.lines.push(LogLine {
            level,
            target: target.to_string(),
            message: message.to_string(),
        });
    }

    /// The message of the last panic-handler line (see the module docs), if any.
    pub fn panic_message(&self) -> Option<&str> {
        self.panic_message.as_deref()
    }

    /// Whether nothing was logged.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty() && self.dropped == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use log::Level;

    #[test]
    fn keeps_lines_within_the_bounds_and_counts_the_rest() {
        let mut logs = CallLogs::default();
        for i in 0..MAX_LOG_LINES + 10 {
            logs.push(Level::Info, "t", &format!("{i}"));
        }
        assert_eq!(logs.lines.len(), MAX_LOG_LINES);
        assert_eq!(logs.dropped, 10);
        assert_eq!(logs.lines[5].message, "5");

        let mut logs = CallLogs::default();
        let big = "x".repeat(MAX_LOG_BYTES / 2);
        logs.push(Level::Warn, "a", &big);
        logs.push(Level::Warn, "b", &big);
        logs.push(Level::Warn, "c", "small");
        assert_eq!(logs.lines.len(), 2);
        assert_eq!(logs.dropped, 1);
        assert_eq!(logs.lines[1].message, "small");
    }

    #[test]
    fn notes_the_panic_handlers_line_only() {
        let mut logs = CallLogs::default();
        logs.push(Level::Error, "runtime", "not a panic");
        logs.push(Level::Warn, "runtime", "panicked at x");
        logs.push(Level::Error, "runtime::x", "panicked at y");
        assert_eq!(logs.panic_message(), None);
        logs.push(Level::Error, "runtime", "panicked at src/lib.rs:1:2:\nboom");
        assert_eq!(
            logs.panic_message(),
            Some("panicked at src/lib.rs:1:2:\nboom")
        );
        // Even when the bounds drop the line, the panic message is kept (truncated).
        let mut full = CallLogs::default();
        full.push(Level::Info, "t", &"x".repeat(MAX_LOG_BYTES));
        full.push(
            Level::Error,
            "runtime",
            &format!("panicked at {}", "é".repeat(MAX_PANIC_MESSAGE_BYTES)),
        );
        assert_eq!(full.dropped, 1);
        let kept = full.panic_message().unwrap();
        assert!(kept.len() <= MAX_PANIC_MESSAGE_BYTES && kept.starts_with("panicked at é"));
    }
}
