//! Load-time rewrites that let a reused instance be reset: export every mutable global (this
//! file), and turn a memory the module defines into an import ([`import_defined_memory`]).
//!
//! An instance is reused only if, before each call, it is exactly as if freshly instantiated;
//! that includes every mutable global. wasmi reaches globals only through exports, and real
//! runtimes keep at least one mutable global private: `__stack_pointer`, the shadow stack
//! pointer LLVM emits, which a trap leaves wherever the unwound frames had moved it. Like
//! Substrate's executor once did (`sc-executor-wasmi`'s `export_mutable_globals`), the module
//! is rewritten at load to export them.
//!
//! # How
//! The binary is split into its sections by their framing (id, LEB128 size, contents). The
//! import section (imported globals come first in the global index space) and the global
//! section are read with `wasmparser` to list the mutable globals in index order; the export
//! section, if any, is read to find the mutable globals already exported (their first export
//! name is reused) and the names taken. A new export section, the old exports followed by one
//! `__subexec_global_<index>` export per mutable global not yet exported, is written with
//! `wasm-encoder` in place of the old one (or, when the module has none, where the section
//! order puts it). Every other section, custom sections included, is copied byte for byte:
//! the embedded runtime version and APIs, and the code, are untouched. A name already taken
//! by an export gets `_` appended until it is free, so the new exports never collide.
//!
//! Nothing else changes: code hashes are those of the blob as given, and the new exports are
//! globals, so no entry point appears or disappears. A module without mutable globals to
//! add is returned as it is.
//!
//! # Hostile input
//! The rewriter runs on the decompressed blob before validation. Malformed framing or
//! sections give a [`RewriteError`], never a panic; the loader then reports the original
//! module's own validation error (see [`crate::runtime`]), so error messages do not depend on
//! the rewrite.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use wasm_encoder::{ExportKind, ExportSection, Section};
use wasmparser::{
    BinaryReader, BinaryReaderError, ExportSectionReader, ExternalKind, GlobalSectionReader,
    ImportSectionReader, TypeRef,
};

/// The module header: magic and version 1.
const HEADER: &[u8; 8] = b"\0asm\x01\0\0\0";

/// Section ids this module cares about.
const CUSTOM: u8 = 0;
const IMPORT: u8 = 2;
const GLOBAL: u8 = 6;
const EXPORT: u8 = 7;

/// Prefix of the export names given to mutable globals the module does not export.
pub const GLOBAL_EXPORT_PREFIX: &str = "__subexec_global_";

/// Why a module could not be rewritten (it is then malformed, and validation says how).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RewriteError {
    /// The binary does not start with the wasm magic and version 1.
    #[error("not a wasm module: bad magic or version")]
    BadHeader,
    /// A section's framing or contents cannot be read.
    #[error("malformed section: {0}")]
    Malformed(String),
    /// A section that may appear once appears again.
    #[error("section {0} appears more than once")]
    DuplicateSection(u8),
    /// More exports than an index can count.
    #[error("too many exports")]
    TooManyExports,
}

impl From<BinaryReaderError> for RewriteError {
    fn from(error: BinaryReaderError) -> Self {
        RewriteError::Malformed(error.to_string())
    }
}

/// A module with every mutable global exported.
#[derive(Debug)]
pub struct Rewritten<'a> {
    /// The rewritten binary (the input itself when nothing had to change).
    pub wasm: Cow<'a, [u8]>,
    /// The export name of every mutable global, imported ones included, in global index
    /// order.
    pub mutable_globals: Vec<String>,
}

/// One section: its id and byte range in the binary (framing included).
struct RawSection {
    id: u8,
    start: usize,
    end: usize,
    contents_start: usize,
}

/// Splits `wasm` into sections by their framing.
fn sections(wasm: &[u8]) -> Result<Vec<RawSection>, RewriteError> {
    if wasm.get(..HEADER.len()) != Some(&HEADER[..]) {
        return Err(RewriteError::BadHeader);
    }
    let mut reader = BinaryReader::new(wasm, 0);
    reader.read_bytes(HEADER.len())?;
    let mut sections = Vec::new();
    while !reader.eof() {
        let start = reader.original_position();
        let id = reader.read_u8()?;
        let size = reader.read_var_u32()? as usize;
        let contents_start = reader.original_position();
        reader.read_bytes(size)?;
        sections.push(RawSection {
            id,
            start,
            end: reader.original_position(),
            contents_start,
        });
    }
    Ok(sections)
}

/// Where a section goes in the module's order (custom sections go anywhere).
fn order(id: u8) -> u8 {
    match id {
        // type, import, function, table, memory
        1..=5 => id * 2,
        // tag: between memory and global
        13 => 11,
        // global, export, start, element
        6..=9 => id * 2,
        // data count: between element and code
        12 => 19,
        // code, data
        10 | 11 => id * 2,
        _ => u8::MAX,
    }
}

