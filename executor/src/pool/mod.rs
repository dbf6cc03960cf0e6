//! Instance reuse: a pool of instances per compiled runtime, reset to their just-instantiated
//! state after every call ([`crate::config::InstanceReuse::Pooled`]).
//!
//! A fresh wasmi instance costs a store, host-function linking, instantiation and a zeroed
//! memory per call: about 0.2 ms on a 9 MB runtime, against a few µs for what a light call
//! really does. A pooled instance skips all of it; what a call leaves behind is undone
//! instead, in time proportional to what the call wrote.
//!
//! # What "as fresh" means, piece by piece
//! - **Where the memory comes from.** Imported or defined by the module, the host creates it:
//!   a defined memory (pre-2020 runtimes such as Kusama's early ones, guest-allocator
//!   runtimes) is turned into an import at load (`rewrite::import_defined_memory`)
//!   and created at the module's initial pages, as instantiation would, then grown to the
//!   plan's initial pages after instantiation. So every runtime's memory can be the mapping
//!   below, and its post-instantiation state (contents and size) is what the reset restores.
//! - **Memory contents.** The memory's bytes live in a private copy-on-write mapping of a
//!   sealed `memfd` holding the initial image (see `mapped`): the data segments applied to
//!   zeros, built once per compiled runtime by instantiating it on an ordinary memory. A call's
//!   writes copy pages; the reset lists the pages holding private copies (`PAGEMAP_SCAN`) and
//!   restores them, by copying the image's bytes back (the page stays resident, so the next
//!   call does not fault on it: a fault costs ~2 µs, a 4 KiB copy a fraction of that) or by
//!   dropping the copy with `MADV_DONTNEED`. A restored page stays private, so it is listed
//!   again at every later reset whether or not later calls write it; to keep the work of a
//!   reset bounded by what recent calls wrote:
//!   - up to [`KEEP_RESIDENT_PAGES`] listed pages are all copied back;
//!   - above that, each listed page is compared with the image first: one this call changed
//!     is copied back, one it did not is dropped (so one heavy call makes the next reset
//!     compare its pages once, not every later reset copy them);
//!   - above [`MAX_RESIDENT_PAGES`], and every [`DISCARD_EVERY`] calls, all are dropped.
//!
//!   Where the kernel cannot list written pages (Linux < 6.7), the whole memory is dropped
//!   with `MADV_DONTNEED` (correct, each touched page then faults once per call).
//!   wasmi zeroes a static memory's initial pages when it creates it (and grown pages when
//!   it grows; since `vendor/wasmi/PATCHES.md` patch 4 it writes only pages that are not
//!   zero), so a new pooled instance drops its initial pages right after instantiation; the
//!   data segments it wrote are the image's bytes anyway.
//! - **Memory size.** wasmi memories cannot shrink. An instance is put back only if its
//!   memory has the size it had when checked out, or if the memory is a lazily backed static
//!   heap ([`crate::memory`]): there the runtime cannot observe the size (no `memory.size` or
//!   `memory.grow` in its code), only the allocator grows it, and the allocator's pointers,
//!   errors and statistics are those of the pre-grown heap whatever the real size, so an
//!   instance whose real memory grew is as good as a fresh one. Its memory stays grown (the
//!   grown pages are zeros, as wasmi's growth would have made them). Under `Dynamic` almost
//!   every call grows memory: those instances are dropped; as making a pooled instance costs
//!   more than a fresh one (its pages fault in from the image), the pool remembers the
//!   methods (up to 32 per runtime) whose calls grew such a memory and gives their later
//!   calls fresh instances. A lazily backed call that failed because of lazy backing is re-run on a
//!   *fresh* pre-grown instance ([`crate::call`]); the failed run's instance is reset and
//!   kept (nothing of the failed run survives the reset).
//! - **Globals.** Every mutable global is exported by the load-time rewrite (its export
//!   names are `Prepared::mutable_globals`, `__stack_pointer` included, which a trap leaves
//!   moved); their values are saved right after instantiation and written back after every
//!   call. Immutable globals cannot change.
//! - **Tables.** With Substrate's feature set (MVP: no bulk memory, no reference types, both
//!   rejected at validation, see [`crate::config`]) wasm has no instruction that writes a
//!   table (`table.set`, `table.grow`, `table.fill`, `table.copy`, `table.init` and
//!   `elem.drop` are all post-MVP): element segments are applied at instantiation and
//!   `call_indirect` only reads. Tables need no reset. (A test checks that `table.set` is
//!   rejected at load.)
//! - **Host state, allocator, fuel.** Created per call in both modes: a new `HostState`
//!   (and with it a fresh allocator starting at `__heap_base`) and the full fuel budget.
//! - **Everything else.** wasmi keeps no other per-instance state between calls (its value
//!   and call stacks belong to the engine and are reset by every call). An instance whose
//!   call lost its host state (unreachable by construction) is dropped, not reset.
//!
//! # Fallbacks to fresh instances
//! Calls get fresh instances, with identical outcomes, when:
//! - it is the runtime's first call (so that building the image, a few ms, does not delay
//!   the first result: the second call pays it);
//! - the platform is not Linux (no `memfd`);
//! - creating the image or a mapping fails (e.g. no `memfd`), or a new pooled instance cannot
//!   be instantiated (the fresh run then reports the same instantiation error);
//! - a lazily backed call is re-run pre-grown (the re-run is fresh);
//! - the method's last pooled call grew a memory whose size is observable (above);
//! - a reset fails (the instance is dropped; the next call makes a new one).
//!
//! # Cost of idle instances
//! Each idle instance holds a mapping of the heap's full size (virtual: `initial + 2048`
//! pages is ~140 MiB of address space, `Dynamic` without maximum 4 GiB), the private pages
//! recent calls wrote (at most [`KEEP_RESIDENT_PAGES`] after a reset) and wasmi's store. Pages
//! never written are never resident; the image's pages are shared by all instances (page
//! cache). A pre-grown static heap (runtimes that use `memory.grow`, guest-allocator mode)
//! costs a one-off pass over the whole heap per pooled instance (reads of never-written pages
//! since patch 4; before it, ~66 ms of zero writes for 2048 pages, dropped right away).

