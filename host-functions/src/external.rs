//! External host functions: any [`sp_wasm_interface::Function`] run on a call's memory and
//! allocator.
//!
//! Substrate's host functions are written once, with `#[sp_runtime_interface::runtime_interface]`,
//! and each generates a `&'static dyn Function` per version whose `execute` reads its arguments
//! from a [`FunctionContext`], runs, and writes its result back through it. A node or a
//! parachain adds its own (cumulus' `storage_proof_size`, a chain's custom crypto) as an
//! `sp_wasm_interface::HostFunctions` set. [`invoke_external`] runs such a function inside a
//! subexec call: [`ExternalContext`] is the [`FunctionContext`] over the call's guest memory and
//! the call's [`crate::HostAllocator`] (the same `FreeingBumpHeapAllocator` the built-in
//! functions use, so every pointer is the one `sc-executor` would hand out), and
//! `register_panic_error_message` records the message as `ext_panic_handler_abort_on_panic`
//! does ([`HostState::panic_message`]).
//!
//! # Hostile input
//! The function's own code decides what it does with its arguments; the context guarantees
//! what is in its hands: every read and write is range-checked before a byte moves, and
//! [`FunctionContext::read_memory`] checks the range *before* sizing the host buffer (the
//! trait's default allocates `size` bytes first, which a hostile length would turn into a
//! 4 GiB allocation). A function that fails returns `Err(String)`; the failure becomes a
//! [`HostError`] naming the function. When the failure is one the context itself reported
//! (out of bounds, the allocator's error) and the function passed it on, as the
//! `runtime_interface` marshalling does (with `?`, or adding which argument it was marshalling
//! after the context's message), the error keeps its typed cause
//! ([`HostErrorCause::OutOfBounds`], [`HostErrorCause::Allocation`], …), so the executor
//! treats it like the same failure of a built-in function. Panics are the executor's to catch
//! (it catches them before they reach the engine).
//!
//! # What an external function can reach
//! Memory, the allocator and the panic message: that is all a [`FunctionContext`] offers.
//! Functions that use externalities (`&mut self` in a `runtime_interface` that is not
//! `wasm_only`: storage, extensions such as cumulus' proof-size recorder or a keystore) call
//! `sp_externalities::with_externalities`, which finds nothing unless the embedder runs the
//! call inside `sp_externalities::set_and_run_with_externalities`; the generated code then
//! panics ("called outside of an Externalities-provided environment"). subexec's own
//! [`crate::StorageState`] is not an `Externalities`: the executor's `substrate` feature runs
//! calls against a node's `Externalities` for that.

use sp_wasm_interface::{Function, FunctionContext, Pointer, Value, WordSize};
use subexec_allocator::Memory;

use crate::error::{HostError, HostErrorCause};
use crate::host_state::HostState;
use crate::memory_access;
use crate::style::HostMode;

/// The [`FunctionContext`] of one external host call: the call's memory and allocator.
pub struct ExternalContext<'a, M> {
    state: &'a mut HostState,
    memory: &'a mut M,
    function: &'static str,
    /// The last failure this context reported, as the function saw it and typed.
    failure: Option<(String, HostErrorCause)>,
}

impl<'a, M: Memory> ExternalContext<'a, M> {
    /// The context of external function `function` (its import name) on `state` and `memory`.
    pub fn new(state: &'a mut HostState, memory: &'a mut M, function: &'static str) -> Self {
        ExternalContext {
            state,
            memory,
            function,
            failure: None,
        }
    }

    /// Reports `cause` to the function as its message, remembering the typed cause.
    fn fail<T>(&mut self, cause: HostErrorCause) -> sp_wasm_interface::Result<T> {
        let message = cause.to_string();
        self.failure = Some((message.clone(), cause));
        Err(message)
    }

    /// The typed error of a function that failed with `message`.
    fn error(&mut self, message: String) -> HostError {
        let cause = match self.failure.take() {
            Some((reported, cause)) if message.starts_with(&reported) => cause,
            _ => HostErrorCause::External(message),
        };
        cause.at(self.function)
    }
}

