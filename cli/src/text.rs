//! Text that came from a blob, a runtime or a file, made safe to print on one terminal line.
//!
//! A runtime chooses its panic message, its log lines, its `spec_name` and its export names;
//! printed raw, a newline lets it forge an `error:` line of its own and escape codes let it
//! rewrite the terminal. Everything the command line prints that it did not write itself goes
//! through [`one_line`]: control characters (C0, DEL, C1) and the Unicode bidirectional
//! overrides are written as `\u{..}` escapes (text that merely looks like an escape stays on
//! the same line, so it forges nothing), and the text is cut at a character boundary past a length bound, saying how much was left out.

use std::borrow::Cow;

/// The longest piece of foreign text printed (in bytes, before escaping).
pub const MAX_FOREIGN_TEXT_BYTES: usize = 1024;

/// The longest runtime log message printed (in bytes, before escaping): logs may legitimately
/// be longer than an error's parts.
pub const MAX_LOG_MESSAGE_BYTES: usize = 16 * 1024;

/// Whether `c` must not reach a terminal as itself.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

/// `text` on one line: unsafe characters escaped and at most `max` bytes of it kept (cut at a
/// character boundary, followed by `… (N more bytes)`).
pub fn one_line_within(text: &str, max: usize) -> Cow<'_, str> {
    let cut = if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        Some(end)
    } else {
        None
    };
    let kept = &text[..cut.unwrap_or(text.len())];
    if cut.is_none() && !kept.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(kept.len() + 16);
    for c in kept.chars() {
        match c {
            c if is_unsafe(c) => out.push_str(&c.escape_unicode().to_string()),
            c => out.push(c),
        }
    }
    if let Some(end) = cut {
        let more = text.len() - end;
        let plural = if more == 1 { "" } else { "s" };
        out.push_str(&format!("… ({more} more byte{plural})"));
    }
    Cow::Owned(out)
}

/// [`one_line_within`] at [`MAX_FOREIGN_TEXT_BYTES`].
pub fn one_line(text: &str) -> Cow<'_, str> {
    one_line_within(text, MAX_FOREIGN_TEXT_BYTES)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        assert!(matches!(
            one_line("Runtime panicked: boom"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn newlines_and_escape_codes_cannot_forge_lines() {
        let forged = "boom\nerror: all good\r\u{1b}[2K\u{7f}\u{85}";
        let shown = one_line(forged);
        assert!(!shown.chars().any(|c| c.is_control()), "{shown}");
        assert_eq!(
            shown,
            "boom\\u{a}error: all good\\u{d}\\u{1b}[2K\\u{7f}\\u{85}"
        );
    }

    #[test]
    fn bidi_overrides_are_escaped() {
        assert_eq!(one_line("abc\u{202e}def"), "abc\\u{202e}def");
    }

    #[test]
    fn long_text_is_cut_at_a_character_boundary() {
        let text = "é".repeat(600); // 1200 bytes
        let shown = one_line(&text);
        assert_eq!(shown, format!("{}… (176 more bytes)", "é".repeat(512)));
        let exact = "x".repeat(MAX_FOREIGN_TEXT_BYTES);
        assert_eq!(one_line(&exact), exact);
        let past = "x".repeat(MAX_FOREIGN_TEXT_BYTES + 1);
        assert_eq!(
            one_line(&past),
            format!("{}… (1 more byte)", "x".repeat(MAX_FOREIGN_TEXT_BYTES))
        );
    }
}
