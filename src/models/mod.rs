//! What Gloss knows of models' context windows and prices: the built-in tables, and the reader's
//! own rows from the options page, which win over them.

pub mod caps;
pub mod limits;
pub mod prices;
pub mod pricing;

pub use caps::Caps;
pub use limits::{MAX_CONTEXT_TOKENS, MAX_PRICE_PER_MTOK, MIN_CONTEXT_TOKENS};
pub use prices::Price;

use serde::{Deserialize, Serialize};

/// Context windows in tokens, by model id (or its last path segment, for OpenRouter ids).
const CONTEXT: &[(&str, usize)] = &[
    ("claude-", 200_000),
    ("gpt-4.1", 1_000_000),
    ("gpt-4o", 128_000),
    ("gpt-5", 400_000),
    ("o3", 200_000),
    ("o4-mini", 200_000),
    ("gemini-", 1_000_000),
    ("deepseek-", 64_000),
    ("llama-3.3-70b", 128_000),
    ("mistral-", 32_000),
];

/// For models not in the table (most local ones): small, so nothing is silently cut.
pub const DEFAULT_CONTEXT_TOKENS: usize = 8_192;

/// The built-in context window for `model` (prefix match on the table).
pub fn context_tokens(model: &str) -> usize {
    let name = last_segment(model);
    CONTEXT.iter().find(|(prefix, _)| name.starts_with(prefix)).map_or(DEFAULT_CONTEXT_TOKENS, |(_, n)| *n)
}

/// How much article text one digest request may carry in a `window`-token context: the window
/// less room for the instructions and the answer, and never more than a long article needs in one go.
pub fn budget_for(window: usize) -> usize {
    (window.saturating_sub(crate::digest::DEFAULT_DIGEST_OUTPUT_TOKENS as usize + 1_000) * 3 / 4).clamp(1_000, 100_000)
}
/// Tokens of a translation request that are not the chunk's text: the instructions, the
/// markers and a margin for the estimate.
const TRANSLATION_OVERHEAD_TOKENS: usize = 500;
/// The least source text a translation chunk may be cut to.
const MIN_CHUNK_TOKENS: usize = 100;

/// The largest translation chunk that fits a `window`-token context: the chunk, the
/// instructions, and an answer up to twice the chunk's length (translations grow, CJK most).
pub fn chunk_cap(window: usize) -> usize {
    (window.saturating_sub(TRANSLATION_OVERHEAD_TOKENS) / 3).max(MIN_CHUNK_TOKENS)
}

/// The digest budget for `model` from the built-in table alone.
pub fn digest_budget(model: &str) -> usize {
    budget_for(context_tokens(model))
}

/// `openai/gpt-4o-mini` → `gpt-4o-mini`.
fn last_segment(model: &str) -> &str {
    model.rsplit('/').next().unwrap_or(model)
}

/// One row of the reader's table: any field left out keeps the built-in value.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct ModelOverride {
    /// A model id as the provider names it (`gpt-4o-mini`, `openai/gpt-4o-mini`, `llama3.2`).
    pub model: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub context_tokens: Option<u64>,
    /// US dollars per million input tokens.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub input_per_mtok: Option<f64>,
    /// US dollars per million output tokens.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub output_per_mtok: Option<f64>,
}

fn valid_context(n: u64) -> bool {
    (MIN_CONTEXT_TOKENS..=MAX_CONTEXT_TOKENS).contains(&n)
}

fn valid_price(p: f64) -> bool {
    p.is_finite() && (0.0..=MAX_PRICE_PER_MTOK).contains(&p)
}

impl ModelOverride {
    /// The row with its out-of-range fields taken out; `None` when nothing usable is left.
    /// The second value says whether anything was taken out.
    pub fn cleaned(&self) -> (Option<ModelOverride>, bool) {
        let model = self.model.trim().to_string();
        let context_tokens = self.context_tokens.filter(|n| valid_context(*n));
        let input_per_mtok = self.input_per_mtok.filter(|p| valid_price(*p));
        let output_per_mtok = self.output_per_mtok.filter(|p| valid_price(*p));
        let dropped_field = context_tokens != self.context_tokens
            || input_per_mtok.is_none() != self.input_per_mtok.is_none()
            || output_per_mtok.is_none() != self.output_per_mtok.is_none();
        let row = ModelOverride { model, context_tokens, input_per_mtok, output_per_mtok };
        let usable = !row.model.is_empty() && (row.context_tokens.is_some() || row.input_per_mtok.is_some() || row.output_per_mtok.is_some());
        // A row that was empty to begin with (no model, no numbers) is not worth a notice.
        let was_blank = self.model.trim().is_empty() && self.context_tokens.is_none() && self.input_per_mtok.is_none() && self.output_per_mtok.is_none();
        (usable.then_some(row), dropped_field || (!usable && !was_blank))
    }
}

