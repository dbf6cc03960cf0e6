//! Trie work on a stack deep enough for the keys it touches.
//!
//! `trie-db` (inserting, removing and committing in `TrieDBMut`) and `trie-root` recurse
//! once per node on a key's path, and a path to a key of `n` bytes has at most `2n + 1`
//! nodes (one per nibble depth, plus the root). Keys that extend each other (`[7]`, `[7, 7]`,
//! …) build exactly such paths: a runtime that sets 20 000 of them and asks for the storage
//! root overflowed the native stack (the process aborts) — Substrate's own client recurses the
//! same way. The depth is bounded by the longest key, so work whose longest key is short runs
//! where it is (every real runtime's keys are under [`INLINE_KEY_BYTES`]), and longer keys get
//! a thread whose stack is sized for their path: the result is the same on every machine, the
//! cost of a thread is paid only by such keys
//! (`tests/key_shapes.rs::long_key_paths_get_a_stack_of_their_own` aborts without it). What
//! such keys cost in time is priced in fuel (`crate::cost::root_price`).

/// Longest key whose trie path is walked on the caller's stack: 1 025 nodes at most, a few
/// hundred KiB of `trie-db` frames, well inside the 2 MiB of a default Rust thread.
pub const INLINE_KEY_BYTES: usize = 512;

/// Stack reserved per node on a path (measured frames of `trie-db` 0.32's recursive insert
/// and commit are under 1 KiB; four times that in unoptimised builds stays below this).
const STACK_PER_NODE: usize = 8 * 1024;

/// Stack for what is not per node: the caller's frames above the recursion.
const STACK_BASE: usize = 1 << 20;

/// Runs `work`, which walks trie paths to keys of at most `longest_key` bytes, on a stack deep
/// enough for them: here if `longest_key` is at most [`INLINE_KEY_BYTES`], else on a scoped
/// thread sized for a path of `2 · longest_key + 2` nodes. A panic of `work` resumes here.
///
/// # Errors
/// The thread could not be created (the system refused the stack's memory).
pub fn with_stack_for<R: Send>(
    longest_key: usize,
    work: impl FnOnce() -> R + Send,
) -> Result<R, std::io::Error> {
    if longest_key <= INLINE_KEY_BYTES {
        return Ok(work());
    }
    let nodes = longest_key.saturating_mul(2).saturating_add(2);
    let stack = nodes
        .saturating_mul(STACK_PER_NODE)
        .saturating_add(STACK_BASE);
    std::thread::scope(|scope| {
        let thread = std::thread::Builder::new()
            .name("subexec-deep-trie".into())
            .stack_size(stack)
            .spawn_scoped(scope, work)?;
        match thread.join() {
            Ok(result) => Ok(result),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_keys_run_here_long_keys_on_a_thread_of_their_own() {
        let here = std::thread::current().id();
        let short = with_stack_for(INLINE_KEY_BYTES, || std::thread::current().id()).unwrap();
        assert_eq!(short, here);
        let long = with_stack_for(INLINE_KEY_BYTES + 1, || std::thread::current().id()).unwrap();
        assert_ne!(long, here);
    }

    #[test]
    fn a_panic_comes_back_to_the_caller() {
        let caught = std::panic::catch_unwind(|| {
            with_stack_for(100_000, || -> () { panic!("deep") }).unwrap();
        });
        assert!(caught.is_err());
    }
}
