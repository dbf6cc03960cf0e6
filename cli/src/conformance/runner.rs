//! Runs a [`Vector`] and collects [`Mismatch`]es.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use parity_scale_codec::Encode;
use sha2::{Digest, Sha256};

use super::format::{CallSpec, Expect, HeapSpec, InputSpec, RuntimeSource, Vector};
use crate::upgrade::{Chain, ChainCall, ChainError, CODE_KEY};
use subexec_executor::storage::chain_spec::GenesisStorage;
use subexec_executor::storage::{InMemoryBackend, StateVersion, StorageMap};
use subexec_executor::{Executor, HeapAllocStrategy};

/// Why a vector could not be run at all (as opposed to running and not matching).
#[derive(thiserror::Error, Debug)]
pub enum ConformanceError {
    /// The vector or a file it names cannot be read.
    #[error("cannot read `{path}`")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The vector is not valid JSON of the documented format.
    #[error("`{path}` is not a conformance vector")]
    Json {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// A chain spec named by the vector does not parse.
    #[error("bad chain spec `{path}`")]
    ChainSpec {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: subexec_executor::storage::chain_spec::ChainSpecError,
    },
    /// A field holds something invalid (bad hex, unknown bundled runtime, …).
    #[error("invalid vector field {field}: {reason}")]
    Invalid {
        /// Which field.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// The starting runtime cannot be set up.
    #[error("cannot start the runtime")]
    Start(#[source] ChainError),
}

/// One difference between a vector and what happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    /// Index of the call in the vector.
    pub call_index: usize,
    /// The entry point.
    pub call: String,
    /// The expectation that failed (`output`, `storage_changes`, …).
    pub field: String,
    /// What the vector expects.
    pub expected: String,
    /// What happened.
    pub actual: String,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "call #{} {}: {} differs",
            self.call_index, self.call, self.field
        )?;
        writeln!(f, "  - expected: {}", self.expected)?;
        write!(f, "  + actual:   {}", self.actual)
    }
}

/// The result of running one vector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// The vector's name.
    pub name: String,
    /// Calls run.
    pub calls: usize,
    /// Every difference found; empty means the vector passes.
    pub mismatches: Vec<Mismatch>,
}

impl Report {
    /// Whether every expectation held.
    pub fn passed(&self) -> bool {
        self.mismatches.is_empty()
    }
}

/// Reads and runs the vector at `path` (its relative paths resolve from its directory).
///
/// # Errors
/// The vector cannot be read, parsed or started.
pub fn run_file(path: &Path) -> Result<Report, ConformanceError> {
    let json = read(path)?;
    let vector: Vector =
        serde_json::from_slice(&json).map_err(|source| ConformanceError::Json {
            path: path.to_path_buf(),
            source,
        })?;
    let base = path.parent().unwrap_or(Path::new("."));
    run_vector(&vector, base)
}

/// Runs `vector`, resolving its paths from `base`.
///
/// # Errors
/// A field is invalid or the starting runtime cannot be set up; mismatches are not errors.
pub fn run_vector(vector: &Vector, base: &Path) -> Result<Report, ConformanceError> {
    let executor = Executor::builder()
        .fuel(Some(
            vector.fuel.unwrap_or(crate::limits::DEFAULT_CALL_FUEL),
        ))
        .allow_missing_host_functions(vector.allow_missing_host_functions)
        .build();
    let (code, mut top, children) = runtime_state(&vector.runtime, base)?;
    for (key, value) in &vector.initial_state {
        top.insert(
            hex_field("initial_state key", key)?,
            hex_field("initial_state value", value)?,
        );
    }
    if let Some(expected) = &vector.runtime_blake2_256 {
        let expected = hex_field("runtime_blake2_256", expected)?;
        let actual = subexec_executor::blake2_256(&code);
        if expected != actual {
            return Err(invalid(
                "runtime_blake2_256",
                format!("the runtime's hash is 0x{}", hex::encode(actual)),
            ));
        }
    }
    let runtime = executor
        .load(&code)
        .map_err(|e| ConformanceError::Start(ChainError::Load(e)))?;
    // Child roots of the starting state use the runtime's layout, like every later root.
    let state_version = runtime
        .version()
        .map(|v| StateVersion::from_u8(v.system_version).unwrap_or(StateVersion::V1))
        .map_err(|e| ConformanceError::Start(ChainError::Version(e)))?;
    let state = InMemoryBackend::new(top, children, state_version);
    let heap = vector.heap.map(|heap| match heap {
        HeapSpec::Static(extra_pages) => HeapAllocStrategy::Static { extra_pages },
        HeapSpec::Dynamic(maximum_pages) => HeapAllocStrategy::Dynamic { maximum_pages },
    });
    let mut chain = Chain::new(runtime, state)
        .map_err(ConformanceError::Start)?
        .with_heap_alloc_strategy(heap);

    let mut mismatches = Vec::new();
    for (index, spec) in vector.calls.iter().enumerate() {
        let input = input_bytes(&spec.input, base)?;
        let result = chain.call(&spec.call, &input);
        check_call(index, spec, &chain, result, &mut mismatches)?;
    }
    Ok(Report {
        name: vector.name.clone(),
        calls: vector.calls.len(),
        mismatches,
    })
}