/// Cleans a whole table: rows without a model or any valid number are dropped, out-of-range
/// numbers are taken out, and of two rows for one model the first is kept. The flag says
/// whether anything the reader had stored was dropped.
pub fn clean_overrides(rows: &[ModelOverride]) -> (Vec<ModelOverride>, bool) {
    let mut kept: Vec<ModelOverride> = Vec::new();
    let mut dropped = false;
    for row in rows {
        let (row, lost) = row.cleaned();
        dropped |= lost;
        match row {
            Some(r) if kept.iter().any(|k| k.model == r.model) => dropped = true,
            Some(r) => kept.push(r),
            None => {}
        }
    }
    (kept, dropped)
}

/// Where the context size Gloss sizes requests by comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum ContextSource {
    /// The reader's row in Options.
    Reader,
    /// What the server said of the model.
    Server,
    /// The built-in table (or its default).
    Table,
}

/// The context a model is used with, and where that number comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ContextInfo {
    pub tokens: usize,
    pub source: ContextSource,
}

/// The built-in tables, under what the server said of one model, under the reader's rows:
/// what every price and context lookup uses.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ModelTable {
    overrides: Vec<ModelOverride>,
    /// The model the server was asked about, and its answer.
    server: Option<(String, Caps)>,
}

impl ModelTable {
    /// A table over `overrides` (already cleaned, as `Settings::migrate` leaves them).
    pub fn new(overrides: &[ModelOverride]) -> Self {
        ModelTable { overrides: overrides.to_vec(), server: None }
    }

    /// The table with what the server said of `model` between the reader's rows and the built-in ones.
    pub fn with_server(mut self, model: &str, caps: Caps) -> Self {
        self.server = Some((model.to_string(), caps));
        self
    }

    fn server(&self, model: &str) -> Option<&Caps> {
        self.server.as_ref().filter(|(m, _)| m == model).map(|(_, c)| c)
    }

    /// The context for `model` and where it comes from: the reader's row, else the context the
    /// server runs it with, else the built-in table's, never more than the model's own maximum.
    pub fn context(&self, model: &str) -> ContextInfo {
        let size = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        if let Some(n) = self.row(model).and_then(|r| r.context_tokens) {
            return ContextInfo { tokens: size(n), source: ContextSource::Reader };
        }
        let server = self.server(model);
        if let Some(n) = server.and_then(|c| c.context_tokens) {
            return ContextInfo { tokens: size(n), source: ContextSource::Server };
        }
        let table = context_tokens(model);
        match server.and_then(|c| c.max_context_tokens).map(size) {
            Some(max) if max < table => ContextInfo { tokens: max, source: ContextSource::Server },
            _ => ContextInfo { tokens: table, source: ContextSource::Table },
        }
    }

    /// The reader's row for `model`: its exact id first, else its last path segment.
    fn row(&self, model: &str) -> Option<&ModelOverride> {
        let name = last_segment(model);
        self.overrides.iter().find(|r| r.model == model).or_else(|| self.overrides.iter().find(|r| r.model == name))
    }

    /// The context size the reader set for `model`, if any.
    pub fn readers_context(&self, model: &str) -> Option<u64> {
        self.row(model).and_then(|r| r.context_tokens)
    }

    pub fn context_tokens(&self, model: &str) -> usize {
        self.context(model).tokens
    }

    /// Source tokens per translation chunk for `model`: the reader's chunk size, cut to what
    /// fits its context.
    pub fn chunk_tokens(&self, model: &str, chunk_tokens: usize) -> usize {
        chunk_tokens.min(chunk_cap(self.context_tokens(model)))
    }

