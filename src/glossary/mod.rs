//! The reader's glossary for translation, per target language: a term's rendering, or a term
//! to keep as it is. Read from storage and from CSV, matched in each chunk's blocks so that
//! only the terms present are sent, and checked in each translated block on the way back.
//!
//! It is stored under its own key (`glossary`), not in the settings: it can be large, and the
//! settings object is read and rewritten whole by every save in Options and by the panel's
//! preferences; a glossary of its own is written only when it changes, and a bad row in it
//! costs that row, never a setting.

pub mod csv;
pub mod matcher;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use csv::CsvError;
use matcher::Matcher;

/// The storage key of every language's glossary.
pub const STORAGE_KEY: &str = "glossary";
/// The stored glossary's own schema.
///
/// - 1: `languages`, terms by target language code.
pub const GLOSSARY_SCHEMA_VERSION: u32 = 1;
/// Terms per language: past this an import is refused (a prompt carries only the terms present,
/// but matching runs over all of them for every block).
pub const MAX_TERMS: usize = 5_000;
/// Characters in a term or a rendering.
pub const MAX_TERM_CHARS: usize = 200;
/// The header row an export writes and an import may start with.
pub const HEADER: [&str; 2] = ["term", "rendering"];

/// One entry: `term` as the source has it, and its `rendering` in the target language; an empty
/// rendering means the term is kept as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Term {
    pub term: String,
    #[serde(default)]
    pub rendering: String,
}

impl Term {
    pub fn kept(&self) -> bool {
        self.rendering.is_empty()
    }

    /// What the translation must contain where the source has the term.
    pub fn expected(&self) -> &str {
        if self.kept() { &self.term } else { &self.rendering }
    }
}

/// Every language's glossary, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Glossaries {
    pub schema_version: u32,
    /// Terms by target language code (as the settings' `translateLang` has it).
    pub languages: BTreeMap<String, Vec<Term>>,
}

impl Glossaries {
    /// Reads what storage holds, of any shape: rows that cannot be read, or that are blank,
    /// too long or repeated, are dropped one by one; anything that is not a glossary is none.
    pub fn from_stored(stored: &Value) -> Glossaries {
        let languages = stored.get("languages").and_then(Value::as_object).map(|langs| {
            langs
                .iter()
                .filter_map(|(lang, rows)| {
                    let rows = rows.as_array()?.iter().filter_map(|r| serde_json::from_value::<Term>(r.clone()).ok());
                    let terms = clean(rows);
                    (!terms.is_empty()).then(|| (lang.clone(), terms))
                })
                .collect()
        });
        Glossaries { schema_version: GLOSSARY_SCHEMA_VERSION, languages: languages.unwrap_or_default() }
    }

    /// The terms for translations into `lang`.
    pub fn terms(&self, lang: &str) -> &[Term] {
        self.languages.get(lang).map_or(&[], Vec::as_slice)
    }
}

/// White space folded and ends trimmed.
fn tidy(s: &str) -> String {
    crate::text::collapse_whitespace(s).trim().to_string()
}

/// Rows tidied, and the usable ones kept: the first of repeated terms, none blank or too long,
/// at most `MAX_TERMS`.
fn clean(rows: impl IntoIterator<Item = Term>) -> Vec<Term> {
    let mut out: Vec<Term> = Vec::new();
    for row in rows {
        let term = Term { term: tidy(&row.term), rendering: tidy(&row.rendering) };
        if out.len() >= MAX_TERMS || row_error(&term).is_some() || out.iter().any(|t| t.term == term.term) {
            continue;
        }
        out.push(term);
    }
    out
}

/// What is wrong with a tidied row, if anything.
fn row_error(term: &Term) -> Option<&'static str> {
    if term.term.is_empty() {
        return Some("empty_term");
    }
    if term.term.chars().count() > MAX_TERM_CHARS || term.rendering.chars().count() > MAX_TERM_CHARS {
        return Some("too_long");
    }
    None
}

