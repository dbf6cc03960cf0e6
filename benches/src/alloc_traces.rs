//! Deterministic allocation traces shared by the allocator benches (`allocator.rs`,
//! `allocator_observer.rs`): the same operations on every machine and in every bench.

/// One step of a trace.
#[derive(Clone, Copy, Debug)]
pub enum Op {
    /// Allocates this many bytes.
    Allocate(u32),
    /// Frees the pointer returned by the allocation with this index in the trace.
    Free(usize),
}

/// splitmix64: a tiny deterministic generator, so the traces are the same on every machine.
pub struct SplitMix(pub u64);

impl SplitMix {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..bound`.
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound
    }
}

/// `steps` operations keeping about `target_live` objects live; sizes from `size`. Returns the
/// operations and the number of allocations among them.
pub fn churn(
    rng: &mut SplitMix,
    steps: usize,
    target_live: usize,
    mut size: impl FnMut(&mut SplitMix) -> u32,
) -> (Vec<Op>, usize) {
    let mut ops = Vec::with_capacity(steps);
    let mut live: Vec<usize> = Vec::new();
    let mut allocations = 0;
    for _ in 0..steps {
        let allocate = live.is_empty()
            || (live.len() < target_live * 2
                && rng.below(2 * target_live as u64) >= live.len() as u64);
        if allocate {
            ops.push(Op::Allocate(size(rng)));
            live.push(allocations);
            allocations += 1;
        } else {
            let index = rng.below(live.len() as u64) as usize;
            ops.push(Op::Free(live.swap_remove(index)));
        }
    }
    (ops, allocations)
}

/// The seed of every trace.
pub const SEED: u64 = 0x5EED;

/// `small_churn`: 20 000 steps keeping about 512 objects of 1..=128 bytes live (the first trace
/// drawn from [`SEED`]).
pub fn small_churn(rng: &mut SplitMix) -> (Vec<Op>, usize) {
    churn(rng, 20_000, 512, |rng| 1 + rng.below(128) as u32)
}
