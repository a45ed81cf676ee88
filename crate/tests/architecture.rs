//! The engine's floors stay a stack: no file imports, through `use super::...`,
//! `use crate::engine::...` or (in a folder's mod.rs) `use child::...`, a file that
//! imports it back, however long the way round. Test modules (`#[cfg(test)] mod ...`, or
//! `#[cfg(all(test, ...))]`) may reach any floor and are not counted.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Engine files by path relative to `crate/src/engine` ("number/lanes.rs"), with text.
type Sources = BTreeMap<String, String>;

fn read_engine() -> Sources {
    fn walk(root: &Path, dir: &Path, out: &mut Sources) {
        for entry in fs::read_dir(dir).expect("the engine folder reads") {
            let path = entry.expect("a folder entry").path();
            if path.is_dir() {
                walk(root, &path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(root).expect("under the root");
                let name = rel.to_string_lossy().replace('\\', "/");
                out.insert(
                    name,
                    fs::read_to_string(&path).expect("a source file reads"),
                );
            }
        }
    }
    let root: PathBuf = [env!("CARGO_MANIFEST_DIR"), "src", "engine"]
        .iter()
        .collect();
    let mut out = Sources::new();
    walk(&root, &root, &mut out);
    out
}

/// The `use` statements of a file outside its test modules, each as one string with
/// the depth of inline modules it sits in (its indentation, four spaces a level).
fn use_statements(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut lines = text.lines().peekable();
    let mut current: Option<(usize, String)> = None;
    while let Some(line) = lines.next() {
        let t = line.trim();
        if let Some((_, stmt)) = current.as_mut() {
            stmt.push_str(t);
            if t.ends_with(';') {
                out.push(current.take().unwrap_or_default());
            }
            continue;
        }
        let test_only = t == "#[cfg(test)]" || t.starts_with("#[cfg(all(test, ");
        if test_only && lines.peek().is_some_and(|n| n.trim().starts_with("mod ")) {
            // Skip the test module: up to its closing brace at the same indentation.
            let indent = line.len() - line.trim_start().len();
            let close = format!("{}}}", " ".repeat(indent));
            for l in lines.by_ref() {
                if l == close {
                    break;
                }
            }
            continue;
        }
        let t = t.strip_prefix("pub ").unwrap_or(t);
        if let Some(rest) = t.strip_prefix("use ") {
            let depth = (line.len() - line.trim_start().len()) / 4;
            if rest.ends_with(';') {
                out.push((depth, rest.to_string()));
            } else {
                current = Some((depth, rest.to_string()));
            }
        }
    }
    out
}

/// Every path a use tree names: "a::{b, c::{d}};" gives a::b and a::c::d.
fn expand(tree: &str) -> Vec<Vec<String>> {
    let tree: String = tree.trim_end_matches(';').split_whitespace().collect();
    fn go(prefix: &[String], tree: &str, out: &mut Vec<Vec<String>>) {
        match tree.find('{') {
            None => {
                let mut p = prefix.to_vec();
                p.extend(tree.split("::").filter(|s| !s.is_empty()).map(String::from));
                out.push(p);
            }
            Some(open) => {
                let mut p = prefix.to_vec();
                p.extend(
                    tree[..open]
                        .split("::")
                        .filter(|s| !s.is_empty())
                        .map(String::from),
                );
                let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
                let (mut depth, mut from) = (0, 0);
                for (i, ch) in inner.char_indices() {
                    match ch {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            go(&p, &inner[from..i], out);
                            from = i + 1;
                        }
                        _ => {}
                    }
                }
                if from < inner.len() {
                    go(&p, &inner[from..], out);
                }
            }
        }
    }
    let mut out = Vec::new();
    go(&[], &tree, &mut out);
    out
}

/// The folder ("" for the engine, "number" for `number/`) whose children `super::`
/// names in `file`, or None when that is outside the engine.
fn parent_folder(file: &str) -> Option<String> {
    let folder = |p: &str| {
        p.rsplit_once('/')
            .map_or(String::new(), |(d, _)| d.to_string())
    };
    if file == "mod.rs" {
        None
    } else if let Some(dir) = file.strip_suffix("/mod.rs") {
        Some(folder(dir))
    } else {
        Some(folder(file))
    }
}

/// The engine file a path names from `folder`: the deepest file module on the way, or
/// the folder's mod.rs when the path names an item it defines or re-exports.
fn resolve(files: &Sources, mut folder: String, path: &[String]) -> Option<String> {
    let join = |d: &str, f: &str| {
        if d.is_empty() {
            f.to_string()
        } else {
            format!("{d}/{f}")
        }
    };
    let mut segments = path.iter().peekable();
    while segments.peek().is_some_and(|s| *s == "super") {
        segments.next();
        folder = parent_folder(&join(&folder, "mod.rs"))?;
    }
    for seg in segments {
        if seg == "*" || seg == "self" {
            break;
        }
        let file = join(&folder, &format!("{seg}.rs"));
        if files.contains_key(&file) {
            return Some(file);
        }
        let sub = join(&folder, seg);
        if files.contains_key(&join(&sub, "mod.rs")) {
            folder = sub;
        } else {
            break;
        }
    }
    let module = join(&folder, "mod.rs");
    files.contains_key(&module).then_some(module)
}