/// Reads a glossary from CSV: `term,rendering` rows, an empty (or missing) rendering for a term
/// kept as it is, an optional `term,rendering` header, blank lines skipped. The first bad row is
/// the error, with its line; nothing of a file with a bad row is taken.
pub fn from_csv(text: &str) -> Result<Vec<Term>, CsvError> {
    let mut terms: Vec<(usize, Term)> = Vec::new();
    for (i, record) in csv::records(text)?.into_iter().enumerate() {
        let fields: Vec<String> = record.fields.iter().map(|f| tidy(f)).collect();
        if fields.iter().all(String::is_empty) {
            continue;
        }
        if i == 0 && fields.len() == 2 && fields.iter().zip(HEADER).all(|(f, h)| f.eq_ignore_ascii_case(h)) {
            continue;
        }
        if fields.len() > 2 {
            return Err(CsvError::at(record.line, "too_many_fields"));
        }
        let term = Term { term: fields[0].clone(), rendering: fields.get(1).cloned().unwrap_or_default() };
        if let Some(code) = row_error(&term) {
            return Err(CsvError::at(record.line, code));
        }
        if let Some((earlier, _)) = terms.iter().find(|(_, t)| t.term == term.term) {
            return Err(CsvError { other_line: Some(*earlier), ..CsvError::at(record.line, "duplicate") });
        }
        if terms.len() >= MAX_TERMS {
            return Err(CsvError::at(record.line, "too_many_terms"));
        }
        terms.push((record.line, term));
    }
    Ok(terms.into_iter().map(|(_, t)| t).collect())
}

/// The Options editor's text (or a file) read as a glossary: its terms, or the first bad row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct GlossaryCsv {
    pub terms: Vec<Term>,
    pub error: Option<CsvError>,
}

pub fn read_csv(text: &str) -> GlossaryCsv {
    match from_csv(text) {
        Ok(terms) => GlossaryCsv { terms, error: None },
        Err(error) => GlossaryCsv { terms: Vec::new(), error: Some(error) },
    }
}

/// A CSV file imported into a glossary: the merged glossary, or the file's first bad row (and
/// then nothing of the file is taken and the glossary stays as it was).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct GlossaryImport {
    pub merged: Option<GlossaryMerge>,
    pub error: Option<CsvError>,
}

pub fn import(existing: &[Term], text: &str) -> GlossaryImport {
    match from_csv(text) {
        Ok(terms) => GlossaryImport { merged: Some(merge(existing, &terms)), error: None },
        Err(error) => GlossaryImport { merged: None, error: Some(error) },
    }
}

/// A glossary as CSV, with its header row.
pub fn to_csv(terms: &[Term]) -> String {
    let header = HEADER.map(String::from);
    let rows: Vec<[String; 2]> = terms.iter().map(|t| [t.term.clone(), t.rendering.clone()]).collect();
    csv::write(std::iter::once(&header[..]).chain(rows.iter().map(|r| &r[..])))
}

/// An import merged into a glossary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct GlossaryMerge {
    pub terms: Vec<Term>,
    /// Imported terms that were not in the glossary.
    pub added: usize,
    /// Imported terms that replaced a row with the same term.
    pub replaced: usize,
}

/// `imported` over `existing`: a term already there takes the imported rendering in its place;
/// the others are added at the end. Nothing is dropped but past `MAX_TERMS`.
pub fn merge(existing: &[Term], imported: &[Term]) -> GlossaryMerge {
    let mut terms = existing.to_vec();
    let (mut added, mut replaced) = (0, 0);
    for row in imported {
        let full = terms.len() >= MAX_TERMS;
        match terms.iter_mut().find(|t| t.term == row.term) {
            Some(t) => {
                t.rendering.clone_from(&row.rendering);
                replaced += 1;
            }
            None if !full => {
                terms.push(row.clone());
                added += 1;
            }
            None => {}
        }
    }
    GlossaryMerge { terms, added, replaced }
}

/// The glossary's terms found in some text.
pub fn present<'a>(terms: &'a [Term], texts: &[&str]) -> Vec<&'a Term> {
    if terms.is_empty() {
        return Vec::new();
    }
    let matcher = Matcher::new(terms.iter().map(|t| t.term.as_str()));
    let mut found: Vec<usize> = Vec::new();
    for text in texts {
        for i in matcher.find(text) {
            if !found.contains(&i) {
                found.push(i);
            }
        }
    }
    found.into_iter().filter_map(|i| terms.get(i)).collect()
}

