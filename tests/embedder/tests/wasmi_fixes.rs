//! The regression inputs of both wasmi fixes (vendor/wasmi/PATCHES.md), run by a crate that
//! depends on subexec-executor as a node does. Before the fixes, each took the whole process
//! down from an ordinary, valid blob: `wasmi_store_register_pair_panic` (finding 6, patch 1) a
//! translator `unreachable!()` at the first call, `tail_dispatch_stack_overflow_refused_memory_grow`
//! (finding 4, patch 2) a native stack overflow, an abort. If Cargo built upstream wasmi here
//! (as it did when the fixes were a `[patch.crates-io]` of subexec's workspace), the first
//! would be an `EnginePanicked` error and the second would abort this test process.
//!
//! The inputs are fuzz inputs of the `executor_modules` target: the fuzz crate's own module
//! generator (`fuzz/src/smith.rs`, included below by path, with the `outcome` module it uses)
//! turns them into the modules, so this test and the fuzzer replay the same bytes.

#[allow(dead_code)]
#[path = "../../../fuzz/src/outcome.rs"]
mod outcome;
#[allow(dead_code)]
#[path = "../../../fuzz/src/smith.rs"]
mod smith;

use std::path::{Path, PathBuf};

use subexec_embedder_test::{call, executor, Outcome};
use subexec_executor::CallError;

const REGRESSIONS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../fuzz/regressions/executor_modules"
);

fn input(name: &str) -> Vec<u8> {
    let path = Path::new(REGRESSIONS).join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The regression's module, called as a node calls a runtime; the outcome must be typed and
/// must not be an engine panic (the patched engine has none to catch).
fn run(name: &str) -> Outcome {
    let data = input(name);
    let (_mode, wasm, input) = smith::module_and_input(&data).expect("the input builds a module");
    let outcome = call(&executor(outcome::FUEL), &wasm, smith::ENTRY, &input);
    eprintln!("{name}: {outcome:?}");
    if let Outcome::Failed(
        error @ (CallError::EnginePanicked { .. }
        | CallError::HostFunctionPanicked { .. }
        | CallError::RuntimePoisoned { .. }),
    ) = &outcome
    {
        panic!("{name}: the engine panicked, is this upstream wasmi? {error}");
    }
    outcome
}

/// Patch 1: the integer store with a register pair and a 32-bit offset translates and runs.
#[test]
fn store_register_pair_runs_to_a_typed_outcome() {
    let outcome = run("wasmi_store_register_pair_panic");
    assert!(
        matches!(outcome, Outcome::Returned(_) | Outcome::Failed(_)),
        "{outcome:?}"
    );
}

/// Patch 2: a loop of refused `memory.grow`s ends in a typed outcome (fuel runs out, or the
/// guest returns), not in a native stack overflow.
#[test]
fn memory_grow_loop_ends_without_overflowing_the_host_stack() {
    let outcome = run("tail_dispatch_stack_overflow_refused_memory_grow");
    assert!(
        matches!(outcome, Outcome::Returned(_) | Outcome::Failed(_)),
        "{outcome:?}"
    );
}

/// Every input of the target's regression folder (the two above and the others), through the
/// fuzz target's own checks: load twice, call twice per heap strategy, byte-identical runs, no
/// engine or host-function panic.
#[test]
fn every_executor_modules_regression_replays() {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(REGRESSIONS)
        .expect("the regression folder")
        .map(|entry| entry.expect("an entry").path())
        .collect();
    paths.sort();
    assert!(paths.len() >= 2, "{paths:?}");
    for path in paths {
        eprintln!("{}", path.display());
        smith::run(&std::fs::read(&path).expect("readable"));
    }
}