type State = (Vec<u8>, StorageMap, BTreeMap<Vec<u8>, StorageMap>);

fn runtime_state(source: &RuntimeSource, base: &Path) -> Result<State, ConformanceError> {
    match source {
        RuntimeSource::ChainSpec(path) => {
            let path = base.join(path);
            let genesis = GenesisStorage::from_json(&read(&path)?)
                .map_err(|source| ConformanceError::ChainSpec { path, source })?;
            let code = genesis
                .top
                .get(CODE_KEY)
                .cloned()
                .ok_or_else(|| invalid("runtime.chain_spec", "the chain spec has no :code"))?;
            Ok((code, genesis.top, genesis.children_default))
        }
        other => Ok((code_of(other, base)?, StorageMap::new(), BTreeMap::new())),
    }
}

/// The blob bytes of a runtime source (a chain spec's `:code`).
fn code_of(source: &RuntimeSource, base: &Path) -> Result<Vec<u8>, ConformanceError> {
    match source {
        RuntimeSource::Path(path) => read(&base.join(path)),
        RuntimeSource::ChainSpec(_) => runtime_state(source, base).map(|(code, _, _)| code),
        RuntimeSource::Bundled(name) => subexec_runtime_blobs::ALL
            .iter()
            .find(|blob| blob.name == name)
            .map(|blob| blob.wasm.to_vec())
            .ok_or_else(|| invalid("runtime.bundled", format!("no bundled runtime `{name}`"))),
    }
}

fn input_bytes(input: &InputSpec, base: &Path) -> Result<Vec<u8>, ConformanceError> {
    match input {
        InputSpec::Hex(hex) => hex_field("input", hex),
        InputSpec::ScaleCode { scale_code } => Ok(code_of(scale_code, base)?.encode()),
    }
}

fn check_call(
    index: usize,
    spec: &CallSpec,
    chain: &Chain,
    result: Result<ChainCall, ChainError>,
    mismatches: &mut Vec<Mismatch>,
) -> Result<(), ConformanceError> {
    let expect = &spec.expect;
    let mut differ = |field: &str, expected: String, actual: String| {
        mismatches.push(Mismatch {
            call_index: index,
            call: spec.call.clone(),
            field: field.to_string(),
            expected,
            actual,
        })
    };
    let done = match (result, &expect.error) {
        (Err(error), Some(text)) => {
            let message = error_chain(&error);
            if !message.contains(text.as_str()) {
                differ("error", format!("an error containing {text:?}"), message);
            }
            None
        }
        (Err(error), None) => {
            differ("result", "success".into(), error_chain(&error));
            None
        }
        (Ok(done), Some(text)) => {
            differ(
                "result",
                format!("an error containing {text:?}"),
                format!(
                    "success with output 0x{}",
                    hex::encode(&done.outcome.output)
                ),
            );
            None
        }
        (Ok(done), None) => Some(done),
    };
    if let Some(done) = done {
        check_success(expect, &done, &mut differ)?;
    }
    if let Some(expected) = expect.storage_root.as_deref() {
        let expected = hex_field("storage_root", expected)?;
        let actual = chain.storage_root();
        if expected != actual {
            differ(
                "storage_root",
                format!("0x{}", hex::encode(expected)),
                format!("0x{}", hex::encode(actual)),
            );
        }
    }
    if let Some(expected) = expect.spec_version {
        let actual = chain.version().spec_version;
        if expected != actual {
            differ("spec_version", expected.to_string(), actual.to_string());
        }
    }
    Ok(())
}