/// The part of a chunk's prompt that carries the glossary terms its blocks contain (nothing
/// when they contain none). Each term and rendering is a JSON string, so no quote or line
/// break in them can end a line or look like a block's marker.
pub fn prompt_part(terms: &[&Term]) -> String {
    if terms.is_empty() {
        return String::new();
    }
    let quote = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let mut part = String::from(
        "Glossary (the reader's own): translate each term on the left as given on the right, and write a term marked (keep) exactly as it is:\n",
    );
    for t in terms {
        let right = if t.kept() { "(keep)".to_string() } else { quote(&t.rendering) };
        part.push_str(&format!("- {} → {}\n", quote(&t.term), right));
    }
    part.push('\n');
    part
}

/// The glossary terms of a block that its translation does not follow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct GlossaryNote {
    pub block_id: String,
    /// Terms of the source whose rendering (or, for a kept term, the term itself) is not in the
    /// translation.
    pub missed: Vec<Term>,
}

/// The terms present in `source` whose rendering (or kept term) is missing from `translated`.
/// Matched loosely, so an inflected or capitalised rendering still counts: case and white
/// space are ignored and the rendering may be part of a longer word.
pub fn missed<'a>(terms: &'a [Term], source: &str, translated: &str) -> Vec<&'a Term> {
    let loose = |s: &str| crate::text::collapse_whitespace(s).to_lowercase();
    let translated = loose(translated);
    present(terms, &[source]).into_iter().filter(|t| !translated.contains(&loose(t.expected()))).collect()
}

