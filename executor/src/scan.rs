//! One pass over a blob's sections for what wasmi does not tell: whether the module has a
//! start function, and whether any function body executes `memory.size` or `memory.grow`;
//! and the table limit ([`MAX_TABLE_ELEMENTS`]), checked before wasmi would allocate
//! a declared table at instantiation (2^32 - 1 elements took 16.8 GB).
//!
//! The second fact decides whether a static heap may be provided lazily (see
//! [`crate::memory`]): a runtime that never asks for its memory's size or tries to grow it
//! cannot tell a lazily backed heap from a pre-grown one except by touching memory beyond what
//! was backed, which traps and is then re-run on a pre-grown heap.

use crate::error::LoadError;

/// The largest initial table a runtime may declare: what Substrate's default instantiation
/// (wasmtime's pooling allocator, `table_elements(8192)` in sc-executor-wasmtime 0.47)
/// instantiates; larger tables fail there at instantiation and here at load.
pub const MAX_TABLE_ELEMENTS: u32 = 8192;
use wasmparser::{Operator, Parser, Payload};

/// What the scan found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ScanReport {
    /// The module declares a start function.
    pub has_start: bool,
    /// Some function body contains `memory.size` or `memory.grow`.
    pub uses_memory_size_or_grow: bool,
    /// The wasm's size in bytes (decompressed), which nested version lookups pay for.
    pub wasm_len: usize,
}

/// The four bytes every binary wasm module starts with.
const WASM_MAGIC: &[u8] = b"\0asm";

/// Scans `wasm` (already known to be well formed or about to be rejected by validation).
pub(crate) fn scan(wasm: &[u8]) -> Result<ScanReport, LoadError> {
    if !wasm.starts_with(WASM_MAGIC) {
        let start = &wasm[..wasm.len().min(WASM_MAGIC.len())];
        return Err(LoadError::InvalidWasm(format!(
            "not a wasm binary: it starts with 0x{} where a module starts with 0x0061736d (`\\0asm`)",
            hex::encode(start)
        )));
    }
    let invalid = |e: wasmparser::BinaryReaderError| crate::error::invalid_wasm(e);
    let mut report = ScanReport {
        wasm_len: wasm.len(),
        ..ScanReport::default()
    };
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(invalid)? {
            Payload::StartSection { .. } => report.has_start = true,
            Payload::TableSection(tables) => {
                for table in tables {
                    let declared = table.map_err(invalid)?.ty.initial;
                    let max = u64::from(MAX_TABLE_ELEMENTS);
                    if declared > max {
                        return Err(LoadError::TableTooLarge { declared, max });
                    }
                }
            }
            Payload::CodeSectionEntry(body) if !report.uses_memory_size_or_grow => {
                let mut ops = body.get_operators_reader().map_err(invalid)?;
                while !ops.eof() {
                    if matches!(
                        ops.read().map_err(invalid)?,
                        Operator::MemorySize { .. } | Operator::MemoryGrow { .. }
                    ) {
                        report.uses_memory_size_or_grow = true;
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_start_and_memory_instructions() {
        let plain = wat::parse_str(r#"(module (memory 1) (func (drop (i32.load (i32.const 0)))))"#)
            .unwrap();
        assert_eq!(
            scan(&plain).unwrap(),
            ScanReport {
                wasm_len: plain.len(),
                ..ScanReport::default()
            }
        );
        let grow =
            wat::parse_str(r#"(module (memory 1) (func (drop (memory.grow (i32.const 1)))))"#)
                .unwrap();
        assert!(scan(&grow).unwrap().uses_memory_size_or_grow);
        let size = wat::parse_str(r#"(module (memory 1) (func (drop (memory.size))))"#).unwrap();
        assert!(scan(&size).unwrap().uses_memory_size_or_grow);
        let start = wat::parse_str(r#"(module (func $f) (start $f))"#).unwrap();
        assert!(scan(&start).unwrap().has_start);
    }

    #[test]
    fn garbage_is_invalid() {
        assert!(matches!(
            scan(b"\0asm\x01\0\0\0\x01\xff"),
            Err(LoadError::InvalidWasm(_))
        ));
    }
}
