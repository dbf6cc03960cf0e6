//! Standard output that fails instead of panicking.
//!
//! `println!` panics (exit 101) when stdout is a closed pipe (`subexec … | head`) or a full
//! device (`> /dev/full`). Every subcommand writes through [`out!`] and [`outln!`] instead,
//! which turn a write error into a [`Failure`] of kind [`Kind::Other`] (exit code 1, "I/O
//! while writing" in `failure.rs`), returned with `?` from the subcommand.

use std::io::Write;

use crate::failure::{Failure, Kind, Outcome};

/// Writes `args` to standard output.
pub fn write(args: std::fmt::Arguments<'_>) -> Outcome {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_fmt(args)
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::caused(Kind::Other, "could not write to standard output", e))
}

/// `print!` that returns a [`Failure`] from the enclosing function when stdout fails.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::write(format_args!($($arg)*))?
    };
}

/// `println!` that returns a [`Failure`] from the enclosing function when stdout fails.
macro_rules! outln {
    () => {
        $crate::output::write(format_args!("\n"))?
    };
    ($($arg:tt)*) => {
        $crate::output::write(format_args!("{}\n", format_args!($($arg)*)))?
    };
}

pub(crate) use {out, outln};