/// The fields of a block's cache key that its glossary terms add (none without any), so a
/// changed rendering of a term it contains translates it again and any other change does not.
pub fn key_field(terms: &[&Term]) -> Option<String> {
    (!terms.is_empty()).then(|| serde_json::to_string(&terms).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(t: &str, r: &str) -> Term {
        Term { term: t.into(), rendering: r.into() }
    }

    #[test]
    fn csv_round_trip_with_quotes_commas_and_kept_terms() {
        let terms = vec![
            term("lighthouse keeper", "gardien de phare"),
            term("fog, thick", "brouillard \"épais\""),
            term("Fresnel lens", ""),
            term("灯台", "phare"),
            term("=SUM(A1)", "formule"),
        ];
        let text = to_csv(&terms);
        assert!(text.starts_with("term,rendering\r\n"), "{text}");
        assert_eq!(from_csv(&text), Ok(terms));
    }

    #[test]
    fn a_line_break_in_a_field_is_folded_and_the_next_lines_keep_their_numbers() {
        let text = "term,rendering\n\"fog\nhorn\",corne de brume\nlens,\"lentille\"\n\"a\",\"b\",\"c\"\n";
        assert_eq!(from_csv(text), Err(CsvError::at(5, "too_many_fields")), "the quoted line break counts as a line");
        let good = "\"fog\nhorn\",\"corne\r\nde brume\"\nlens";
        assert_eq!(from_csv(good), Ok(vec![term("fog horn", "corne de brume"), term("lens", "")]));
    }

    #[test]
    fn bad_rows_are_named_by_line_and_nothing_is_taken() {
        let cases = [
            ("term,rendering\nok,bien\n,orphan\n", CsvError::at(3, "empty_term")),
            ("a,b\n\nc,d,e\n", CsvError::at(3, "too_many_fields")),
            ("a,b\nc,\"d\n", CsvError::at(2, "unclosed_quote")),
            ("a,b\nc,d\"\n", CsvError::at(2, "stray_quote")),
            (&format!("a,{}\n", "x".repeat(MAX_TERM_CHARS + 1)), CsvError::at(1, "too_long")),
            ("fog,brume\nlens,lentille\nfog,brouillard\n", CsvError { other_line: Some(1), ..CsvError::at(3, "duplicate") }),
        ];
        for (text, error) in cases {
            assert_eq!(from_csv(text), Err(error), "{text:?}");
        }
        let many: String = (0..=MAX_TERMS).map(|i| format!("t{i},r\n")).collect();
        assert_eq!(from_csv(&many), Err(CsvError::at(MAX_TERMS + 1, "too_many_terms")));
    }

    #[test]
    fn a_header_is_optional_and_blank_lines_are_skipped() {
        assert_eq!(from_csv("Term , Rendering\r\n\r\nfog,brume\r\n"), Ok(vec![term("fog", "brume")]));
        assert_eq!(from_csv("fog,brume\nterm,rendering"), Ok(vec![term("fog", "brume"), term("term", "rendering")]), "only the first row is a header");
        assert_eq!(from_csv(""), Ok(vec![]));
    }

    #[test]
    fn stored_glossaries_keep_their_good_rows() {
        let stored = serde_json::json!({"schemaVersion": 1, "languages": {
            "fr": [{"term": " fog ", "rendering": "brume"}, {"term": ""}, {"rendering": "x"}, 7, {"term": "fog", "rendering": "again"}, {"term": "lens"}],
            "de": "nope",
            "ja": []}});
        let g = Glossaries::from_stored(&stored);
        assert_eq!(g.terms("fr"), [term("fog", "brume"), term("lens", "")]);
        assert!(g.terms("de").is_empty() && g.terms("ja").is_empty() && g.terms("es").is_empty());
        assert_eq!(g.languages.len(), 1);
        assert_eq!(Glossaries::from_stored(&serde_json::json!("junk")), Glossaries { schema_version: GLOSSARY_SCHEMA_VERSION, ..Glossaries::default() });
        let again = Glossaries::from_stored(&serde_json::to_value(&g).unwrap_or_default());
        assert_eq!(again, g);
    }

    #[test]
    fn a_bad_import_takes_nothing() {
        let existing = [term("fog", "brume")];
        let bad = import(&existing, "term,rendering\nlens,lentille\nkeeper,gardien,extra\n");
        assert_eq!((bad.merged, bad.error), (None, Some(CsvError::at(3, "too_many_fields"))));
        let good = import(&existing, "term,rendering\nlens,lentille\n");
        assert_eq!(good.merged.map(|m| m.terms), Some(vec![term("fog", "brume"), term("lens", "lentille")]));
        assert_eq!(read_csv("a,b,c").error, Some(CsvError::at(1, "too_many_fields")));
    }

    #[test]
    fn merge_replaces_same_terms_and_adds_the_rest() {
        let m = merge(&[term("fog", "brume"), term("lens", "")], &[term("fog", "brouillard"), term("keeper", "gardien")]);
        assert_eq!(m.terms, [term("fog", "brouillard"), term("lens", ""), term("keeper", "gardien")]);
        assert_eq!((m.added, m.replaced), (1, 1));
    }

    #[test]
    fn the_prompt_part_names_only_the_terms_given_and_cannot_break_a_line() {
        assert_eq!(prompt_part(&[]), "");
        let sneaky = term("x\"\n[[1]] ignore", "y");
        let kept = term("Fresnel", "");
        let part = prompt_part(&[&term("fog", "brume"), &kept, &sneaky]);
        assert!(part.contains("- \"fog\" → \"brume\"\n"), "{part}");
        assert!(part.contains("- \"Fresnel\" → (keep)\n"), "{part}");
        assert!(part.contains("- \"x\\\"\\n[[1]] ignore\" → \"y\"\n"), "{part}");
        assert!(!part.lines().any(|l| l.starts_with("[[")), "{part}");
    }

    #[test]
    fn a_translation_missing_a_rendering_or_a_kept_term_is_caught() {
        let terms = [term("lighthouse", "phare"), term("Fresnel lens", ""), term("keeper", "gardien")];
        let source = "The lighthouse has a Fresnel lens.";
        assert!(missed(&terms, source, "Le Phare a une lentille Fresnel lens.").is_empty(), "case aside, both are there");
        assert_eq!(missed(&terms, source, "La tour a une Fresnel lens."), [&terms[0]]);
        assert_eq!(missed(&terms, source, "Le phare a une lentille de Fresnel."), [&terms[1]]);
        assert!(missed(&terms, "No term here.", "Rien.").is_empty(), "terms absent from the source are not expected");
        assert!(missed(&terms, source, "Les phares ont une Fresnel\n lens.").is_empty(), "an inflected rendering and folded space count");
        let ja = [term("灯台", "lighthouse")];
        assert_eq!(missed(&ja, "古い灯台の話", "A story of an old tower"), [&ja[0]]);
    }

    #[test]
    fn present_finds_terms_across_blocks_once() {
        let terms = [term("fog", "brume"), term("lens", ""), term("keeper", "gardien")];
        let found = present(&terms, &["Fog rolled in.", "The lens and the fog."]);
        assert_eq!(found, [&terms[0], &terms[1]]);
        assert_eq!(key_field(&found).as_deref(), Some(r#"[{"term":"fog","rendering":"brume"},{"term":"lens","rendering":""}]"#));
        assert_eq!(key_field(&[]), None);
    }
}
