//! `subexec conformance PATH...`: runs conformance vectors (files, or every `*.json` in a
//! directory) and prints PASS/FAIL per vector with a diff of every mismatch. Exits 1 if any
//! vector fails or cannot be run, 2 if a path cannot be read.

use crate::output::outln;
use std::path::{Path, PathBuf};

use clap::Args;
use subexec_cli::conformance::run_file;
use subexec_cli::conformance::runner::error_chain;
use subexec_cli::text::one_line;

use crate::failure::{Failure, Kind, Outcome};
use crate::progress::Progress;

/// `subexec conformance` arguments.
#[derive(Args)]
pub struct ConformanceArgs {
    /// Vector files or directories of them.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
}

fn expand(path: &Path) -> Outcome<Vec<PathBuf>> {
    let metadata = std::fs::metadata(path)
        .map_err(|e| Failure::input(format!("cannot read `{}`", path.display()), e))?;
    if !metadata.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let entries = std::fs::read_dir(path)
        .map_err(|e| Failure::input(format!("cannot read `{}`", path.display()), e))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry =
            entry.map_err(|e| Failure::input(format!("cannot read `{}`", path.display()), e))?;
        if entry.path().extension().is_some_and(|e| e == "json") {
            files.push(entry.path());
        }
    }
    files.sort();
    Ok(files)
}

/// Runs `subexec conformance`.
pub fn run(args: ConformanceArgs) -> Outcome {
    let mut files = Vec::new();
    for path in &args.paths {
        files.extend(expand(path)?);
    }
    let total = files.len();
    let mut failed = 0;
    for (index, file) in files.iter().enumerate() {
        let result = {
            let _progress = Progress::start(format!("[{}/{total}] {}", index + 1, file.display()));
            run_file(file)
        };
        match result {
            Ok(report) if report.passed() => {
                outln!(
                    "PASS {} ({} calls) {}",
                    report.name,
                    report.calls,
                    file.display()
                );
            }
            Ok(report) => {
                failed += 1;
                outln!(
                    "FAIL {} ({} mismatches) {}",
                    report.name,
                    report.mismatches.len(),
                    file.display()
                );
                // Mismatches quote what the runtime returned: each line escaped and bounded.
                for mismatch in &report.mismatches {
                    for line in mismatch.to_string().lines() {
                        outln!("  {}", one_line(line));
                    }
                }
            }
            Err(error) => {
                failed += 1;
                outln!(
                    "ERROR {}: {}",
                    file.display(),
                    one_line(&error_chain(&error))
                );
            }
        }
    }
    outln!("{} of {total} vectors passed", total - failed);
    if failed > 0 {
        return Err(Failure::new(
            Kind::Other,
            format!("{failed} of {total} conformance vectors failed"),
        ));
    }
    Ok(())
}
