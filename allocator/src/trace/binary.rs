//! The binary form of a trace, version 1.
//!
//! Integers are unsigned LEB128 varints (7 bits per byte, low bits first, high bit set on every
//! byte but the last; at most 5 bytes for a `u32`, 10 for a `u64`, and the unused high bits of
//! the last byte must be zero). An optional `u32` is a varint of `0` for none and `n + 1` for
//! `Some(n)`. A string is a varint length and that many UTF-8 bytes.
//!
//! ```text
//! trace  = "SXAT" version:varint(=1) heap_base initial_pages max_pages:opt
//!          site_count:varint (1 ..= 65536 in recorded traces, at most 65536) site*
//!          event_count:varint event*                                   (nothing after)
//! site   = name:string (at most 1024 bytes)
//! event  = tag:u8 site:varint pages_before bumper memory_pages max_pages:opt payload
//! tag 0  = allocated, bumped      payload = size order ptr
//! tag 1  = allocated, reused      payload = size order ptr
//! tag 2  = allocation failed      payload = size order:opt error
//! tag 3  = freed                  payload = ptr order
//! tag 4  = free failed            payload = ptr error
//! error  = code:u8: 0 = RequestedAllocationTooLarge, 1 = AllocatorOutOfSpace,
//!          2 = MemoryShrinked, 3 = Other followed by message:string
//! ```
//!
//! The decoder checks every length against the bytes left before allocating, so its memory is
//! bounded by a small multiple of the input's size; `Other` messages must be ones the allocator
//! produces (they are `&'static str` in [`Error`]).

use super::{AllocationTrace, TraceDecodeError, TraceEvent, MAX_SITES, MAX_SITE_NAME};
use crate::error::{other_error, Error};
use crate::observer::{AllocationEvent, HeapSnapshot};

/// The first four bytes.
pub(super) const MAGIC: &[u8; 4] = b"SXAT";
/// The version this module writes and reads.
pub(super) const VERSION: u64 = 1;
/// The fewest bytes an event takes (tag, five one-byte varints, a three-field payload).
const MIN_EVENT_BYTES: usize = 9;

const TAG_BUMPED: u8 = 0;
const TAG_REUSED: u8 = 1;
const TAG_ALLOCATION_FAILED: u8 = 2;
const TAG_FREED: u8 = 3;
const TAG_FREE_FAILED: u8 = 4;

const ERROR_TOO_LARGE: u8 = 0;
const ERROR_OUT_OF_SPACE: u8 = 1;
const ERROR_SHRINKED: u8 = 2;
const ERROR_OTHER: u8 = 3;

pub(super) fn encode(trace: &AllocationTrace) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + trace.events.len() * 16);
    out.extend_from_slice(MAGIC);
    varint(&mut out, VERSION);
    varint(&mut out, trace.heap_base.into());
    varint(&mut out, trace.initial_pages.into());
    optional(&mut out, trace.max_pages);
    varint(&mut out, trace.sites.len() as u64);
    for site in &trace.sites {
        string(&mut out, site);
    }
    varint(&mut out, trace.events.len() as u64);
    for event in &trace.events {
        let tag = match event.event {
            AllocationEvent::Allocated {
                from_free_list: false,
                ..
            } => TAG_BUMPED,
            AllocationEvent::Allocated { .. } => TAG_REUSED,
            AllocationEvent::AllocationFailed { .. } => TAG_ALLOCATION_FAILED,
            AllocationEvent::Freed { .. } => TAG_FREED,
            AllocationEvent::FreeFailed { .. } => TAG_FREE_FAILED,
        };
        out.push(tag);
        varint(&mut out, event.site.into());
        varint(&mut out, event.pages_before.into());
        varint(&mut out, event.heap.bumper.into());
        varint(&mut out, event.heap.memory_pages.into());
        optional(&mut out, event.heap.max_pages);
        match &event.event {
            AllocationEvent::Allocated {
                size, order, ptr, ..
            } => {
                varint(&mut out, (*size).into());
                varint(&mut out, (*order).into());
                varint(&mut out, (*ptr).into());
            }
            AllocationEvent::AllocationFailed { size, order, error } => {
                varint(&mut out, (*size).into());
                optional(&mut out, *order);
                error_code(&mut out, error);
            }
            AllocationEvent::Freed { ptr, order } => {
                varint(&mut out, (*ptr).into());
                varint(&mut out, (*order).into());
            }
            AllocationEvent::FreeFailed { ptr, error } => {
                varint(&mut out, (*ptr).into());
                error_code(&mut out, error);
            }
        }
    }
    out
}

