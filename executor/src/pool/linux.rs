//! The pool on Linux: the image, idle instances, checkout, reset and return.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use subexec_allocator::PAGE_SIZE;
use subexec_host_functions::StorageState;
use wasmi::{Global, Val};

use super::mapped::{os_page_size, Image, MappedStore};
use super::{DISCARD_EVERY, KEEP_RESIDENT_PAGES, MAX_RESIDENT_PAGES};
use crate::instance::{instantiate, memory_type, new_memory, Instantiated, RunOutput, Runner};
use crate::memory::{Backing, MemoryPlan};
use crate::store::StoreData;

/// The initial memory of a runtime: the sealed file, and its bytes for copying back.
struct PoolImage {
    image: Image,
    /// The initial contents without trailing zero pages (zeros after them).
    bytes: Vec<u8>,
}

/// The per-runtime pool state.
#[derive(Default)]
pub(super) struct Inner {
    /// Whether a call was made: the first runs fresh.
    called: AtomicBool,
    /// Built on first use; `None`: pooling is unavailable for this runtime.
    image: OnceLock<Option<Arc<PoolImage>>>,
    /// Idle instances, most recently used last.
    idle: Mutex<Vec<Pooled>>,
    /// Methods whose last pooled call grew a memory whose size is observable (at most
    /// [`MAX_GROWING_METHODS`]): their calls get fresh instances (see `run_linux_pooled`).
    growing: Mutex<Vec<(MemoryPlan, String)>>,
}

/// How many growing methods a pool remembers.
const MAX_GROWING_METHODS: usize = 32;

