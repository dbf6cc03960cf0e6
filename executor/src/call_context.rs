//! The embedder's per-call context ([`CallOptions`]'s offchain context), handed from
//! [`Runtime::call_with`](crate::Runtime::call_with) to the `HostState` each run of the call
//! creates.
//!
//! A call may run more than once (lazy-backing and diagnostic re-runs) and through several
//! layers (pool, fresh instance, guest mode) that all create their own `HostState`; rather than
//! thread the context through each, `call_with` enters it for the duration of the call on the
//! calling thread (runs are synchronous and never leave the thread), the way `sp-externalities`
//! scopes a call's externalities. Entering restores the previous context when the guard drops
//! (a nested call, e.g. reading another blob's version from a host function, gets its own and
//! gives the outer one back), also on unwinding.

use std::cell::RefCell;
use std::sync::Arc;

use subexec_host_functions::{HostState, OffchainContext};

use crate::call::CallOptions;

/// What a call lends its host functions.
#[derive(Clone, Default)]
struct CallContext {
    offchain: Option<Arc<dyn OffchainContext>>,
}

thread_local! {
    static CURRENT: RefCell<CallContext> = RefCell::new(CallContext::default());
}

/// Restores the previous context when dropped.
pub(crate) struct Entered {
    previous: Option<CallContext>,
}

impl Drop for Entered {
    fn drop(&mut self) {
        if let Some(previous) = self.previous.take() {
            CURRENT.with(|current| *current.borrow_mut() = previous);
        }
    }
}

/// Makes `options`' context the current one until the guard drops.
pub(crate) fn enter(options: &CallOptions) -> Entered {
    let context = CallContext {
        offchain: options.offchain.clone(),
    };
    let previous = CURRENT.with(|current| std::mem::replace(&mut *current.borrow_mut(), context));
    Entered {
        previous: Some(previous),
    }
}

/// Lends the current context to a run's host state.
pub(crate) fn apply(state: &mut HostState) {
    CURRENT.with(|current| state.set_offchain(current.borrow().offchain.clone()));
}
