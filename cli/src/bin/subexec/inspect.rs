//! `subexec inspect FILE`: what a runtime blob contains, without running it (except
//! `Core_version` for a blob without version sections).

use crate::output::{out, outln};
use std::path::PathBuf;

use clap::Args;
use subexec_executor::blob::{decompress, is_compressed, CODE_BLOB_BOMB_LIMIT};
use subexec_executor::{blake2_256, Executor, LoadError, RuntimeVersion};
use wasmi::{ExternType, FuncType, Module};
use wasmparser::{ExternalKind, Operator, Parser, Payload};

use subexec_cli::text::one_line;

use crate::failure::{Failure, Kind, Outcome};
use crate::source;

/// The four bytes every binary wasm module starts with.
const WASM_MAGIC: &[u8] = b"\0asm";

/// `subexec inspect` arguments.
#[derive(Args)]
pub struct InspectArgs {
    /// Runtime blob, a raw chain spec or a state database directory (its `:code`).
    file: PathBuf,
    /// Print one JSON document instead of text.
    #[arg(long)]
    json: bool,
    /// Fuel budget of `Core_version` (nested version reads included).
    #[arg(long, value_name = "N", default_value = subexec_cli::limits::DEFAULT_VERSION_FUEL_ARG)]
    fuel: u64,
}

/// What `inspect` learns about a blob.
pub struct Info {
    /// The blob's size.
    pub blob_len: usize,
    /// Whether it is zstd-compressed (Substrate's 8-byte prefix).
    pub compressed: bool,
    /// The wasm's size.
    pub wasm_len: usize,
    /// blake2-256 of the blob (the code hash of `:code`).
    pub code_hash: [u8; 32],
    /// Sections in order: name and payload size.
    pub sections: Vec<(String, usize)>,
    /// Imports: `module.name` and what they are.
    pub imports: Vec<(String, String)>,
    /// Exports: name and what they are.
    pub exports: Vec<(String, String)>,
    /// The memory: imported or exported, limits.
    pub memory: String,
    /// The value of `__heap_base`, if exported as an i32 constant global.
    pub heap_base: Option<i32>,
    /// The ABI its entry points follow.
    pub mode: String,
    /// Host functions it imports that subexec does not provide.
    pub missing_host_functions: Vec<String>,
    /// Its version, or why it could not be read.
    pub version: Result<RuntimeVersion, String>,
}

/// Runs `subexec inspect`.
pub fn run(args: InspectArgs) -> Outcome {
    let info = inspect(&source::blob(&args.file)?, args.fuel)?;
    if args.json {
        let document = to_json(&info);
        outln!(
            "{}",
            serde_json::to_string_pretty(&document).unwrap_or_default()
        );
    } else {
        out!("{}", describe(&info));
    }
    Ok(())
}

fn func(ty: &FuncType) -> String {
    format!("func {:?} -> {:?}", ty.params(), ty.results())
}

fn extern_type(ty: &ExternType) -> String {
    match ty {
        ExternType::Func(f) => func(f),
        ExternType::Memory(m) => format!("memory {} pages, maximum {:?}", m.minimum(), m.maximum()),
        ExternType::Global(g) => format!("global {:?} {:?}", g.content(), g.mutability()),
        ExternType::Table(t) => format!("table {:?}", t.element()),
    }
}

