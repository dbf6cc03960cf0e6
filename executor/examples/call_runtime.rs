//! Embedding subexec: load a runtime, read its version, call it.
//!
//! `cargo run -p subexec-executor --example call_runtime [BLOB] [METHOD]` — without a blob it
//! uses the bundled `runtime-guest` classic runtime; the method defaults to `Core_version`.

use subexec_executor::{empty_storage, Executor, HeapAllocStrategy};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let code = match args.next() {
        Some(path) => std::fs::read(path)?,
        None => subexec_runtime_blobs::CLASSIC.to_vec(),
    };
    let method = args.next().unwrap_or_else(|| "Core_version".into());

    // Engine settings are a value built once; the executor caches compiled runtimes.
    let executor = Executor::builder()
        .heap_alloc_strategy(HeapAllocStrategy::Static { extra_pages: 2048 })
        .fuel(Some(10_000_000_000))
        .allow_missing_host_functions(true)
        .build();

    let runtime = executor.load(&code)?; // raw or compressed wasm
    let version = runtime.version()?; // custom sections, else a Core_version call
    println!("{} v{}", version.spec_name, version.spec_version);

    let mut storage = empty_storage();
    let outcome = runtime.call(&mut storage, &method, &[])?;
    println!(
        "{method}: {} bytes, fuel {:?}, heap peak {} bytes",
        outcome.output.len(),
        outcome.fuel_consumed,
        outcome.allocation_stats.bytes_allocated_peak
    );
    Ok(())
}
