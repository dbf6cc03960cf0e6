//! `subexec run`: calls on a runtime over state that persists between calls (and, with
//! `--state`, between runs). Without `--call`, `--runtime` or `--chain-spec` it runs the bundled
//! demo workload (see `demo`).
//!
//! The runtime is the first of: `--runtime FILE`; the `:code` of the starting state (`--state`
//! if it exists, else `--chain-spec`); the bundled runtime-guest classic blob. Calls run on
//! an [`subexec_cli::upgrade::Chain`], so a call that writes `:code` upgrades the runtime.
//!
//! `--state` is a state database (an existing directory, `state_arg`) or a JSON state file.
//! On a database the calls read the trie through the database and roots cost the changes
//! times the depth (the state is never loaded); their changes are staged in memory and
//! committed in one transaction when every call succeeded. A state file is locked for the
//! whole run and written atomically when every call succeeded and something changed
//! (`state_file`). Either way a failed run changes nothing.
//!
//! `--heap-report FILE` and `--memory-budget` record each call's allocations and report on
//! them (`memory_report`); a call that runs out of memory still gets its heap map (at the
//! failure) before the run fails.
//!
//! With `--json`, a run whose call fails still prints its document: the calls that succeeded,
//! then the failed call's record (`out_of_memory`: its error, and the out-of-memory diagnosis
//! as an object when it ran out of memory). The exit code and the error on stderr are the same
//! as without `--json`.

use crate::output::{out, outln};
use std::path::PathBuf;

use clap::Args;
use subexec_cli::diagnostics::budget::MemoryBudget;
use subexec_cli::upgrade::{Chain, ChainError, CODE_KEY};
use subexec_executor::storage::{CommittedState, InMemoryBackend, StateVersion};
use subexec_executor::{CallError, CallOptions, Executor, HeapAllocStrategy, Runtime};

use crate::failure::{Failure, Kind, Outcome};
use crate::progress::Progress;
use crate::state_arg::{self, Location};
use crate::state_file::StateFile;
use crate::{demo, memory_report, out_of_memory, report, source};

/// `subexec run` arguments.
#[derive(Args)]
pub struct RunArgs {
    /// Runtime blob (raw or zstd-compressed wasm); the state starts empty.
    #[arg(long, value_name = "FILE", conflicts_with = "chain_spec")]
    runtime: Option<PathBuf>,
    /// Raw chain spec: its genesis `:code` is the runtime and its genesis state the storage.
    #[arg(long, value_name = "FILE")]
    chain_spec: Option<PathBuf>,
    /// State: a state database (an existing directory, made by `subexec state import`) or a
    /// JSON state file (read at the start if it exists, instead of the chain spec's genesis;
    /// written atomically under a lock when the run changed it; never a chain spec). Either
    /// way the run's changes are committed only when every call succeeded.
    #[arg(long, value_name = "DIR|FILE")]
    state: Option<PathBuf>,
    /// Entry point to call (default with a runtime: `Core_version`; without: the demo).
    #[arg(long, value_name = "NAME")]
    call: Option<String>,
    /// Call input: hex (with or without 0x), or @FILE for a file's raw bytes.
    #[arg(long, value_name = "HEX|@FILE", default_value = "")]
    input: String,
    /// Static heap of N extra pages (default: `:heappages`, else 2048).
    #[arg(long, value_name = "N", conflicts_with = "dynamic_heap")]
    heap_pages: Option<u32>,
    /// Dynamic heap, growing up to the wasm32 limit.
    #[arg(long)]
    dynamic_heap: bool,
    /// Fuel budget of each call (every call is metered; raise it for heavier work).
    #[arg(long, value_name = "N", default_value = subexec_cli::limits::DEFAULT_CALL_FUEL_ARG)]
    fuel: Option<u64>,
    /// Link unknown host functions as stubs that trap when called.
    #[arg(long)]
    allow_missing_host_functions: bool,
    /// Print one JSON document instead of text.
    #[arg(long)]
    json: bool,
    /// Record each call's allocations: write a heap map (SVG) to FILE (several calls: one file
    /// each, numbered) and a summary (peak, waste, classes, host functions, headroom) to stderr.
    #[arg(long, value_name = "FILE")]
    heap_report: Option<PathBuf>,
    /// Run under a memory budget and report the headroom: `validator` (the PVF default, 2080
    /// pages in all) or a total page count. Warns above half of the validators' budget.
    #[arg(long, value_name = "validator|PAGES", conflicts_with_all = ["heap_pages", "dynamic_heap"])]
    memory_budget: Option<MemoryBudget>,
}

