//! Load-time rewrite: a memory the module defines becomes the import `env.memory`, so the host
//! provides every runtime's memory and the pool can reset it ([`crate::pool`]).
//!
//! Runtimes built before 2020 (Kusama's early ones) and guest-allocator (RFC-0145) runtimes
//! define and export their memory instead of importing it. wasmi allocates a defined memory
//! itself, inside instantiation, as a zeroed vector: a pooled instance's memory has to be a
//! copy-on-write mapping of the initial image that the host creates, so a defined memory could
//! not be pooled. Turning the definition into an import changes nothing the runtime can
//! observe, as long as the host creates the memory exactly as instantiation would have (the
//! declared limits, the module's initial pages) and grows it to the heap strategy's size only
//! after instantiation (see [`crate::instance`]): data segments are then checked against and
//! written into the same pages, `memory.size` and `memory.grow` see the same sizes and limits
//! (the store's limiter caps growth as before), and the export `memory` still names the
//! memory. Substrate's own executor rewrites memory declarations too (it turns imported
//! memories into defined ones and sets their limits from the heap strategy).
//!
//! # How
//! Only a module with no memory import and a memory section of exactly one memory is changed.
//! The memory section is dropped; the import section gets one more entry, `env` `memory` with
//! the memory section's memory type copied byte for byte, after the module's own imports (a
//! memory import shifts no function, table or global index; the memory keeps index 0). A module
//! without an import section gets one where the section order puts it. Every other section is
//! copied unchanged. Anything else (two memories, a memory imported and defined, 64-bit or
//! shared memories) is left for validation to reject or accept as it is.

use wasmparser::{ImportSectionReader, TypeRef};

use super::{order, reader_of, sections, RewriteError, CUSTOM, IMPORT};

/// Section id of the memory section.
const MEMORY: u8 = 5;

/// Turns the memory `wasm` defines into the import `env.memory` (see the module docs).
/// `Ok(None)`: the module defines no single memory of its own and is left as it is.
///
/// # Errors
/// [`RewriteError`] if the framing, the import section or the memory section is malformed.
pub fn import_defined_memory(wasm: &[u8]) -> Result<Option<Vec<u8>>, RewriteError> {
    let sections = sections(wasm)?;
    let Some(memory) = sections.iter().find(|s| s.id == MEMORY) else {
        return Ok(None);
    };
    let mut memory_reader = reader_of(wasm, memory);
    if memory_reader.read_var_u32()? != 1 {
        return Ok(None);
    }
    // The one memory type, as the bytes after the count.
    let memory_type = &wasm[memory_reader.original_position()..memory.end];
    memory_reader.read::<wasmparser::MemoryType>()?;
    if !memory_reader.eof() {
        return Err(RewriteError::Malformed(
            "trailing bytes after the memory section's memory".into(),
        ));
    }

    let import = sections.iter().find(|s| s.id == IMPORT);
    let (count, entries) = match import {
        Some(section) => {
            let mut count = 0u32;
            for entry in ImportSectionReader::new(reader_of(wasm, section))? {
                if matches!(entry?.ty, TypeRef::Memory(_)) {
                    // Imported and defined: two memories, which validation refuses.
                    return Ok(None);
                }
                count += 1;
            }
            let mut reader = reader_of(wasm, section);
            reader.read_var_u32()?;
            (count, &wasm[reader.original_position()..section.end])
        }
        None => (0, &[][..]),
    };
    let count = count
        .checked_add(1)
        .ok_or_else(|| RewriteError::Malformed("too many imports".into()))?;

    let mut contents = Vec::with_capacity(entries.len() + memory_type.len() + 16);
    leb128(&mut contents, count);
    contents.extend_from_slice(entries);
    name(&mut contents, "env");
    name(&mut contents, crate::linker::MEMORY_IMPORT);
    contents.push(0x02); // external kind: memory
    contents.extend_from_slice(memory_type);
    let mut new_import = vec![IMPORT];
    leb128(&mut new_import, section_len(contents.len())?);
    new_import.extend_from_slice(&contents);

    // The import section goes in place of the old one, else before the first section after it
    // in the module's order.
    let (insert_at, skip_to) = match import {
        Some(section) => (section.start, section.end),
        None => {
            let at = sections
                .iter()
                .find(|s| s.id != CUSTOM && order(s.id) > order(IMPORT))
                .map_or(wasm.len(), |s| s.start);
            (at, at)
        }
    };
    // The import section precedes the memory section in every valid order; a module that
    // puts them otherwise is left for validation.
    if skip_to > memory.start {
        return Ok(None);
    }
    let mut out = Vec::with_capacity(wasm.len() + contents.len());
    out.extend_from_slice(&wasm[..insert_at]);
    out.extend_from_slice(&new_import);
    out.extend_from_slice(&wasm[skip_to..memory.start]);
    out.extend_from_slice(&wasm[memory.end..]);
    Ok(Some(out))
}