impl Inner {
    pub fn idle(&self) -> usize {
        self.idle.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Drops every idle instance (outside the lock).
    pub fn clear(&self) {
        let idle = std::mem::take(&mut *self.idle.lock().unwrap_or_else(|e| e.into_inner()));
        drop(idle);
    }

    fn grows(&self, plan: MemoryPlan, method: &str) -> bool {
        let growing = self.growing.lock().unwrap_or_else(|e| e.into_inner());
        growing.iter().any(|(p, m)| *p == plan && m == method)
    }

    fn record_growth(&self, plan: MemoryPlan, method: &str) {
        let mut growing = self.growing.lock().unwrap_or_else(|e| e.into_inner());
        if growing.len() < MAX_GROWING_METHODS {
            growing.push((plan, method.to_string()));
        }
    }

    /// The most recently used idle instance made for `plan`.
    fn checkout(&self, plan: MemoryPlan) -> Option<Pooled> {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        let position = idle.iter().rposition(|p| p.plan == plan)?;
        Some(idle.remove(position))
    }

    /// Keeps `pooled` unless `max_idle` instances of its plan are idle already (then the
    /// oldest of them goes). Evicted instances are dropped outside the lock.
    fn put(&self, pooled: Pooled, max_idle: usize) {
        let evicted = {
            let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
            let same_plan = idle.iter().filter(|p| p.plan == pooled.plan).count();
            let evicted = if same_plan >= max_idle {
                idle.iter()
                    .position(|p| p.plan == pooled.plan)
                    .map(|i| idle.remove(i))
            } else {
                None
            };
            idle.push(pooled);
            evicted
        };
        drop(evicted);
    }
}

/// A pooled instance.
struct Pooled {
    store: MappedStore<StoreData>,
    instantiated: Instantiated,
    plan: MemoryPlan,
    /// Every mutable global and its value right after instantiation.
    globals: Vec<(Global, Val)>,
    /// Calls since the written pages were last dropped rather than copied back.
    calls_since_discard: u32,
    /// Scratch list of written page ranges.
    written: Vec<Range<usize>>,
    /// Scratch list of written pages found unchanged.
    unchanged: Vec<Range<usize>>,
}

impl Pooled {
    /// Restores globals and memory contents as they were right after instantiation.
    fn reset(&mut self, image: &PoolImage) -> Result<(), String> {
        let memory = self.instantiated.memory;
        for (global, value) in &self.globals {
            global
                .set(self.store.ctx(), value.clone())
                .map_err(|e| e.to_string())?;
        }
        let size = memory.data(self.store.ctx_ref()).len();
        let page = os_page_size();
        self.calls_since_discard += 1;
        if self.store.written_pages(size, &mut self.written).is_none() {
            // No kernel help: drop every page of the memory.
            self.calls_since_discard = 0;
            return self
                .store
                .discard(0..size.next_multiple_of(page))
                .map_err(|e| e.to_string());
        }
        let pages: usize = self.written.iter().map(|r| r.len() / page).sum();
        if pages > MAX_RESIDENT_PAGES || self.calls_since_discard >= DISCARD_EVERY {
            self.calls_since_discard = 0;
            for index in 0..self.written.len() {
                let range = self.written[index].clone();
                self.store.discard(range).map_err(|e| e.to_string())?;
            }
            return Ok(());
        }
        let compare = pages > KEEP_RESIDENT_PAGES;
        self.unchanged.clear();
        let data = memory.data_mut(self.store.ctx());
        for range in &self.written {
            for start in range.clone().step_by(page) {
                let Some(dest) = data.get_mut(start..start + page) else {
                    return Err(format!(
                        "written page at {start} past the memory's {size} bytes"
                    ));
                };
                let from_image = image.bytes.get(start..).unwrap_or(&[]);
                let from_image = &from_image[..from_image.len().min(page)];
                let (head, tail) = dest.split_at_mut(from_image.len());
                if compare && head == from_image && tail.iter().all(|&b| b == 0) {
                    // Not changed by this call: drop it rather than keep copying it.
                    match self.unchanged.last_mut() {
                        Some(last) if last.end == start => last.end = start + page,
                        _ => self.unchanged.push(start..start + page),
                    }
                } else {
                    head.copy_from_slice(from_image);
                    tail.fill(0);
                }
            }
        }
        for index in 0..self.unchanged.len() {
            let range = self.unchanged[index].clone();
            self.store.discard(range).map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

impl Inner {
    pub(super) fn available(&self, runner: &Runner<'_>) -> bool {
        self.pool_image(runner).is_some()
    }

    /// The runtime's image, built on first use (`None`: pooling unavailable).
    fn pool_image(&self, runner: &Runner<'_>) -> Option<Arc<PoolImage>> {
        self.image
            .get_or_init(|| match build_image(runner) {
                Ok(image) => Some(Arc::new(image)),
                Err(reason) => {
                    log::debug!(target: "subexec", "instance pooling unavailable: {reason}");
                    None
                }
            })
            .clone()
    }
}

/// Instantiates the runtime once on an ordinary memory of its initial pages and keeps
/// that memory's contents as the image. (Imported or defined, the memory is created the
/// same way: at the module's initial pages; see
/// [`crate::memory::MemorySource::created_pages`].)
fn build_image(runner: &Runner<'_>) -> Result<PoolImage, String> {
    let minimum = runner.prepared.memory.minimum();
    let plan = MemoryPlan {
        initial_pages: minimum,
        max_pages: minimum,
        allocator_max_pages: None,
        backing: Backing::PreGrown,
    };
    let mut store = runner.new_store(plan);
    let mut ctx = wasmi::AsContextMut::as_context_mut(&mut store);
    let memory = new_memory(&mut ctx, runner.prepared, plan).map_err(|e| e.to_string())?;
    let instantiated =
        instantiate(&mut ctx, runner.prepared, plan, memory).map_err(|e| e.to_string())?;
    // Only the pages up to the last non-zero one are copied: the memory may declare gigabytes
    // that were never written (wasmi backs them lazily, vendor/wasmi/PATCHES.md, patch 4), and
    // reading a never-written page costs no memory.
    let data = instantiated.memory.data(&ctx);
    let page = os_page_size();
    let used = data
        .chunks(page)
        .rposition(|chunk| chunk.iter().fold(0u8, |any, &b| any | b) != 0)
        .map_or(0, |last| (last + 1) * page);
    let bytes = data[..used.min(data.len())].to_vec();
    let image = Image::new(&bytes).map_err(|e| e.to_string())?;
    Ok(PoolImage { image, bytes })
}

/// A new pooled instance for `plan`: mapped memory, instantiated, reset to the image.
fn new_pooled(runner: &Runner<'_>, image: &PoolImage, plan: MemoryPlan) -> Result<Pooled, String> {
    let len = (plan.max_pages as usize * PAGE_SIZE as usize).max(os_page_size());
    let created = runner.prepared.memory.created_pages(plan.initial_pages);
    if created > plan.max_pages {
        return Err(format!(
            "{created} initial pages exceed the maximum {}",
            plan.max_pages
        ));
    }
    let ty = memory_type(runner.prepared, plan);
    let (mut store, memory) = MappedStore::new(&image.image, len, runner.new_store(plan), ty)?;
    // A defined memory is grown to the plan's initial pages here: wasmi zeroes the grown
    // pages, which the discard below drops again.
    let instantiated =
        instantiate(&mut store.ctx(), runner.prepared, plan, memory).map_err(|e| e.to_string())?;
    let mut globals = Vec::with_capacity(runner.prepared.mutable_globals.len());
    for name in &runner.prepared.mutable_globals {
        let global = instantiated
            .instance
            .get_global(store.ctx_ref(), name)
            .ok_or_else(|| format!("no exported global {name}"))?;
        globals.push((global, global.get(store.ctx_ref())));
    }
    // wasmi zeroed the initial pages and instantiation wrote the data segments into
    // private copies: drop them, the image holds the same bytes.
    let initial = memory.data(store.ctx_ref()).len();
    store
        .discard(0..initial.next_multiple_of(os_page_size()))
        .map_err(|e| e.to_string())?;
    Ok(Pooled {
        store,
        instantiated,
        plan,
        globals,
        calls_since_discard: 0,
        written: Vec::new(),
        unchanged: Vec::new(),
    })
}

impl Inner {
    /// Runs `method` once under `plan` on a pooled instance, or on a fresh one where the
    /// pool cannot serve the call (see the fallbacks in [`crate::pool`]).
    pub(super) fn run(
        &self,
        runner: &Runner<'_>,
        storage: StorageState,
        method: &str,
        input: &[u8],
        plan: MemoryPlan,
        max_idle: usize,
    ) -> RunOutput {
        let inner = self;
        // The first call of a runtime runs fresh: building the image and a pooled instance
        // costs a few ms, which would delay the first result; the second call pays it.
        if !inner.called.swap(true, Ordering::Relaxed) {
            return runner.run_fresh(storage, method, input, plan);
        }
        let Some(image) = self.pool_image(runner) else {
            return runner.run_fresh(storage, method, input, plan);
        };
        // A pooled instance whose memory grows is dropped after the call, and making one
        // costs more than a fresh instance (its pages fault in from the image): methods seen
        // growing such a memory run fresh.
        if plan.backing != Backing::Lazy && inner.grows(plan, method) {
            return runner.run_fresh(storage, method, input, plan);
        }
        let mut pooled = match inner.checkout(plan) {
            Some(pooled) => pooled,
            None => match new_pooled(runner, &image, plan) {
                Ok(pooled) => pooled,
                Err(reason) => {
                    log::debug!(target: "subexec", "no pooled instance ({reason}): fresh run");
                    return runner.run_fresh(storage, method, input, plan);
                }
            },
        };
        let memory = pooled.instantiated.memory;
        let pages_before = memory.size(pooled.store.ctx_ref());
        let out = runner.run_on(
            pooled.store.ctx(),
            pooled.instantiated,
            storage,
            method,
            input,
            plan,
        );
        let same_size = memory.size(pooled.store.ctx_ref()) == pages_before;
        if !same_size && plan.backing != Backing::Lazy {
            inner.record_growth(plan, method);
        }
        let poisoned = runner.prepared.poison.is_set();
        if out.reusable && !poisoned && (same_size || plan.backing == Backing::Lazy) {
            match pooled.reset(&image) {
                Ok(()) => inner.put(pooled, max_idle),
                Err(reason) => {
                    log::debug!(target: "subexec", "pooled instance dropped: reset failed: {reason}")
                }
            }
        }
        out
    }
}