/// Runs `subexec run`.
pub fn run(args: RunArgs) -> Outcome {
    let executor = Executor::builder()
        .fuel(args.fuel)
        .allow_missing_host_functions(args.allow_missing_host_functions)
        .build();
    match args.state.as_deref().map(state_arg::locate) {
        Some(Location::Database(dir)) => {
            if args.chain_spec.is_some() {
                return Err(Failure::new(
                    Kind::BadInput,
                    "--chain-spec cannot start a state database: load it with `subexec state import`",
                ));
            }
            let mut db = state_arg::open_existing(&dir)?;
            let staged = db.stage();
            let stored_code = staged
                .top_value(CODE_KEY)
                .map_err(|e| Failure::caused(Kind::Other, "cannot read `:code`", e))?;
            let (runtime, origin) = runtime(&executor, &args, stored_code)?;
            let chain = Chain::on_state(runtime, staged).map_err(Failure::chain)?;
            run_calls(&args, chain, &origin, &mut |chain, changed| {
                if changed {
                    db.commit_staged(chain.committed())
                        .map_err(|e| state_arg::db_failure(&dir, e))?;
                }
                Ok(())
            })
        }
        location => {
            let mut file = match location {
                Some(Location::File(path)) => Some(StateFile::open(&path)?),
                _ => None,
            };
            let genesis = match (
                file.as_mut().and_then(StateFile::take_genesis),
                &args.chain_spec,
            ) {
                (Some(genesis), _) => genesis,
                (None, Some(spec)) => source::genesis(spec)?,
                (None, None) => Default::default(),
            };
            let stored_code = genesis.top.get(CODE_KEY).cloned();
            let (runtime, origin) = runtime(&executor, &args, stored_code)?;
            let version = runtime.version().map_err(Failure::version)?;
            let state_version =
                StateVersion::from_u8(version.system_version).unwrap_or(StateVersion::V1);
            let state = InMemoryBackend::new(genesis.top, genesis.children_default, state_version);
            let chain = Chain::new(runtime, state).map_err(Failure::chain)?;
            run_calls(&args, chain, &origin, &mut |chain, changed| match &file {
                Some(file) => file.save(chain.state(), changed),
                None => Ok(()),
            })
        }
    }
}

/// The runtime to run and where it came from: `--runtime`, else the state's `:code`, else the
/// bundled blob.
fn runtime(
    executor: &Executor,
    args: &RunArgs,
    stored_code: Option<Vec<u8>>,
) -> Outcome<(Runtime, String)> {
    let (code, origin) = match (&args.runtime, stored_code) {
        (Some(path), _) => (source::blob(path)?, format!("from {}", path.display())),
        (None, Some(code)) => (code, "from the state's :code".to_string()),
        (None, None) => (
            subexec_runtime_blobs::CLASSIC.to_vec(),
            "bundled runtime-guest, classic ABI".to_string(),
        ),
    };
    let runtime = executor
        .load(&code)
        .map_err(|e| Failure::input("cannot load the runtime", e))?;
    Ok((runtime, origin))
}

