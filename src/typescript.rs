//! Writes `extension/types/gloss.d.ts`: the TypeScript of every value that crosses the WASM
//! boundary or the panel's Port, generated from the Rust types by `ts-rs` (which follows their
//! serde attributes: camelCase, tagged enums, `skip_serializing_if` with `default`, `flatten`),
//! plus the error codes and the settings a reset may name. The JS is checked against it
//! (`npm run typecheck`); the file is checked in so the JS can be read without a build.
//!
//! `cargo test typescript` regenerates the file and fails when the checked-in one differed, so it
//! cannot drift from the Rust definitions: run it again and commit the file.
//!
//! To add a type, put `#[cfg_attr(test, derive(ts_rs::TS))]` beside its serde derive (test builds
//! only: nothing of ts-rs ships). A type that no listed type contains also needs its line in
//! `roots()`; `every_derived_type_is_generated` says which one is missing.

use std::any::TypeId;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use ts_rs::{Config, TypeVisitor, TS};

use crate::error::GlossError;
use crate::settings::Settings;

/// The file, from the crate's root.
const OUT: &str = "extension/types/gloss.d.ts";

/// The types the JS names; their fields' types come with them.
fn roots(c: &mut Collect) {
    // What the worker feeds the core and what it gets back: the whole protocol.
    c.visit::<crate::session::event::Host>();
    c.visit::<crate::session::event::Stamped>();
    c.visit::<crate::session::event::Event>();
    c.visit::<crate::session::effect::Effect>();
    // The panel's frames, both ways, and what the options page and playground read.
    c.visit::<crate::session::event::PanelFrame>();
    c.visit::<crate::session::event::PageAhead>();
    c.visit::<crate::session::effect::Frame>();
    c.visit::<crate::article::Article>();
    c.visit::<crate::article::ExtractOptions>();
    c.visit::<crate::settings::Migrated>();
    c.visit::<crate::llm::ConnectionReport>();
    c.visit::<crate::session::Plan>();
    c.visit::<crate::session::CacheKeys>();
    c.visit::<crate::session::CacheHits>();
    c.visit::<crate::session::CacheEntry>();
    c.visit::<crate::session::cache::IndexEntry>();
    c.visit::<crate::session::TranslationProgress>();
    c.visit::<crate::translate::schedule::Progress>();
    c.visit::<crate::translate::ChunkEnd>();
    c.visit::<crate::models::BuiltinTable>();
    c.visit::<crate::models::ModelRowInput>();
    c.visit::<crate::models::RowsCheck>();
    c.visit::<crate::on_device::OnDeviceApis>();
    c.visit::<crate::on_device::Detected>();
    c.visit::<crate::glossary::Glossaries>();
    c.visit::<crate::glossary::GlossaryCsv>();
    c.visit::<crate::glossary::GlossaryImport>();
    c.visit::<crate::sites::Site>();
}

/// Gathers each type's declaration once, by its TypeScript name.
struct Collect {
    cfg: Config,
    seen: HashSet<TypeId>,
    decls: BTreeMap<String, String>,
    clashes: Vec<String>,
}

impl TypeVisitor for Collect {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        // Primitives and containers have no declaration of their own (no output path).
        if T::output_path().is_none() || !self.seen.insert(TypeId::of::<T>()) {
            return;
        }
        let name = T::ident(&self.cfg);
        let decl = format!("{}export {}", T::docs().map(|d| doc_comment(&d, "")).unwrap_or_default(), layout(&T::decl(&self.cfg)));
        // Two Rust types may share a declaration (serde_json's `Value` and `Map` are both
        // `JsonValue`); only two different declarations under one name are a clash.
        if self.decls.insert(name.clone(), decl.clone()).is_some_and(|earlier| earlier != decl) {
            self.clashes.push(name);
        }
        T::visit_dependencies(self);
    }
}