fn reader_of<'a>(wasm: &'a [u8], section: &RawSection) -> BinaryReader<'a> {
    BinaryReader::new(
        &wasm[section.contents_start..section.end],
        section.contents_start,
    )
}

/// Rewrites `wasm` so that every mutable global is exported.
///
/// # Errors
/// [`RewriteError`] if the binary is malformed (framing, import, global or export section).
pub fn export_mutable_globals(wasm: &[u8]) -> Result<Rewritten<'_>, RewriteError> {
    let sections = sections(wasm)?;
    let mut seen = BTreeSet::new();
    for section in sections.iter().filter(|s| s.id != CUSTOM) {
        if !seen.insert(section.id) {
            return Err(RewriteError::DuplicateSection(section.id));
        }
    }

    // Mutable globals by index: imported ones first, then the module's own.
    let mut mutable = Vec::new();
    let mut next_index: u32 = 0;
    for section in &sections {
        match section.id {
            IMPORT => {
                for import in ImportSectionReader::new(reader_of(wasm, section))? {
                    if let TypeRef::Global(ty) = import?.ty {
                        if ty.mutable {
                            mutable.push(next_index);
                        }
                        next_index = next_index.checked_add(1).ok_or_else(too_many_globals)?;
                    }
                }
            }
            GLOBAL => {
                for global in GlobalSectionReader::new(reader_of(wasm, section))? {
                    if global?.ty.mutable {
                        mutable.push(next_index);
                    }
                    next_index = next_index.checked_add(1).ok_or_else(too_many_globals)?;
                }
            }
            _ => {}
        }
    }

    // Existing exports, in order; the first name of each exported global.
    let export_section = sections.iter().find(|s| s.id == EXPORT);
    let mut exports = Vec::new();
    if let Some(section) = export_section {
        for export in ExportSectionReader::new(reader_of(wasm, section))? {
            exports.push(export?);
        }
    }
    let taken: BTreeSet<&str> = exports.iter().map(|e| e.name).collect();
    let mut exported_globals: BTreeMap<u32, &str> = BTreeMap::new();
    for export in &exports {
        if export.kind == ExternalKind::Global {
            exported_globals.entry(export.index).or_insert(export.name);
        }
    }

    let mut mutable_globals = Vec::with_capacity(mutable.len());
    let mut added = Vec::new();
    for index in mutable {
        match exported_globals.get(&index) {
            Some(name) => mutable_globals.push((*name).to_string()),
            None => {
                let mut name = format!("{GLOBAL_EXPORT_PREFIX}{index}");
                while taken.contains(name.as_str()) {
                    name.push('_');
                }
                added.push((name.clone(), index));
                mutable_globals.push(name);
            }
        }
    }
    if added.is_empty() {
        return Ok(Rewritten {
            wasm: Cow::Borrowed(wasm),
            mutable_globals,
        });
    }
    if exports.len() + added.len() > u32::MAX as usize {
        return Err(RewriteError::TooManyExports);
    }

    let mut new_exports = ExportSection::new();
    for export in &exports {
        new_exports.export(export.name, export_kind(export.kind), export.index);
    }
    for (name, index) in &added {
        new_exports.export(name, ExportKind::Global, *index);
    }

    // Where the export section goes: in place of the old one, else before the first section
    // that follows it in the module's order.
    let insert_before = match export_section {
        Some(section) => section.start,
        None => sections
            .iter()
            .find(|s| s.id != CUSTOM && order(s.id) > order(EXPORT))
            .map_or(wasm.len(), |s| s.start),
    };
    let skip_to = export_section.map_or(insert_before, |s| s.end);
    let mut out = Vec::with_capacity(wasm.len() + 32 * added.len() + 16);
    out.extend_from_slice(&wasm[..insert_before]);
    new_exports.append_to(&mut out);
    out.extend_from_slice(&wasm[skip_to..]);
    Ok(Rewritten {
        wasm: Cow::Owned(out),
        mutable_globals,
    })
}

fn too_many_globals() -> RewriteError {
    RewriteError::Malformed("more than 2^32 globals".into())
}

fn export_kind(kind: ExternalKind) -> ExportKind {
    match kind {
        ExternalKind::Func => ExportKind::Func,
        ExternalKind::Table => ExportKind::Table,
        ExternalKind::Memory => ExportKind::Memory,
        ExternalKind::Global => ExportKind::Global,
        ExternalKind::Tag => ExportKind::Tag,
    }
}

mod memory;
pub use memory::import_defined_memory;

#[cfg(test)]
mod tests;
