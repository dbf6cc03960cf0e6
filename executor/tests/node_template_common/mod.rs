//! The node-template runtime of the third-party conformance data
//! (`conformance/third-party/node-template/chainspec.json`, see its README), for the executor's
//! tests and the benches.
//!
//! The blob is the raw chain spec's genesis `:code`, read by the executor's own raw-chain-spec
//! parser ([`GenesisStorage::from_json`], the one behind `subexec run --chain-spec`), so no
//! test or bench picks the JSON apart by hand.
//!
//! One file for three crates: the executor's tests use it as `mod node_template_common;`, the
//! `subexec-cli` tests and the `subexec-benches` bench targets as a `#[path =
//! "../../executor/tests/node_template_common/mod.rs"]` module (a crate cannot use another
//! crate's test modules). All three crates sit one directory below the repository root, so
//! [`CHAIN_SPEC`] names the same file from each.
#![allow(dead_code)]

use subexec_executor::storage::chain_spec::GenesisStorage;
use subexec_executor::{Executor, Runtime};

/// The storage key of the runtime code.
const CODE_KEY: &[u8] = b":code";

/// The node-template raw chain spec of the third-party conformance data.
pub const CHAIN_SPEC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../conformance/third-party/node-template/chainspec.json"
);

/// The node-template runtime blob: the chain spec's genesis `:code`.
pub fn code() -> Vec<u8> {
    let spec =
        std::fs::read(CHAIN_SPEC).expect("the node-template chain spec (conformance/third-party)");
    let mut genesis = GenesisStorage::from_json(&spec).expect("a raw chain spec");
    genesis.top.remove(CODE_KEY).expect("a genesis `:code`")
}

/// The node-template runtime, loaded by a default executor that allows missing host
/// functions (node-template imports some that the executor stubs; calling one traps).
pub fn runtime() -> Runtime {
    Executor::builder()
        .allow_missing_host_functions(true)
        .build()
        .load(&code())
        .expect("the node-template runtime loads")
}
