//! `subexec`: run Substrate runtime calls from the command line.
//!
//! `subexec run` loads a runtime (a wasm blob, or the `:code` of a raw chain spec together
//! with its genesis storage), calls one entry point and prints the output, the allocator's
//! statistics, the fuel used and the storage changes. Without a runtime it runs the bundled
//! `runtime-guest` demo workload (endow accounts, execute a block of transfers).

mod demo;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use subexec_executor::heap::HEAP_PAGES_KEY;
use subexec_executor::storage::{chain_spec::GenesisStorage, StateVersion, StorageState};
use subexec_executor::{empty_storage, CallOutcome, Executor, HeapAllocStrategy, Runtime};

#[derive(Parser)]
#[command(
    name = "subexec",
    version,
    about = "Deterministic Substrate runtime executor"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Call a runtime entry point (without a runtime: the bundled demo workload).
    Run(RunArgs),
    /// Print a runtime's version.
    Version(RuntimeArgs),
}

#[derive(Args)]
struct RuntimeArgs {
    /// Runtime blob (raw or zstd-compressed wasm).
    #[arg(long, value_name = "FILE", conflicts_with = "chain_spec")]
    runtime: Option<PathBuf>,
    /// Raw chain spec: its genesis `:code` is the runtime and its genesis state the storage.
    #[arg(long, value_name = "FILE")]
    chain_spec: Option<PathBuf>,
    /// Static heap of N extra pages (default: `:heappages`, else 2048).
    #[arg(long, value_name = "N", conflicts_with = "dynamic_heap")]
    heap_pages: Option<u32>,
    /// Dynamic heap, growing up to the wasm32 limit.
    #[arg(long)]
    dynamic_heap: bool,
    /// Fuel budget of the call (default: unmetered).
    #[arg(long, value_name = "N")]
    fuel: Option<u64>,
    /// Link unknown host functions as stubs that trap when called.
    #[arg(long)]
    allow_missing_host_functions: bool,
}

#[derive(Args)]
struct RunArgs {
    #[command(flatten)]
    runtime: RuntimeArgs,
    /// Entry point to call.
    #[arg(long, value_name = "NAME", default_value = "Core_version")]
    call: String,
    /// Call input as hex (with or without 0x).
    #[arg(long, value_name = "HEX", default_value = "")]
    input: String,
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

type BoxError = Box<dyn std::error::Error>;

fn run(cli: Cli) -> Result<(), BoxError> {
    match cli.command {
        Command::Run(args) => {
            if args.runtime.runtime.is_none() && args.runtime.chain_spec.is_none() {
                return demo::run(&executor(&args.runtime));
            }
            let (runtime, mut storage) = load(&args.runtime)?;
            let input = hex::decode(args.input.trim_start_matches("0x"))?;
            let outcome = runtime.call(&mut storage, &args.call, &input)?;
            print_outcome(&args.call, &outcome, &storage);
            Ok(())
        }
        Command::Version(args) => {
            let (runtime, _) = load(&args)?;
            println!("{:#?}", runtime.version()?);
            Ok(())
        }
    }
}

fn executor(args: &RuntimeArgs) -> Executor {
    let mut builder = Executor::builder()
        .fuel(args.fuel)
        .allow_missing_host_functions(args.allow_missing_host_functions);
    if args.dynamic_heap {
        builder = builder.heap_alloc_strategy(HeapAllocStrategy::Dynamic {
            maximum_pages: None,
        });
    }
    builder.build()
}

/// The runtime and the storage a call runs against.
fn load(args: &RuntimeArgs) -> Result<(Runtime, StorageState), BoxError> {
    let executor = executor(args);
    let (runtime, storage) = match (&args.runtime, &args.chain_spec) {
        (Some(path), _) => (executor.load(&std::fs::read(path)?)?, empty_storage()),
        (None, Some(path)) => {
            let genesis = GenesisStorage::from_json(&std::fs::read(path)?)?;
            let storage = StorageState::new(Arc::new(genesis.into_backend(StateVersion::V0)));
            let code = storage.get(b":code").ok_or("the chain spec has no :code")?;
            let runtime = executor.load(&code)?;
            let heap_pages = storage.get(HEAP_PAGES_KEY);
            (runtime.with_heap_pages(heap_pages.as_deref()), storage)
        }
        (None, None) => return Err("give --runtime or --chain-spec".into()),
    };
    let runtime = match args.heap_pages {
        Some(extra_pages) => {
            runtime.with_heap_alloc_strategy(HeapAllocStrategy::Static { extra_pages })
        }
        None => runtime,
    };
    Ok((runtime, storage))
}

fn print_outcome(method: &str, outcome: &CallOutcome, storage: &StorageState) {
    println!("call:    {method}");
    println!(
        "output:  {} bytes: 0x{}",
        outcome.output.len(),
        hex::encode(&outcome.output)
    );
    let stats = &outcome.allocation_stats;
    println!(
        "heap:    {} bytes live, {} peak, {} allocated in total, {} bytes of address space",
        stats.bytes_allocated,
        stats.bytes_allocated_peak,
        stats.bytes_allocated_sum,
        stats.address_space_used
    );
    match outcome.fuel_consumed {
        Some(fuel) => println!("fuel:    {fuel}"),
        None => println!("fuel:    not metered"),
    }
    let changes = storage.changes();
    println!(
        "storage: {} main-trie changes, {} child tries changed",
        changes.main.len(),
        changes.children.len()
    );
}
