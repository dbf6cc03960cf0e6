//! Runtime upgrades on a `Chain`: runtime-guest v1 → v2 with state carried over, refusals,
//! the compiled-module cache.

use parity_scale_codec::{Decode, Encode};
use subexec_cli::upgrade::{Chain, ChainError, UpgradeRefusal, CODE_KEY};
use subexec_executor::storage::InMemoryBackend;
use subexec_executor::Executor;
use subexec_runtime_blobs::api::{entries, AccountInfo, Block, BlockSummary, Transfer};
use subexec_runtime_blobs::{CLASSIC, CLASSIC_V2};

fn account(n: u8) -> [u8; 32] {
    [n; 32]
}

fn chain(executor: &Executor, code: &[u8]) -> Chain {
    let mut top = std::collections::BTreeMap::new();
    top.insert(CODE_KEY.to_vec(), code.to_vec());
    Chain::from_state(executor, InMemoryBackend::from_top(top)).expect("runtime loads")
}

fn set_code(chain: &mut Chain, code: &[u8]) -> Result<(), ChainError> {
    chain
        .call(entries::UPGRADE_SET_CODE, &code.to_vec().encode())
        .map(|_| ())
}

fn spec_version_called(chain: &mut Chain) -> u32 {
    let out = chain
        .call(entries::CORE_VERSION, &[])
        .unwrap()
        .outcome
        .output;
    subexec_runtime_blobs::api::RuntimeVersion::decode(&mut &out[..])
        .unwrap()
        .spec_version
}

#[test]
fn v1_to_v2_keeps_the_state() {
    let executor = Executor::default();
    let mut chain = chain(&executor, CLASSIC);
    assert_eq!(chain.version().spec_version, 1);
    let endow = vec![(account(1), 1_000u128)];
    chain
        .call(entries::DEMO_INITIALIZE, &endow.encode())
        .unwrap();

    let done = chain
        .call(entries::UPGRADE_SET_CODE, &CLASSIC_V2.to_vec().encode())
        .unwrap();
    let upgrade = done.upgrade.expect("an upgrade");
    assert_eq!((upgrade.from.spec_version, upgrade.to.spec_version), (1, 2));
    assert_eq!(chain.version().spec_version, 2);
    assert_eq!(spec_version_called(&mut chain), 2);
    assert_eq!(chain.state().top().get(CODE_KEY).unwrap(), CLASSIC_V2);

    // v2 moves the balance v1 wrote: 1 000 - 300 = 700 left, 300 at account 2.
    let block = Block {
        number: 1,
        transfers: vec![Transfer {
            from: account(1),
            to: account(2),
            amount: 300,
        }],
    };
    let out = chain
        .call(entries::DEMO_EXECUTE_BLOCK, &block.encode())
        .unwrap();
    let summary = BlockSummary::decode(&mut &out.outcome.output[..]).unwrap();
    assert_eq!((summary.applied, summary.failed), (1, 0));
    let value = out
        .changes
        .main
        .values()
        .flatten()
        .filter_map(|v| {
            AccountInfo::decode(&mut &v[..])
                .ok()
                .filter(|_| v.len() == 20)
        })
        .collect::<Vec<_>>();
    assert!(
        value.contains(&AccountInfo {
            nonce: 1,
            free: 700
        }),
        "{value:?}"
    );
    assert!(
        value.contains(&AccountInfo {
            nonce: 0,
            free: 300
        }),
        "{value:?}"
    );
}

#[test]
fn compiled_runtimes_are_shared_per_code_hash() {
    let executor = Executor::default();
    let mut first = chain(&executor, CLASSIC);
    let mut second = chain(&executor, CLASSIC);
    set_code(&mut first, CLASSIC_V2).unwrap();
    set_code(&mut second, CLASSIC_V2).unwrap();
    assert_eq!(executor.cached_runtimes(), 2);
    assert_eq!(first.runtime().code_hash(), second.runtime().code_hash());
}

