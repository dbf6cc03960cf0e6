//! The vector file format (JSON). Byte strings are hex with an optional `0x`; paths are
//! relative to the vector file. Unknown fields are rejected so that a typo cannot silently
//! drop an expectation.

use std::collections::BTreeMap;

use serde::Deserialize;

/// One vector: a runtime, a starting state and calls.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vector {
    /// Short name shown in reports.
    pub name: String,
    /// Where the expected values come from and what the vector covers.
    #[serde(default)]
    pub description: String,
    /// The runtime run first.
    pub runtime: RuntimeSource,
    /// Expected blake2-256 of the runtime blob (as stored under `:code`), checked before running.
    #[serde(default)]
    pub runtime_blake2_256: Option<String>,
    /// Heap strategy of every call; absent: `:heappages`, else the default static heap.
    #[serde(default)]
    pub heap: Option<HeapSpec>,
    /// Link host functions the runtime imports but the host lacks as trapping stubs.
    #[serde(default)]
    pub allow_missing_host_functions: bool,
    /// Fuel budget of each call; absent: [`crate::limits::DEFAULT_CALL_FUEL`].
    #[serde(default)]
    pub fuel: Option<u64>,
    /// Main-trie entries written over the runtime's state before the first call.
    #[serde(default)]
    pub initial_state: BTreeMap<String, String>,
    /// The calls, in order, each on the state the previous ones committed.
    pub calls: Vec<CallSpec>,
}

/// Where a runtime comes from.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RuntimeSource {
    /// A blob file (raw or compressed wasm); the state starts empty.
    Path(String),
    /// A raw chain spec: `:code` and the rest of the genesis state.
    ChainSpec(String),
    /// A runtime-guest blob built into subexec: `classic`, `classic_v2`, `guest_allocator`,
    /// `guest_allocator_v2`; the state starts empty.
    Bundled(String),
}

/// A heap strategy.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum HeapSpec {
    /// `{"static": N}`: the module's initial pages plus N.
    Static(u32),
    /// `{"dynamic": N}` or `{"dynamic": null}`: growing up to N pages (null: the wasm32 limit).
    Dynamic(Option<u32>),
}

/// A call input.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum InputSpec {
    /// Hex bytes.
    Hex(String),
    /// `{"scale_code": <runtime source>}`: the SCALE `Vec<u8>` of a runtime blob (the input of
    /// runtime-guest's `Upgrade_set_code`).
    ScaleCode {
        /// The runtime whose bytes are encoded.
        scale_code: RuntimeSource,
    },
}

impl Default for InputSpec {
    fn default() -> Self {
        InputSpec::Hex(String::new())
    }
}

/// One call and its expectations.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallSpec {
    /// The entry point.
    pub call: String,
    /// Its input (default: empty).
    #[serde(default)]
    pub input: InputSpec,
    /// What it must produce.
    pub expect: Expect,
}

/// Expectations of one call; absent fields are not checked.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The exact output (hex).
    #[serde(default)]
    pub output: Option<String>,
    /// The sha256 of the output (hex), for outputs too large to inline.
    #[serde(default)]
    pub output_sha256: Option<String>,
    /// The call must fail with an error whose message (with its causes) contains this text.
    /// Excludes every output, storage and stats expectation.
    #[serde(default)]
    pub error: Option<String>,
    /// The exact main-trie changes the call commits: key → value, `null` for a deletion.
    #[serde(default)]
    pub storage_changes: Option<BTreeMap<String, Option<String>>>,
    /// The root of the committed main trie after the call.
    #[serde(default)]
    pub storage_root: Option<String>,
    /// The `spec_version` of the runtime that runs the next call (checks upgrades).
    #[serde(default)]
    pub spec_version: Option<u32>,
    /// The call's allocator statistics.
    #[serde(default)]
    pub allocation_stats: Option<StatsSpec>,
    /// The fuel the call consumed (the vector must set a `fuel` budget).
    #[serde(default)]
    pub fuel: Option<u64>,
}

/// Allocator statistics (every field optional).
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct StatsSpec {
    /// Bytes live at the end of the call.
    #[serde(default)]
    pub bytes_allocated: Option<u32>,
    /// Peak of live bytes.
    #[serde(default)]
    pub bytes_allocated_peak: Option<u32>,
    /// Sum of all allocations.
    #[serde(default)]
    pub bytes_allocated_sum: Option<u128>,
    /// Address space used by the heap.
    #[serde(default)]
    pub address_space_used: Option<u32>,
}
