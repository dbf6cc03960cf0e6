//! Allocation traces: every allocator call of a runtime call, in order, with the host call site
//! that made it, recorded by an observer and stored in a binary or a text form.
//!
//! An [`AllocationRecorder`] is an [`AllocationObserver`]: pass it to
//! `allocate_observed` / `deallocate_observed` and it appends one [`TraceEvent`] per call (the
//! [`AllocationEvent`], the [`HeapSnapshot`] after the call, the memory's size before it, and the
//! current site). The host names the site before allocating ([`AllocationRecorder::set_site`],
//! e.g. `"ext_allocator_malloc_version_1"` or `"input"`); the names are interned into
//! [`AllocationTrace::sites`] and events refer to them by index. Site 0 is always
//! [`UNATTRIBUTED`], the site of events recorded before any `set_site`.
//!
//! [`AllocationRecorder::finish`] returns the [`AllocationTrace`]: the heap's setup (the heap base
//! given to the allocator, the memory's initial size and maximum) and the events. That is all
//! [`replay`](crate::replay()) needs to run the calls again through a fresh allocator, and all
//! [`profile`](crate::profile()) and [`diagnose_out_of_memory`](crate::diagnose_out_of_memory())
//! need to explain the heap.
//!
//! # Encodings
//!
//! [`AllocationTrace::to_bytes`] writes a compact binary form (magic `SXAT`, version 1, LEB128
//! varints; module `binary`), [`AllocationTrace::to_text`] a line-per-event text form (module
//! `text`); both are specified byte for byte in `docs/ALLOCATION-TRACE.md` and both decoders
//! take hostile input: they never panic, allocate at most a small multiple of the input's size,
//! and fail with a [`TraceDecodeError`] naming what was wrong and where. Decoding an encoding
//! gives back the same trace.
//!
//! # Cost
//!
//! A recorder keeps every event (64 bytes each in memory, 9 to about 30 bytes in the binary
//! form, about 15 for a small allocation in a heap of a few MiB), so
//! its memory grows with the number of allocator calls the runtime makes; it is meant to be
//! switched on per call, on request.

mod binary;
mod text;

use crate::observer::{AllocationEvent, AllocationObserver, HeapSnapshot};
use std::collections::HashMap;

/// The name of site 0: events recorded before any [`AllocationRecorder::set_site`].
pub const UNATTRIBUTED: &str = "unattributed";

/// Most sites a trace can have (site indices are `u16`).
pub const MAX_SITES: usize = 1 << 16;

/// Longest site name in bytes; longer names are cut (at a character boundary) when recorded.
pub const MAX_SITE_NAME: usize = 1024;

/// Every allocator call of one runtime call, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllocationTrace {
    /// The heap base passed to `FreeingBumpHeapAllocator::new` (before rounding up to 8).
    pub heap_base: u32,
    /// The memory's size in pages when the allocator was created.
    pub initial_pages: u32,
    /// The memory's maximum in pages, if it declares one.
    pub max_pages: Option<u32>,
    /// Call-site names; [`TraceEvent::site`] indexes this. Site 0 is [`UNATTRIBUTED`] in
    /// recorded traces.
    pub sites: Vec<String>,
    /// The calls, in order.
    pub events: Vec<TraceEvent>,
}

/// One allocator call in a trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceEvent {
    /// What was asked and what came of it.
    pub event: AllocationEvent,
    /// The heap right after the call.
    pub heap: HeapSnapshot,
    /// Index in [`AllocationTrace::sites`] of the site that made the call.
    pub site: u16,
    /// The memory's size in pages when the call started (it differs from the previous event's
    /// `heap.memory_pages` when the guest grew the memory in between).
    pub pages_before: u32,
}

/// Records a trace; an [`AllocationObserver`].
///
/// ```
/// use subexec_allocator::{AllocationEvent, AllocationRecorder, FreeingBumpHeapAllocator, VecMemory};
///
/// let mut memory = VecMemory::new(1, Some(2));
/// let mut heap = FreeingBumpHeapAllocator::new(16);
/// let mut recorder = AllocationRecorder::new(16, 1, Some(2));
/// recorder.set_site("ext_allocator_malloc_version_1");
/// let ptr = heap.allocate_observed(&mut memory, 24, &mut recorder).unwrap();
/// let trace = recorder.finish();
/// assert_eq!(trace.sites[usize::from(trace.events[0].site)], "ext_allocator_malloc_version_1");
/// assert_eq!(
///     trace.events[0].event,
///     AllocationEvent::Allocated { size: 24, order: 2, ptr, from_free_list: false }
/// );
/// ```
#[derive(Clone, Debug)]
pub struct AllocationRecorder {
    trace: AllocationTrace,
    /// Site name to index.
    site_index: HashMap<String, u16>,
    /// The site of the next events.
    site: u16,
    /// The memory's pages at the start of the current call.
    pages_before: u32,
}

impl AllocationRecorder {
    /// A recorder for an allocator created with `heap_base` on a memory of `initial_pages`
    /// pages and the given maximum.
    pub fn new(heap_base: u32, initial_pages: u32, max_pages: Option<u32>) -> Self {
        Self {
            trace: AllocationTrace {
                heap_base,
                initial_pages,
                max_pages,
                sites: vec![UNATTRIBUTED.to_owned()],
                events: Vec::new(),
            },
            site_index: HashMap::from([(UNATTRIBUTED.to_owned(), 0)]),
            site: 0,
            pages_before: initial_pages,
        }
    }

