//! The text form of a trace, version 1: one line per site and per event, readable and diffable.
//!
//! ```text
//! subexec-allocation-trace 1
//! heap_base=16 initial_pages=1 max_pages=2
//! site 0 "unattributed"
//! site 1 "ext_allocator_malloc_version_1"
//! alloc site=1 size=24 order=2 -> 0x18 bump | bumper=0x38 pages=1 max=2
//! free site=1 ptr=0x18 order=2 -> ok | bumper=0x38 pages=1 max=2
//! alloc site=1 size=20 order=2 -> 0x18 reuse | bumper=0x38 pages=1 max=2
//! alloc site=1 size=70000 order=14 -> error out-of-space | before=3 bumper=0x38 pages=3 max=3
//! free site=1 ptr=0x18 -> error other "the allocator has been poisoned" | bumper=0x38 pages=3 max=3
//! ```
//!
//! - Line 1 names the format and its version; line 2 the heap's setup (`max_pages=none` when the
//!   memory has no maximum).
//! - `site <index> <name>`: indices in order from 0; the name is quoted with `\\`, `\"`, `\n`,
//!   `\r`, `\t`, `\0` and `\u{hex}` escapes (Rust's `{:?}` of a string).
//! - `alloc site=S size=N order=O -> <outcome>`: `order=none` when the request is over 32 MiB;
//!   the outcome is a hex pointer followed by `bump` (a new block) or `reuse` (from the free
//!   list), or `error <kind>`.
//! - `free site=S ptr=P order=O -> ok` for a successful free, `free site=S ptr=P -> error <kind>`
//!   for a failed one.
//! - Error kinds: `too-large`, `out-of-space`, `memory-shrank`, `other "<message>"`.
//! - After ` | `: `before=N` only when the memory's size in pages at the start of the call differs
//!   from the previous event's `pages` (the initial pages for the first event), then the heap
//!   after the call: `bumper=` (hex), `pages=`, `max=` (`none` without a maximum).
//!
//! Numbers are decimal except pointers and the bumper (`0x`, lower-case hex). Fields are
//! separated by single spaces and come in this order. The decoder also skips empty lines and
//! lines starting with `#`, so traces can be annotated.

use super::{AllocationTrace, TraceDecodeError, TraceEvent, MAX_SITES, MAX_SITE_NAME};
use crate::error::{other_error, Error};
use crate::observer::{AllocationEvent, HeapSnapshot};
use std::fmt::Write;

/// The first line.
const HEADER: &str = "subexec-allocation-trace 1";

pub(super) fn encode(trace: &AllocationTrace) -> String {
    let mut out = String::with_capacity(64 + 32 * trace.sites.len() + 80 * trace.events.len());
    // Writing to a String cannot fail.
    let _ = writeln!(out, "{HEADER}");
    let _ = writeln!(
        out,
        "heap_base={} initial_pages={} max_pages={}",
        trace.heap_base,
        trace.initial_pages,
        Optional(trace.max_pages)
    );
    for (index, site) in trace.sites.iter().enumerate() {
        let _ = writeln!(out, "site {index} {site:?}");
    }
    let mut pages = trace.initial_pages;
    for event in &trace.events {
        let _ = write_event(&mut out, event, pages);
        pages = event.heap.memory_pages;
    }
    out
}

/// `none` or the number.
struct Optional(Option<u32>);

impl std::fmt::Display for Optional {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(value) => write!(f, "{value}"),
            None => f.write_str("none"),
        }
    }
}

/// An error's kind as the text form writes it.
struct ErrorKind<'a>(&'a Error);

impl std::fmt::Display for ErrorKind<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Error::RequestedAllocationTooLarge => f.write_str("too-large"),
            Error::AllocatorOutOfSpace => f.write_str("out-of-space"),
            Error::MemoryShrinked => f.write_str("memory-shrank"),
            Error::Other(message) => write!(f, "other {message:?}"),
        }
    }
}

fn write_event(out: &mut String, event: &TraceEvent, previous_pages: u32) -> std::fmt::Result {
    let site = event.site;
    match &event.event {
        AllocationEvent::Allocated {
            size,
            order,
            ptr,
            from_free_list,
        } => {
            let how = if *from_free_list { "reuse" } else { "bump" };
            write!(
                out,
                "alloc site={site} size={size} order={order} -> {ptr:#x} {how}"
            )?;
        }
        AllocationEvent::AllocationFailed { size, order, error } => write!(
            out,
            "alloc site={site} size={size} order={} -> error {}",
            Optional(*order),
            ErrorKind(error)
        )?,
        AllocationEvent::Freed { ptr, order } => {
            write!(out, "free site={site} ptr={ptr:#x} order={order} -> ok")?
        }
        AllocationEvent::FreeFailed { ptr, error } => write!(
            out,
            "free site={site} ptr={ptr:#x} -> error {}",
            ErrorKind(error)
        )?,
    }
    out.push_str(" |");
    if event.pages_before != previous_pages {
        write!(out, " before={}", event.pages_before)?;
    }
    writeln!(
        out,
        " bumper={:#x} pages={} max={}",
        event.heap.bumper,
        event.heap.memory_pages,
        Optional(event.heap.max_pages)
    )
}