/// Inspects a blob (raw or compressed).
pub fn inspect(blob: &[u8], fuel: u64) -> Outcome<Info> {
    let wasm = decompress(blob, CODE_BLOB_BOMB_LIMIT)
        .map_err(|e| Failure::input("cannot decompress the blob", e))?;
    if !wasm.starts_with(WASM_MAGIC) {
        // The engine has no text parser (wasmi's `wat` feature is off): a `.wat` file or any
        // other non-binary input is refused here, as `run` refuses it.
        return Err(Failure::new(
            Kind::BadInput,
            "the blob is not a binary wasm module (it does not start with `\\0asm`; text \
             `.wat` is not a runtime)",
        ));
    }
    let engine = wasmi::Engine::default();
    let module = Module::new(&engine, &wasm[..])
        .map_err(|e| Failure::input("the blob is not a valid wasm module", e))?;
    let imports: Vec<_> = module
        .imports()
        .map(|i| (format!("{}.{}", i.module(), i.name()), extern_type(i.ty())))
        .collect();
    let exports: Vec<_> = module
        .exports()
        .map(|e| (e.name().to_string(), extern_type(e.ty())))
        .collect();
    let memory = module
        .imports()
        .find_map(|i| match i.ty() {
            ExternType::Memory(m) => Some(format!(
                "imported as {}.{}: {} pages, maximum {:?}",
                i.module(),
                i.name(),
                m.minimum(),
                m.maximum()
            )),
            _ => None,
        })
        .or_else(|| {
            module.exports().find_map(|e| match e.ty() {
                ExternType::Memory(m) => Some(format!(
                    "exported as `{}`: {} pages, maximum {:?}",
                    e.name(),
                    m.minimum(),
                    m.maximum()
                )),
                _ => None,
            })
        })
        .unwrap_or_else(|| "none".into());
    let imported_globals = module
        .imports()
        .filter(|i| matches!(i.ty(), ExternType::Global(_)))
        .count();
    let missing_host_functions = match Executor::default().load(blob) {
        Err(LoadError::MissingHostFunctions(missing)) => missing,
        _ => Vec::new(),
    };
    let version = Executor::builder()
        .allow_missing_host_functions(true)
        .fuel(Some(fuel))
        .build()
        .load(blob)
        .map_err(|e| e.to_string())
        .and_then(|runtime| runtime.version().map_err(|e| e.to_string()));
    Ok(Info {
        blob_len: blob.len(),
        compressed: is_compressed(blob),
        wasm_len: wasm.len(),
        code_hash: blake2_256(blob),
        sections: sections(&wasm),
        heap_base: heap_base(&wasm, imported_globals),
        mode: mode(&module),
        imports,
        exports,
        memory,
        missing_host_functions,
        version,
    })
}

/// The ABI of the entry points (abi.md §2 and §3): `(i32, i32) -> i64` is classic,
/// `(i32) -> i64` is guest-allocator (RFC-0145).
fn mode(module: &Module) -> String {
    use wasmi::ValType::{I32, I64};
    let (mut classic, mut guest) = (0, 0);
    for export in module.exports() {
        if let ExternType::Func(f) = export.ty() {
            match (f.params(), f.results()) {
                ([I32, I32], [I64]) => classic += 1,
                ([I32], [I64]) => guest += 1,
                _ => {}
            }
        }
    }
    match (classic, guest) {
        (0, 0) => "none: no entry points".into(),
        (n, 0) => format!("classic (host allocator): {n} entry points"),
        (0, n) => format!("guest allocator (RFC-0145): {n} entry points"),
        (c, g) => format!("mixed: {c} classic and {g} guest-allocator entry points (rejected)"),
    }
}

/// Section names and payload sizes, from the section headers.
fn sections(wasm: &[u8]) -> Vec<(String, usize)> {
    const NAMES: [&str; 13] = [
        "custom",
        "type",
        "import",
        "function",
        "table",
        "memory",
        "global",
        "export",
        "start",
        "element",
        "code",
        "data",
        "datacount",
    ];
    let mut out = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        let Ok(payload) = payload else { break };
        let (name, size) = match &payload {
            Payload::CustomSection(c) => (format!("custom `{}`", c.name()), c.data().len()),
            Payload::CodeSectionStart { range, .. } => ("code".to_string(), range.len()),
            other => match other.as_section() {
                Some((id, range)) => (
                    NAMES.get(usize::from(id)).unwrap_or(&"unknown").to_string(),
                    range.len(),
                ),
                None => continue,
            },
        };
        out.push((name, size));
    }
    out
}

