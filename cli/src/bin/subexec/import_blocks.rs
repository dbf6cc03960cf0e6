//! `subexec import-blocks --chain-spec SPEC --blocks BLOCKS.json`: blocks imported in order
//! from the genesis of SPEC, each one's state root checked against its header
//! ([`subexec_executor::block::Importer`]).
//!
//! SPEC is a raw chain spec (a JSON object with `id` or `name`): the chain starts at its
//! genesis header, so block 1's parent hash is checked. It may also be a state file
//! (`run --state`, `import-blocks --state`): the chain starts at that state with an unknown
//! head, and the first block's number and parent are not checked.
//!
//! Output: a progress bar on stderr when it is a terminal; the summary (blocks, total time
//! from the genesis state to the head, blocks/s, head number and hash, state root); a line
//! per block with `--verbose`; one JSON document instead with `--json` (also printed when a
//! block is refused: the blocks imported, then `error`). `--state FILE` writes the state of
//! the head when every block imported. `--memory-budget validator|PAGES` runs every block
//! under that budget, reports each block's heap footprint and headroom and names the block
//! that came closest. Exit codes: see `import_report`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::Args;
use subexec_cli::diagnostics::budget::{BudgetReport, MemoryBudget};
use subexec_executor::block::json::parse_blocks;
use subexec_executor::block::{Block, Importer};
use subexec_executor::storage::chain_spec::GenesisStorage;
use subexec_executor::{CallOptions, Executor};

use crate::failure::{Failure, Kind, Outcome};
use crate::import_report as report;
use crate::source;

/// `subexec import-blocks` arguments.
#[derive(Args)]
pub struct ImportBlocksArgs {
    /// Raw chain spec (the chain starts at its genesis) or state file (the first block's
    /// parent is not checked).
    #[arg(long, value_name = "SPEC")]
    chain_spec: PathBuf,
    /// The blocks, in order: `[{"number", "hash", "header", "extrinsics": [...]}, ...]`.
    #[arg(long, value_name = "BLOCKS.json")]
    blocks: PathBuf,
    /// Write the state of the head to FILE when every block imported.
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// One line per block: time split, host calls, heap peak, changes.
    #[arg(long)]
    verbose: bool,
    /// Print one JSON document instead of text.
    #[arg(long)]
    json: bool,
    /// Fuel budget of each block (every block is metered; raise it for heavier work).
    #[arg(long, value_name = "N", default_value = subexec_cli::limits::DEFAULT_CALL_FUEL_ARG)]
    fuel: Option<u64>,
    /// Link unknown host functions as stubs that trap when called.
    #[arg(long)]
    allow_missing_host_functions: bool,
    /// Run every block under a memory budget (`validator`: the PVF default, 2080 pages; or a
    /// total page count) and report each block's heap footprint and headroom.
    #[arg(long, value_name = "validator|PAGES")]
    memory_budget: Option<MemoryBudget>,
}

/// Whether `bytes` is a raw chain spec (a top-level `id` or `name`) rather than a state file.
fn is_chain_spec(bytes: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Probe {
        id: Option<serde::de::IgnoredAny>,
        name: Option<serde::de::IgnoredAny>,
    }
    serde_json::from_slice::<Probe>(bytes).is_ok_and(|p| p.id.is_some() || p.name.is_some())
}

/// The importer at the start of SPEC: its genesis if it is a chain spec and `genesis` is
/// asked for, else a bare state.
pub fn start(
    executor: &Executor,
    path: &Path,
    budget: Option<MemoryBudget>,
    genesis: bool,
) -> Outcome<Importer> {
    let bytes = source::read(path)?;
    let storage = GenesisStorage::from_json(&bytes).map_err(|e| {
        Failure::input(
            format!("`{}` is not a raw chain spec or state file", path.display()),
            e,
        )
    })?;
    let importer = match genesis && is_chain_spec(&bytes) {
        true => Importer::from_genesis(executor, storage),
        false => Importer::from_storage(executor, storage),
    };
    let importer = importer.map_err(|e| {
        let kind = match e {
            subexec_executor::block::GenesisError::Version(_) => Kind::Runtime,
            _ => Kind::BadInput,
        };
        Failure::caused(kind, format!("cannot start from `{}`", path.display()), e)
    })?;
    let options = CallOptions {
        trace_allocations: budget.is_some(),
        ..CallOptions::default()
    };
    Ok(importer
        .with_heap_alloc_strategy(budget.map(MemoryBudget::heap_alloc_strategy))
        .with_call_options(options))
}

