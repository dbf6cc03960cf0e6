use super::*;
use crate::error::Error;
use crate::{FreeingBumpHeapAllocator, VecMemory};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

fn error() -> impl Strategy<Value = Error> {
    prop_oneof![
        Just(Error::RequestedAllocationTooLarge),
        Just(Error::AllocatorOutOfSpace),
        Just(Error::MemoryShrinked),
        Just(Error::Other("the allocator has been poisoned")),
        Just(Error::Other("Invalid header pointer detected")),
        Just(Error::Other("free list points to a occupied header")),
        Just(Error::Other("invalid order")),
        Just(Error::Other("Invalid pointer for deallocation")),
        Just(Error::Other("the allocation points to an empty header")),
        Just(Error::Other(
            "underflow of the currently allocated bytes count"
        )),
        Just(Error::Other("read out of heap bounds")),
        Just(Error::Other("write out of heap bounds")),
    ]
}

fn event() -> impl Strategy<Value = AllocationEvent> {
    prop_oneof![
        (any::<u32>(), any::<u32>(), any::<u32>(), any::<bool>()).prop_map(
            |(size, order, ptr, from_free_list)| AllocationEvent::Allocated {
                size,
                order,
                ptr,
                from_free_list
            }
        ),
        (any::<u32>(), any::<Option<u32>>(), error()).prop_map(|(size, order, error)| {
            AllocationEvent::AllocationFailed { size, order, error }
        }),
        (any::<u32>(), any::<u32>()).prop_map(|(ptr, order)| AllocationEvent::Freed { ptr, order }),
        (any::<u32>(), error()).prop_map(|(ptr, error)| AllocationEvent::FreeFailed { ptr, error }),
    ]
}

/// Any trace the encodings must carry: any numbers, any site names (control characters,
/// quotes, non-ASCII), events naming existing sites.
fn trace() -> impl Strategy<Value = AllocationTrace> {
    let sites = prop::collection::vec(
        prop_oneof![".{0,12}", "[ \"\\\\\n\r\t\u{0}\u{7f}\u{301}é]{0,6}"],
        1..6,
    );
    (any::<u32>(), any::<u32>(), any::<Option<u32>>(), sites).prop_flat_map(
        |(heap_base, initial_pages, max_pages, sites)| {
            let count = sites.len() as u16;
            let snapshot = (any::<u32>(), any::<u32>(), any::<Option<u32>>()).prop_map(
                |(bumper, memory_pages, max_pages)| HeapSnapshot {
                    bumper,
                    memory_pages,
                    max_pages,
                },
            );
            let events = prop::collection::vec(
                (event(), snapshot, 0..count, any::<u32>(), any::<bool>()),
                0..24,
            );
            (Just(sites), events).prop_map(move |(sites, events)| {
                let mut pages = initial_pages;
                let events = events
                    .into_iter()
                    .map(|(event, heap, site, before, grew)| {
                        // Mostly the previous event's pages (the text form then omits it).
                        let pages_before = if grew { before } else { pages };
                        pages = heap.memory_pages;
                        TraceEvent {
                            event,
                            heap,
                            site,
                            pages_before,
                        }
                    })
                    .collect();
                AllocationTrace {
                    heap_base,
                    initial_pages,
                    max_pages,
                    sites,
                    events,
                }
            })
        },
    )
}