fn section_len(len: usize) -> Result<u32, RewriteError> {
    u32::try_from(len).map_err(|_| RewriteError::Malformed("import section too large".into()))
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

fn name(out: &mut Vec<u8>, name: &str) {
    leb128(out, name.len() as u32);
    out.extend_from_slice(name.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use wasmi::{Engine, ExternType, Module};

    fn wasm(text: &str) -> Vec<u8> {
        wat::parse_str(text).expect("test module parses")
    }

    /// `(module, name, type)` of every import, after validation by wasmi.
    fn imports(wasm: &[u8]) -> Vec<(String, String, ExternType)> {
        let module = Module::new(&Engine::default(), wasm).expect("rewritten module validates");
        module
            .imports()
            .map(|i| (i.module().into(), i.name().into(), i.ty().clone()))
            .collect()
    }

    #[test]
    fn defined_memory_becomes_the_last_import() {
        let original = wasm(
            r#"(module
                (import "env" "f" (func $f (param i32)))
                (memory (export "memory") 3 70)
                (global (export "__heap_base") i32 (i32.const 1024))
                (func (export "g") (call $f (i32.const 1)))
                (data (i32.const 0) "data"))"#,
        );
        let rewritten = import_defined_memory(&original).unwrap().unwrap();
        let imports = imports(&rewritten);
        assert_eq!(imports.len(), 2);
        assert_eq!((&imports[1].0[..], &imports[1].1[..]), ("env", "memory"));
        let ExternType::Memory(ty) = &imports[1].2 else {
            panic!("a memory import")
        };
        assert_eq!((ty.minimum(), ty.maximum()), (3, Some(70)));
        let module = Module::new(&Engine::default(), &rewritten[..]).unwrap();
        assert!(matches!(
            module.get_export("memory"),
            Some(ExternType::Memory(_))
        ));
        // Every section but import and memory is copied unchanged (the code and data
        // sections are the tail of both binaries).
        let tail = |w: &[u8]| {
            let s = sections(w).unwrap();
            let code = s.iter().find(|s| s.id == 10).unwrap().start;
            w[code..].to_vec()
        };
        assert_eq!(tail(&rewritten), tail(&original));
    }

    #[test]
    fn module_without_imports_gets_an_import_section() {
        let original = wasm(
            r#"(module (type (func)) (func) (memory (export "memory") 1)
                (@custom "c" (after type) "x"))"#,
        );
        let rewritten = import_defined_memory(&original).unwrap().unwrap();
        let imports = imports(&rewritten);
        assert_eq!(imports.len(), 1);
        assert!(
            matches!(&imports[0].2, ExternType::Memory(ty) if ty.minimum() == 1 && ty.maximum().is_none())
        );
    }

    #[test]
    fn modules_without_one_defined_memory_are_left_alone() {
        for text in [
            r#"(module (import "env" "memory" (memory 1)))"#,
            r#"(module (func))"#,
        ] {
            assert_eq!(import_defined_memory(&wasm(text)).unwrap(), None, "{text}");
        }
    }

    #[test]
    fn the_bundled_guest_allocator_runtime_is_rewritten_and_validates() {
        let rewritten = import_defined_memory(subexec_runtime_blobs::GUEST_ALLOCATOR)
            .unwrap()
            .unwrap();
        let imports = imports(&rewritten);
        assert!(imports
            .iter()
            .any(|(m, n, t)| m == "env" && n == "memory" && matches!(t, ExternType::Memory(_))));
        assert_eq!(
            import_defined_memory(subexec_runtime_blobs::CLASSIC).unwrap(),
            None
        );
    }

    fn sample() -> Vec<u8> {
        wasm(
            r#"(module
                (import "env" "g" (func (param i32)))
                (memory (export "memory") 1 2)
                (global (export "__heap_base") i32 (i32.const 1024))
                (func (export "f") (param i32 i32) (result i64) (i64.const 0))
                (data (i32.const 0) "data"))"#,
        )
    }

    proptest! {
        /// Any prefix, and any single-byte corruption, of a module is rewritten or rejected,
        /// never a panic.
        #[test]
        fn hostile_bytes_never_panic(cut in 0usize..200, at in 0usize..200, byte: u8) {
            let mut module = sample();
            let at = at % module.len();
            module[at] = byte;
            let _ = import_defined_memory(&module);
            let prefix = &sample()[..cut.min(sample().len())];
            let _ = import_defined_memory(prefix);
        }
    }
}