/// Runs the calls on `chain`, prints them, and hands the chain to `save` (with whether any
/// call changed the state) when every call succeeded, before the last output.
fn run_calls<S: CommittedState>(
    args: &RunArgs,
    chain: Chain<S>,
    origin: &str,
    save: &mut dyn FnMut(&Chain<S>, bool) -> Outcome,
) -> Outcome {
    let is_demo = args.call.is_none() && args.runtime.is_none() && args.chain_spec.is_none();
    let heap = match (args.heap_pages, args.dynamic_heap, args.memory_budget) {
        (_, _, Some(budget)) => Some(budget.heap_alloc_strategy()),
        (Some(extra_pages), _, None) => Some(HeapAllocStrategy::Static { extra_pages }),
        (None, true, None) => Some(HeapAllocStrategy::Dynamic {
            maximum_pages: None,
        }),
        (None, false, None) => None,
    };
    let options = CallOptions {
        trace_allocations: args.heap_report.is_some() || args.memory_budget.is_some(),
        ..CallOptions::default()
    };
    let mut chain = chain.with_heap_alloc_strategy(heap);
    let mut changed = false;

    let calls = if is_demo {
        demo::calls()
    } else {
        let call = args.call.clone().unwrap_or_else(|| "Core_version".into());
        vec![(call, source::input(&args.input)?)]
    };
    if !args.json {
        outln!("{}", report::runtime_line(&chain, origin));
    }
    let mut records = Vec::new();
    let total = calls.len();
    for (index, (method, input)) in calls.into_iter().enumerate() {
        let mode = chain.runtime().mode();
        let result = {
            let _progress = Progress::start(format!("{method} running"));
            chain.call_with(&method, &input, &options)
        };
        let done = match result {
            Ok(done) => done,
            Err(error) => {
                let mut record = out_of_memory::json_failed_call(&method, &error);
                if let (
                    Some(file),
                    ChainError::Call {
                        error: CallError::OutOfMemory(failure),
                        ..
                    },
                ) = (&args.heap_report, &error)
                {
                    let path = memory_report::heap_map_path(file, index, total, &method);
                    let (text, value) = memory_report::heap_report(&failure.trace, &method, &path)?;
                    eprint!("{text}");
                    if let serde_json::Value::Object(map) = &mut record {
                        map.insert("heap_report".into(), value);
                    }
                }
                if args.json {
                    // The calls so far, then the failed one; the state is the committed one
                    // (the failed call changed nothing). The error also goes to stderr.
                    records.push(record);
                    let document = report::json_run(&chain, records);
                    outln!(
                        "{}",
                        serde_json::to_string_pretty(&document).unwrap_or_default()
                    );
                }
                return Err(Failure::chain(error));
            }
        };
        changed |= !done.changes.is_empty();
        let summary = demo::describe(&method, &done.outcome.output);
        let mut extra_text = String::new();
        let mut extra_json = Vec::new();
        if let Some(trace) = &done.outcome.allocation_trace {
            if let Some(file) = &args.heap_report {
                let path = memory_report::heap_map_path(file, index, total, &method);
                let (text, value) = memory_report::heap_report(trace, &method, &path)?;
                eprint!("{text}");
                extra_json.push(("heap_report", value));
            }
            if let Some(budget) = args.memory_budget {
                let (text, value) = memory_report::budget_report(trace, budget);
                extra_text.push_str(&text);
                extra_json.push(("memory_budget", value));
            }
        } else if args.heap_report.is_some() || args.memory_budget.is_some() {
            eprintln!("{}", memory_report::no_trace_note(&method, mode));
        }
        if args.json {
            let mut record = report::json_call(&method, summary, &done);
            if let serde_json::Value::Object(map) = &mut record {
                for (key, value) in extra_json {
                    map.insert(key.into(), value);
                }
            }
            records.push(record);
        } else {
            match summary {
                Some(summary) => outln!("{method}: {summary}"),
                None => outln!("{method}:"),
            }
            out!("{}", report::text(&done));
            out!("{extra_text}");
        }
    }
    // Every call succeeded: save before the last output, so that a closed or full stdout
    // (exit 1) cannot drop the run's changes.
    save(&chain, changed)?;
    if args.json {
        let document = report::json_run(&chain, records);
        outln!(
            "{}",
            serde_json::to_string_pretty(&document).unwrap_or_default()
        );
    } else {
        outln!("{}", report::root_line(&chain));
    }
    Ok(())
}
