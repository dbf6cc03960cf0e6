//! Guest memory access with checked pointer arithmetic.
//!
//! Everything goes through [`Memory::with_access`] / [`Memory::with_access_mut`]; a range is
//! checked (`ptr + len` in `u64`, compared with the current memory size) *before* any host
//! buffer of `len` bytes is allocated, so a hostile length cannot make the host allocate
//! gigabytes.

use subexec_allocator::Memory;

use crate::error::HostErrorCause;

/// Splits a fat pointer: pointer in the low 32 bits, length in the high 32 bits.
pub fn unpack_ptr_len(value: i64) -> (u32, u32) {
    let value = value as u64;
    (value as u32, (value >> 32) as u32)
}

/// Packs a pointer and a length into a fat pointer.
pub fn pack_ptr_len(ptr: u32, len: u32) -> i64 {
    ((u64::from(len) << 32) | u64::from(ptr)) as i64
}

/// The byte range `ptr..ptr + len` if it lies inside a memory of `memory_len` bytes.
fn checked_range(
    ptr: u32,
    len: u32,
    memory_len: usize,
) -> Result<std::ops::Range<usize>, HostErrorCause> {
    let end = u64::from(ptr) + u64::from(len);
    if end > memory_len as u64 {
        return Err(HostErrorCause::OutOfBounds {
            ptr,
            len,
            memory_len,
        });
    }
    // Both fit in `usize`: `end <= memory_len`.
    Ok(ptr as usize..end as usize)
}

/// Checks that `ptr..ptr + len` is inside memory without reading it.
pub fn check(memory: &impl Memory, ptr: u32, len: u32) -> Result<(), HostErrorCause> {
    memory.with_access(|mem| checked_range(ptr, len, mem.len()).map(drop))
}

/// Runs `run` on the `len` bytes at `ptr`, borrowed from guest memory (no copy).
pub fn with_slice<R>(
    memory: &impl Memory,
    ptr: u32,
    len: u32,
    run: impl FnOnce(&[u8]) -> R,
) -> Result<R, HostErrorCause> {
    memory.with_access(|mem| {
        let range = checked_range(ptr, len, mem.len())?;
        crate::stats::record_traffic(range.len(), 0);
        Ok(run(&mem[range]))
    })
}

/// Copies `len` bytes at `ptr` out of guest memory.
pub fn read(memory: &impl Memory, ptr: u32, len: u32) -> Result<Vec<u8>, HostErrorCause> {
    memory.with_access(|mem| {
        let range = checked_range(ptr, len, mem.len())?;
        crate::stats::record_traffic(range.len(), 0);
        Ok(mem[range].to_vec())
    })
}

/// Copies the bytes a fat pointer designates out of guest memory.
pub fn read_fat(memory: &impl Memory, fat: i64) -> Result<Vec<u8>, HostErrorCause> {
    let (ptr, len) = unpack_ptr_len(fat);
    read(memory, ptr, len)
}

/// Writes `parts` one after another at `ptr`.
pub fn write_parts(
    memory: &mut impl Memory,
    ptr: u32,
    parts: &[&[u8]],
) -> Result<(), HostErrorCause> {
    let total: usize = parts.iter().map(|p| p.len()).sum();
    let len = u32::try_from(total).map_err(|_| HostErrorCause::OutOfBounds {
        ptr,
        len: u32::MAX,
        memory_len: 0,
    })?;
    memory.with_access_mut(|mem| {
        let range = checked_range(ptr, len, mem.len())?;
        crate::stats::record_traffic(0, range.len());
        let mut at = range.start;
        for part in parts {
            mem[at..at + part.len()].copy_from_slice(part);
            at += part.len();
        }
        Ok(())
    })
}

/// Writes `data` at `ptr`.
pub fn write(memory: &mut impl Memory, ptr: u32, data: &[u8]) -> Result<(), HostErrorCause> {
    write_parts(memory, ptr, &[data])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fat_pointer_packs_pointer_low_and_length_high() {
        let fat = pack_ptr_len(0x1234_5678, 0x9abc_def0);
        assert_eq!(fat as u64, 0x9abc_def0_1234_5678);
        assert_eq!(unpack_ptr_len(fat), (0x1234_5678, 0x9abc_def0));
        assert_eq!(unpack_ptr_len(-1), (u32::MAX, u32::MAX));
    }

    #[test]
    fn ranges_are_checked_without_overflow() {
        assert_eq!(checked_range(0, 10, 10), Ok(0..10));
        assert_eq!(checked_range(10, 0, 10), Ok(10..10));
        assert!(checked_range(11, 0, 10).is_err());
        assert!(checked_range(u32::MAX, u32::MAX, 1 << 20).is_err());
        assert!(checked_range(u32::MAX, 2, 100).is_err());
    }
}
