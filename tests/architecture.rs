//! The layout's rules, checked on the source itself: no import circle between the core's
//! modules, no module over 600 lines of code (its tests aside), and one module alone that knows
//! about JavaScript.

#![allow(clippy::unwrap_used)] // test code: a source file that cannot be read is a failed test

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Lines of code a module may have, tests and comments aside.
const MAX_CODE_LINES: usize = 600;
/// The one module allowed to touch the JavaScript side.
const BOUNDARY: &str = "crate::wasm";

/// Every module of the library: its path (`crate::llm::stream`) and its source.
fn modules() -> BTreeMap<String, String> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if path.file_name().unwrap() != "bin" {
                    walk(&path, out);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&root, &mut files);
    files
        .into_iter()
        .map(|path| {
            let rel = path.strip_prefix(&root).unwrap().with_extension("");
            let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
            if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
                parts.pop();
            }
            let name = std::iter::once("crate".to_string()).chain(parts).collect::<Vec<_>>().join("::");
            (name, fs::read_to_string(&path).unwrap())
        })
        .collect()
}

/// The source without its test modules (they may import anything).
fn shipped(source: &str) -> String {
    let mut out = Vec::new();
    let mut lines = source.lines().peekable();
    while let Some(line) = lines.next() {
        if line.trim() == "#[cfg(test)]" && lines.peek().is_some_and(|next| next.contains("mod ")) {
            // A test module runs to the end of the file in this code base; `mod x;` lines may not.
            if lines.peek().is_some_and(|next| next.trim_end().ends_with('{')) {
                break;
            }
            lines.next();
            continue;
        }
        out.push(line);
    }
    out.join("\n")
}

fn code_lines(source: &str) -> usize {
    shipped(source).lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with("//")).count()
}

/// The paths a module names: `crate::a::b`, `super::c`, and the members of `crate::a::{b, c::d}`.
fn referenced_paths(module: &str, source: &str) -> Vec<Vec<String>> {
    let text = shipped(source);
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    // `mod x;` lines declare children, which the module may name as `x::…`.
    let children: Vec<String> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod ").or_else(|| l.trim().strip_prefix("mod ")))
        .filter_map(|l| l.strip_suffix(';'))
        .map(|name| format!("{name}::"))
        .collect();
    let mut i = 0;
    while i < bytes.len() {
        let rest = &text[i..];
        let start = ["crate::", "super::", "self::"].iter().copied().chain(children.iter().map(String::as_str)).find(|p| rest.starts_with(p));
        let boundary_ok = i == 0 || !(is_ident(bytes[i - 1]) || (i >= 2 && &bytes[i - 2..i] == b"::"));
        let Some(prefix) = start.filter(|_| boundary_ok) else {
            i += rest.chars().next().map_or(1, char::len_utf8);
            continue;
        };
        let base: Vec<String> = if prefix == "crate::" {
            vec!["crate".into()]
        } else if prefix == "self::" {
            module.split("::").map(String::from).collect()
        } else if prefix != "super::" {
            // A child module named by its bare name: `blocks::build` in `crate::article`.
            let (paths, used) = parse_tree(&text[i..]);
            for p in paths {
                out.push(module.split("::").map(String::from).chain(p).collect());
            }
            i += used.max(1);
            continue;
        } else {
            // `super` of `crate::x::y` is `crate::x`, whether y is `x/y.rs` or `x/y/mod.rs`.
            let mut parent: Vec<String> = module.split("::").map(String::from).collect();
            parent.pop();
            parent
        };
        let (paths, used) = parse_tree(&text[i + prefix.len()..]);
        for p in paths {
            out.push(base.iter().cloned().chain(p).collect());
        }
        i += prefix.len() + used.max(1);
    }
    out
}