/// The decoder's position: the current line and its remaining text.
struct Line<'a> {
    number: usize,
    rest: &'a str,
}

impl<'a> Line<'a> {
    fn fail<T>(&self, reason: impl Into<String>) -> Result<T, TraceDecodeError> {
        Err(TraceDecodeError::Text {
            line: self.number,
            reason: reason.into(),
        })
    }

    /// The next space-separated word.
    fn word(&mut self, what: &str) -> Result<&'a str, TraceDecodeError> {
        let rest = self.rest.trim_start_matches(' ');
        if rest.is_empty() {
            return self.fail(format!("expected {what}, found the end of the line"));
        }
        let end = rest.find(' ').unwrap_or(rest.len());
        self.rest = &rest[end..];
        Ok(&rest[..end])
    }

    /// The literal word `expected`.
    fn literal(&mut self, expected: &str) -> Result<(), TraceDecodeError> {
        let word = self.word(&format!("`{expected}`"))?;
        if word != expected {
            return self.fail(format!("expected `{expected}`, found `{}`", shorten(word)));
        }
        Ok(())
    }

    /// `key=value`, returning the value.
    fn field(&mut self, key: &str) -> Result<&'a str, TraceDecodeError> {
        let word = self.word(&format!("`{key}=`"))?;
        match word.split_once('=') {
            Some((found, value)) if found == key => Ok(value),
            _ => self.fail(format!("expected `{key}=...`, found `{}`", shorten(word))),
        }
    }

    fn number(&self, key: &str, value: &str) -> Result<u32, TraceDecodeError> {
        let parsed = match value.strip_prefix("0x") {
            Some(hex) if !hex.is_empty() && !hex.starts_with('+') => {
                u32::from_str_radix(hex, 16).ok()
            }
            Some(_) => None,
            None if !value.starts_with('+') => value.parse().ok(),
            None => None,
        };
        match parsed {
            Some(number) => Ok(number),
            None => self.fail(format!(
                "`{key}` must be a 32-bit number, found `{}`",
                shorten(value)
            )),
        }
    }

    fn number_field(&mut self, key: &str) -> Result<u32, TraceDecodeError> {
        let value = self.field(key)?;
        self.number(key, value)
    }

    fn optional_field(&mut self, key: &str) -> Result<Option<u32>, TraceDecodeError> {
        match self.field(key)? {
            "none" => Ok(None),
            value => self.number(key, value).map(Some),
        }
    }

    /// A quoted string, up to its closing quote.
    fn quoted(&mut self, what: &str) -> Result<String, TraceDecodeError> {
        let rest = self.rest.trim_start_matches(' ');
        match unquote(rest) {
            Some((value, rest)) => {
                self.rest = rest;
                Ok(value)
            }
            None => self.fail(format!("expected {what} as a quoted string")),
        }
    }

    /// `error <kind>`.
    fn error(&mut self) -> Result<Error, TraceDecodeError> {
        match self.word("an error kind")? {
            "too-large" => Ok(Error::RequestedAllocationTooLarge),
            "out-of-space" => Ok(Error::AllocatorOutOfSpace),
            "memory-shrank" => Ok(Error::MemoryShrinked),
            "other" => {
                let message = self.quoted("an error message")?;
                match other_error(&message) {
                    Some(error) => Ok(error),
                    None => self.fail(format!(
                        "the allocator never returns the error {:?}",
                        shorten(&message)
                    )),
                }
            }
            kind => self.fail(format!("unknown error kind `{}`", shorten(kind))),
        }
    }

    fn end(&self) -> Result<(), TraceDecodeError> {
        match self.rest.trim_start_matches(' ') {
            "" => Ok(()),
            rest => self.fail(format!("unexpected `{}` at the end", shorten(rest))),
        }
    }
}

/// At most 40 characters of `text`, for error messages.
fn shorten(text: &str) -> String {
    text.chars().take(40).collect()
}

/// Parses a string quoted as Rust's `{:?}` writes it; returns it and the text after it.
fn unquote(text: &str) -> Option<(String, &str)> {
    let mut chars = text.strip_prefix('"')?.char_indices();
    let mut value = String::new();
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => return Some((value, &text[1 + at + 1..])),
            '\\' => {
                let escaped = match chars.next()?.1 {
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    '0' => '\0',
                    '\\' => '\\',
                    '"' => '"',
                    '\'' => '\'',
                    'u' => {
                        if chars.next()?.1 != '{' {
                            return None;
                        }
                        let mut code = 0u32;
                        let mut digits = 0;
                        loop {
                            let c = chars.next()?.1;
                            if c == '}' {
                                break;
                            }
                            digits += 1;
                            if digits > 6 {
                                return None;
                            }
                            code = code * 16 + c.to_digit(16)?;
                        }
                        char::from_u32(code)?
                    }
                    _ => return None,
                };
                value.push(escaped);
            }
            c => value.push(c),
        }
    }
    None
}

