//! `subexec`: run Substrate runtime calls from the command line.
//!
//! One file per subcommand; `failure` holds the exit codes and error rendering, `source` the
//! file formats, `report` the output of calls, `progress` the terminal progress line.
//!
//! | subcommand | job |
//! |---|---|
//! | `run` | calls over persistent state; without a runtime, the bundled demo workload |
//! | `version FILE` | a runtime's version |
//! | `inspect FILE` | imports, exports, mode, memory, heap base, sections, compression |
//! | `upgrade-check OLD NEW` | whether NEW may replace OLD, and what differs |
//! | `conformance PATH...` | runs conformance vectors (files or directories) |
//! | `compare` | the bundled workloads in classic and guest-allocator mode, side by side |
//! | `import-blocks` | blocks in order from a genesis or a state, every root checked |
//! | `execute-block` | one block on a state |
//! | `state import/export/root` | state databases: load a chain spec, write a state file, print the root |
//!
//! `--state PATH` is a state database when PATH is an existing directory, else a JSON state
//! file (`state_arg`).
//!
//! `-l/--log TARGET=LEVEL` (any subcommand) installs the logger (`logger`).
//!
//! Errors are printed on one line, `error: WHAT: CAUSE: …`, foreign text escaped and
//! bounded (`subexec_cli::text`); the exit codes are listed in `failure`.

mod compare;
mod conformance;
mod demo;
mod execute_block;
mod failure;
mod import_blocks;
mod import_report;
mod inspect;
mod logger;
mod memory_report;
mod out_of_memory;
mod output;
mod progress;
mod report;
mod run;
mod source;
mod state;
mod state_arg;
mod state_file;
mod upgrade_check;
mod version;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "subexec",
    version,
    about = "Deterministic Substrate runtime executor",
    after_help = "Exit codes: 0 success, 1 other failure (e.g. a conformance vector fails), \
                  2 bad input, 3 the runtime failed (trap, panic, out of fuel, refused upgrade)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Log directives, as a Substrate node takes them: `LEVEL`, `TARGET=LEVEL` or `TARGET`,
    /// comma-separated, repeatable (after `RUST_LOG`'s). Runtime logs use targets `runtime`
    /// and `runtime::*`; the level in force is what `ext_logging_max_level` reports. Default:
    /// off.
    #[arg(short = 'l', long = "log", global = true, value_name = "TARGET=LEVEL")]
    log: Vec<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Call runtime entry points (without a runtime: the bundled demo workload).
    Run(run::RunArgs),
    /// Print a runtime's version.
    Version(version::VersionArgs),
    /// Describe a runtime blob: imports, exports, mode, memory, heap base, sections.
    Inspect(inspect::InspectArgs),
    /// Check whether NEW may replace OLD as a runtime upgrade, and compare them.
    UpgradeCheck(upgrade_check::UpgradeCheckArgs),
    /// Run conformance vectors (JSON files, or directories of them).
    Conformance(conformance::ConformanceArgs),
    /// Run the bundled workloads in classic and guest-allocator mode, print the comparison.
    Compare(compare::CompareArgs),
    /// Import blocks in order from a chain's genesis (or a state), checking every root.
    ImportBlocks(import_blocks::ImportBlocksArgs),
    /// Execute one block on a state (its parent is not checked).
    ExecuteBlock(execute_block::ExecuteBlockArgs),
    /// State databases: `import` a chain spec or state file, `export` a state file, `root`.
    State(state::StateArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match logger::filter(std::env::var("RUST_LOG").ok().as_deref(), &cli.log) {
        Ok(filter) => logger::install(filter),
        Err(bad) => {
            eprintln!(
                "{}",
                failure::Failure::input("bad -l/--log or RUST_LOG", bad).render()
            );
            return ExitCode::from(2);
        }
    }
    let result = match cli.command {
        Command::Run(args) => run::run(args),
        Command::Version(args) => version::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::UpgradeCheck(args) => upgrade_check::run(args),
        Command::Conformance(args) => conformance::run(args),
        Command::Compare(args) => compare::run(args),
        Command::ImportBlocks(args) => import_blocks::run(args),
        Command::ExecuteBlock(args) => execute_block::run(args),
        Command::State(args) => state::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("{}", failure.render());
            failure.exit_code()
        }
    }
}
