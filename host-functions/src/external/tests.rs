use std::collections::BTreeMap;
use std::sync::Arc;

use sp_wasm_interface::{Function, FunctionContext, HostFunctions, Signature, Value, ValueType};
use subexec_allocator::VecMemory;

use super::invoke_external;
use crate::memory_access::{pack_ptr_len, unpack_ptr_len};
use crate::storage::InMemoryBackend;
use crate::{invoke, HostErrorCause, HostFunction, HostState, StorageState};

const HEAP_BASE: u32 = 1024;

fn new_state() -> HostState {
    HostState::new(
        HEAP_BASE,
        StorageState::new(Arc::new(InMemoryBackend::default())),
    )
}

fn memory_with(data: &[u8], at: u32) -> VecMemory {
    let mut memory = VecMemory::new(1, Some(4));
    memory.data[at as usize..at as usize + data.len()].copy_from_slice(data);
    memory
}

/// A hand-written external function: `(i64) -> i64`, running `body` on the context.
struct Ext {
    name: &'static str,
    body: fn(&mut dyn FunctionContext, i64) -> Result<i64, String>,
}

impl Function for Ext {
    fn name(&self) -> &str {
        self.name
    }
    fn signature(&self) -> Signature {
        Signature::new(vec![ValueType::I64], Some(ValueType::I64))
    }
    fn execute(
        &self,
        context: &mut dyn FunctionContext,
        args: &mut dyn Iterator<Item = Value>,
    ) -> sp_wasm_interface::Result<Option<Value>> {
        let Some(Value::I64(arg)) = args.next() else {
            return Err("bad argument".into());
        };
        (self.body)(context, arg).map(|v| Some(Value::I64(v)))
    }
}

/// Reads the fat pointer's bytes, reverses them into a new allocation, returns it.
static REVERSE: Ext = Ext {
    name: "ext_test_reverse_version_1",
    body: |context, fat| {
        let (ptr, len) = unpack_ptr_len(fat);
        let mut bytes = context.read_memory(ptr.into(), len)?;
        bytes.reverse();
        let out = context.allocate_memory(bytes.len() as u32)?;
        context.write_memory(out, &bytes)?;
        Ok(pack_ptr_len(u32::from(out), bytes.len() as u32))
    },
};

/// Fails with its own message after registering a panic message.
static REFUSE: Ext = Ext {
    name: "ext_test_refuse_version_1",
    body: |context, _| {
        context.register_panic_error_message("refused on purpose");
        Err("no, thanks".into())
    },
};

#[test]
fn results_go_through_the_calls_allocator() {
    let mut memory = memory_with(b"abc", 16);
    let mut state = new_state();
    let got = invoke_external(
        &REVERSE,
        &mut state,
        &mut memory,
        &[Value::I64(pack_ptr_len(16, 3))],
    )
    .unwrap();
    let Some(Value::I64(fat)) = got else {
        panic!("{got:?}")
    };
    let (ptr, len) = unpack_ptr_len(fat);
    // The call's first allocation: `__heap_base` + the 8-byte header, as the built-ins'.
    assert_eq!((ptr, len), (HEAP_BASE + 8, 3));
    assert_eq!(&memory.data[ptr as usize..ptr as usize + 3], b"cba");
    // Same allocator state as the built-in `malloc` of the same size leaves.
    let mut reference = new_state();
    let malloc = invoke(
        HostFunction::AllocatorMallocV1,
        &mut reference,
        &mut memory_with(b"abc", 16),
        &[Value::I32(3)],
    );
    assert_eq!(malloc, Ok(Some(Value::I32(ptr as i32))));
    assert_eq!(state.allocator_stats(), reference.allocator_stats());
    assert_eq!(state.host_call_stats().external_calls(), 1);
    assert_eq!(state.host_call_stats().total_calls(), 1);
    assert_eq!(state.host_call_stats().bytes_in, 3);
    assert_eq!(state.host_call_stats().bytes_out, 3);
}