impl<M: Memory> FunctionContext for ExternalContext<'_, M> {
    fn read_memory(
        &mut self,
        address: Pointer<u8>,
        size: WordSize,
    ) -> sp_wasm_interface::Result<Vec<u8>> {
        match memory_access::read(self.memory, u32::from(address), size) {
            Ok(bytes) => Ok(bytes),
            Err(cause) => self.fail(cause),
        }
    }

    fn read_memory_into(
        &mut self,
        address: Pointer<u8>,
        dest: &mut [u8],
    ) -> sp_wasm_interface::Result<()> {
        let ptr = u32::from(address);
        let Ok(len) = u32::try_from(dest.len()) else {
            return self.fail(too_long(ptr));
        };
        match memory_access::with_slice(self.memory, ptr, len, |bytes| dest.copy_from_slice(bytes))
        {
            Ok(()) => Ok(()),
            Err(cause) => self.fail(cause),
        }
    }

    fn write_memory(&mut self, address: Pointer<u8>, data: &[u8]) -> sp_wasm_interface::Result<()> {
        match memory_access::write(self.memory, u32::from(address), data) {
            Ok(()) => Ok(()),
            Err(cause) => self.fail(cause),
        }
    }

    fn allocate_memory(&mut self, size: WordSize) -> sp_wasm_interface::Result<Pointer<u8>> {
        if self.state.mode != HostMode::Classic {
            return self.fail(HostErrorCause::WrongMode {
                mode: self.state.mode,
            });
        }
        match self.state.allocator.allocate(self.memory, size) {
            Ok(ptr) => Ok(Pointer::new(ptr)),
            Err(error) => self.fail(HostErrorCause::Allocation(error)),
        }
    }

    fn deallocate_memory(&mut self, ptr: Pointer<u8>) -> sp_wasm_interface::Result<()> {
        if self.state.mode != HostMode::Classic {
            return self.fail(HostErrorCause::WrongMode {
                mode: self.state.mode,
            });
        }
        match self.state.allocator.deallocate(self.memory, u32::from(ptr)) {
            Ok(()) => Ok(()),
            Err(error) => self.fail(HostErrorCause::Deallocation(error)),
        }
    }

    fn register_panic_error_message(&mut self, message: &str) {
        self.state.panic_message = Some(message.to_string());
    }
}

/// A host buffer longer than any wasm32 memory.
fn too_long(ptr: u32) -> HostErrorCause {
    HostErrorCause::OutOfBounds {
        ptr,
        len: u32::MAX,
        memory_len: 0,
    }
}

/// Runs the external host function `function` on the call's state and memory.
///
/// Checks the arguments against the function's signature first (the executor checked the
/// import's type at load, so a mismatch is an engine bug, reported all the same), counts the
/// call ([`crate::HostCallStats::external_calls`]) and its boundary bytes, and attributes its
/// allocations to its name. Never panics itself; a panic of `function` propagates (the
/// executor catches it, see its `panic_guard`).
pub fn invoke_external(
    function: &'static dyn Function,
    state: &mut HostState,
    memory: &mut impl Memory,
    args: &[Value],
) -> Result<Option<Value>, HostError> {
    let name: &'static str = function.name();
    let signature = function.signature();
    if signature.args.len() != args.len() {
        return Err(HostErrorCause::ArgumentCount {
            expected: signature.args.len(),
            got: args.len(),
        }
        .at(name));
    }
    for (index, (expected, arg)) in signature.args.iter().zip(args).enumerate() {
        if *expected != arg.value_type() {
            return Err(HostErrorCause::ArgumentType {
                index,
                expected: *expected,
                got: arg.value_type(),
            }
            .at(name));
        }
    }
    state.stats.count_external();
    state.allocator.set_site(name);
    let traffic_before = crate::stats::traffic();
    let mut context = ExternalContext::new(state, memory, name);
    let result = function.execute(&mut context, &mut args.iter().copied());
    let result = result.map_err(|message| context.error(message));
    let result = result.and_then(|value| match (value, signature.return_value) {
        (None, None) => Ok(None),
        (Some(value), Some(ty)) if value.value_type() == ty => Ok(Some(value)),
        (value, _) => Err(HostErrorCause::External(format!(
            "returned {:?}, its signature says {:?}",
            value.map(|v| v.value_type()),
            signature.return_value
        ))
        .at(name)),
    });
    let traffic_after = crate::stats::traffic();
    state.stats.add_traffic(traffic_before, traffic_after);
    // Priced as a built-in function is (`crate::cost`): per call and per byte it copied
    // across the boundary through its `FunctionContext`.
    let work = crate::cost::HostWork {
        bytes_in: traffic_after.0.saturating_sub(traffic_before.0),
        bytes_out: traffic_after.1.saturating_sub(traffic_before.1),
        root_entries: 0,
        root_key_bytes_squared: 0,
        visited_keys: 0,
    };
    state.pending_fuel = state.pending_fuel.saturating_add(work.fuel());
    result
}

#[cfg(test)]
mod tests;