/// The executor of the block commands.
pub fn executor(fuel: Option<u64>, allow_missing: bool) -> Executor {
    Executor::builder()
        .fuel(fuel)
        .allow_missing_host_functions(allow_missing)
        .build()
}

/// A progress bar on stderr, only when it is a terminal.
struct ProgressBar {
    total: usize,
    shown: bool,
    last: Instant,
}

impl ProgressBar {
    fn new(total: usize) -> Self {
        ProgressBar {
            total,
            shown: false,
            last: Instant::now(),
        }
    }

    fn update(&mut self, done: usize, elapsed: Duration) {
        if self.last.elapsed() < Duration::from_millis(100) && done < self.total {
            return;
        }
        self.last = Instant::now();
        if !std::io::stderr().is_terminal() {
            return;
        }
        const WIDTH: usize = 30;
        let filled = (done * WIDTH).checked_div(self.total).unwrap_or(WIDTH);
        let rate = done as f64 / elapsed.as_secs_f64().max(1e-9);
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r\x1b[2K[{}{}] {done}/{} blocks, {rate:.0} blocks/s",
            "#".repeat(filled),
            " ".repeat(WIDTH - filled),
            self.total
        );
        let _ = err.flush();
        self.shown = true;
    }
}

impl Drop for ProgressBar {
    fn drop(&mut self) {
        if self.shown {
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
        }
    }
}

/// Imports `blocks` and prints what the flags ask for; the shared core of both commands.
pub struct Run<'a> {
    /// Per-block lines.
    pub verbose: bool,
    /// JSON document.
    pub json: bool,
    /// Memory budget.
    pub budget: Option<MemoryBudget>,
    /// Where to save the final state.
    pub state: Option<&'a Path>,
}

impl Run<'_> {
    /// Imports every block in order; prints; saves the state when all imported.
    pub fn import(&self, mut importer: Importer, blocks: &[Block], started: Instant) -> Outcome {
        let mut records = Vec::new();
        let mut budgets: Vec<(u32, BudgetReport)> = Vec::new();
        let mut progress = ProgressBar::new(blocks.len());
        let mut refused = None;
        for (index, block) in blocks.iter().enumerate() {
            match importer.import(block) {
                Ok(outcome) => {
                    let budget = report::budget_of(&outcome, self.budget);
                    if self.json {
                        records.push(report::block_json(&outcome, budget.as_ref()));
                    } else {
                        progress.update(index + 1, started.elapsed());
                        if self.verbose {
                            println!("{}", report::block_line(&outcome, block.extrinsics().len()));
                            for line in &outcome.call.logs.lines {
                                println!("  log {} {}: {}", line.level, line.target, line.message);
                            }
                        }
                        if let Some(budget) = &budget {
                            println!("{}", report::budget_line(outcome.number, budget));
                        }
                    }
                    if let Some(budget) = budget {
                        budgets.push((outcome.number, budget));
                    }
                }
                Err(error) => {
                    refused = Some(error);
                    break;
                }
            }
        }
        drop(progress);
        let elapsed = started.elapsed();
        let closest = report::closest(&budgets);
        if self.json {
            let document = report::document(&importer, records, elapsed, closest, refused.as_ref());
            println!(
                "{}",
                serde_json::to_string_pretty(&document).unwrap_or_default()
            );
        } else if refused.is_none() {
            print!("{}", report::summary(&importer, blocks.len(), elapsed));
            if let (Some((number, closest)), Some(budget)) = (closest, self.budget) {
                println!(
                    "closest to the {budget} budget: block #{number}, heap footprint {}, headroom {} bytes",
                    subexec_cli::diagnostics::heap_map::human_bytes(closest.footprint_bytes),
                    closest.headroom_bytes
                );
            }
        }
        if let Some(error) = refused {
            return Err(report::block_failure(error));
        }
        if let Some(path) = self.state {
            source::save_state(path, importer.state())?;
        }
        Ok(())
    }
}

/// Runs `subexec import-blocks`.
pub fn run(args: ImportBlocksArgs) -> Outcome {
    let blocks = parse_blocks(&source::read(&args.blocks)?).map_err(|e| {
        Failure::input(
            format!("`{}` is not a valid block list", args.blocks.display()),
            e,
        )
    })?;
    let executor = executor(args.fuel, args.allow_missing_host_functions);
    let started = Instant::now();
    let importer = start(&executor, &args.chain_spec, args.memory_budget, true)?;
    Run {
        verbose: args.verbose,
        json: args.json,
        budget: args.memory_budget,
        state: args.state.as_deref(),
    }
    .import(importer, &blocks, started)
}
