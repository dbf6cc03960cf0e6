//! How the command line fails: one line naming what went wrong and its cause chain, and an
//! exit code that says whose fault it was.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success (`conformance`: every vector passed) |
//! | 1 | anything else: I/O while writing, a conformance vector that does not pass |
//! | 2 | bad input: unreadable or invalid file, bad hex, a blob that does not load, unknown entry point |
//! | 3 | the runtime failed: trap, panic, out of fuel, host-function error, refused upgrade |

use std::error::Error;
use std::process::ExitCode;

use subexec_cli::text::one_line;
use subexec_cli::upgrade::ChainError;
use subexec_executor::{CallError, VersionError};

/// Whose fault a failure is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Exit code 1.
    Other,
    /// Exit code 2.
    BadInput,
    /// Exit code 3.
    Runtime,
}

/// A failure of a subcommand.
#[derive(Debug)]
pub struct Failure {
    kind: Kind,
    message: String,
    cause: Option<Box<dyn Error>>,
}

impl Failure {
    /// A failure with a message and no cause.
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        Failure {
            kind,
            message: message.into(),
            cause: None,
        }
    }

    /// A failure with a message and a cause.
    pub fn caused(kind: Kind, message: impl Into<String>, cause: impl Error + 'static) -> Self {
        Failure {
            kind,
            message: message.into(),
            cause: Some(Box::new(cause)),
        }
    }

    /// Bad input caused by `cause`.
    pub fn input(message: impl Into<String>, cause: impl Error + 'static) -> Self {
        Failure::caused(Kind::BadInput, message, cause)
    }

    /// A failed call on a chain: a missing or mistyped entry point is bad input, a refused
    /// upgrade or anything the runtime did is a runtime failure, a blob that does not load is
    /// bad input.
    pub fn chain(error: ChainError) -> Self {
        let kind = match &error {
            ChainError::Call {
                error: CallError::MissingExport(_) | CallError::BadEntrySignature { .. },
                ..
            }
            | ChainError::NoCode
            | ChainError::Load(_) => Kind::BadInput,
            ChainError::Backend(_) => Kind::Other,
            _ => Kind::Runtime,
        };
        let message = error.to_string();
        match error_source_owned(error) {
            Some(cause) => Failure {
                kind,
                message,
                cause: Some(cause),
            },
            None => Failure::new(kind, message),
        }
    }

    /// A version that could not be read: a blob without a usable `Core_version` export is bad
    /// input (as an unknown entry point is), a `Core_version` that fails is the runtime's fault.
    pub fn version(error: VersionError) -> Self {
        let kind = match &error {
            VersionError::Call(
                CallError::MissingExport(_) | CallError::BadEntrySignature { .. },
            ) => Kind::BadInput,
            _ => Kind::Runtime,
        };
        Failure::caused(kind, "cannot read the runtime's version", error)
    }

    /// The exit code.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(match self.kind {
            Kind::Other => 1,
            Kind::BadInput => 2,
            Kind::Runtime => 3,
        })
    }

    /// `error: MESSAGE: CAUSE: CAUSE…` on one line. Every part may carry text a runtime or a
    /// file chose (a panic message, a name), so each is printed through
    /// [`subexec_cli::text::one_line`]: no newline, escape code or unbounded length. A cause
    /// that carries a report (an out-of-memory diagnosis) contributes its error; the report
    /// follows the error line, each line escaped the same way.
    pub fn render(&self) -> String {
        let mut text = format!("error: {}", one_line(&self.message));
        let mut report = String::new();
        let mut next: Option<&dyn Error> = self.cause.as_deref();
        while let Some(cause) = next {
            // The diagnosis is subexec's own multi-line report; every other message is one line
            // whatever it contains.
            let message = match cause.downcast_ref::<CallError>() {
                Some(CallError::OutOfMemory(out_of_memory)) => {
                    for line in out_of_memory.diagnosis.to_string().lines() {
                        report.push('\n');
                        report.push_str(&one_line(line));
                    }
                    out_of_memory.error.to_string()
                }
                _ => cause.to_string(),
            };
            let part = one_line(&message);
            // A cause the line already ends with (`{0}` in a thiserror message) is not repeated.
            if !text.ends_with(part.as_ref()) {
                text.push_str(": ");
                text.push_str(&part);
            }
            next = cause.source();
        }
        text + &report
    }
}

/// Any other error (exit code 1), e.g. from helpers returning `Box<dyn Error>`.
impl From<Box<dyn Error>> for Failure {
    fn from(error: Box<dyn Error>) -> Self {
        Failure::new(Kind::Other, error.to_string())
    }
}

/// The cause of a [`ChainError`], owned (its message is already in the failure's line).
fn error_source_owned(error: ChainError) -> Option<Box<dyn Error>> {
    match error {
        ChainError::NoCode => None,
        ChainError::Load(e) => Some(Box::new(e)),
        ChainError::Version(e) => Some(Box::new(e)),
        ChainError::Call { error, .. } => Some(Box::new(error)),
        ChainError::UpgradeRefused(e) => Some(Box::new(e)),
        ChainError::Backend(e) => Some(Box::new(e)),
    }
}

/// Results of subcommands.
pub type Outcome<T = ()> = Result<T, Failure>;