/// Splits `s` at `sep` outside brackets, strings and comments.
fn split_top(s: &str, sep: char) -> Vec<&str> {
    let (mut parts, mut depth, mut start) = (Vec::new(), 0i32, 0);
    let (mut in_string, mut in_comment) = (false, false);
    let mut chars = s.char_indices().peekable();
    while let Some((i, ch)) = chars.next() {
        if in_comment {
            in_comment = !(ch == '*' && chars.peek().is_some_and(|&(_, next)| next == '/'));
        } else if in_string {
            in_string = ch != '"';
        } else if ch == '/' && chars.peek().is_some_and(|&(_, next)| next == '*') {
            in_comment = true;
        } else if ch == '"' {
            in_string = true;
        } else if matches!(ch, '{' | '[' | '(' | '<') {
            depth += 1;
        } else if matches!(ch, '}' | ']' | ')' | '>') {
            depth -= 1;
        } else if ch == sep && depth == 0 {
            parts.push(&s[start..i]);
            start = i + ch.len_utf8();
        }
    }
    parts.push(&s[start..]);
    parts
}

/// A JSDoc comment as ts-rs writes it (`/**\n * line\n */`), indented; one line when it fits.
fn doc_comment(doc: &str, indent: &str) -> String {
    let lines: Vec<&str> = doc
        .trim()
        .trim_start_matches("/**")
        .trim_end_matches("*/")
        .lines()
        .map(|l| l.trim().trim_start_matches('*').trim())
        .filter(|l| !l.is_empty())
        .collect();
    match lines.as_slice() {
        [one] => format!("{indent}/** {one} */\n"),
        _ => format!("{indent}/**\n{}{indent} */\n", lines.iter().map(|l| format!("{indent} * {l}\n")).collect::<String>()),
    }
}

/// An object type `{ a: T, b: U, }` with one member a line when any has a doc comment.
fn object(s: &str, indent: &str) -> String {
    let inner = s.trim().trim_start_matches('{').trim_end_matches('}');
    let members: Vec<&str> = split_top(inner, ',').into_iter().map(str::trim).filter(|m| !m.is_empty()).collect();
    if !members.iter().any(|m| m.starts_with("/**")) {
        return format!("{{ {} }}", members.join(", "));
    }
    let mut out = String::from("{\n");
    for member in members {
        let (doc, field) = match member.find("*/") {
            Some(end) if member.starts_with("/**") => (Some(&member[..end + 2]), member[end + 2..].trim()),
            _ => (None, member),
        };
        if let Some(doc) = doc {
            out.push_str(&doc_comment(doc, indent));
        }
        out.push_str(&format!("{indent}{field},\n"));
    }
    out.push_str(&indent[2..]);
    out.push('}');
    out
}

/// Lays out a declaration that ts-rs writes on one line: a member a line, a union's objects one
/// a line.
fn layout(decl: &str) -> String {
    let Some((head, body)) = decl.split_once(" = ") else { return decl.to_string() };
    let body = body.trim().trim_end_matches(';');
    let alternatives = split_top(body, '|');
    if alternatives.len() > 1 && alternatives.iter().any(|a| a.trim_start().starts_with('{')) {
        let lines: Vec<String> =
            alternatives.iter().map(|a| format!("  | {}", if one_object(a) { object(a, "      ") } else { a.trim().to_string() })).collect();
        format!("{head} =\n{};", lines.join("\n"))
    } else if one_object(body) {
        format!("{head} = {};", object(body, "  "))
    } else {
        decl.to_string()
    }
}

/// Whether `s` is one object literal (`{ … }`), not `{ … } & Other` nor a bare type.
fn one_object(s: &str) -> bool {
    let s = s.trim();
    if !s.starts_with('{') {
        return false;
    }
    let mut depth = 0i32;
    for (i, ch) in s.char_indices() {
        match ch {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return i == s.len() - 1;
                }
            }
            _ => {}
        }
    }
    false
}

/// `"a" | "b"`, for a union of string literals.
fn union<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    items.into_iter().map(|s| format!("{s:?}")).collect::<Vec<_>>().join(" | ")
}

