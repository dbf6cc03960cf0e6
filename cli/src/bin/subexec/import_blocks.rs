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
//! block is refused: the blocks imported, then `error`).
//!
//! `--state`: a state database (an existing directory) is the start *and* the destination:
//! the blocks run on the database's state (its trie read in place, roots incremental; the
//! first block's number and parent are checked against the block the database's head records,
//! if any: the genesis after `state import` of a chain spec, the last block after an import)
//! and, when every block imported, their changes and the new head block are
//! committed in one transaction (a refused block commits nothing, not even the blocks before
//! it); `--chain-spec` is then refused (`subexec state import` loads one). A state file is
//! the destination when `--chain-spec` is given, else the start and the destination; it is
//! locked for the whole import and written atomically when every block imported, never over
//! a chain spec (`state_file`). `--memory-budget validator|PAGES` runs every block
//! under that budget, reports each block's heap footprint and headroom and names the block
//! that came closest. Exit codes: see `import_report`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
use subexec_cli::diagnostics::budget::{BudgetReport, MemoryBudget};
use subexec_executor::block::json::parse_blocks;
use subexec_executor::block::{Block, Importer};
use subexec_executor::storage::{CommittedState, InMemoryBackend};
use subexec_executor::{CallOptions, Executor};
use subexec_state_db::BlockRef;

use crate::failure::{Failure, Kind, Outcome};
use crate::import_report as report;
use crate::source;
use crate::state_arg::{self, Location};
use crate::state_file::StateFile;

/// `subexec import-blocks` arguments.
#[derive(Args)]
pub struct ImportBlocksArgs {
    /// Raw chain spec (the chain starts at its genesis) or state file (the first block's
    /// parent is not checked). Without it the chain starts at `--state`.
    #[arg(long, value_name = "SPEC")]
    chain_spec: Option<PathBuf>,
    /// The blocks, in order: `[{"number", "hash", "header", "extrinsics": [...]}, ...]`.
    #[arg(long, value_name = "BLOCKS.json")]
    blocks: PathBuf,
    /// A state database (an existing directory: start here, commit the head here) or a state
    /// file (written with the head's state; also the start without `--chain-spec`). Written
    /// only when every block imported.
    #[arg(long, value_name = "DIR|FILE")]
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

/// The importer at the start of SPEC: its genesis if it is a chain spec and `genesis` is
/// asked for, else a bare state.
pub fn start(
    executor: &Executor,
    path: &Path,
    budget: Option<MemoryBudget>,
    genesis: bool,
) -> Outcome<Importer> {
    let bytes = source::read(path)?;
    let storage = source::parse_genesis(path, &bytes)?;
    let importer = match genesis && source::is_chain_spec(&bytes) {
        true => Importer::from_genesis(executor, storage),
        false => Importer::from_storage(executor, storage),
    };
    Ok(configure(
        importer.map_err(|e| start_failure(path, e))?,
        budget,
    ))
}

/// A failure to start an importer at `path`.
pub fn start_failure(path: &Path, e: subexec_executor::block::GenesisError) -> Failure {
    let kind = match e {
        subexec_executor::block::GenesisError::Version(_) => Kind::Runtime,
        _ => Kind::BadInput,
    };
    Failure::caused(kind, format!("cannot start from `{}`", path.display()), e)
}

/// `importer` under the memory budget, recording allocations when there is one.
pub fn configure<S: CommittedState>(
    importer: Importer<S>,
    budget: Option<MemoryBudget>,
) -> Importer<S> {
    let options = CallOptions {
        trace_allocations: budget.is_some(),
        ..CallOptions::default()
    };
    importer
        .with_heap_alloc_strategy(budget.map(MemoryBudget::heap_alloc_strategy))
        .with_call_options(options)
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
pub struct Run {
    /// Per-block lines.
    pub verbose: bool,
    /// JSON document.
    pub json: bool,
    /// Memory budget.
    pub budget: Option<MemoryBudget>,
}

/// What saves the head's state when every block imported.
pub type Save<'a, S> = &'a mut dyn FnMut(&Importer<S>) -> Outcome;

impl Run {
    /// Imports every block in order; prints; calls `save` when all imported.
    pub fn import<S: CommittedState>(
        &self,
        mut importer: Importer<S>,
        blocks: &[Block],
        started: Instant,
        save: Save<'_, S>,
    ) -> Outcome {
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
        save(&importer)
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
    let run = Run {
        verbose: args.verbose,
        json: args.json,
        budget: args.memory_budget,
    };
    match (
        args.state.as_deref().map(state_arg::locate),
        &args.chain_spec,
    ) {
        (Some(Location::Database(_)), Some(_)) => Err(Failure::new(
            Kind::BadInput,
            "--chain-spec cannot start a state database: load it with `subexec state import`",
        )),
        (Some(Location::Database(dir)), None) => {
            let mut db = state_arg::open_existing(&dir)?;
            let head = state_arg::block_head(&db);
            let importer = Importer::on_state(&executor, db.stage(), head)
                .map_err(|e| start_failure(&dir, e))?;
            let importer = configure(importer, args.memory_budget);
            run.import(importer, &blocks, started, &mut |importer| {
                let staged = importer.committed();
                match importer.head() {
                    Some(head) => db.commit_block(
                        staged,
                        BlockRef {
                            number: head.number.into(),
                            hash: head.hash,
                        },
                    ),
                    None => db.commit_staged(staged),
                }
                .map(drop)
                .map_err(|e| state_arg::db_failure(&dir, e))
            })
        }
        (state, Some(spec)) => {
            let file = match state {
                Some(Location::File(path)) => Some(StateFile::open_output(&path)?),
                _ => None,
            };
            let importer = start(&executor, spec, args.memory_budget, true)?;
            let mut save = save_to(file.as_ref());
            run.import(importer, &blocks, started, &mut save)
        }
        (Some(Location::File(path)), None) => {
            let mut file = StateFile::open(&path)?;
            let genesis = file.take_genesis().ok_or_else(|| {
                Failure::new(
                    Kind::BadInput,
                    format!(
                        "`{}` does not exist (give --chain-spec to start from a genesis)",
                        path.display()
                    ),
                )
            })?;
            let importer =
                Importer::from_storage(&executor, genesis).map_err(|e| start_failure(&path, e))?;
            let importer = configure(importer, args.memory_budget);
            let mut save = save_to(Some(&file));
            run.import(importer, &blocks, started, &mut save)
        }
        (None, None) => Err(Failure::new(
            Kind::BadInput,
            "give --chain-spec, --state, or both",
        )),
    }
}

/// Saves an in-memory importer's state to `file` (if any).
pub fn save_to(
    file: Option<&StateFile>,
) -> impl FnMut(&Importer<Arc<InMemoryBackend>>) -> Outcome + '_ {
    move |importer| match file {
        Some(file) => file.save(importer.state(), true),
        None => Ok(()),
    }
}
