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
//!
//! Errors are printed as `error: WHAT` followed by one `caused by:` line per cause; the exit
//! codes are listed in `failure`.

mod compare;
mod conformance;
mod demo;
mod failure;
mod inspect;
mod memory_report;
mod out_of_memory;
mod progress;
mod report;
mod run;
mod source;
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
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Run(args) => run::run(args),
        Command::Version(args) => version::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::UpgradeCheck(args) => upgrade_check::run(args),
        Command::Conformance(args) => conformance::run(args),
        Command::Compare(args) => compare::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("{}", failure.render());
            failure.exit_code()
        }
    }
}
