//! The crate's modules form no import cycle: endpoints depend on the state and
//! the answer helpers, the router on the endpoints, and only the server
//! (`server.rs`, which reads the requests) on the router.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module name -> the crate modules its source names as `crate::x`.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut modules = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("rs") {
            continue;
        }
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        let source = std::fs::read_to_string(&path).unwrap();
        modules.insert(name, source);
    }
    let names: BTreeSet<String> = modules.keys().cloned().collect();
    modules
        .into_iter()
        .map(|(name, source)| {
            let mut deps = BTreeSet::new();
            // `crate::x` and `crate::{x, y}`.
            for (i, _) in source.match_indices("crate::") {
                let rest = &source[i + 7..];
                let list = match rest.strip_prefix('{') {
                    Some(inner) => &inner[..inner.find('}').unwrap_or(inner.len())],
                    // One path: only its first segment matters.
                    None => &rest[..rest.find([':', ';']).unwrap_or(rest.len())],
                };
                for part in list.split(',') {
                    let module: String = part
                        .trim()
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if names.contains(&module) && module != name {
                        deps.insert(module);
                    }
                }
            }
            (name, deps)
        })
        .collect()
}

#[test]
fn no_module_imports_in_a_cycle() {
    let graph = graph();
    // Depth-first search for a back edge.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) {
        if done.contains(node) {
            return;
        }
        if let Some(pos) = stack.iter().position(|n| n == node) {
            panic!("import cycle: {} -> {node}", stack[pos..].join(" -> "));
        }
        stack.push(node.to_string());
        for dep in graph.get(node).into_iter().flatten() {
            visit(dep, graph, stack, done);
        }
        stack.pop();
        done.insert(node.to_string());
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if node != "lib" {
            visit(node, &graph, &mut Vec::new(), &mut done);
        }
    }
}

#[test]
fn only_the_server_uses_the_router_and_nothing_uses_lib() {
    for (module, deps) in graph() {
        if module != "lib" && module != "server" {
            assert!(!deps.contains("router"), "{module} depends on the router");
        }
        assert!(!deps.contains("lib"), "{module} depends on lib.rs");
    }
}

#[test]
fn files_stay_small() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let lines = std::fs::read_to_string(&path).unwrap().lines().count();
        assert!(lines <= 260, "{} has {lines} lines", path.display());
    }
}