    /// How much article text one digest request may carry for `model`.
    pub fn digest_budget(&self, model: &str) -> usize {
        budget_for(self.context_tokens(model))
    }

    /// The price of `model`: each of the reader's numbers wins over the server's, which wins
    /// over the list price; a row with one price only and nothing to complete it gives no price.
    pub fn price(&self, model: &str) -> Option<Price> {
        let builtin = prices::list_price(model);
        let row = self.row(model);
        let server = self.server(model);
        let input = row.and_then(|r| r.input_per_mtok).or(server.and_then(|c| c.input_per_mtok)).or(builtin.map(|p| p.input_per_mtok));
        let output = row.and_then(|r| r.output_per_mtok).or(server.and_then(|c| c.output_per_mtok)).or(builtin.map(|p| p.output_per_mtok));
        Some(Price { input_per_mtok: input?, output_per_mtok: output? })
    }

    /// What a call to `model` costs, when its price is known.
    pub fn cost(&self, model: &str, input_tokens: u64, output_tokens: u64) -> Option<f64> {
        self.price(model).map(|p| p.cost(input_tokens, output_tokens))
    }
}

/// One row of the built-in table as the options page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct BuiltinRow {
    pub model: String,
    /// The row covers every model whose id starts with `model`.
    pub prefix: bool,
    pub context_tokens: usize,
    pub input_per_mtok: Option<f64>,
    pub output_per_mtok: Option<f64>,
}

/// The built-in table: every priced model with its context, then the context-only prefixes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct BuiltinTable {
    pub rows: Vec<BuiltinRow>,
    pub default_context_tokens: usize,
}

pub fn builtin_table() -> BuiltinTable {
    let mut rows: Vec<BuiltinRow> = prices::PRICES
        .iter()
        .map(|(model, input, output)| BuiltinRow {
            model: (*model).to_string(),
            prefix: false,
            context_tokens: context_tokens(model),
            input_per_mtok: Some(*input),
            output_per_mtok: Some(*output),
        })
        .collect();
    for (prefix, n) in CONTEXT {
        if !prices::PRICES.iter().any(|(m, _, _)| m.starts_with(prefix)) {
            rows.push(BuiltinRow { model: (*prefix).to_string(), prefix: true, context_tokens: *n, input_per_mtok: None, output_per_mtok: None });
        }
    }
    BuiltinTable { rows, default_context_tokens: DEFAULT_CONTEXT_TOKENS }
}

/// One row as typed in the options page: every field the raw text of its input.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct ModelRowInput {
    pub model: String,
    pub context_tokens: String,
    pub input_per_mtok: String,
    pub output_per_mtok: String,
}

/// Why one field of a typed row cannot be saved. `code` is stable; the page words it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct FieldError {
    pub row: usize,
    /// `model`, `contextTokens`, `inputPerMtok` or `outputPerMtok`.
    pub field: String,
    /// `required`, `duplicate`, `not_a_number`, `not_whole`, `out_of_range`.
    pub code: String,
    /// The allowed range, for `out_of_range`.
    pub min: Option<f64>,
    pub max: Option<f64>,
}

/// The typed rows as settings rows, or the reason for each field that cannot be saved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct RowsCheck {
    pub rows: Vec<ModelOverride>,
    pub errors: Vec<FieldError>,
}

