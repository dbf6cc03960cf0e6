//! The command line's logger: Substrate's `-l/--log TARGET=LEVEL` directives (and `RUST_LOG`).
//!
//! A directive is `LEVEL` (every target), `TARGET=LEVEL`, or a bare `TARGET` (every level of
//! it); several may be joined with commas and `-l` may be repeated. `RUST_LOG`'s directives
//! come first and `-l`'s after them, so `-l` wins for the same target, as in a Substrate node.
//! A line is printed on stderr (`LEVEL target: message`) when the directive with the longest
//! target that prefixes the line's target allows its level. Without any directive nothing is
//! logged: the level in force is `off`.
//!
//! The level in force matters to runtimes, not only to the output: `ext_logging_max_level`
//! reports `log::max_level()`, which the logger sets to the most verbose level any directive
//! allows, and a runtime only sends lines up to it (and may run a different path, consuming
//! different fuel, when it logs more).

use std::io::Write;
use subexec_cli::text::{one_line, one_line_within, MAX_LOG_MESSAGE_BYTES};

use log::{LevelFilter, Log, Metadata, Record};

/// A directive that is not `LEVEL`, `TARGET=LEVEL` or `TARGET`.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
#[error("log directive `{0}` is not LEVEL, TARGET=LEVEL or TARGET (levels: off, error, warn, info, debug, trace)")]
pub struct BadDirective(pub String);

/// The parsed directives: the level of each target prefix (`""` for every target).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    directives: Vec<(String, LevelFilter)>,
}

fn level(text: &str) -> Option<LevelFilter> {
    text.trim().parse().ok()
}

impl Filter {
    /// Adds the comma-separated directives of `spec`; a later directive for the same target
    /// replaces an earlier one.
    ///
    /// # Errors
    /// [`BadDirective`] naming the first malformed directive.
    pub fn add(&mut self, spec: &str) -> Result<(), BadDirective> {
        for directive in spec.split(',').map(str::trim).filter(|d| !d.is_empty()) {
            let (target, filter) = match directive.split_once('=') {
                Some((target, lvl)) => (
                    target.trim(),
                    level(lvl).ok_or_else(|| BadDirective(directive.into()))?,
                ),
                None => match level(directive) {
                    Some(filter) => ("", filter),
                    None => (directive, LevelFilter::Trace),
                },
            };
            if target.contains(char::is_whitespace) {
                return Err(BadDirective(directive.into()));
            }
            self.directives.retain(|(t, _)| t != target);
            self.directives.push((target.to_string(), filter));
        }
        Ok(())
    }

    /// The level allowed for `target`: the directive with the longest prefixing target.
    pub fn level_for(&self, target: &str) -> LevelFilter {
        self.directives
            .iter()
            .filter(|(prefix, _)| target.starts_with(prefix.as_str()))
            .max_by_key(|(prefix, _)| prefix.len())
            .map_or(LevelFilter::Off, |(_, filter)| *filter)
    }

    /// The most verbose level any directive allows (what `log::max_level()` is set to).
    pub fn max_level(&self) -> LevelFilter {
        self.directives
            .iter()
            .map(|(_, filter)| *filter)
            .max()
            .unwrap_or(LevelFilter::Off)
    }
}

struct StderrLogger(Filter);

impl Log for StderrLogger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= self.0.level_for(metadata.target())
    }

    fn log(&self, record: &Record<'_>) {
        if self.enabled(record.metadata()) {
            // A runtime chooses its targets and messages: one escaped, bounded line each.
            let (target, message) = (record.target(), record.args().to_string());
            let mut err = std::io::stderr().lock();
            let _ = writeln!(
                err,
                "{} {}: {}",
                record.level(),
                one_line(target),
                one_line_within(&message, MAX_LOG_MESSAGE_BYTES)
            );
        }
    }

    fn flush(&self) {
        let _ = std::io::stderr().flush();
    }
}

/// The filter of `RUST_LOG` (if set) followed by the `-l` directives.
///
/// # Errors
/// [`BadDirective`] for a malformed directive, in either.
pub fn filter(rust_log: Option<&str>, directives: &[String]) -> Result<Filter, BadDirective> {
    let mut filter = Filter::default();
    if let Some(spec) = rust_log {
        filter.add(spec)?;
    }
    for spec in directives {
        filter.add(spec)?;
    }
    Ok(filter)
}

/// Installs the logger for `filter` and sets `log::max_level()`; nothing when it is `off`.
pub fn install(filter: Filter) {
    let max = filter.max_level();
    if max == LevelFilter::Off {
        return;
    }
    if log::set_boxed_logger(Box::new(StderrLogger(filter))).is_ok() {
        log::set_max_level(max);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_substrate_directives() {
        let f = filter(
            Some("info,runtime=warn"),
            &["runtime::system=trace,sync".into()],
        )
        .unwrap();
        assert_eq!(f.level_for("anything"), LevelFilter::Info);
        assert_eq!(f.level_for("runtime"), LevelFilter::Warn);
        assert_eq!(f.level_for("runtime::balances"), LevelFilter::Warn);
        assert_eq!(f.level_for("runtime::system"), LevelFilter::Trace);
        assert_eq!(f.level_for("sync"), LevelFilter::Trace);
        assert_eq!(f.max_level(), LevelFilter::Trace);
        // `-l` overrides RUST_LOG for the same target.
        let f = filter(Some("runtime=trace"), &["runtime=error".into()]).unwrap();
        assert_eq!(f.level_for("runtime"), LevelFilter::Error);
        assert_eq!(f.level_for("other"), LevelFilter::Off);
        assert_eq!(filter(None, &[]).unwrap().max_level(), LevelFilter::Off);
        assert_eq!(
            filter(None, &["DEBUG".into()]).unwrap().max_level(),
            LevelFilter::Debug
        );
    }

    #[test]
    fn refuses_bad_levels() {
        assert!(filter(None, &["runtime=loud".into()]).is_err());
        assert!(filter(Some("a b"), &[]).is_err());
        assert!(filter(None, &["=".into()]).is_err());
    }
}