pub(super) fn decode(text: &str) -> Result<AllocationTrace, TraceDecodeError> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(index, rest)| Line {
            number: index + 1,
            rest,
        })
        .filter(|line| !line.rest.is_empty() && !line.rest.starts_with('#'));

    let missing = |what: &str| TraceDecodeError::Text {
        line: text.lines().count() + 1,
        reason: format!("the trace ends before {what}"),
    };
    let header = lines.next().ok_or_else(|| missing("its header"))?;
    if header.rest != HEADER {
        return header.fail(format!("expected `{HEADER}`"));
    }
    let mut setup = lines.next().ok_or_else(|| missing("the heap setup"))?;
    let heap_base = setup.number_field("heap_base")?;
    let initial_pages = setup.number_field("initial_pages")?;
    let max_pages = setup.optional_field("max_pages")?;
    setup.end()?;

    let mut trace = AllocationTrace {
        heap_base,
        initial_pages,
        max_pages,
        sites: Vec::new(),
        events: Vec::new(),
    };
    let mut pages = initial_pages;
    for mut line in lines {
        match line.word("a line kind")? {
            "site" if trace.events.is_empty() => {
                let index = line.word("the site's index")?;
                if index != trace.sites.len().to_string() {
                    return line.fail(format!(
                        "expected site {}, found `{}`",
                        trace.sites.len(),
                        shorten(index)
                    ));
                }
                if trace.sites.len() == MAX_SITES {
                    return line.fail("more than 65536 sites");
                }
                let name = line.quoted("the site's name")?;
                if name.len() > MAX_SITE_NAME {
                    return line.fail("a site name longer than 1024 bytes");
                }
                line.end()?;
                trace.sites.push(name);
            }
            kind @ ("alloc" | "free") => {
                let event = decode_event(&mut line, kind, pages, trace.sites.len())?;
                pages = event.heap.memory_pages;
                trace.events.push(event);
            }
            kind => {
                return line.fail(format!(
                    "expected a site (before the events) or an event, found `{}`",
                    shorten(kind)
                ))
            }
        }
    }
    Ok(trace)
}

fn decode_event(
    line: &mut Line<'_>,
    kind: &str,
    previous_pages: u32,
    sites: usize,
) -> Result<TraceEvent, TraceDecodeError> {
    let site = line.number_field("site")?;
    let site = match u16::try_from(site) {
        Ok(site) if usize::from(site) < sites => site,
        _ => return line.fail(format!("site {site} is not declared ({sites} sites)")),
    };
    let event = if kind == "alloc" {
        let size = line.number_field("size")?;
        let order = line.optional_field("order")?;
        line.literal("->")?;
        let outcome = line.word("a pointer or `error`")?;
        if outcome == "error" {
            AllocationEvent::AllocationFailed {
                size,
                order,
                error: line.error()?,
            }
        } else {
            let Some(order) = order else {
                return line.fail("a successful allocation needs an order");
            };
            if !outcome.starts_with("0x") {
                return line.fail(format!(
                    "expected a hex pointer or `error`, found `{}`",
                    shorten(outcome)
                ));
            }
            let ptr = line.number("pointer", outcome)?;
            let from_free_list = match line.word("`bump` or `reuse`")? {
                "bump" => false,
                "reuse" => true,
                other => {
                    return line.fail(format!(
                        "expected `bump` or `reuse`, found `{}`",
                        shorten(other)
                    ))
                }
            };
            AllocationEvent::Allocated {
                size,
                order,
                ptr,
                from_free_list,
            }
        }
    } else {
        let ptr = line.number_field("ptr")?;
        if line.rest.trim_start_matches(' ').starts_with("order=") {
            let order = line.number_field("order")?;
            line.literal("->")?;
            line.literal("ok")?;
            AllocationEvent::Freed { ptr, order }
        } else {
            line.literal("->")?;
            line.literal("error")?;
            AllocationEvent::FreeFailed {
                ptr,
                error: line.error()?,
            }
        }
    };
    line.literal("|")?;
    let pages_before = if line.rest.trim_start_matches(' ').starts_with("before=") {
        line.number_field("before")?
    } else {
        previous_pages
    };
    let bumper = line.field("bumper")?;
    if !bumper.starts_with("0x") {
        return line.fail("the bumper must be hex (0x...)");
    }
    let heap = HeapSnapshot {
        bumper: line.number("bumper", bumper)?,
        memory_pages: line.number_field("pages")?,
        max_pages: line.optional_field("max")?,
    };
    line.end()?;
    Ok(TraceEvent {
        event,
        heap,
        site,
        pages_before,
    })
}