/// Reads the typed rows. Blank rows are skipped; numbers are read as `parse_number` says (a
/// thousands separator or a decimal comma), with a leading `$` allowed on prices.
pub fn check_rows(input: &[ModelRowInput]) -> RowsCheck {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (i, r) in input.iter().enumerate() {
        let mut error = |field: &str, code: &str, range: Option<(f64, f64)>| {
            errors.push(FieldError { row: i, field: field.into(), code: code.into(), min: range.map(|r| r.0), max: range.map(|r| r.1) });
        };
        let model = r.model.trim();
        let blank = |s: &str| s.trim().is_empty();
        if blank(model) && blank(&r.context_tokens) && blank(&r.input_per_mtok) && blank(&r.output_per_mtok) {
            continue;
        }
        if model.is_empty() {
            error("model", "required", None);
        } else if input[..i].iter().any(|k| k.model.trim() == model) {
            error("model", "duplicate", None);
        }
        let context_tokens = match parse_number(&r.context_tokens) {
            Ok(None) => None,
            Ok(Some(n)) if n.fract() != 0.0 => {
                error("contextTokens", "not_whole", None);
                None
            }
            Ok(Some(n)) if n < MIN_CONTEXT_TOKENS as f64 || n > MAX_CONTEXT_TOKENS as f64 => {
                error("contextTokens", "out_of_range", Some((MIN_CONTEXT_TOKENS as f64, MAX_CONTEXT_TOKENS as f64)));
                None
            }
            Ok(Some(n)) => Some(n as u64),
            Err(()) => {
                error("contextTokens", "not_a_number", None);
                None
            }
        };
        let mut price = |field: &str, text: &str| match parse_number(text.trim().trim_start_matches('$')) {
            Ok(Some(p)) if valid_price(p) => Some(p),
            Ok(Some(_)) => {
                error(field, "out_of_range", Some((0.0, MAX_PRICE_PER_MTOK)));
                None
            }
            Ok(None) => None,
            Err(()) => {
                error(field, "not_a_number", None);
                None
            }
        };
        let input_per_mtok = price("inputPerMtok", &r.input_per_mtok);
        let output_per_mtok = price("outputPerMtok", &r.output_per_mtok);
        if !model.is_empty() {
            rows.push(ModelOverride { model: model.to_string(), context_tokens, input_per_mtok, output_per_mtok });
        }
    }
    let rows = if errors.is_empty() { clean_overrides(&rows).0 } else { Vec::new() };
    RowsCheck { rows, errors }
}