fn config(cases: u32) -> Config {
    Config {
        cases,
        rng_seed: RngSeed::Fixed(0x7EACE),
        failure_persistence: None,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn binary_form_round_trips(trace in trace()) {
        let bytes = trace.to_bytes();
        prop_assert_eq!(AllocationTrace::from_bytes(&bytes), Ok(trace));
    }

    #[test]
    fn text_form_round_trips(trace in trace()) {
        let text = trace.to_text();
        prop_assert_eq!(AllocationTrace::from_text(&text), Ok(trace));
    }

    /// Every strict prefix of an encoding is rejected, never mistaken for a shorter trace.
    #[test]
    fn truncated_binary_is_an_error(trace in trace()) {
        let bytes = trace.to_bytes();
        for end in 0..bytes.len() {
            prop_assert!(AllocationTrace::from_bytes(&bytes[..end]).is_err(), "prefix {}", end);
        }
    }

    /// Random bytes and random corruptions decode or fail, without panicking.
    #[test]
    fn hostile_binary_never_panics(
        trace in trace(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        junk in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let mut bytes = trace.to_bytes();
        for (at, byte) in flips {
            let at = at.index(bytes.len());
            bytes[at] = byte;
        }
        let _ = AllocationTrace::from_bytes(&bytes);
        let mut prefixed = MAGIC_AND_VERSION.to_vec();
        prefixed.extend_from_slice(&junk);
        let _ = AllocationTrace::from_bytes(&prefixed);
    }

    #[test]
    fn hostile_text_never_panics(trace in trace(), cut in any::<prop::sample::Index>(), junk in ".{0,40}") {
        let text = trace.to_text();
        let mut end = cut.index(text.len() + 1);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let mut spliced = text[..end].to_owned();
        spliced.push_str(&junk);
        spliced.push_str(&text[end..]);
        let _ = AllocationTrace::from_text(&spliced);
    }
}

proptest! {
    #![proptest_config(config(256))]

    /// Profiles, diagnoses and replays of arbitrary (inconsistent) traces never panic. Page
    /// counts, sizes and the heap base are kept small so replays stay cheap (a replay gives the
    /// memory the size the trace says the heap had, up to 4 GiB).
    #[test]
    fn analyses_of_any_trace_never_panic(mut trace in trace(), limit in any::<u32>()) {
        trace.initial_pages %= 3;
        trace.heap_base %= 1 << 18;
        for event in &mut trace.events {
            event.pages_before %= 4;
            if let AllocationEvent::Allocated { size, .. } | AllocationEvent::AllocationFailed { size, .. } = &mut event.event {
                *size %= 1 << 18;
            }
        }
        let _ = crate::profile(&trace);
        let _ = crate::profile_with_limit(&trace, limit);
        if let Some(diagnosis) = crate::diagnose_out_of_memory(&trace) {
            let _ = diagnosis.to_string();
        }
        let _ = crate::replay(&trace);
    }
}

const MAGIC_AND_VERSION: &[u8] = b"SXAT\x01";

/// A small recorded trace: base 16, one page, maximum two.
fn recorded() -> AllocationTrace {
    let mut memory = VecMemory::new(1, Some(2));
    let mut heap = FreeingBumpHeapAllocator::new(16);
    let mut recorder = AllocationRecorder::new(16, 1, Some(2));
    recorder.set_site("ext_allocator_malloc_version_1");
    let a = heap
        .allocate_observed(&mut memory, 24, &mut recorder)
        .unwrap();
    recorder.set_site("input");
    heap.deallocate_observed(&mut memory, a, &mut recorder)
        .unwrap();
    recorder.set_site("ext_allocator_malloc_version_1");
    heap.allocate_observed(&mut memory, 20, &mut recorder)
        .unwrap();
    let _ = heap.allocate_observed(&mut memory, 200_000, &mut recorder);
    let _ = heap.deallocate_observed(&mut memory, a, &mut recorder);
    recorder.finish()
}

#[test]
fn recorder_attributes_sites_and_interns_names() {
    let trace = recorded();
    assert_eq!(
        trace.sites,
        ["unattributed", "ext_allocator_malloc_version_1", "input"]
    );
    let sites: Vec<u16> = trace.events.iter().map(|event| event.site).collect();
    assert_eq!(sites, [1, 2, 1, 1, 1]);
    assert_eq!(trace.site_name(&trace.events[1]), "input");
}

#[test]
fn recorder_sees_events_before_any_site_as_unattributed() {
    let mut memory = VecMemory::new(1, None);
    let mut heap = FreeingBumpHeapAllocator::new(0);
    let mut recorder = AllocationRecorder::new(0, 1, None);
    heap.allocate_observed(&mut memory, 1, &mut recorder)
        .unwrap();
    assert_eq!(recorder.events()[0].site, 0);
    assert_eq!(recorder.finish().sites, [UNATTRIBUTED]);
}

#[test]
fn long_site_names_are_cut_at_a_character_boundary() {
    let mut recorder = AllocationRecorder::new(0, 1, None);
    recorder.set_site(&"é".repeat(600)); // 1200 bytes
    let trace = recorder.finish();
    assert_eq!(trace.sites[1], "é".repeat(512));
}

/// The text form of the recorded trace, written out by hand from the rules of abi.md §1: the
/// first block's header is at 16 (the heap base), its pointer 24, a 24-byte request is class 32
/// (order 2), so the bumper moves to 16 + 8 + 32 = 56 = 0x38; 200 000 bytes is class 256 KiB
/// (order 15), which needs 56 + 262 152 bytes, more than two pages.
#[test]
fn text_form_is_as_documented() {
    let expected = "\
subexec-allocation-trace 1
heap_base=16 initial_pages=1 max_pages=2
site 0 \"unattributed\"
site 1 \"ext_allocator_malloc_version_1\"
site 2 \"input\"
alloc site=1 size=24 order=2 -> 0x18 bump | bumper=0x38 pages=1 max=2
free site=2 ptr=0x18 order=2 -> ok | bumper=0x38 pages=1 max=2
alloc site=1 size=20 order=2 -> 0x18 reuse | bumper=0x38 pages=1 max=2
alloc site=1 size=200000 order=15 -> error out-of-space | bumper=0x38 pages=1 max=2
free site=1 ptr=0x18 -> error other \"the allocator has been poisoned\" | bumper=0x38 pages=1 max=2
";
    assert_eq!(recorded().to_text(), expected);
    assert_eq!(AllocationTrace::from_text(expected), Ok(recorded()));
}

/// The binary form of a one-event trace, byte by byte from the format in the module docs.
#[test]
fn binary_form_is_as_documented() {
    let trace = AllocationTrace {
        heap_base: 300,
        initial_pages: 1,
        max_pages: None,
        sites: vec!["a".into()],
        events: vec![TraceEvent {
            event: AllocationEvent::AllocationFailed {
                size: 128,
                order: Some(4),
                error: Error::Other("invalid order"),
            },
            heap: HeapSnapshot {
                bumper: 304,
                memory_pages: 1,
                max_pages: Some(1),
            },
            site: 0,
            pages_before: 1,
        }],
    };
    let mut expected = b"SXAT\x01".to_vec();
    expected.extend([0xAC, 0x02]); // heap_base 300 = 0b10_0101100
    expected.extend([1, 0]); // initial pages 1, no maximum
    expected.extend([1, 1, b'a']); // one site, "a"
    expected.extend([1, 2, 0, 1]); // one event: failed allocation, site 0, pages before 1
    expected.extend([0xB0, 0x02, 1, 2]); // bumper 304, pages 1, maximum Some(1)
    expected.extend([0x80, 0x01, 5, 3, 13]); // size 128, order Some(4), Other, 13 bytes
    expected.extend(b"invalid order");
    assert_eq!(trace.to_bytes(), expected);
    assert_eq!(AllocationTrace::from_bytes(&expected), Ok(trace));
}

#[test]
fn binary_decoding_names_what_is_wrong() {
    let bytes = recorded().to_bytes();
    let decode = |bytes: &[u8]| AllocationTrace::from_bytes(bytes);
    assert_eq!(decode(b"SXAB\x01"), Err(TraceDecodeError::BadMagic));
    assert_eq!(
        decode(b"SXAT\x02"),
        Err(TraceDecodeError::UnsupportedVersion(2))
    );
    // A varint of six bytes for a u32.
    assert_eq!(
        decode(b"SXAT\x01\xFF\xFF\xFF\xFF\xFF\x01"),
        Err(TraceDecodeError::Overflow {
            what: "the heap base",
            offset: 5,
            bits: 32
        })
    );
    // 2^32 needs a fifth byte with more than 4 bits.
    assert!(matches!(
        decode(b"SXAT\x01\x80\x80\x80\x80\x10"),
        Err(TraceDecodeError::Overflow { .. })
    ));
    assert_eq!(
        decode(b"SXAT\x01\x00\x01\x00\x81\x80\x04"),
        Err(TraceDecodeError::TooManySites(65_537))
    );
    assert_eq!(
        decode(b"SXAT\x01\x00\x01\x00\x01\x81\x08"),
        Err(TraceDecodeError::SiteNameTooLong {
            site: 0,
            length: 1025
        })
    );
    assert_eq!(
        decode(b"SXAT\x01\x00\x01\x00\x01\x01\xFF\x00"),
        Err(TraceDecodeError::SiteNameNotUtf8(0))
    );
    // A billion events declared in a few bytes: refused before allocating anything.
    assert_eq!(
        decode(b"SXAT\x01\x00\x01\x00\x00\x80\x94\xEB\xDC\x03"),
        Err(TraceDecodeError::TooManyEvents {
            declared: 1_000_000_000,
            bytes: 0
        })
    );
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert_eq!(decode(&trailing), Err(TraceDecodeError::TrailingBytes(1)));
    // One event: tag 9, site 0, then enough bytes for the count check.
    let event = |body: &[u8]| {
        let mut bytes = b"SXAT\x01\x00\x01\x00\x01\x00\x01".to_vec();
        bytes.extend_from_slice(body);
        decode(&bytes)
    };
    assert_eq!(
        event(&[9, 0, 1, 0, 1, 0, 0, 0, 0]),
        Err(TraceDecodeError::UnknownEventTag { event: 0, tag: 9 })
    );
    assert_eq!(
        event(&[0, 1, 1, 0, 1, 0, 0, 0, 0]),
        Err(TraceDecodeError::UnknownSite {
            event: 0,
            site: 1,
            sites: 1
        })
    );
    assert_eq!(
        event(&[4, 0, 1, 0, 1, 0, 8, 7, 0]),
        Err(TraceDecodeError::UnknownErrorCode { event: 0, code: 7 })
    );
    assert_eq!(
        event(&[4, 0, 1, 0, 1, 0, 8, 3, 2, b'h', b'i']),
        Err(TraceDecodeError::UnknownErrorMessage {
            event: 0,
            message: "hi".into()
        })
    );
    assert_eq!(
        event(&[0, 0, 1, 0, 1, 0, 0, 0, 0, 0]),
        Err(TraceDecodeError::TrailingBytes(1))
    );
}

#[test]
fn text_decoding_names_the_line_and_what_is_wrong() {
    let text = recorded().to_text();
    let fail = |from: &str, to: &str| {
        let changed = text.replacen(from, to, 1);
        assert_ne!(changed, text, "{from}");
        match AllocationTrace::from_text(&changed) {
            Err(TraceDecodeError::Text { line, reason }) => (line, reason),
            other => panic!("{from} -> {to}: {other:?}"),
        }
    };
    assert_eq!(
        fail("trace 1", "trace 2"),
        (1, "expected `subexec-allocation-trace 1`".into())
    );
    assert_eq!(
        fail("heap_base=16", "heap_base=-16"),
        (2, "`heap_base` must be a 32-bit number, found `-16`".into())
    );
    assert_eq!(
        fail("site 2", "site 3"),
        (5, "expected site 2, found `3`".into())
    );
    assert_eq!(
        fail("size=24", "size=4294967296"),
        (
            6,
            "`size` must be a 32-bit number, found `4294967296`".into()
        )
    );
    assert_eq!(
        fail("alloc site=1 size=24", "alloc site=7 size=24"),
        (6, "site 7 is not declared (3 sites)".into())
    );
    assert_eq!(
        fail(" bump ", " jump "),
        (6, "expected `bump` or `reuse`, found `jump`".into())
    );
    assert_eq!(
        fail("out-of-space", "out-of-memory"),
        (9, "unknown error kind `out-of-memory`".into())
    );
    assert_eq!(
        fail("poisoned\"", "poisoned!\""),
        (
            10,
            "the allocator never returns the error \"the allocator has been poisoned!\"".into()
        )
    );
    assert_eq!(
        fail("max=2\n", "max=2 extra\n"),
        (6, "unexpected `extra` at the end".into())
    );
    assert_eq!(
        fail("free site=2", "frees site=2"),
        (
            7,
            "expected a site (before the events) or an event, found `frees`".into()
        )
    );
    assert!(matches!(
        AllocationTrace::from_text("subexec-allocation-trace 1\n"),
        Err(TraceDecodeError::Text { line: 2, .. })
    ));
}

#[test]
fn text_decoding_skips_comments_and_blank_lines() {
    let text = recorded()
        .to_text()
        .replace("\nalloc", "\n# a comment\n\nalloc");
    assert_eq!(AllocationTrace::from_text(&text), Ok(recorded()));
}
