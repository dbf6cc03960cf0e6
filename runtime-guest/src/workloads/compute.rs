//! Pure compute: an integer loop (xorshift64, rotations, multiplications) with no memory
//! traffic and no host calls, to measure raw interpretation speed.

/// `Bench_compute`: runs `iterations` rounds; returns the accumulated value.
pub fn run(iterations: u32) -> u64 {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut accumulator: u64 = 0;
    for round in 0..iterations {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        accumulator = accumulator
            .wrapping_add(state.rotate_left(round % 64))
            .wrapping_mul(0x2545_f491_4f6c_dd1d)
            ^ u64::from(round);
    }
    accumulator
}
