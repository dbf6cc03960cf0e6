//! The only `unsafe` code of instance reuse: a wasm memory whose bytes live in a private
//! copy-on-write mapping of a sealed in-memory file holding the initial image.
//!
//! # Pieces
//! - [`Image`]: a `memfd` holding a memory's initial contents (data segments applied to
//!   zeros) up to its last non-zero page, then sealed (`F_SEAL_WRITE | F_SEAL_GROW |
//!   F_SEAL_SHRINK | F_SEAL_SEAL`) so nothing can change it while instances map it.
//! - [`MappedStore`]: a wasmi `Store` whose one static memory is a `MAP_PRIVATE` mapping of
//!   the image, followed by private anonymous memory up to the memory's largest size (no
//!   file behind the heap: a page touched there is the shared zero page or a private page,
//!   never a page of the file, which would outlive the instance). A write copies the page
//!   (copy-on-write); the file never changes. Reset is:
//!   - [`MappedStore::written_pages`]: the pages that hold private copies, listed by the
//!     kernel with the `PAGEMAP_SCAN` ioctl (Linux ≥ 6.7): present pages that are neither
//!     page-cache (file) pages nor the shared zero page, plus swapped-out ones;
//!   - [`MappedStore::discard`]: `madvise(MADV_DONTNEED)`, which drops the private copies of
//!     a range: the next access maps the image's page (or a zero page) again (a fault,
//!     ~2 µs);
//!   - or, without kernel help, copying the image's bytes back over a written page through
//!     the memory's safe slice (the page stays private and resident: no fault next time).
//!     [`crate::pool`] chooses between the two.
//!
//! # Why the unsafe code is sound
//! wasmi's `Memory::new_static` takes a `&'static mut [u8]`. The slice handed to it is the
//! mapping, which really lives only as long as the [`MappedStore`]; it is sound because the
//! slice is created in [`MappedStore::new`], moved straight into wasmi's memory inside the
//! store, and the store is never handed out by value or as `&mut Store` (only as
//! `StoreContext`/`StoreContextMut`, which cannot move it out): the store, and with it every
//! pointer into the mapping, is dropped in [`MappedStore`]'s `Drop` before the mapping is
//! unmapped. `madvise` changes bytes of the mapping behind wasmi's back; that happens only
//! through `&mut MappedStore`, so no slice of the memory is borrowed at the time, and the
//! new bytes (the image's) are valid `u8`s like any others.
//!
//! Every platform other than Linux lacks `memfd` and `PAGEMAP_SCAN`; this module is compiled
//! for Linux only and the pool falls back to fresh instances elsewhere.
#![allow(unsafe_code)]

use std::fs::File;
use std::io;
use std::mem::ManuallyDrop;
use std::ops::Range;
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::fs::FileExt;
use std::ptr::NonNull;
use std::sync::OnceLock;

use wasmi::{AsContext, AsContextMut, Memory, MemoryType, Store, StoreContext, StoreContextMut};

/// The size of the host's pages (4 KiB on x86-64), a divisor of wasm's 64 KiB page.
pub(crate) fn os_page_size() -> usize {
    static SIZE: OnceLock<usize> = OnceLock::new();
    *SIZE.get_or_init(|| {
        // SAFETY: `sysconf` only reads a configuration value.
        let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        usize::try_from(size)
            .ok()
            .filter(|s| s.is_power_of_two())
            .unwrap_or(4096)
    })
}

/// A sealed in-memory file holding a memory's initial contents.
#[derive(Debug)]
pub(crate) struct Image {
    file: File,
    len: usize,
}