/// `Ok(None)` for blank text. Spaces, `_` and groups of three digits after commas (`128,000`)
/// separate thousands; any other comma is a decimal comma (`0,15`, as many readers write it).
fn parse_number(text: &str) -> Result<Option<f64>, ()> {
    let compact: String = text.trim().chars().filter(|c| !matches!(c, '_' | ' ' | '\u{a0}' | '\u{202f}')).collect();
    if compact.is_empty() {
        return Ok(None);
    }
    let (whole, fraction) = compact.split_once('.').map_or((compact.as_str(), None), |(w, f)| (w, Some(f)));
    let digits = |g: &str| !g.is_empty() && g.chars().all(|c| c.is_ascii_digit());
    let mut groups = whole.split(',');
    let thousands = whole.contains(',')
        && groups.next().is_some_and(|head| head.len() <= 3 && digits(head))
        && groups.all(|g| g.len() == 3 && digits(g));
    let cleaned = match (thousands, fraction) {
        (true, _) => compact.replace(',', ""),
        (false, None) => compact.replacen(',', ".", 1),
        // `1,5.3`: a comma that is neither.
        (false, Some(_)) if whole.contains(',') => return Err(()),
        (false, Some(_)) => compact,
    };
    match cleaned.parse::<f64>() {
        Ok(n) if n.is_finite() => Ok(Some(n)),
        _ => Err(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(model: &str, context: Option<u64>, input: Option<f64>, output: Option<f64>) -> ModelOverride {
        ModelOverride { model: model.into(), context_tokens: context, input_per_mtok: input, output_per_mtok: output }
    }

    #[test]
    fn numbers_as_readers_write_them() {
        for (text, want) in [
            ("0,15", Some(0.15)),
            ("2,5", Some(2.5)),
            ("128,000", Some(128_000.0)),
            ("1,000,000", Some(1_000_000.0)),
            ("1,234.5", Some(1_234.5)),
            ("128 000", Some(128_000.0)),
            ("0.15", Some(0.15)),
            ("  ", None),
        ] {
            assert_eq!(parse_number(text), Ok(want), "{text}");
        }
        assert!(parse_number("1,2,3").is_err());
        assert!(parse_number("1,5.3").is_err());
        assert!(parse_number("lots").is_err());
    }

    #[test]
    fn known_and_unknown_models() {
        assert_eq!(context_tokens("claude-haiku-4-5"), 200_000);
        assert_eq!(context_tokens("openai/gpt-4o-mini"), 128_000);
        assert_eq!(context_tokens("llama3.2"), DEFAULT_CONTEXT_TOKENS);
        assert_eq!(digest_budget("llama3.2"), 4_269);
        assert_eq!(digest_budget("gemini-2.5-flash"), 100_000);
    }

    #[test]
    fn an_override_changes_the_cost() {
        let plain = ModelTable::default();
        assert_eq!(plain.cost("gpt-4o-mini", 1_000_000, 0), Some(0.15));
        let table = ModelTable::new(&[row("gpt-4o-mini", None, Some(2.0), None)]);
        assert_eq!(table.cost("gpt-4o-mini", 1_000_000, 1_000_000), Some(2.0 + 0.60), "output keeps the list price");
        assert_eq!(table.cost("openai/gpt-4o-mini", 1_000_000, 0), Some(2.0), "matched on the last segment");
        let local = ModelTable::new(&[row("llama3.2", None, Some(0.5), Some(1.5))]);
        assert_eq!(plain.cost("llama3.2", 1_000, 1_000), None);
        assert_eq!(local.cost("llama3.2", 2_000_000, 1_000_000), Some(2.5));
        let half = ModelTable::new(&[row("llama3.2", None, Some(0.5), None)]);
        assert_eq!(half.cost("llama3.2", 1, 1), None, "one price with nothing to complete it is no price");
    }

    #[test]
    fn an_exact_id_wins_over_its_last_segment() {
        let table = ModelTable::new(&[row("gpt-4o-mini", Some(50_000), None, None), row("openai/gpt-4o-mini", Some(20_000), None, None)]);
        assert_eq!(table.context_tokens("openai/gpt-4o-mini"), 20_000);
        assert_eq!(table.context_tokens("gpt-4o-mini"), 50_000);
    }

    #[test]
    fn an_override_changes_the_digest_budget() {
        let plain = ModelTable::default();
        assert_eq!(plain.digest_budget("gpt-4o-mini"), 94_125);
        let small = ModelTable::new(&[row("gpt-4o-mini", Some(4_000), None, None)]);
        assert_eq!(small.context_tokens("gpt-4o-mini"), 4_000);
        assert_eq!(small.digest_budget("gpt-4o-mini"), 1_125);
        let big = ModelTable::new(&[row("llama3.2", Some(131_072), None, None)]);
        assert_eq!(big.digest_budget("llama3.2"), 96_429);
        assert_eq!(big.digest_budget("qwen2.5"), digest_budget("qwen2.5"), "other models keep the default");
        assert_eq!(big.context_tokens("qwen2.5"), DEFAULT_CONTEXT_TOKENS);
    }

    #[test]
    fn what_the_server_said_comes_between_the_readers_row_and_the_table() {
        let said = Caps { context_tokens: Some(2_048), ..Caps::default() };
        let table = ModelTable::default().with_server("default", said.clone());
        assert_eq!(table.context("default"), ContextInfo { tokens: 2_048, source: ContextSource::Server });
        assert_eq!(table.context("other"), ContextInfo { tokens: DEFAULT_CONTEXT_TOKENS, source: ContextSource::Table }, "only for the model asked about");
        let readers = ModelTable::new(&[row("default", Some(16_000), None, None)]).with_server("default", said);
        assert_eq!(readers.context("default"), ContextInfo { tokens: 16_000, source: ContextSource::Reader }, "the reader's row wins");
        // Only a maximum known: the table's size, cut to it.
        let max = |n| ModelTable::default().with_server("m", Caps { max_context_tokens: Some(n), ..Caps::default() });
        assert_eq!(max(4_096).context("m"), ContextInfo { tokens: 4_096, source: ContextSource::Server });
        assert_eq!(max(131_072).context("m"), ContextInfo { tokens: DEFAULT_CONTEXT_TOKENS, source: ContextSource::Table });
    }

    #[test]
    fn chunks_fit_a_small_context_and_keep_the_readers_size_in_a_large_one() {
        let table = ModelTable::default().with_server("default", Caps { context_tokens: Some(2_048), ..Caps::default() });
        let small = table.chunk_tokens("default", 1_200);
        assert!(small < 1_200 && small * 3 + 500 <= 2_048, "{small}");
        assert_eq!(table.chunk_tokens("gpt-4o-mini", 1_200), 1_200);
        assert_eq!(ModelTable::default().chunk_tokens("llama3.2", 1_200), 1_200, "8,192 tokens hold the default chunk");
        assert_eq!(chunk_cap(1_000), 166);
        assert_eq!(chunk_cap(0), 100, "never below a floor");
    }

    #[test]
    fn the_servers_price_stands_in_for_the_list_price_and_the_readers_wins() {
        let said = Caps { input_per_mtok: Some(0.2), output_per_mtok: Some(0.8), ..Caps::default() };
        let table = ModelTable::default().with_server("openai/gpt-4o-mini", said.clone());
        assert_eq!(table.cost("openai/gpt-4o-mini", 1_000_000, 1_000_000), Some(1.0));
        assert_eq!(ModelTable::default().cost("openai/gpt-4o-mini", 1_000_000, 1_000_000), Some(0.75), "the list price without it");
        let readers = ModelTable::new(&[row("openai/gpt-4o-mini", None, Some(2.0), None)]).with_server("openai/gpt-4o-mini", said);
        assert_eq!(readers.cost("openai/gpt-4o-mini", 1_000_000, 1_000_000), Some(2.8));
        let unpriced = ModelTable::default().with_server("some/new-model", Caps { input_per_mtok: Some(1.0), output_per_mtok: Some(3.0), ..Caps::default() });
        assert_eq!(unpriced.cost("some/new-model", 1_000_000, 0), Some(1.0), "a model no table knows is priced by the server");
    }

    #[test]
    fn stored_rows_are_cleaned() {
        let (rows, dropped) = clean_overrides(&[
            row(" m1 ", Some(5), Some(f64::NAN), Some(2.0)),
            row("", Some(10_000), None, None),
            row("m2", None, Some(-1.0), Some(1e9)),
            row("m1", Some(10_000), None, None),
            row("m3", Some(32_000), Some(0.0), None),
        ]);
        assert!(dropped);
        assert_eq!(rows, vec![row("m1", None, None, Some(2.0)), row("m3", Some(32_000), Some(0.0), None)]);
        let (same, dropped) = clean_overrides(&rows);
        assert_eq!((same, dropped), (rows, false));
        assert_eq!(clean_overrides(&[ModelOverride::default()]), (vec![], false), "a blank row is no loss");
    }

    #[test]
    fn typed_rows_are_checked_field_by_field() {
        let input = |m: &str, c: &str, i: &str, o: &str| ModelRowInput { model: m.into(), context_tokens: c.into(), input_per_mtok: i.into(), output_per_mtok: o.into() };
        let ok = check_rows(&[input(" mock ", "32,000", "$1.5", "2"), input("", "", "", "")]);
        assert_eq!(ok.errors, vec![]);
        assert_eq!(ok.rows, vec![row("mock", Some(32_000), Some(1.5), Some(2.0))]);
        let bad = check_rows(&[input("", "8000", "", ""), input("a", "lots", "-1", "1e12"), input("a", "1234.5", "", "0.1"), input("b", "12", "", "")]);
        let codes: Vec<(usize, &str, &str)> = bad.errors.iter().map(|e| (e.row, e.field.as_str(), e.code.as_str())).collect();
        assert_eq!(
            codes,
            vec![
                (0, "model", "required"),
                (1, "contextTokens", "not_a_number"),
                (1, "inputPerMtok", "out_of_range"),
                (1, "outputPerMtok", "out_of_range"),
                (2, "model", "duplicate"),
                (2, "contextTokens", "not_whole"),
                (3, "contextTokens", "out_of_range"),
            ]
        );
        assert_eq!(bad.errors[6].min, Some(MIN_CONTEXT_TOKENS as f64));
        assert!(bad.rows.is_empty(), "nothing is saved while a field is wrong");
    }

    #[test]
    fn the_builtin_table_lists_prices_and_context_prefixes() {
        let table = builtin_table();
        let haiku = table.rows.iter().find(|r| r.model == "claude-haiku-4-5");
        assert_eq!(haiku.map(|r| (r.context_tokens, r.input_per_mtok, r.prefix)), Some((200_000, Some(1.0), false)));
        let mistral = table.rows.iter().find(|r| r.model == "mistral-");
        assert_eq!(mistral.map(|r| (r.prefix, r.input_per_mtok)), Some((true, None)));
        assert!(!table.rows.iter().any(|r| r.model == "claude-"), "a prefix already shown through its priced models is not repeated");
        assert_eq!(table.default_context_tokens, DEFAULT_CONTEXT_TOKENS);
    }
}
