//! The executor's modules depend on each other in one direction only: this test reads every
//! `crate::` path in `executor/src/**/*.rs` and fails, naming the modules involved, if the
//! graph of top-level modules has a cycle.
//!
//! A module is a top-level file or directory of `src/` (`pool/linux.rs` belongs to `pool`);
//! a path names the module of its first segment, or, for a name `lib.rs` re-exports
//! (`crate::CallError`), the module it comes from. Paths inside comments, and test code
//! (`tests.rs` files, `tests/` directories and a trailing `#[cfg(test)] mod tests { .. }`),
//! do not count: tests may use the whole crate. The binaries under `src/bin/` are users of the
//! library, not part of it. `lib.rs` itself only declares modules and re-exports (its own
//! items, if any, form the node `lib`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src");

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable source directory") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The source without comments and without a trailing test module.
fn code_of(source: &str) -> String {
    let mut code = String::new();
    let mut lines = source.lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim();
        if trimmed == "#[cfg(test)]"
            && lines
                .peek()
                .is_some_and(|next| next.trim().starts_with("mod tests {"))
        {
            break;
        }
        let without_comment = match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        };
        code.push_str(without_comment);
        code.push('\n');
    }
    code
}

/// The first segment of every path `crate::` starts in `code`, expanding `crate::{a, b::c}`.
fn crate_paths(code: &str) -> Vec<String> {
    let mut firsts = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        // `subexec_crate::x` or `$crate::` are not ours.
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            // Top-level items of the group, separated by commas at brace depth 0.
            let mut depth = 0;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        firsts.push(first_segment(&item));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
            firsts.push(first_segment(&item));
        } else {
            firsts.push(first_segment(rest));
        }
    }
    firsts.retain(|f| !f.is_empty());
    firsts
}

fn first_segment(path: &str) -> String {
    path.trim_start()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// Names `lib.rs` re-exports from a crate module (`pub use module::{A, B}`), by name.
fn reexports(lib: &str) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    for statement in code_of(lib).split(';') {
        let statement = statement.trim();
        let Some(path) = statement.strip_prefix("pub use ") else {
            continue;
        };
        let Some((module, items)) = path.split_once("::") else {
            continue;
        };
        let items = items.trim_start_matches('{').trim_end_matches('}');
        for item in items.split(',') {
            let name = item.rsplit(" as ").next().unwrap_or(item);
            let name = name.rsplit("::").next().unwrap_or(name).trim();
            if !name.is_empty() {
                names.insert(name.to_string(), module.trim().to_string());
            }
        }
    }
    names
}

/// The modules of the crate and, for each, the modules its code names.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(SRC);
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("lib.rs");
    let reexported = reexports(&lib);
    let modules: BTreeSet<String> = files.iter().filter_map(|f| top_module(src, f)).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = modules
        .iter()
        .map(|m| (m.clone(), BTreeSet::new()))
        .collect();
    for file in &files {
        let Some(module) = top_module(src, file) else {
            continue;
        };
        let relative = file.strip_prefix(src).expect("under src");
        let is_test = relative.file_name().is_some_and(|n| n == "tests.rs")
            || relative.components().any(|c| c.as_os_str() == "tests");
        if is_test {
            continue;
        }
        let source = std::fs::read_to_string(file).expect("readable source file");
        for first in crate_paths(&code_of(&source)) {
            let target = if modules.contains(&first) {
                first
            } else if let Some(from) = reexported.get(&first) {
                if !modules.contains(from) {
                    continue; // a re-export of another crate
                }
                from.clone()
            } else {
                "lib".to_string()
            };
            if target != module {
                graph.entry(module.clone()).or_default().insert(target);
            }
        }
    }
    graph
}

/// The top-level module a file belongs to (`None`: `lib.rs` and the binaries).
fn top_module(src: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src).ok()?;
    let first = relative.components().next()?.as_os_str().to_str()?;
    match first {
        "lib.rs" | "bin" => None,
        _ => Some(first.trim_end_matches(".rs").to_string()),
    }
}

/// Strongly connected components of more than one module (Tarjan).
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'a> {
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(state: &mut State<'a>, node: &'a str) {
        let next = state.index.len();
        state.index.insert(node, next);
        state.low.insert(node, next);
        state.stack.push(node);
        state.on_stack.insert(node);
        let graph = state.graph;
        for target in graph.get(node).into_iter().flatten() {
            let target = target.as_str();
            if !state.index.contains_key(target) {
                visit(state, target);
                let low = state.low[node].min(state.low[target]);
                state.low.insert(node, low);
            } else if state.on_stack.contains(target) {
                let low = state.low[node].min(state.index[target]);
                state.low.insert(node, low);
            }
        }
        if state.low[node] == state.index[node] {
            let mut component = Vec::new();
            while let Some(member) = state.stack.pop() {
                state.on_stack.remove(member);
                component.push(member.to_string());
                if member == node {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                state.found.push(component);
            }
        }
    }
    let mut state = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for node in graph.keys() {
        if !state.index.contains_key(node.as_str()) {
            visit(&mut state, node);
        }
    }
    state.found
}

#[test]
fn the_executors_modules_form_no_cycle() {
    let graph = module_graph();
    for (module, uses) in &graph {
        eprintln!(
            "{module} -> {}",
            uses.iter().cloned().collect::<Vec<_>>().join(", ")
        );
    }
    // The crate root is the facade on top: no module uses an item defined there.
    let users_of_lib: Vec<&String> = graph
        .iter()
        .filter(|(_, uses)| uses.contains("lib"))
        .map(|(module, _)| module)
        .collect();
    assert!(
        users_of_lib.is_empty(),
        "modules using items defined in lib.rs (use the module that defines them): \
         {users_of_lib:?}"
    );
    let found = cycles(&graph);
    let edges_within = |component: &Vec<String>| -> Vec<String> {
        component
            .iter()
            .flat_map(|from| {
                graph[from]
                    .iter()
                    .filter(|to| component.contains(to))
                    .map(move |to| format!("{from} -> {to}"))
            })
            .collect()
    };
    assert!(
        found.is_empty(),
        "module cycles:\n{}",
        found
            .iter()
            .map(|c| format!("{c:?}\n  {}", edges_within(c).join("\n  ")))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn the_checker_sees_paths_groups_and_cycles() {
    let code = code_of(
        "use crate::a::X;\nuse crate::{b::{Y, Z}, c};\n// crate::d\nfn f() { crate::e::g() }\n\
         #[cfg(test)]\nmod tests {\n use crate::f;\n}\n",
    );
    assert_eq!(crate_paths(&code), ["a", "b", "c", "e"]);
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec!["a"]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.into_iter().map(String::from).collect()))
    .collect();
    assert_eq!(cycles(&graph), [["a", "b", "c"]]);
    let names = reexports("pub use call::{CallOptions, CallOutcome};\npub use runtime::Runtime;\n");
    assert_eq!(names["CallOutcome"], "call");
    assert_eq!(names["Runtime"], "runtime");
}