fn varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push(value as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn optional(out: &mut Vec<u8>, value: Option<u32>) {
    varint(out, value.map_or(0, |value| u64::from(value) + 1));
}

fn string(out: &mut Vec<u8>, value: &str) {
    varint(out, value.len() as u64);
    out.extend_from_slice(value.as_bytes());
}

fn error_code(out: &mut Vec<u8>, error: &Error) {
    match error {
        Error::RequestedAllocationTooLarge => out.push(ERROR_TOO_LARGE),
        Error::AllocatorOutOfSpace => out.push(ERROR_OUT_OF_SPACE),
        Error::MemoryShrinked => out.push(ERROR_SHRINKED),
        Error::Other(message) => {
            out.push(ERROR_OTHER);
            string(out, message);
        }
    }
}

/// A cursor over hostile bytes.
struct Reader<'a> {
    bytes: &'a [u8],
    offset: usize,
}

impl<'a> Reader<'a> {
    fn left(&self) -> usize {
        self.bytes.len() - self.offset
    }

    fn byte(&mut self, what: &'static str) -> Result<u8, TraceDecodeError> {
        let byte = *self
            .bytes
            .get(self.offset)
            .ok_or(TraceDecodeError::UnexpectedEnd {
                what,
                offset: self.offset,
            })?;
        self.offset += 1;
        Ok(byte)
    }

