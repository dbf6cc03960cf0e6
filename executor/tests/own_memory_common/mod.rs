//! Runtimes that define their own memory, made from ones that import it: the imported
//! `env.memory` becomes a memory the module defines (same limits) and exports as `memory`,
//! as pre-2020 runtimes (Kusama's early ones) are linked. Nothing else changes: a memory
//! import shifts no function, table or global index, so code, data and custom sections are
//! copied byte for byte.
//!
//! One file for two crates, like `node_template_common`: the executor's tests use it as
//! `mod own_memory_common;`, the `instance_reuse` bench as a `#[path]` module.
#![allow(dead_code)]

use wasm_encoder::{ExportKind, ExportSection, MemorySection, MemoryType, Section};
use wasmparser::{ExportSectionReader, ImportSectionReader, Parser, Payload, TypeRef};

/// Section ids.
const IMPORT: u8 = 2;
const FUNCTION: u8 = 3;
const TABLE: u8 = 4;

/// `wasm` (raw, uncompressed, importing `env.memory`) with its memory defined and exported
/// as `memory` instead. Panics on anything else: test data only.
pub fn define_memory(wasm: &[u8]) -> Vec<u8> {
    let mut out = wasm[..8].to_vec();
    let mut memory = None;
    let mut pending_memory: Option<Vec<u8>> = None;
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.expect("a valid module");
        let Some((id, range)) = payload.as_section() else {
            continue;
        };
        // The defined memory goes where the section order puts the memory section.
        if let Some(section) = pending_memory.take() {
            if matches!(id, 0 | FUNCTION | TABLE) {
                pending_memory = Some(section);
            } else {
                out.extend_from_slice(&section);
            }
        }
        // The bytes of the section, framing included.
        let header_len = section_header_len(&wasm[..range.start], range.len());
        let raw = &wasm[range.start - header_len..range.end];
        match payload {
            Payload::ImportSection(reader) => {
                let (section, ty) = without_memory_import(wasm, reader);
                memory = Some(ty);
                out.extend_from_slice(&section);
                let mut memories = MemorySection::new();
                memories.memory(ty);
                let mut bytes = Vec::new();
                memories.append_to(&mut bytes);
                pending_memory = Some(bytes);
            }
            Payload::ExportSection(reader) => {
                memory.expect("the memory import precedes the exports");
                out.extend_from_slice(&with_memory_export(reader));
            }
            _ => out.extend_from_slice(raw),
        }
    }
    assert!(
        pending_memory.is_none(),
        "a module with no section after its imports"
    );
    // What was made: no memory import, one defined memory exported as `memory`.
    let mut defined = 0;
    for payload in Parser::new(0).parse_all(&out) {
        match payload.expect("the converted module parses") {
            Payload::ImportSection(reader) => assert!(reader
                .into_iter()
                .all(|i| !matches!(i.expect("an import").ty, TypeRef::Memory(_)))),
            Payload::MemorySection(reader) => defined += reader.count(),
            Payload::ExportSection(reader) => assert!(reader.into_iter().any(|e| {
                let e = e.expect("an export");
                e.name == "memory" && e.kind == wasmparser::ExternalKind::Memory
            })),
            _ => {}
        }
    }
    assert_eq!(defined, 1, "one defined memory");
    out
}

/// The length of the framing (id byte and LEB128 size) before a section's contents.
fn section_header_len(before: &[u8], contents_len: usize) -> usize {
    let mut size = Vec::new();
    leb128(&mut size, contents_len as u32);
    let len = 1 + size.len();
    assert_eq!(
        &before[before.len() - size.len()..],
        &size[..],
        "minimal LEB128 framing"
    );
    len
}

fn leb128(out: &mut Vec<u8>, mut value: u32) {
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

/// The import section without its memory import, and that import's type.
fn without_memory_import(wasm: &[u8], reader: ImportSectionReader<'_>) -> (Vec<u8>, MemoryType) {
    let mut entries = Vec::new();
    let mut count = 0u32;
    let mut memory = None;
    let range = reader.range();
    let items: Vec<_> = reader
        .into_iter_with_offsets()
        .map(|item| item.expect("a valid import"))
        .collect();
    for (index, (offset, import)) in items.iter().enumerate() {
        let end = items.get(index + 1).map_or(range.end, |(next, _)| *next);
        match import.ty {
            TypeRef::Memory(ty) => {
                assert_eq!((import.module, import.name), ("env", "memory"));
                memory = Some(MemoryType {
                    minimum: ty.initial,
                    maximum: ty.maximum,
                    memory64: ty.memory64,
                    shared: ty.shared,
                    page_size_log2: ty.page_size_log2,
                });
            }
            _ => {
                count += 1;
                entries.push((*offset, end));
            }
        }
    }
    let mut contents = Vec::new();
    leb128(&mut contents, count);
    // Offsets are positions in the whole module.
    for (start, end) in entries {
        contents.extend_from_slice(&wasm[start..end]);
    }
    let mut section = vec![IMPORT];
    leb128(&mut section, contents.len() as u32);
    section.extend_from_slice(&contents);
    (section, memory.expect("an imported memory"))
}

/// The export section with `memory` (index 0) added.
fn with_memory_export(reader: ExportSectionReader<'_>) -> Vec<u8> {
    let mut exports = ExportSection::new();
    for export in reader {
        let export = export.expect("a valid export");
        let kind = match export.kind {
            wasmparser::ExternalKind::Func => ExportKind::Func,
            wasmparser::ExternalKind::Table => ExportKind::Table,
            wasmparser::ExternalKind::Memory => ExportKind::Memory,
            wasmparser::ExternalKind::Global => ExportKind::Global,
            wasmparser::ExternalKind::Tag => ExportKind::Tag,
        };
        exports.export(export.name, kind, export.index);
    }
    exports.export("memory", ExportKind::Memory, 0);
    let mut bytes = Vec::new();
    exports.append_to(&mut bytes);
    bytes
}
