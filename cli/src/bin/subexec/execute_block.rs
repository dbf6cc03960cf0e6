//! `subexec execute-block --state FILE --block BLOCK`: one block executed on a state, its
//! state root checked against its header; the block's parent is not checked (the state's head
//! is unknown).
//!
//! BLOCK is one entry of the block-list format (a JSON object, or a list of one), or a
//! SCALE-encoded block (header, compact count, extrinsics). The output, `--json`,
//! `--verbose`, `--memory-budget` and the exit codes are those of `import-blocks`;
//! `--output-state FILE` writes the state after the block.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use subexec_cli::diagnostics::budget::MemoryBudget;
use subexec_executor::block::json::parse_block;
use subexec_executor::block::Block;

use crate::failure::{Failure, Kind, Outcome};
use crate::import_blocks::{executor, start, Run};
use crate::source;

/// `subexec execute-block` arguments.
#[derive(Args)]
pub struct ExecuteBlockArgs {
    /// The state to execute on: a state file or a raw chain spec's genesis.
    #[arg(long, value_name = "FILE")]
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
    let bytes = source::read(path)?;
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
    // A chain spec or a state file: either way the block's parent is not checked.
    let importer = start(&executor, &args.state, args.memory_budget, false)?;
    Run {
        verbose: args.verbose,
        json: args.json,
        budget: args.memory_budget,
        state: args.output_state.as_deref(),
    }
    .import(importer, std::slice::from_ref(&block), started)
}