impl Image {
    /// An image holding `content` (zeros after it).
    pub fn new(content: &[u8]) -> io::Result<Image> {
        let page = os_page_size();
        let len = content.len().next_multiple_of(page);
        // SAFETY: the name is a NUL-terminated string; the call creates a new descriptor and
        // touches no memory of ours.
        let fd = unsafe {
            libc::memfd_create(
                c"subexec-memory-image".as_ptr(),
                libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING,
            )
        };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` was just created and is owned by nothing else.
        let file = unsafe { File::from_raw_fd(fd) };
        file.set_len(len as u64)?;
        for (index, chunk) in content.chunks(page).enumerate() {
            if chunk.iter().any(|&b| b != 0) {
                file.write_all_at(chunk, (index * page) as u64)?;
            }
        }
        let seals =
            libc::F_SEAL_WRITE | libc::F_SEAL_GROW | libc::F_SEAL_SHRINK | libc::F_SEAL_SEAL;
        // SAFETY: `fcntl(F_ADD_SEALS)` on a descriptor we own takes an integer argument.
        if unsafe { libc::fcntl(file.as_raw_fd(), libc::F_ADD_SEALS, seals) } < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(Image { file, len })
    }
}

/// A private, copy-on-write mapping of (a prefix of) an [`Image`].
struct Region {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping belongs to this value alone (no other pointer to it escapes except the
// one lent to the store that owns it in `MappedStore`, which moves with it); moving it to
// another thread is moving ownership of plain memory.
unsafe impl Send for Region {}

impl Region {
    fn map(image: &Image, len: usize) -> io::Result<Region> {
        if len == 0 || len % os_page_size() != 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("cannot map {len} bytes in whole pages"),
            ));
        }
        // SAFETY: a new private anonymous mapping chosen by the kernel (no fixed address:
        // nothing existing is replaced).
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let Some(ptr) = NonNull::new(ptr.cast::<u8>()) else {
            return Err(io::Error::other("mmap returned null"));
        };
        // From here on, dropping `region` unmaps the whole range.
        let region = Region { ptr, len };
        let file_len = image.len.min(len);
        if file_len > 0 {
            // SAFETY: `MAP_FIXED` replaces the first `file_len` bytes of the mapping made
            // above, which we own and nothing refers to yet; the file is at least `file_len`
            // bytes long (sealed against shrinking), so no access can fault with SIGBUS.
            let fixed = unsafe {
                libc::mmap(
                    ptr.as_ptr().cast(),
                    file_len,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_PRIVATE | libc::MAP_FIXED | libc::MAP_NORESERVE,
                    image.file.as_raw_fd(),
                    0,
                )
            };
            if fixed == libc::MAP_FAILED {
                return Err(io::Error::last_os_error());
            }
        }
        // Huge pages would make a one-byte write copy 2 MiB and hide the pages written.
        // SAFETY: advice on our own mapping; it changes no contents.
        unsafe { libc::madvise(ptr.as_ptr().cast(), len, libc::MADV_NOHUGEPAGE) };
        Ok(region)
    }

    fn check(&self, range: &Range<usize>) -> io::Result<()> {
        let page = os_page_size();
        if range.start > range.end
            || range.end > self.len
            || range.start % page != 0
            || range.end % page != 0
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "range {range:?} is not whole pages of a {}-byte mapping",
                    self.len
                ),
            ));
        }
        Ok(())
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        // SAFETY: `ptr..ptr + len` is the mapping created in `map`; `MappedStore` drops the
        // store (the only user of pointers into it) before its region.
        unsafe { libc::munmap(self.ptr.as_ptr().cast(), self.len) };
    }
}

/// `linux/fs.h`: `struct page_region`, one range of pages with the same categories.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct PageRegion {
    start: u64,
    end: u64,
    categories: u64,
}

/// `linux/fs.h`: `struct pm_scan_arg`, the argument of `PAGEMAP_SCAN`.
#[repr(C)]
#[derive(Default)]
struct PmScanArg {
    size: u64,
    flags: u64,
    start: u64,
    end: u64,
    walk_end: u64,
    vec: u64,
    vec_len: u64,
    max_pages: u64,
    category_inverted: u64,
    category_mask: u64,
    category_anyof_mask: u64,
    return_mask: u64,
}

/// `_IOWR('f', 16, struct pm_scan_arg)`.
const PAGEMAP_SCAN: u64 =
    (3 << 30) | ((std::mem::size_of::<PmScanArg>() as u64) << 16) | ((b'f' as u64) << 8) | 16;
const PAGE_IS_FILE: u64 = 1 << 2;
const PAGE_IS_PRESENT: u64 = 1 << 3;
const PAGE_IS_SWAPPED: u64 = 1 << 4;
const PAGE_IS_PFNZERO: u64 = 1 << 5;

#[cfg(test)]
thread_local! {
    /// Tests set this to take, on their thread, the path of kernels without `PAGEMAP_SCAN`.
    pub(crate) static NO_PAGEMAP_SCAN: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// `/proc/self/pagemap`, opened once (`None` where it cannot be opened).
fn pagemap() -> Option<&'static File> {
    #[cfg(test)]
    if NO_PAGEMAP_SCAN.with(|no| no.get()) {
        return None;
    }
    static PAGEMAP: OnceLock<Option<File>> = OnceLock::new();
    PAGEMAP
        .get_or_init(|| File::open("/proc/self/pagemap").ok())
        .as_ref()
}

/// A wasmi store whose one static memory lives in a copy-on-write mapping of an [`Image`].
pub(crate) struct MappedStore<T> {
    /// Dropped first, by hand (see `Drop`).
    store: ManuallyDrop<Store<T>>,
    region: Region,
}

impl<T> MappedStore<T> {
    /// Maps `len` bytes privately, the image first and zeros after it, and creates, in
    /// `store`, a memory of type `ty` backed by that mapping (its buffer: `len` bytes, so
    /// `len` must cover the maximum the memory may grow to). wasmi zeroes the memory's initial
    /// pages when it creates it (writing only those not zero, i.e. the image's): discard them
    /// ([`MappedStore::discard`]) to see the image.
    pub fn new(
        image: &Image,
        len: usize,
        mut store: Store<T>,
        ty: MemoryType,
    ) -> Result<(MappedStore<T>, Memory), String> {
        let region = Region::map(image, len).map_err(|e| e.to_string())?;
        // SAFETY: the mapping is `len` readable and writable bytes that nothing else refers
        // to. The slice is moved into the memory of `store`, which lives inside the returned
        // `MappedStore` and is dropped before `region` (see the module docs); on error the
        // store is dropped here, before `region`.
        let buffer: &'static mut [u8] =
            unsafe { std::slice::from_raw_parts_mut(region.ptr.as_ptr(), region.len) };
        match Memory::new_static(&mut store, ty, buffer) {
            Ok(memory) => Ok((
                MappedStore {
                    store: ManuallyDrop::new(store),
                    region,
                },
                memory,
            )),
            Err(error) => {
                drop(store);
                drop(region);
                Err(error.to_string())
            }
        }
    }

    /// The store, for calls and instantiation (it cannot be moved out).
    pub fn ctx(&mut self) -> StoreContextMut<'_, T> {
        self.store.as_context_mut()
    }

    /// The store, read-only.
    pub fn ctx_ref(&self) -> StoreContext<'_, T> {
        self.store.as_context()
    }

    /// The byte ranges (whole host pages) of `0..limit` that hold private copies: the pages
    /// written since they were last discarded. `None` where the kernel cannot tell
    /// (`PAGEMAP_SCAN` needs Linux 6.7).
    pub fn written_pages(&self, limit: usize, out: &mut Vec<Range<usize>>) -> Option<()> {
        out.clear();
        let page = os_page_size();
        let end = limit.min(self.region.len).next_multiple_of(page);
        if end == 0 {
            return Some(());
        }
        let pagemap = pagemap()?;
        let base = self.region.ptr.as_ptr() as u64;
        let mut regions = [PageRegion::default(); 64];
        let mut start = base;
        let end = base + end as u64;
        while start < end {
            let mut arg = PmScanArg {
                size: std::mem::size_of::<PmScanArg>() as u64,
                start,
                end,
                vec: regions.as_mut_ptr() as u64,
                vec_len: regions.len() as u64,
                // Private copies: neither the image's page-cache page nor the zero page...
                category_inverted: PAGE_IS_FILE | PAGE_IS_PFNZERO,
                category_mask: PAGE_IS_FILE | PAGE_IS_PFNZERO,
                // ...and mapped, whether resident or swapped out.
                category_anyof_mask: PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
                return_mask: PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
                ..PmScanArg::default()
            };
            // SAFETY: `arg` describes a range of our own mapping and an output array of
            // `vec_len` writable `page_region`s; the kernel only reads page tables and
            // writes `arg` and `regions`.
            let found = unsafe {
                libc::ioctl(
                    pagemap.as_raw_fd(),
                    PAGEMAP_SCAN as _,
                    &mut arg as *mut PmScanArg,
                )
            };
            let found = usize::try_from(found).ok()?.min(regions.len());
            for r in &regions[..found] {
                let from = (r.start.max(base) - base) as usize;
                let to = (r.end.min(end) - base) as usize;
                match out.last_mut() {
                    Some(last) if last.end == from => last.end = to,
                    _ => out.push(from..to),
                }
            }
            if arg.walk_end <= start {
                return None;
            }
            start = arg.walk_end;
        }
        Some(())
    }

    /// Drops the private copies of the pages in `range` (whole host pages): they read as the
    /// image again.
    pub fn discard(&mut self, range: Range<usize>) -> io::Result<()> {
        self.region.check(&range)?;
        if range.is_empty() {
            return Ok(());
        }
        // SAFETY: `range` lies within our mapping (checked); `&mut self` guarantees no slice of
        // the memory is borrowed; afterwards the bytes are the image's.
        let start = unsafe { self.region.ptr.as_ptr().add(range.start) };
        // SAFETY: as above; `MADV_DONTNEED` on a private file mapping only drops copies.
        if unsafe { libc::madvise(start.cast(), range.len(), libc::MADV_DONTNEED) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// The length of the mapping in bytes.
    #[cfg(test)]
    pub fn mapped_len(&self) -> usize {
        self.region.len
    }
}

impl<T> Drop for MappedStore<T> {
    fn drop(&mut self) {
        // SAFETY: the store is dropped exactly once, here, before `region` (dropped after
        // this function returns), so no pointer into the mapping outlives it.
        unsafe { ManuallyDrop::drop(&mut self.store) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmi::Engine;

    const WASM_PAGE: usize = 65_536;

    fn image(content: &[u8]) -> Image {
        Image::new(content).unwrap()
    }

    /// A store over `image` with a memory of `initial..=max` wasm pages, reset to the image.
    fn mapped(image: &Image, initial: u32, max: u32) -> (MappedStore<()>, Memory) {
        let store = Store::new(&Engine::default(), ());
        let ty = MemoryType::new(initial, Some(max));
        let (mut mapped, memory) =
            MappedStore::new(image, max as usize * WASM_PAGE, store, ty).unwrap();
        mapped.discard(0..initial as usize * WASM_PAGE).unwrap();
        (mapped, memory)
    }

    fn expected(content: &[u8], len: usize) -> Vec<u8> {
        let mut bytes = content.to_vec();
        bytes.resize(len, 0);
        bytes
    }

    fn reset(mapped: &mut MappedStore<()>, memory: Memory) -> Vec<Range<usize>> {
        let mut written = Vec::new();
        let size = memory.data(mapped.ctx_ref()).len();
        mapped
            .written_pages(size, &mut written)
            .expect("PAGEMAP_SCAN (Linux >= 6.7)");
        for range in &written {
            mapped.discard(range.clone()).unwrap();
        }
        written
    }

    #[test]
    fn new_memory_reads_as_the_image_after_discard() {
        let content: Vec<u8> = (0..3 * WASM_PAGE).map(|i| (i % 251) as u8).collect();
        let image = image(&content);
        let (mapped, memory) = mapped(&image, 4, 8);
        assert_eq!(
            memory.data(mapped.ctx_ref()),
            &expected(&content, 4 * WASM_PAGE)[..]
        );
    }

    #[test]
    fn writes_at_first_and_last_page_are_found_and_reset() {
        let content = vec![7u8; 2 * WASM_PAGE];
        let image = image(&content);
        let (mut mapped, memory) = mapped(&image, 2, 4);
        assert_eq!(reset(&mut mapped, memory), Vec::<Range<usize>>::new());
        let last = 2 * WASM_PAGE - 1;
        memory.data_mut(mapped.ctx())[0] = 1;
        memory.data_mut(mapped.ctx())[last] = 2;
        let page = os_page_size();
        assert_eq!(
            reset(&mut mapped, memory),
            vec![0..page, 2 * WASM_PAGE - page..2 * WASM_PAGE]
        );
        assert_eq!(memory.data(mapped.ctx_ref()), &content[..]);
        assert_eq!(reset(&mut mapped, memory), Vec::<Range<usize>>::new());
    }

    #[test]
    fn reads_are_not_writes() {
        let content = vec![3u8; WASM_PAGE];
        let image = image(&content);
        let (mut mapped, memory) = mapped(&image, 2, 2);
        let sum: u64 = memory
            .data(mapped.ctx_ref())
            .iter()
            .map(|&b| u64::from(b))
            .sum();
        assert_eq!(sum, 3 * WASM_PAGE as u64);
        assert!(reset(&mut mapped, memory).is_empty());
    }

    #[test]
    fn growth_is_zeros_then_reset_to_the_image() {
        let content = vec![9u8; WASM_PAGE];
        let image = image(&content);
        let (mut mapped, memory) = mapped(&image, 1, 4);
        memory.grow(mapped.ctx(), 2).unwrap();
        assert_eq!(
            memory.data(mapped.ctx_ref()),
            &expected(&content, 3 * WASM_PAGE)[..]
        );
        memory.data_mut(mapped.ctx())[3 * WASM_PAGE - 1] = 5;
        assert!(!reset(&mut mapped, memory).is_empty());
        assert_eq!(
            memory.data(mapped.ctx_ref()),
            &expected(&content, 3 * WASM_PAGE)[..]
        );
        // Growing past the buffer fails; growing to it works.
        assert!(memory.grow(mapped.ctx(), 2).is_err());
        memory.grow(mapped.ctx(), 1).unwrap();
        assert_eq!(mapped.mapped_len(), memory.data(mapped.ctx_ref()).len());
    }

    #[test]
    fn image_with_data_at_its_end() {
        let mut content = vec![0u8; 4 * WASM_PAGE];
        content[4 * WASM_PAGE - 1] = 0xff;
        content[WASM_PAGE] = 0x11;
        let image = image(&content);
        let (mut mapped, memory) = mapped(&image, 4, 4);
        assert_eq!(memory.data(mapped.ctx_ref()), &content[..]);
        memory.data_mut(mapped.ctx())[4 * WASM_PAGE - 1] = 0;
        reset(&mut mapped, memory);
        assert_eq!(memory.data(mapped.ctx_ref()), &content[..]);
    }

    #[test]
    fn zero_length_image() {
        let image = image(&[]);
        let (mut mapped, memory) = mapped(&image, 0, 2);
        assert!(memory.data(mapped.ctx_ref()).is_empty());
        assert!(reset(&mut mapped, memory).is_empty());
        memory.grow(mapped.ctx(), 1).unwrap();
        memory.data_mut(mapped.ctx())[100] = 1;
        reset(&mut mapped, memory);
        assert_eq!(memory.data(mapped.ctx_ref()), &vec![0u8; WASM_PAGE][..]);
    }

    #[test]
    fn many_resets_and_many_regions() {
        let content: Vec<u8> = (0..2 * WASM_PAGE).map(|i| (i / 4096) as u8 + 1).collect();
        let image = image(&content);
        let (mut mapped, memory) = mapped(&image, 8, 8);
        let page = os_page_size();
        for round in 0..50 {
            // Every other page: more separate regions than one ioctl returns (64).
            let data = memory.data_mut(mapped.ctx());
            for index in (round % 2..data.len() / page).step_by(2) {
                data[index * page + round] = round as u8;
            }
            let written = reset(&mut mapped, memory);
            assert_eq!(written.len(), 8 * WASM_PAGE / page / 2);
            assert_eq!(
                memory.data(mapped.ctx_ref()),
                &expected(&content, 8 * WASM_PAGE)[..]
            );
        }
    }

    #[test]
    fn bad_arguments_are_errors() {
        let image = image(&[]);
        // Empty, or not whole pages.
        let store = Store::new(&Engine::default(), ());
        assert!(MappedStore::new(&image, 100, store, MemoryType::new(0, Some(0))).is_err());
        let store = Store::new(&Engine::default(), ());
        assert!(MappedStore::new(&image, 0, store, MemoryType::new(0, Some(0))).is_err());
        // A memory larger than the mapping.
        let store = Store::new(&Engine::default(), ());
        assert!(MappedStore::new(&image, WASM_PAGE, store, MemoryType::new(2, Some(2))).is_err());
        let (mut mapped, _) = mapped(&image, 1, 1);
        assert!(mapped.discard(1..2).is_err());
        assert!(mapped.discard(0..2 * WASM_PAGE).is_err());
    }

    #[test]
    fn the_image_is_sealed() {
        let image = image(&[1, 2, 3]);
        assert!(image.file.write_all_at(&[0], 0).is_err());
        assert!(image.file.set_len(0).is_err());
    }
}