/// `__heap_base`'s initial value.
fn heap_base(wasm: &[u8], imported_globals: usize) -> Option<i32> {
    let mut values = Vec::new();
    let mut index = None;
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.ok()? {
            Payload::GlobalSection(reader) => {
                for global in reader {
                    let mut ops = global.ok()?.init_expr.get_operators_reader();
                    values.push(match ops.read() {
                        Ok(Operator::I32Const { value }) => Some(value),
                        _ => None,
                    });
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export.ok()?;
                    if export.name == "__heap_base" && export.kind == ExternalKind::Global {
                        index = Some(export.index as usize);
                    }
                }
            }
            _ => {}
        }
    }
    values
        .get(index?.checked_sub(imported_globals)?)
        .copied()
        .flatten()
}

/// The report as JSON.
pub fn to_json(info: &Info) -> serde_json::Value {
    use serde_json::json;
    let pairs = |items: &[(String, String)]| -> Vec<serde_json::Value> {
        items
            .iter()
            .map(|(name, ty)| json!({"name": name, "type": ty}))
            .collect()
    };
    json!({
        "blob_bytes": info.blob_len,
        "compressed": info.compressed,
        "wasm_bytes": info.wasm_len,
        "code_hash": format!("0x{}", hex::encode(info.code_hash)),
        "mode": info.mode,
        "memory": info.memory,
        "heap_base": info.heap_base,
        "version": match &info.version {
            Ok(v) => json!({
                "spec_name": v.spec_name,
                "impl_name": v.impl_name,
                "authoring_version": v.authoring_version,
                "spec_version": v.spec_version,
                "impl_version": v.impl_version,
                "transaction_version": v.transaction_version,
                "system_version": v.system_version,
                "apis": v.apis.iter().map(|(id, version)| json!({
                    "id": format!("0x{}", hex::encode(id)), "version": version
                })).collect::<Vec<_>>(),
            }),
            Err(e) => json!({"error": e}),
        },
        "missing_host_functions": info.missing_host_functions,
        "sections": info.sections.iter().map(|(name, size)| json!({"name": name, "bytes": size})).collect::<Vec<_>>(),
        "imports": pairs(&info.imports),
        "exports": pairs(&info.exports),
    })
}

/// The text report.
pub fn describe(info: &Info) -> String {
    let mut text = format!(
        "blob:       {} bytes, {}\nwasm:       {} bytes\ncode hash:  0x{}\nmode:       {}\nmemory:     {}\nheap base:  {}\n",
        info.blob_len,
        if info.compressed { "zstd-compressed" } else { "not compressed" },
        info.wasm_len,
        hex::encode(info.code_hash),
        info.mode,
        one_line(&info.memory),
        info.heap_base.map_or("not exported".to_string(), |b| b.to_string()),
    );
    match &info.version {
        Ok(v) => text.push_str(&format!(
            "version:    {} spec_version {}\n",
            one_line(&v.spec_name),
            v.spec_version
        )),
        Err(e) => text.push_str(&format!("version:    unreadable: {}\n", one_line(e))),
    }
    if !info.missing_host_functions.is_empty() {
        text.push_str(&format!(
            "missing host functions ({}): {}\n",
            info.missing_host_functions.len(),
            one_line(&info.missing_host_functions.join(", "))
        ));
    }
    text.push_str(&format!("sections ({}):\n", info.sections.len()));
    for (name, size) in &info.sections {
        text.push_str(&format!("  {}: {size} bytes\n", one_line(name)));
    }
    text.push_str(&format!("imports ({}):\n", info.imports.len()));
    for (name, ty) in &info.imports {
        text.push_str(&format!("  {}: {ty}\n", one_line(name)));
    }
    text.push_str(&format!("exports ({}):\n", info.exports.len()));
    for (name, ty) in &info.exports {
        text.push_str(&format!("  {}: {ty}\n", one_line(name)));
    }
    text
}