fn assert_refused(chain: &mut Chain, code: &[u8], expected: impl Fn(&UpgradeRefusal) -> bool) {
    let before_root = chain.storage_root();
    let before_version = chain.version().clone();
    match set_code(chain, code) {
        Err(ChainError::UpgradeRefused(refusal)) => assert!(expected(&refusal), "{refusal:?}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    // Nothing of the call was committed and the old runtime still runs.
    assert_eq!(chain.storage_root(), before_root);
    assert_eq!(chain.version(), &before_version);
    assert_eq!(spec_version_called(chain), before_version.spec_version);
}

#[test]
fn a_lower_or_equal_spec_version_is_refused() {
    let executor = Executor::default();
    let mut chain = chain(&executor, CLASSIC_V2);
    assert_refused(&mut chain, CLASSIC, |r| {
        *r == UpgradeRefusal::SpecVersionNotIncreased { old: 2, new: 1 }
    });
    // Other bytes, same version: CLASSIC_V2 with one more custom section.
    let mut same_version = CLASSIC_V2.to_vec();
    same_version.extend_from_slice(&[0, 4, 3, b'p', b'a', b'd']);
    assert_refused(&mut chain, &same_version, |r| {
        *r == UpgradeRefusal::SpecVersionNotIncreased { old: 2, new: 2 }
    });
}

#[test]
fn another_spec_name_is_refused() {
    let executor = Executor::default();
    let mut chain = chain(&executor, CLASSIC);
    let mut version = subexec_runtime_blobs::api::RuntimeVersion::for_spec_version(2);
    version.spec_name = "another-chain".into();
    version.apis.clear();
    let renamed = replace_custom_section(CLASSIC_V2, "runtime_version", &version.encode());
    assert_refused(
        &mut chain,
        &renamed,
        |r| matches!(r, UpgradeRefusal::SpecNameChanged { new, .. } if new == "another-chain"),
    );
}

#[test]
fn undecodable_code_is_refused() {
    let executor = Executor::default();
    let mut chain = chain(&executor, CLASSIC);
    assert_refused(&mut chain, b"not a runtime", |r| {
        matches!(r, UpgradeRefusal::Load(_))
    });
}

#[test]
fn heap_pages_written_switch_the_heap() {
    use subexec_executor::HeapAllocStrategy;
    let executor = Executor::default();
    let mut chain = chain(&executor, CLASSIC);
    // `HostApi_run` with one `StorageSet(":heappages", 64u64)` step.
    use subexec_runtime_blobs::api::HostCall;
    let script = vec![HostCall::StorageSet(b":heappages".to_vec(), 64u64.encode())];
    let done = chain.call(entries::HOST_API_RUN, &script.encode()).unwrap();
    let upgrade = done.upgrade.expect("a heap switch");
    assert_eq!(upgrade.from, upgrade.to);
    assert_eq!(
        chain.runtime().heap_alloc_strategy(),
        HeapAllocStrategy::Static { extra_pages: 64 }
    );
}

/// `wasm` with the payload of custom section `name` replaced (sections: id, LEB128 size, payload).
fn replace_custom_section(wasm: &[u8], name: &str, data: &[u8]) -> Vec<u8> {
    fn leb(mut value: usize, out: &mut Vec<u8>) {
        loop {
            let byte = (value & 0x7f) as u8;
            value >>= 7;
            if value == 0 {
                out.push(byte);
                return;
            }
            out.push(byte | 0x80);
        }
    }
    fn read_leb(bytes: &[u8], at: &mut usize) -> usize {
        let (mut value, mut shift) = (0usize, 0);
        loop {
            let byte = bytes[*at];
            *at += 1;
            value |= usize::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return value;
            }
            shift += 7;
        }
    }
    let mut out = wasm[..8].to_vec();
    let mut at = 8;
    let mut replaced = false;
    while at < wasm.len() {
        let id = wasm[at];
        at += 1;
        let size = read_leb(wasm, &mut at);
        let payload = &wasm[at..at + size];
        at += size;
        let mut name_at = 0;
        let is_target = id == 0 && {
            let len = read_leb(payload, &mut name_at);
            &payload[name_at..name_at + len] == name.as_bytes()
        };
        out.push(id);
        if is_target {
            let mut new = Vec::new();
            leb(name.len(), &mut new);
            new.extend_from_slice(name.as_bytes());
            new.extend_from_slice(data);
            leb(new.len(), &mut out);
            out.extend_from_slice(&new);
            replaced = true;
        } else {
            leb(size, &mut out);
            out.extend_from_slice(payload);
        }
    }
    assert!(replaced, "no custom section {name}");
    out
}

#[test]
fn rewriting_the_running_code_is_not_an_upgrade() {
    let executor = Executor::default();
    let mut chain = chain(&executor, CLASSIC);
    let done = chain
        .call(entries::UPGRADE_SET_CODE, &CLASSIC.to_vec().encode())
        .unwrap();
    assert_eq!(done.upgrade, None);
    assert_eq!(chain.version().spec_version, 1);
}

#[test]
fn a_failed_call_commits_nothing() {
    let executor = Executor::default();
    let mut chain = chain(&executor, CLASSIC);
    let before = chain.state().clone();
    let error = chain
        .call(entries::HOST_API_PANIC, &"stop".encode())
        .unwrap_err();
    assert!(
        matches!(&error, ChainError::Call { method, .. } if method == entries::HOST_API_PANIC),
        "{error:?}"
    );
    assert_eq!(chain.state(), &before);
}

#[test]
fn removing_the_code_is_refused() {
    use subexec_runtime_blobs::api::HostCall;
    let executor = Executor::default();
    let mut chain = chain(&executor, CLASSIC);
    let script = vec![HostCall::StorageClear(CODE_KEY.to_vec())];
    let error = chain
        .call(entries::HOST_API_RUN, &script.encode())
        .unwrap_err();
    assert_eq!(
        error,
        ChainError::UpgradeRefused(UpgradeRefusal::CodeRemoved)
    );
    assert_eq!(chain.state().top().get(CODE_KEY).unwrap(), CLASSIC);
}
