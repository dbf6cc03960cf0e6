//! Host functions' fuel, taken from the call's wasmi budget; nested runs on the caller's.
//!
//! A host function's work is priced by `subexec_host_functions::cost` (per call, per byte
//! copied across the boundary, per storage change a root covers); the host state adds each
//! call's price up. Around every host call the linker opens a [`HostCall`]: afterwards it
//! takes that price, plus whatever nested runs started by the call spent, from the store's
//! fuel, and traps with wasmi's own out-of-fuel trap (so [`crate::CallError::OutOfFuel`])
//! when the budget cannot pay. A host function's work is therefore bounded by the budget
//! like any instruction, one host call late at most.
//!
//! Nested runs: `ext_misc_runtime_version` may run another runtime's `Core_version`, which
//! may look up a version again. Each such run gets as budget what its caller has left (never
//! more than the executor's configured fuel) and its consumption, plus
//! [`DECOMPRESSED_BYTE_FUEL`] per byte of the blob it decompressed (whether or not the cache
//! already held it), is charged to the caller. The open host calls of a thread form a stack
//! (a nested run's host calls sit above its caller's), kept in a thread-local: runs never
//! cross threads.

use std::cell::RefCell;

use subexec_host_functions::cost::DECOMPRESSED_BYTE_FUEL;
use wasmi::{Caller, TrapCode};

use crate::store::StoreData;

struct Scope {
    /// Fuel the calling store had when the host call began.
    remaining: u64,
    /// Fuel nested runs (and their decompression) spent during the host call.
    nested_spent: u64,
}

thread_local! {
    static SCOPES: RefCell<Vec<Scope>> = const { RefCell::new(Vec::new()) };
}

/// One host call in progress on a metered store; closes its scope when dropped.
pub(crate) struct HostCall {
    metered: bool,
    /// The store's fuel when the host call began (`None`: unmetered).
    fuel_left: Option<u64>,
}

impl HostCall {
    /// Opens the scope of a host call made through `caller`.
    pub(crate) fn enter(caller: &Caller<'_, StoreData>) -> Self {
        match caller.get_fuel() {
            Ok(remaining) => {
                SCOPES.with(|s| {
                    s.borrow_mut().push(Scope {
                        remaining,
                        nested_spent: 0,
                    })
                });
                HostCall {
                    metered: true,
                    fuel_left: Some(remaining),
                }
            }
            Err(_) => HostCall {
                metered: false,
                fuel_left: None,
            },
        }
    }

    /// The fuel the store had when the host call began (`None`: unmetered): work priced in
    /// advance is refused if it costs more (`HostState::set_fuel_left`).
    pub(crate) fn fuel_left(&self) -> Option<u64> {
        self.fuel_left
    }

    /// Takes the host call's price and its nested runs' fuel from the store.
    ///
    /// # Errors
    /// wasmi's out-of-fuel trap when the store has less left (its fuel is then 0).
    pub(crate) fn charge(&self, caller: &mut Caller<'_, StoreData>) -> Result<(), wasmi::Error> {
        let host = caller
            .data_mut()
            .host
            .as_mut()
            .map_or(0, |state| state.take_pending_fuel());
        if !self.metered {
            return Ok(());
        }
        let nested = SCOPES.with(|s| s.borrow().last().map_or(0, |scope| scope.nested_spent));
        let cost = host.saturating_add(nested);
        let left = caller.get_fuel()?;
        match left.checked_sub(cost) {
            Some(left) => caller.set_fuel(left),
            None => {
                caller.set_fuel(0)?;
                Err(TrapCode::OutOfFuel.into())
            }
        }
    }
}

impl Drop for HostCall {
    fn drop(&mut self) {
        if self.metered {
            SCOPES.with(|s| s.borrow_mut().pop());
        }
    }
}

/// The budget of a run given the executor's `configured` fuel: inside a host call, no more
/// than the caller has left.
pub(crate) fn run_budget(configured: u64) -> u64 {
    SCOPES.with(|s| match s.borrow().last() {
        Some(scope) => configured.min(scope.remaining.saturating_sub(scope.nested_spent)),
        None => configured,
    })
}

/// Records fuel a nested run (or its preparation) spent, for the host call that started it.
pub(crate) fn note_spent(fuel: u64) {
    SCOPES.with(|s| {
        if let Some(scope) = s.borrow_mut().last_mut() {
            scope.nested_spent = scope.nested_spent.saturating_add(fuel);
        }
    });
}

/// Charges a nested version lookup for decompressing `wasm_len` bytes; false if the caller's
/// budget cannot pay (the lookup then stops: the caller traps when charged).
pub(crate) fn charge_decompression(wasm_len: usize) -> bool {
    let cost = (wasm_len as u64).saturating_mul(DECOMPRESSED_BYTE_FUEL);
    let affordable = SCOPES.with(|s| match s.borrow().last() {
        Some(scope) => scope.remaining.saturating_sub(scope.nested_spent) >= cost,
        None => true,
    });
    note_spent(cost);
    affordable
}