    fn take(&mut self, length: usize, what: &'static str) -> Result<&'a [u8], TraceDecodeError> {
        if length > self.left() {
            return Err(TraceDecodeError::UnexpectedEnd {
                what,
                offset: self.bytes.len(),
            });
        }
        let taken = &self.bytes[self.offset..self.offset + length];
        self.offset += length;
        Ok(taken)
    }

    /// A varint of at most `bits` bits.
    fn varint(&mut self, bits: u32, what: &'static str) -> Result<u64, TraceDecodeError> {
        let start = self.offset;
        let overflow = TraceDecodeError::Overflow {
            what,
            offset: start,
            bits,
        };
        let mut value = 0u64;
        let mut shift = 0u32;
        loop {
            let byte = self.byte(what)?;
            let low = u64::from(byte & 0x7F);
            if shift >= bits || (shift > 0 && low >> (bits - shift).min(63) != 0) {
                return Err(overflow);
            }
            value |= low << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
            shift += 7;
        }
    }

    fn u32(&mut self, what: &'static str) -> Result<u32, TraceDecodeError> {
        // A 32-bit varint always fits.
        self.varint(32, what).map(|value| value as u32)
    }

    fn optional(&mut self, what: &'static str) -> Result<Option<u32>, TraceDecodeError> {
        let start = self.offset;
        match self.varint(33, what)? {
            0 => Ok(None),
            value => u32::try_from(value - 1)
                .map(Some)
                .map_err(|_| TraceDecodeError::Overflow {
                    what,
                    offset: start,
                    bits: 32,
                }),
        }
    }

    fn error(&mut self, event: usize) -> Result<Error, TraceDecodeError> {
        match self.byte("an error code")? {
            ERROR_TOO_LARGE => Ok(Error::RequestedAllocationTooLarge),
            ERROR_OUT_OF_SPACE => Ok(Error::AllocatorOutOfSpace),
            ERROR_SHRINKED => Ok(Error::MemoryShrinked),
            ERROR_OTHER => {
                let length = self.varint(64, "an error message's length")?;
                let length = usize::try_from(length).unwrap_or(usize::MAX);
                let message = self.take(length, "an error message")?;
                let message = String::from_utf8_lossy(message);
                other_error(&message).ok_or_else(|| TraceDecodeError::UnknownErrorMessage {
                    event,
                    message: message.chars().take(100).collect(),
                })
            }
            code => Err(TraceDecodeError::UnknownErrorCode { event, code }),
        }
    }
}

pub(super) fn decode(bytes: &[u8]) -> Result<AllocationTrace, TraceDecodeError> {
    let mut reader = Reader { bytes, offset: 0 };
    if bytes.get(..MAGIC.len()) != Some(MAGIC) {
        return Err(TraceDecodeError::BadMagic);
    }
    reader.offset = MAGIC.len();
    let version = reader.varint(64, "the version")?;
    if version != VERSION {
        return Err(TraceDecodeError::UnsupportedVersion(version));
    }
    let heap_base = reader.u32("the heap base")?;
    let initial_pages = reader.u32("the initial pages")?;
    let max_pages = reader.optional("the maximum pages")?;

    let site_count = reader.varint(64, "the site count")?;
    if site_count > MAX_SITES as u64 {
        return Err(TraceDecodeError::TooManySites(site_count));
    }
    // Each site takes at least one byte.
    let mut sites = Vec::with_capacity((site_count as usize).min(reader.left()));
    for site in 0..site_count as usize {
        let length = reader.varint(64, "a site name's length")?;
        if length > MAX_SITE_NAME as u64 {
            return Err(TraceDecodeError::SiteNameTooLong { site, length });
        }
        let name = reader.take(length as usize, "a site name")?;
        let name =
            std::str::from_utf8(name).map_err(|_| TraceDecodeError::SiteNameNotUtf8(site))?;
        sites.push(name.to_owned());
    }

    let event_count = reader.varint(64, "the event count")?;
    if event_count > (reader.left() / MIN_EVENT_BYTES) as u64 {
        return Err(TraceDecodeError::TooManyEvents {
            declared: event_count,
            bytes: reader.left(),
        });
    }
    let mut events = Vec::with_capacity(event_count as usize);
    for index in 0..event_count as usize {
        events.push(decode_event(&mut reader, index, sites.len())?);
    }
    if reader.left() != 0 {
        return Err(TraceDecodeError::TrailingBytes(reader.left()));
    }
    Ok(AllocationTrace {
        heap_base,
        initial_pages,
        max_pages,
        sites,
        events,
    })
}

fn decode_event(
    reader: &mut Reader<'_>,
    index: usize,
    sites: usize,
) -> Result<TraceEvent, TraceDecodeError> {
    let tag = reader.byte("an event tag")?;
    let site = reader.varint(64, "an event's site")?;
    let site = u16::try_from(site)
        .ok()
        .filter(|&site| usize::from(site) < sites)
        .ok_or(TraceDecodeError::UnknownSite {
            event: index,
            site,
            sites,
        })?;
    let pages_before = reader.u32("an event's pages before")?;
    let heap = HeapSnapshot {
        bumper: reader.u32("an event's bump pointer")?,
        memory_pages: reader.u32("an event's memory pages")?,
        max_pages: reader.optional("an event's maximum pages")?,
    };
    let event = match tag {
        TAG_BUMPED | TAG_REUSED => AllocationEvent::Allocated {
            size: reader.u32("an allocation's size")?,
            order: reader.u32("an allocation's order")?,
            ptr: reader.u32("an allocation's pointer")?,
            from_free_list: tag == TAG_REUSED,
        },
        TAG_ALLOCATION_FAILED => AllocationEvent::AllocationFailed {
            size: reader.u32("a failed allocation's size")?,
            order: reader.optional("a failed allocation's order")?,
            error: reader.error(index)?,
        },
        TAG_FREED => AllocationEvent::Freed {
            ptr: reader.u32("a free's pointer")?,
            order: reader.u32("a free's order")?,
        },
        TAG_FREE_FAILED => AllocationEvent::FreeFailed {
            ptr: reader.u32("a failed free's pointer")?,
            error: reader.error(index)?,
        },
        tag => return Err(TraceDecodeError::UnknownEventTag { event: index, tag }),
    };
    Ok(TraceEvent {
        event,
        heap,
        site,
        pages_before,
    })
}
