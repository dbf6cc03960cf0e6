//! [`OutOfMemory`]: a call's out-of-memory failure with its diagnosis and allocation trace.
//! The error carries it, so it lives with the errors; [`crate::diagnostics`] makes it.

use std::fmt;

use subexec_allocator::{AllocationTrace, OutOfMemoryDiagnosis};

use super::CallError;

/// A classic call that failed for lack of memory (see [`crate::diagnostics`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutOfMemory {
    /// The failure as reported without a diagnosis (its message is Substrate's).
    pub error: CallError,
    /// What failed, and why there was no room.
    pub diagnosis: OutOfMemoryDiagnosis,
    /// Every allocation and free of the call, up to the failed request.
    pub trace: AllocationTrace,
}

/// The original message, then the diagnosis on the following lines.
impl fmt::Display for OutOfMemory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}\n{}", self.error, self.diagnosis)
    }
}