/// The field names serde reads for `T`: what a stored object may hold, and so what a reset of
/// stored settings may name (unknown keys are ignored, never reset).
fn serde_fields<'de, T: serde::Deserialize<'de>>() -> &'static [&'static str] {
    struct Fields(&'static [&'static str]);
    impl<'de> serde::Deserializer<'de> for &mut Fields {
        type Error = serde::de::value::Error;
        fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(serde::de::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: serde::de::Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            self.0 = fields;
            Err(serde::de::Error::custom("fields read"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
            ignored_any
        }
    }
    let mut fields = Fields(&[]);
    let _ = T::deserialize(&mut fields);
    fields.0
}

/// The whole file.
fn generate() -> Result<String, String> {
    // JSON numbers: no u64 Gloss sends comes near 2^53.
    let mut c = Collect { cfg: Config::new().with_large_int("number"), seen: HashSet::new(), decls: BTreeMap::new(), clashes: Vec::new() };
    roots(&mut c);
    if !c.clashes.is_empty() {
        return Err(format!("two Rust types have the same TypeScript name: {:?} (rename one)", c.clashes));
    }
    let mut codes: Vec<&str> = GlossError::ALL_CODES.to_vec();
    codes.sort_unstable();
    let mut out = String::from(
        "// Generated from the Rust types by src/typescript.rs (`cargo test typescript`): do not edit.\n\
         // The values that cross the WASM boundary and the panel's Port, as serde writes them.\n",
    );
    out.push_str(&format!("\n/** Every `GlossError::code()`: each has an `error_<code>` message in every locale. */\nexport type ErrorCode = {};\n", union(codes)));
    out.push_str(&format!(
        "\n/** The stored settings' fields, which a reset (`Reset.field`) may name: each has a label in SETTING_LABELS. */\nexport type SettingField = {};\n",
        union(serde_fields::<Settings>().iter().copied())
    ));
    for decl in c.decls.values() {
        out.push('\n');
        out.push_str(decl);
        out.push('\n');
    }
    Ok(out)
}

fn path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(OUT)
}

#[test]
fn typescript_declarations_are_current() {
    let generated = generate().unwrap();
    let current = std::fs::read_to_string(path()).unwrap_or_default();
    if current != generated {
        std::fs::create_dir_all(path().parent().unwrap()).unwrap();
        std::fs::write(path(), &generated).unwrap();
        panic!("{OUT} did not match the Rust types; it is regenerated now: check it with `npm run typecheck` and commit it");
    }
}

/// Every type that derives `TS` under src/ is in the file: none was left out of `roots()`.
#[test]
fn every_derived_type_is_generated() {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    let generated = generate().unwrap();
    let mut missing = Vec::new();
    for file in files {
        let source = std::fs::read_to_string(&file).unwrap();
        let mut lines = source.lines();
        while let Some(line) = lines.next() {
            if !(line.starts_with("#[") && line.contains("derive(ts_rs::TS)")) {
                continue;
            }
            // The item the attributes belong to: its first line that is not an attribute.
            let item = lines.by_ref().map(str::trim).find(|l| !l.starts_with("#[") && !l.starts_with("///")).unwrap_or("");
            let name = item.split_whitespace().skip_while(|w| !matches!(*w, "struct" | "enum")).nth(1).unwrap_or(item);
            let name = name.trim_end_matches(|ch: char| !ch.is_alphanumeric() && ch != '_');
            if !generated.contains(&format!("export type {name} ")) {
                missing.push(format!("{name} ({})", file.display()));
            }
        }
    }
    assert!(missing.is_empty(), "derive TS but are not reachable from roots() in src/typescript.rs: {missing:?}");
}

#[test]
fn settings_fields_are_serdes_names() {
    let fields = serde_fields::<Settings>();
    for name in ["schemaVersion", "apiKey", "apiKeys", "chunkTokens", "firstByteTimeoutMs", "modelOverrides"] {
        assert!(fields.contains(&name), "{name} in {fields:?}");
    }
    assert!(!fields.contains(&"api_key"), "camelCase, as stored: {fields:?}");
}