fn check_success(
    expect: &Expect,
    done: &ChainCall,
    differ: &mut impl FnMut(&str, String, String),
) -> Result<(), ConformanceError> {
    let output = &done.outcome.output;
    if let Some(expected) = expect.output.as_deref() {
        let expected = hex_field("output", expected)?;
        if &expected != output {
            differ(
                "output",
                describe_bytes(&expected, output),
                describe_bytes(output, &expected),
            );
        }
    }
    if let Some(expected) = expect.output_sha256.as_deref() {
        let expected = hex_field("output_sha256", expected)?;
        let actual = Sha256::digest(output).to_vec();
        if expected != actual {
            differ(
                "output_sha256",
                format!("0x{}", hex::encode(expected)),
                format!("0x{} ({} bytes)", hex::encode(actual), output.len()),
            );
        }
    }
    if let Some(expected) = &expect.storage_changes {
        let expected = expected
            .iter()
            .map(|(k, v)| {
                Ok((
                    hex_field("storage_changes key", k)?,
                    v.as_deref()
                        .map(|v| hex_field("storage_changes value", v))
                        .transpose()?,
                ))
            })
            .collect::<Result<BTreeMap<_, _>, ConformanceError>>()?;
        let lines = diff_changes(&expected, &done.changes.main);
        if !lines.is_empty() {
            differ(
                "storage_changes",
                format!("{} changes", expected.len()),
                format!("{} changes:\n{}", done.changes.main.len(), lines.join("\n")),
            );
        }
    }
    if let Some(expected) = expect.fuel {
        let actual = done.outcome.fuel_consumed;
        if actual != Some(expected) {
            differ("fuel", expected.to_string(), format!("{actual:?}"));
        }
    }
    if let Some(expected) = expect.allocation_stats {
        let stats = &done.outcome.allocation_stats;
        let fields = [
            (
                "bytes_allocated",
                expected.bytes_allocated.map(u128::from),
                u128::from(stats.bytes_allocated),
            ),
            (
                "bytes_allocated_peak",
                expected.bytes_allocated_peak.map(u128::from),
                u128::from(stats.bytes_allocated_peak),
            ),
            (
                "bytes_allocated_sum",
                expected.bytes_allocated_sum,
                stats.bytes_allocated_sum,
            ),
            (
                "address_space_used",
                expected.address_space_used.map(u128::from),
                u128::from(stats.address_space_used),
            ),
        ];
        for (name, expected, actual) in fields {
            if let Some(expected) = expected.filter(|e| *e != actual) {
                differ(
                    &format!("allocation_stats.{name}"),
                    expected.to_string(),
                    actual.to_string(),
                );
            }
        }
    }
    Ok(())
}

/// One line per key that differs, `-` expected, `+` actual.
fn diff_changes(
    expected: &BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    actual: &BTreeMap<Vec<u8>, Option<Vec<u8>>>,
) -> Vec<String> {
    let show = |value: &Option<Vec<u8>>| match value {
        Some(value) => format!("0x{}", hex::encode(value)),
        None => "(deleted)".to_string(),
    };
    let mut lines = Vec::new();
    let keys: std::collections::BTreeSet<_> = expected.keys().chain(actual.keys()).collect();
    for key in keys {
        let (e, a) = (expected.get(key), actual.get(key));
        if e == a {
            continue;
        }
        let key = hex::encode(key);
        if let Some(e) = e {
            lines.push(format!("    - 0x{key} = {}", show(e)));
        }
        if let Some(a) = a {
            lines.push(format!("    + 0x{key} = {}", show(a)));
        }
    }
    lines
}

/// `bytes` in hex with its length and where it first departs from `other`.
fn describe_bytes(bytes: &[u8], other: &[u8]) -> String {
    let first_difference = bytes
        .iter()
        .zip(other)
        .position(|(a, b)| a != b)
        .unwrap_or(bytes.len().min(other.len()));
    format!(
        "{} bytes, first difference at byte {first_difference}: 0x{}",
        bytes.len(),
        hex::encode(bytes)
    )
}

/// The error's message followed by its causes, joined by `: `.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

fn read(path: &Path) -> Result<Vec<u8>, ConformanceError> {
    std::fs::read(path).map_err(|source| ConformanceError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn invalid(field: &str, reason: impl Into<String>) -> ConformanceError {
    ConformanceError::Invalid {
        field: field.to_string(),
        reason: reason.into(),
    }
}

fn hex_field(field: &str, text: &str) -> Result<Vec<u8>, ConformanceError> {
    let text = text.strip_prefix("0x").unwrap_or(text);
    hex::decode(text).map_err(|e| invalid(field, e.to_string()))
}