#[test]
fn failures_keep_their_typed_cause_when_passed_on() {
    let mut memory = memory_with(b"", 0);
    let mut state = new_state();
    let out_of_bounds = pack_ptr_len(65_530, 10);
    let error = invoke_external(
        &REVERSE,
        &mut state,
        &mut memory,
        &[Value::I64(out_of_bounds)],
    )
    .unwrap_err();
    assert_eq!(error.function, "ext_test_reverse_version_1");
    assert_eq!(
        error.cause,
        HostErrorCause::OutOfBounds {
            ptr: 65_530,
            len: 10,
            memory_len: 65_536
        }
    );
    // A hostile length is refused before any host buffer is sized from it.
    let huge = pack_ptr_len(0, u32::MAX);
    let error =
        invoke_external(&REVERSE, &mut state, &mut memory, &[Value::I64(huge)]).unwrap_err();
    assert!(matches!(
        error.cause,
        HostErrorCause::OutOfBounds { len: u32::MAX, .. }
    ));
}

#[test]
fn own_failures_and_panic_messages_are_reported() {
    let mut memory = memory_with(b"", 0);
    let mut state = new_state();
    let error = invoke_external(&REFUSE, &mut state, &mut memory, &[Value::I64(0)]).unwrap_err();
    assert_eq!(error.to_string(), "ext_test_refuse_version_1: no, thanks");
    assert_eq!(error.cause, HostErrorCause::External("no, thanks".into()));
    assert_eq!(state.panic_message(), Some("refused on purpose"));
}

#[test]
fn arguments_are_checked_against_the_signature() {
    let mut memory = memory_with(b"", 0);
    let mut state = new_state();
    let error = invoke_external(&REVERSE, &mut state, &mut memory, &[Value::I32(0)]).unwrap_err();
    assert!(matches!(
        error.cause,
        HostErrorCause::ArgumentType { index: 0, .. }
    ));
    let error = invoke_external(&REVERSE, &mut state, &mut memory, &[]).unwrap_err();
    assert!(matches!(
        error.cause,
        HostErrorCause::ArgumentCount {
            expected: 1,
            got: 0
        }
    ));
    assert_eq!(state.host_call_stats().external_calls(), 0);
}

#[test]
fn guest_allocator_calls_cannot_allocate() {
    let mut memory = memory_with(b"abc", 16);
    let mut state = HostState::new_guest(
        StorageState::new(Arc::new(InMemoryBackend::default())),
        Vec::new(),
    );
    let error = invoke_external(
        &REVERSE,
        &mut state,
        &mut memory,
        &[Value::I64(pack_ptr_len(16, 3))],
    )
    .unwrap_err();
    assert!(matches!(error.cause, HostErrorCause::WrongMode { .. }));
}

/// sp-io's own hashing functions, run through the bridge, give what the built-ins give:
/// results, memory and allocator state, for inputs in and out of bounds.
#[test]
fn sp_io_hashing_through_the_bridge_matches_the_built_ins() {
    let sp_io: BTreeMap<String, &'static dyn Function> =
        <sp_io::SubstrateHostFunctions as HostFunctions>::host_functions()
            .into_iter()
            .map(|f| (f.name().to_string(), f))
            .collect();
    let hashing: Vec<HostFunction> = HostFunction::ALL
        .iter()
        .copied()
        .filter(|f| f.name().starts_with("ext_hashing_") && f.name().ends_with("_version_1"))
        .collect();
    assert!(hashing.len() >= 7, "{hashing:?}");
    let mut checked = 0;
    for &function in &hashing {
        let external = sp_io[function.name()];
        for fat in [
            pack_ptr_len(16, 5),
            pack_ptr_len(16, 0),
            pack_ptr_len(65_534, 4),
        ] {
            let image = memory_with(b"hello", 16);
            let (mut ours, mut theirs) = (image.clone(), image);
            let (mut our_state, mut their_state) = (new_state(), new_state());
            let expected = invoke(function, &mut our_state, &mut ours, &[Value::I64(fat)]);
            let got = invoke_external(external, &mut their_state, &mut theirs, &[Value::I64(fat)]);
            match (&expected, &got) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{}", function.name()),
                (Err(a), Err(b)) => assert_eq!(a.cause, b.cause, "{}", function.name()),
                _ => panic!("{}: {expected:?} vs {got:?}", function.name()),
            }
            assert!(ours.data == theirs.data, "{}", function.name());
            assert_eq!(our_state.allocator_stats(), their_state.allocator_stats());
            checked += 1;
        }
    }
    assert_eq!(checked, hashing.len() * 3);
}