    /// Attributes the following events to `site` (cut to [`MAX_SITE_NAME`] bytes). Once
    /// [`MAX_SITES`] names are known, new names are attributed to site 0.
    pub fn set_site(&mut self, site: &str) {
        let site = cut(site);
        if self.trace.sites[usize::from(self.site)] == site {
            return;
        }
        self.site = match self.site_index.get(site) {
            Some(&index) => index,
            None => match u16::try_from(self.trace.sites.len()) {
                Ok(index) => {
                    self.trace.sites.push(site.to_owned());
                    self.site_index.insert(site.to_owned(), index);
                    index
                }
                Err(_) => 0,
            },
        };
    }

    /// The events recorded so far.
    pub fn events(&self) -> &[TraceEvent] {
        &self.trace.events
    }

    /// The trace.
    pub fn finish(self) -> AllocationTrace {
        self.trace
    }
}

/// `name` cut to at most [`MAX_SITE_NAME`] bytes at a character boundary.
fn cut(name: &str) -> &str {
    let mut end = name.len().min(MAX_SITE_NAME);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}

impl AllocationObserver for AllocationRecorder {
    #[inline]
    fn before(&mut self, memory_pages: u32) {
        self.pages_before = memory_pages;
    }

    #[inline]
    fn observe(&mut self, event: &AllocationEvent, heap: HeapSnapshot) {
        self.trace.events.push(TraceEvent {
            event: event.clone(),
            heap,
            site: self.site,
            pages_before: self.pages_before,
        });
    }
}

impl AllocationTrace {
    /// The name of `event`'s site (`"?"` if the index is out of range, which only a hand-made
    /// trace can have).
    pub fn site_name(&self, event: &TraceEvent) -> &str {
        self.sites
            .get(usize::from(event.site))
            .map_or("?", String::as_str)
    }

    /// The compact binary form (see `docs/ALLOCATION-TRACE.md`).
    pub fn to_bytes(&self) -> Vec<u8> {
        binary::encode(self)
    }

    /// Decodes the binary form; hostile input gives a [`TraceDecodeError`], never a panic.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, TraceDecodeError> {
        binary::decode(bytes)
    }

    /// The text form: a header, one line per site, one line per event (see
    /// `docs/ALLOCATION-TRACE.md`).
    pub fn to_text(&self) -> String {
        text::encode(self)
    }

    /// Decodes the text form; hostile input gives a [`TraceDecodeError`], never a panic.
    pub fn from_text(text: &str) -> Result<Self, TraceDecodeError> {
        text::decode(text)
    }
}

/// Why a trace could not be decoded.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum TraceDecodeError {
    /// The binary form does not start with `SXAT`.
    #[error("not an allocation trace: the first bytes are not the magic \"SXAT\"")]
    BadMagic,
    /// The format version is not one this decoder knows.
    #[error("unsupported allocation trace version {0} (this decoder reads version 1)")]
    UnsupportedVersion(u64),
    /// The input ended in the middle of something.
    #[error("the trace ends in the middle of {what} at byte {offset}")]
    UnexpectedEnd {
        /// What was being read.
        what: &'static str,
        /// Where the input ended.
        offset: usize,
    },
    /// A varint is longer than its type allows or its value does not fit.
    #[error("{what} at byte {offset} does not fit in {bits} bits")]
    Overflow {
        /// What was being read.
        what: &'static str,
        /// Where it starts.
        offset: usize,
        /// The width of the field.
        bits: u32,
    },
    /// More sites than [`MAX_SITES`].
    #[error("the trace declares {0} sites, more than the 65536 allowed")]
    TooManySites(u64),
    /// More events than the input could hold.
    #[error("the trace declares {declared} events, but {bytes} bytes cannot hold that many")]
    TooManyEvents {
        /// The declared count.
        declared: u64,
        /// Bytes left for them.
        bytes: usize,
    },
    /// A site name is longer than [`MAX_SITE_NAME`] bytes.
    #[error("site {site}'s name is {length} bytes long, more than the 1024 allowed")]
    SiteNameTooLong {
        /// The site's index.
        site: usize,
        /// The declared length.
        length: u64,
    },
    /// A site name is not UTF-8.
    #[error("site {0}'s name is not UTF-8")]
    SiteNameNotUtf8(usize),
    /// An event has a tag this version does not define.
    #[error("event {event} has the unknown tag {tag}")]
    UnknownEventTag {
        /// The event's index.
        event: usize,
        /// The tag byte.
        tag: u8,
    },
    /// An event names a site the trace does not have.
    #[error("event {event} names site {site}, but the trace has {sites} sites")]
    UnknownSite {
        /// The event's index.
        event: usize,
        /// The site index it names.
        site: u64,
        /// How many sites there are.
        sites: usize,
    },
    /// An error code this version does not define.
    #[error("event {event} has the unknown error code {code}")]
    UnknownErrorCode {
        /// The event's index.
        event: usize,
        /// The code.
        code: u8,
    },
    /// An `Other` error whose message is not one the allocator produces.
    #[error("event {event} has an error message the allocator never produces: {message:?}")]
    UnknownErrorMessage {
        /// The event's index.
        event: usize,
        /// The message (at most its first 100 characters).
        message: String,
    },
    /// Bytes after the last event.
    #[error("{0} bytes follow the last event")]
    TrailingBytes(usize),
    /// A line of the text form is malformed.
    #[error("line {line}: {reason}")]
    Text {
        /// The line number, from 1.
        line: usize,
        /// What was wrong.
        reason: String,
    },
}

#[cfg(test)]
mod tests;
