//! Allocation-heavy work: many small boxes freed in an interleaved order, a `Vec` grown one
//! push at a time, a `BTreeMap` built from scattered keys, and a few over-aligned boxes
//! (which go through the classic alignment shim). Every value produced is mixed into a
//! checksum so nothing can be optimised away.

use super::Mix;
use crate::api::{AllocParams, AllocSummary};
use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::vec;
use alloc::vec::Vec;

/// A block whose alignment exceeds the host allocator's 8 bytes.
#[repr(align(64))]
struct Aligned64([u8; 64]);

/// A page-aligned block.
#[repr(align(4096))]
struct Aligned4096([u8; 16]);

/// `Bench_alloc_heavy`.
pub fn run(params: AllocParams) -> AllocSummary {
    let mut mix = Mix::new();

    let mut boxes: Vec<Box<[u8]>> = Vec::new();
    for index in 0..params.boxes {
        boxes.push(vec![index as u8; params.box_size as usize].into_boxed_slice());
        if index % 64 == 0 {
            let aligned = Box::new(Aligned64([index as u8; 64]));
            let page = Box::new(Aligned4096([index as u8; 16]));
            let addresses = [&*aligned as *const _ as usize, &*page as *const _ as usize];
            if addresses[0] % 64 != 0 || addresses[1] % 4096 != 0 {
                panic!("over-aligned allocation is misaligned");
            }
            mix.bytes(&aligned.0);
            mix.bytes(&page.0);
        }
    }
    // Free every other box, refill the holes with boxes of another size, then free all.
    for slot in boxes.iter_mut().step_by(2) {
        mix.bytes(slot);
        *slot = Box::new([]);
    }
    for (index, slot) in boxes.iter_mut().enumerate().step_by(2) {
        *slot = vec![!(index as u8); params.box_size as usize / 2 + 1].into_boxed_slice();
    }
    for slot in &boxes {
        mix.bytes(slot);
    }
    drop(boxes);

    let mut grown = Vec::new();
    for index in 0..params.vec_pushes {
        grown.push(u64::from(index).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    }
    for value in &grown {
        mix.word(*value);
    }

    let mut map = BTreeMap::new();
    for index in 0..params.map_entries {
        let key = index.wrapping_mul(2_654_435_761);
        map.insert(key, key.to_le_bytes().to_vec());
    }
    for (key, value) in &map {
        mix.word(u64::from(*key));
        mix.bytes(value);
    }

    AllocSummary {
        checksum: mix.value(),
        vec_len: grown.len() as u32,
        map_len: map.len() as u32,
    }
}
