//! The poison guard: the single place where an error poisons the allocator.
//!
//! Once any operation has failed, the heap may be half updated (a free list relinked, memory
//! grown, a header written), so sc-allocator refuses all later work. Routing every public
//! operation through [`Poison::guard`] means no error path can forget to poison.

use crate::error::{Error, POISONED};

/// Whether an operation has failed before.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Poison {
    poisoned: bool,
}

impl Poison {
    /// True once an operation has failed.
    #[inline]
    pub(crate) fn is_poisoned(self) -> bool {
        self.poisoned
    }

    /// Runs `operation` unless poisoned (then fails without running it); poisons if it fails.
    #[inline]
    pub(crate) fn guard<T>(
        &mut self,
        operation: impl FnOnce() -> Result<T, Error>,
    ) -> Result<T, Error> {
        if self.poisoned {
            return Err(POISONED);
        }
        let result = operation();
        self.poisoned = result.is_err();
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_poisons_and_later_operations_do_not_run() {
        let mut poison = Poison::default();
        assert_eq!(poison.guard(|| Ok(1)), Ok(1));
        assert!(!poison.is_poisoned());
        assert_eq!(
            poison.guard(|| Err::<(), _>(Error::MemoryShrinked)),
            Err(Error::MemoryShrinked)
        );
        assert!(poison.is_poisoned());
        let mut ran = false;
        let result = poison.guard(|| {
            ran = true;
            Ok(())
        });
        assert_eq!(result, Err(Error::Other("the allocator has been poisoned")));
        assert!(!ran);
    }
}
