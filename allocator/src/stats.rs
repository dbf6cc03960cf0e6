//! Allocation statistics, kept on the host beside the allocator.

/// What the allocator has done so far; the same fields, meaning and arithmetic as
/// `sc_allocator::AllocationStats`.
///
/// Every byte count includes the 8-byte header of each block and uses the rounded-up size class,
/// not the requested size.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AllocationStats {
    /// Bytes in live blocks right now (wraps on overflow, as a release build of sc-allocator does;
    /// only forged headers can get it there).
    pub bytes_allocated: u32,
    /// The largest value `bytes_allocated` ever had.
    pub bytes_allocated_peak: u32,
    /// Bytes of every allocation ever made, freed or not.
    pub bytes_allocated_sum: u128,
    /// Bump pointer minus heap base (wrapping), i.e. address space ever handed out.
    pub address_space_used: u32,
}
