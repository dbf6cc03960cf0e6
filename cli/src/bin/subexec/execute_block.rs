//! `subexec execute-block --state FILE --block BLOCK`: one block executed on a state, its
//! state root checked against its header; the block's parent is not checked (the state's head
//! is unknown).
//!
//! BLOCK is one entry of the block-list format (a JSON object, or a list of one), or a
//! SCALE-encoded block (header, compact count, extrinsics). The output, `--json`,
//! `--verbose`, `--memory-budget` and the exit codes are those of `import-blocks`;
//! `--output-state FILE` writes the state after the block (atomically, under a lock).
//!
//! `--state` may be a state database (an existing directory): the block runs on its state
//! read in place, and nothing is committed to it (`import-blocks --state DIR` commits).

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use subexec_cli::diagnostics::budget::MemoryBudget;
use subexec_executor::block::json::parse_block;
use subexec_executor::block::Block;

use crate::failure::{Failure, Kind, Outcome};
use crate::import_blocks::{configure, executor, save_to, start, start_failure, Run};
use crate::source;
use crate::state_arg::{self, Location};
use crate::state_file::{self, StateFile};
use subexec_executor::block::Importer;
use subexec_executor::storage::CommittedState;

/// `subexec execute-block` arguments.
#[derive(Args)]
pub struct ExecuteBlockArgs {
    /// The state to execute on: a state database (an existing directory, not changed), a
    /// state file or a raw chain spec's genesis.
    #[arg(long, value_name = "DIR|FILE")]
    state: PathBuf,
    /// The block: a JSON entry of the block-list format, or a SCALE-encoded block.
    #[arg(long, value_name = "FILE")]
    block: PathBuf,
    /// Write the state after the block to FILE.
    #[arg(long, value_name = "FILE")]
    output_state: Option<PathBuf>,
    /// The per-block line: time split, host calls, heap peak, changes.
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
    /// Run the block under a memory budget and report its heap footprint and headroom.
    #[arg(long, value_name = "validator|PAGES")]
    memory_budget: Option<MemoryBudget>,
}

/// A block file: JSON (an object or a list of one) if it parses as JSON, else SCALE.
fn read_block(path: &std::path::Path) -> Outcome<Block> {
    let bytes = source::read_bounded(path, source::MAX_BLOCK_FILE_BYTES, "the block file")?;
    let json = parse_block(&bytes);
    if let Ok(block) = json {
        return Ok(block);
    }
    let scale = Block::decode_exact(&bytes);
    match (json, scale) {
        (_, Ok(block)) => Ok(block),
        (Err(json), Err(scale)) => Err(Failure::new(
            Kind::BadInput,
            format!(
                "`{}` is neither a JSON block ({json}) nor a SCALE block ({scale})",
                path.display()
            ),
        )),
        (Ok(block), _) => Ok(block),
    }
}

/// Runs `subexec execute-block`.
pub fn run(args: ExecuteBlockArgs) -> Outcome {
    let block = read_block(&args.block)?;
    let executor = executor(args.fuel, args.allow_missing_host_functions);
    let started = Instant::now();
    let run = Run {
        verbose: args.verbose,
        json: args.json,
        budget: args.memory_budget,
    };
    let output = match &args.output_state {
        Some(path) => Some(StateFile::open_output(path)?),
        None => None,
    };
    let blocks = std::slice::from_ref(&block);
    match state_arg::locate(&args.state) {
        Location::Database(dir) => {
            let db = state_arg::open_existing(&dir)?;
            let importer = Importer::on_state(&executor, db.stage(), None)
                .map_err(|e| start_failure(&dir, e))?;
            let importer = configure(importer, args.memory_budget);
            run.import(importer, blocks, started, &mut |importer| match (
                &args.output_state,
                &output,
            ) {
                (Some(path), Some(_lock)) => {
                    state_file::write(path, importer.committed().backend().as_ref())
                }
                _ => Ok(()),
            })
        }
        Location::File(path) => {
            // A chain spec or a state file: either way the block's parent is not checked.
            let importer = start(&executor, &path, args.memory_budget, false)?;
            let mut save = save_to(output.as_ref());
            run.import(importer, blocks, started, &mut save)
        }
    }
}