/// Reads `a::b::{c, d::e}` into `[[a, b, c], [a, b, d, e]]`; returns the bytes read.
fn parse_tree(s: &str) -> (Vec<Vec<String>>, usize) {
    let b = s.as_bytes();
    let mut i = 0;
    let mut segs = Vec::new();
    loop {
        let start = i;
        while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
            i += 1;
        }
        if i > start {
            segs.push(s[start..i].to_string());
        }
        if s[i..].starts_with("::{") {
            i += 3;
            let mut paths = Vec::new();
            loop {
                while i < b.len() && (b[i] == b' ' || b[i] == b'\n' || b[i] == b',') {
                    i += 1;
                }
                if i >= b.len() || b[i] == b'}' {
                    i += 1;
                    break;
                }
                let (inner, used) = parse_tree(&s[i..]);
                for p in inner {
                    paths.push(segs.iter().cloned().chain(p).collect());
                }
                i += used.max(1);
                // skip `as name` and anything up to the next separator
                while i < b.len() && b[i] != b',' && b[i] != b'}' {
                    i += 1;
                }
            }
            return (paths, i);
        }
        if s[i..].starts_with("::") {
            i += 2;
            continue;
        }
        return (vec![segs], i);
    }
}

/// The module a path lands in: its longest prefix that is a module.
fn resolve(path: &[String], known: &BTreeSet<String>) -> Option<String> {
    (1..=path.len()).rev().map(|n| path[..n].join("::")).find(|p| known.contains(p))
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let mods = modules();
    let known: BTreeSet<String> = mods.keys().cloned().collect();
    mods.iter()
        .map(|(name, source)| {
            let deps = referenced_paths(name, source)
                .iter()
                .filter_map(|p| resolve(p, &known))
                .filter(|d| d != name && d != "crate")
                .collect();
            (name.clone(), deps)
        })
        .collect()
}

/// Strongly connected components with more than one module (Tarjan).
fn circles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'g> {
        graph: &'g BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        next: usize,
        out: Vec<Vec<String>>,
    }
    fn visit<'g>(s: &mut State<'g>, v: &'g str) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.graph.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.graph.contains_key(w) {
                continue;
            }
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.out.push(component);
            }
        }
    }
    let mut s = State { graph, index: BTreeMap::new(), low: BTreeMap::new(), stack: Vec::new(), on_stack: BTreeSet::new(), next: 0, out: Vec::new() };
    for v in graph.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.out
}

#[test]
fn no_import_circles_between_modules() {
    let found = circles(&graph());
    assert!(found.is_empty(), "modules that import each other, directly or round a circle: {found:#?}");
}

#[test]
fn the_circle_check_finds_a_circle() {
    let mut g = graph();
    g.entry("crate::text".into()).or_default().insert("crate::article".into());
    g.entry("crate::article".into()).or_default().insert("crate::text".into());
    let found = circles(&g);
    assert!(found.iter().any(|c| c.contains(&"crate::text".to_string()) && c.contains(&"crate::article".to_string())), "{found:?}");
}

#[test]
fn references_resolve_to_the_modules_they_name() {
    let g = graph();
    assert!(g["crate::article"].contains("crate::article::blocks"), "{:?}", g["crate::article"]);
    assert!(g["crate::article::blocks"].contains("crate::text"), "{:?}", g["crate::article::blocks"]);
}

#[test]
fn no_module_is_over_the_size_limit() {
    let over: Vec<(String, usize)> =
        modules().iter().map(|(name, src)| (name.clone(), code_lines(src))).filter(|(_, n)| *n > MAX_CODE_LINES).collect();
    assert!(over.is_empty(), "modules over {MAX_CODE_LINES} lines of code (tests aside): {over:?}");
}

#[test]
fn only_the_boundary_module_knows_javascript() {
    let leaks: Vec<String> = modules()
        .iter()
        .filter(|(name, src)| *name != BOUNDARY && ["wasm_bindgen", "js_sys", "serde_wasm_bindgen", "web_sys"].iter().any(|w| src.contains(w)))
        .map(|(name, _)| name.clone())
        .collect();
    assert!(leaks.is_empty(), "modules other than {BOUNDARY} that touch JavaScript: {leaks:?}");
}