#[cfg(target_os = "linux")]
mod mapped;

use crate::config::InstanceReuse;
use crate::instance::{RunOutput, Runner};
use crate::memory::MemoryPlan;
use subexec_host_functions::StorageState;

/// A reset copies the image back over all listed pages when there are at most this many
/// (host pages); above it, it copies back only those the call changed and drops the others.
pub const KEEP_RESIDENT_PAGES: usize = 64;

/// Above this many listed pages (16 MiB of 4 KiB pages) a reset drops them all.
pub const MAX_RESIDENT_PAGES: usize = 4096;

/// Every this many calls an instance's written pages are dropped rather than copied back, so
/// pages written once do not stay resident (and copied at every reset) for ever.
pub const DISCARD_EVERY: u32 = 64;

/// Idle instances of one compiled runtime (the executor's cache keeps it beside the compiled
/// runtime; it sits above one run on an instance, [`crate::instance`], and below the call
/// policy, [`crate::policy`]).
#[derive(Default)]
pub(crate) struct Pool {
    #[cfg(target_os = "linux")]
    inner: linux::Inner,
}

impl Pool {
    /// An empty pool (its image is built on first use).
    pub fn new() -> Self {
        Self::default()
    }

    /// Drops every idle instance (a poisoned runtime's, see [`crate::panic_guard`]).
    pub fn clear(&self) {
        #[cfg(target_os = "linux")]
        self.inner.clear();
    }

    /// Number of idle instances.
    pub fn idle(&self) -> usize {
        #[cfg(target_os = "linux")]
        {
            self.inner.idle()
        }
        #[cfg(not(target_os = "linux"))]
        {
            0
        }
    }
}

impl Pool {
    /// Whether calls of `runner`'s runtime can be pooled on this platform (its image, built on
    /// first use, exists).
    pub fn available(&self, runner: &Runner<'_>) -> bool {
        #[cfg(target_os = "linux")]
        {
            self.inner.available(runner)
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = runner;
            false
        }
    }

    /// Runs `method` once under `plan`: on a pooled instance where `reuse` and the platform
    /// allow it, else on a fresh one.
    pub fn run(
        &self,
        runner: &Runner<'_>,
        reuse: InstanceReuse,
        storage: StorageState,
        method: &str,
        input: &[u8],
        plan: MemoryPlan,
    ) -> RunOutput {
        let max_idle = match reuse {
            InstanceReuse::Pooled { max_idle_instances } if max_idle_instances > 0 => {
                max_idle_instances
            }
            _ => return runner.run_fresh(storage, method, input, plan),
        };
        #[cfg(target_os = "linux")]
        {
            self.inner
                .run(runner, storage, method, input, plan, max_idle)
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = max_idle;
            runner.run_fresh(storage, method, input, plan)
        }
    }
}

#[cfg(target_os = "linux")]
mod linux;

#[cfg(test)]
mod tests;
