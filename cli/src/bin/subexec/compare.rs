//! `subexec compare`: the bundled `runtime-guest` workloads in both modes, side by side.
//!
//! Runs every workload of [`subexec_cli::comparison`] on the classic and the
//! guest-allocator blob (metered, so fuel is reported), checks that outputs and storage
//! changes agree, and prints the Markdown table; `--svg FILE` also writes the ratio chart.
//! Times are medians of `--runs` runs (the criterion bench `modes` is the reference for time).

use crate::output::out;
use std::path::PathBuf;

use clap::Args;
use subexec_cli::comparison::{compare, executor, render_svg, render_table};
use subexec_runtime_blobs::{CLASSIC, GUEST_ALLOCATOR};

use crate::failure::{Failure, Kind, Outcome};

/// `subexec compare` arguments.
#[derive(Args)]
pub struct CompareArgs {
    /// Also write the ratio chart (SVG) to this file.
    #[arg(long)]
    svg: Option<PathBuf>,
    /// Runs per workload and mode (the median time is printed).
    #[arg(long, default_value_t = 5)]
    runs: usize,
}

/// Runs `subexec compare`.
pub fn run(args: CompareArgs) -> Outcome {
    let executor = executor();
    let rows = compare(&executor, CLASSIC, GUEST_ALLOCATOR, args.runs)
        .map_err(|e| Failure::caused(Kind::Runtime, "comparison failed", e))?;
    for (classic, guest) in &rows {
        if classic.outcome.output != guest.outcome.output || classic.changes != guest.changes {
            return Err(Failure::new(
                Kind::Other,
                format!("{}: the two modes disagree", classic.workload),
            ));
        }
    }
    out!("{}", render_table(&rows));
    if let Some(path) = args.svg {
        std::fs::write(&path, render_svg(&rows)).map_err(|e| {
            Failure::caused(Kind::Other, format!("cannot write {}", path.display()), e)
        })?;
    }
    Ok(())
}