/// Each file's imports of other engine files.
fn imports(files: &Sources) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph = BTreeMap::new();
    for (file, text) in files {
        let mut to = BTreeSet::new();
        for (depth, stmt) in use_statements(text) {
            for mut path in expand(&stmt) {
                // In an inline module, the first `super`s climb back to the file.
                let climbs = path.iter().take_while(|s| *s == "super").count();
                if depth > 0 && path.first().is_some_and(|s| s != "crate") {
                    if climbs <= depth {
                        continue;
                    }
                    path.drain(..depth);
                }
                let target = match path.first().map(String::as_str) {
                    Some("super") => {
                        parent_folder(file).and_then(|d| resolve(files, d, &path[1..]))
                    }
                    Some("crate") if path.get(1).is_some_and(|s| s == "engine") => {
                        resolve(files, String::new(), &path[2..])
                    }
                    // A folder's mod.rs naming its children (`pub use scalar::Real`).
                    Some(_) => file.strip_suffix("mod.rs").and_then(|dir| {
                        resolve(files, dir.trim_end_matches('/').to_string(), &path)
                    }),
                    None => None,
                };
                to.extend(target.filter(|t| t != file));
            }
        }
        graph.insert(file.clone(), to);
    }
    graph
}

/// A cycle of imports as a list of files (the first repeated at the end), if any.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        done: &mut BTreeSet<String>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, done, path) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|n| visit(n, graph, &mut done, &mut Vec::new()))
}

#[test]
fn no_engine_file_imports_its_way_back_to_itself() {
    let files = read_engine();
    assert!(
        files.len() > 30,
        "the walk found the engine: {}",
        files.len()
    );
    let graph = imports(&files);
    let edges: usize = graph.values().map(BTreeSet::len).sum();
    assert!(edges > 50, "the imports were read: {edges}");
    assert!(
        graph["activation.rs"].contains("number/lanes.rs"),
        "a grouped or nested path resolves to its file: {:?}",
        graph["activation.rs"]
    );
    if let Some(cycle) = find_cycle(&graph) {
        panic!("an import cycle: {}", cycle.join(" -> "));
    }
}

#[test]
fn the_check_catches_a_cycle_through_a_folder_and_a_grouped_import() {
    let files: Sources = [
        ("mod.rs", "pub mod a;\npub mod deep;\n"),
        ("a.rs", "use super::deep::{b::Thing, Other};\n"),
        ("deep/mod.rs", "pub mod b;\npub struct Other;\n"),
        (
            "deep/b.rs",
            "pub struct Thing;\n#[cfg(test)]\nmod tests {\n    use crate::engine::a::*;\n}\n",
        ),
    ]
    .into_iter()
    .map(|(f, t)| (f.to_string(), t.to_string()))
    .collect();
    let graph = imports(&files);
    assert_eq!(
        graph["a.rs"],
        BTreeSet::from(["deep/b.rs".to_string(), "deep/mod.rs".to_string()])
    );
    assert!(
        find_cycle(&graph).is_none(),
        "a test module's import is not counted"
    );
    let mut feature_tests = files.clone();
    feature_tests.insert(
        "deep/b.rs".into(),
        "pub struct Thing;\n#[cfg(all(test, feature = \"threads\"))]\nmod tests {\n    use crate::engine::a::*;\n}\n".into(),
    );
    assert!(
        find_cycle(&imports(&feature_tests)).is_none(),
        "nor a test module's behind a feature"
    );
    let mut cyclic = files.clone();
    cyclic.insert(
        "deep/b.rs".into(),
        "use crate::engine::a::Something;\npub struct Thing;\n".into(),
    );
    let cycle = find_cycle(&imports(&cyclic)).expect("the cycle is found");
    assert_eq!(cycle.first(), cycle.last());
    assert!(cycle.contains(&"a.rs".to_string()) && cycle.contains(&"deep/b.rs".to_string()));
    // Through a re-export: b imports the folder's mod.rs, which re-exports b.
    let mut through_mod = files;
    through_mod.insert(
        "deep/mod.rs".into(),
        "pub mod b;\npub use b::Thing;\nuse ndarray::Array1;\n".into(),
    );
    through_mod.insert("deep/b.rs".into(), "use super::Thing;\n".into());
    let graph = imports(&through_mod);
    assert_eq!(
        graph["deep/mod.rs"],
        BTreeSet::from(["deep/b.rs".to_string()])
    );
    assert!(find_cycle(&graph).is_some(), "{graph:?}");
}
