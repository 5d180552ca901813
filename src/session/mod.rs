//! One reader's request on one page: what to ask whom (the plan) and the readers for each
//! answer. The core (`machine.rs`) drives these sessions, one per panel, from the worker's events.

pub mod cache;
pub mod ctx;
pub mod digest_flow;
pub mod effect;
pub mod event;
pub mod export;
pub mod machine;
mod on_device_steps;
pub mod panel;
pub mod qa_flow;
pub mod probe;
pub mod readers;
pub mod requests;
pub mod store;
pub mod translation_flow;
pub mod waits;

use serde::{Deserialize, Serialize};

use std::collections::HashMap;

use crate::article::{Article, Block};
use crate::digest::{self, Digest};
use crate::error::{ErrorInfo, GlossError};
use crate::llm::endpoint::{Endpoint, HttpRequest, Provenance};
use crate::settings::Settings;
use crate::models::{Caps, ContextInfo, ModelTable};
use crate::llm::probe::Probe;
use crate::models::pricing::{Estimate, Spend};
use crate::translate::schedule::{Action, Progress, ScheduleConfig, Scheduler};
use crate::llm::event::Usage;
use crate::llm::wire::Wire;
use readers::{DigestReader, TranslationReader};
use crate::text::Span;
use crate::text::tokens::estimate_tokens;
use crate::on_device::{self, OnDeviceApis};
use crate::translate::{self, ChunkEnd, TranslatedBlock};
use crate::glossary::{self, Glossaries, GlossaryNote};

/// One request to send, with what is needed to read its answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Call {
    pub wire: Wire,
    pub is_local: bool,
    pub request: HttpRequest,
    /// Give up when no byte of the answer has come after this long.
    pub first_byte_timeout_ms: u64,
    /// Give up when the answer stops for this long mid-way.
    pub stall_timeout_ms: u64,
    /// The prompt's estimated tokens, counted as the call's input when the provider reports none.
    pub prompt_tokens: u64,
}

/// How the Quick Digest will be made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(tag = "mode", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum DigestPlan {
    Model { provenance: Provenance, call: Call },
    /// Too long for the model's context: a digest of each part, then one that merges them
    /// (`Session::combine_call`).
    Parts { provenance: Provenance, calls: Vec<Call> },
    /// Made earlier with the same article, model, language and prompt: nothing to send.
    Cached { provenance: Provenance, digest: Digest },
    /// No model configured (or it cannot be used): the extractive digest, ready now.
    Offline { provenance: Provenance, digest: Digest, notice: Option<ErrorInfo> },
    /// No model configured, and the browser has a built-in Summarizer: its first step. If its
    /// model turns out not to be ready, `Session::offline_digest` stands in.
    OnDevice { provenance: Provenance, step: on_device::DigestStep },
}

/// How the Full Translation will be made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TranslationPlan {
    pub provenance: Option<Provenance>,
    pub source_lang: String,
    pub target_lang: String,
    /// Blocks translated earlier, and code blocks (kept as they are), shown at once.
    pub cached: Vec<TranslatedBlock>,
    /// Blocks still to translate, in the order they will be requested.
    pub pending: Vec<String>,
    /// What the pending blocks are expected to cost.
    pub estimate: Option<Estimate>,
    /// The article is long: show the estimate and wait for the reader's go-ahead.
    pub needs_confirmation: bool,
    /// Why there is nothing to request (no model, or the article is already in the target language).
    pub unavailable: Option<ErrorInfo>,
    /// No model, but the browser has a built-in Translator: the first step with it. `unavailable`
    /// still says why no model translates, for when the Translator turns out not to be ready.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_device: Option<on_device::TranslationStep>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub digest: DigestPlan,
    pub translation: TranslationPlan,
    /// Why no question about the article can be asked (no model), if none can.
    #[serde(default)]
    pub qa_unavailable: Option<ErrorInfo>,
    /// The model's context the requests are sized by, and where it comes from (none without a model).
    pub context: Option<ContextInfo>,
}

/// The storage keys under which earlier results for this article may be cached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct CacheKeys {
    pub digest: Option<String>,
    /// `(block id, key)` for every block.
    pub blocks: Vec<(String, String)>,
    /// The questions asked about the article.
    #[serde(default)]
    pub qa: Option<String>,
}

/// What was found under those keys.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct CacheHits {
    pub digest: Option<Digest>,
    /// Translated spans by storage key.
    pub blocks: HashMap<String, Vec<Span>>,
    pub qa: Option<crate::qa::Conversation>,
}

/// One value to store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct CacheEntry {
    pub key: String,
    #[cfg_attr(test, ts(type = "Digest | Array<Span>"))]
    pub value: serde_json::Value,
}

/// The progress line: blocks done and failed, and what the translation has cost so far.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TranslationProgress {
    #[serde(flatten)]
    pub counts: Progress,
    pub spend: Spend,
}

/// What the extension should do next for the translation; `Start` carries the request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Step {
    Start { job: usize, block_ids: Vec<String>, call: Call },
    Wait { ms: u64 },
    Idle,
    Finished { failed: Vec<String> },
    Stopped { error: ErrorInfo, failed: Vec<String> },
}

/// An article with the settings it is to be read with, and what is known of it so far.
pub struct Session {
    pub article: Article,
    settings: Settings,
    endpoint: Result<Option<Endpoint>, GlossError>,
    /// Context sizes and prices: the reader's, over what the server said, over the built-in ones.
    table: ModelTable,
    /// What the server said of the model, once asked.
    server: Option<Caps>,
    cached_digest: Option<Digest>,
    cached_blocks: HashMap<String, Vec<Span>>,
    scheduler: Option<Scheduler>,
    /// Estimated prompt tokens of each started job, for providers that report no usage.
    job_inputs: HashMap<usize, u64>,
    spend: Spend,
    /// Tokens the digest has taken, for the page's budget.
    digest_tokens: u64,
    /// What the panel shows, for the Markdown export.
    digest_shown: Option<Digest>,
    translated: HashMap<String, Vec<Span>>,
    /// The browser's built-in AI APIs, as the content script found them.
    apis: OnDeviceApis,
    /// Whether the digest shown, and the translation, came from the browser's built-in AI.
    digest_on_device: bool,
    /// The Prompt API could not be used (no model ready, or an answer that was not the JSON
    /// asked for): the Summarizer, or the extractive digest, stands in.
    prompt_api_failed: bool,
    translated_on_device: bool,
    /// The reader's glossaries; the translation language's is used.
    glossaries: Glossaries,
    /// The questions asked about the article, and the tokens they took (for the page's budget).
    conversation: crate::qa::Conversation,
    qa_tokens: u64,
}

impl Session {
    pub fn new(article: Article, settings: Settings) -> Self {
        let settings = settings.migrate();
        let endpoint = Endpoint::from_settings(&settings);
        let table = settings.model_table();
        Session {
            article,
            settings,
            endpoint,
            table,
            server: None,
            cached_digest: None,
            cached_blocks: HashMap::new(),
            scheduler: None,
            job_inputs: HashMap::new(),
            spend: Spend::default(),
            digest_tokens: 0,
            digest_shown: None,
            translated: HashMap::new(),
            apis: OnDeviceApis::default(),
            digest_on_device: false,
            prompt_api_failed: false,
            translated_on_device: false,
            glossaries: Glossaries::default(),
            conversation: crate::qa::Conversation::default(),
            qa_tokens: 0,
        }
    }

    /// Takes the reader's glossaries, as stored.
    pub fn set_glossaries(&mut self, glossaries: Glossaries) {
        self.glossaries = glossaries;
    }

    /// The glossary of the language translated into.
    fn glossary(&self) -> &[crate::glossary::Term] {
        self.glossaries.terms(&self.settings.translate_lang)
    }

    /// For each block translated by a model, the glossary terms of its source that the
    /// translation does not follow (blocks that follow all of them, and code, are left out).
    pub fn glossary_notes(&self, translated: &[TranslatedBlock]) -> Vec<GlossaryNote> {
        let terms = self.glossary();
        if terms.is_empty() {
            return Vec::new();
        }
        translated
            .iter()
            .filter_map(|t| {
                let source = self.article.blocks.iter().find(|b| b.id == t.id && translate::kept_as_is(b).is_none())?;
                let missed = glossary::missed(terms, &source.text, &crate::text::spans_text(&t.spans));
                (!missed.is_empty()).then(|| GlossaryNote { block_id: t.id.clone(), missed: missed.into_iter().cloned().collect() })
            })
            .collect()
    }

    /// Replaces the settings (they may load while the article is being extracted).
    pub fn configure(&mut self, settings: Settings) {
        self.settings = settings.migrate();
        self.endpoint = Endpoint::from_settings(&self.settings);
        self.table = self.settings.model_table();
        if let Some(caps) = self.server.take() {
            self.learn(Some(caps));
        }
    }

    /// The request that asks the server what it can do with the model, under the cache key of
    /// its answer (one per provider, base URL and model); none where there is nothing to ask.
    pub fn probe(&self) -> Option<(String, Probe)> {
        let endpoint = self.model_endpoint()?;
        Some((cache::caps_key(endpoint), endpoint.probe()?))
    }

    /// Takes what the server said (nothing, when it could not be asked or said nothing
    /// usable: the table stands in); the plan is sized by it from now on.
    pub fn learn(&mut self, caps: Option<Caps>) {
        let Some(caps) = caps else { return };
        if let Ok(Some(endpoint)) = &mut self.endpoint {
            *endpoint = endpoint.clone().learned(&caps);
            self.table = self.settings.model_table().with_server(&endpoint.model, caps.clone());
        }
        self.server = Some(caps);
    }

    /// The context requests are sized by, and where it comes from.
    pub fn context(&self) -> Option<ContextInfo> {
        self.model_endpoint().map(|e| self.table.context(&e.model))
    }

    pub fn model_endpoint(&self) -> Option<&Endpoint> {
        self.endpoint.as_ref().ok().and_then(Option::as_ref)
    }

    pub fn plan(&self) -> Plan {
        Plan { digest: self.digest_plan(), translation: self.translation_plan(None), qa_unavailable: self.qa_unavailable(), context: self.context() }
    }

    fn digest_plan(&self) -> DigestPlan {
        match &self.endpoint {
            Ok(Some(endpoint)) => {
                let lang = &self.settings.digest_lang;
                let provenance = endpoint.provenance(lang).styled(self.settings.style().id());
                match &self.cached_digest {
                    Some(digest) => DigestPlan::Cached { provenance, digest: digest.clone() },
                    None if digest::article_tokens(&self.article) > self.table.digest_budget(&endpoint.model) => {
                        DigestPlan::Parts { provenance, calls: self.digest_part_calls(None) }
                    }
                    None => DigestPlan::Model { provenance, call: chat_call(endpoint, &digest::prompt(&self.article, lang, &self.settings.style()), &self.settings) },
                }
            }
            Ok(None) if self.digests_on_device() && self.on_device_first_step().is_some() => DigestPlan::OnDevice {
                provenance: self.on_device_provenance(),
                step: self.on_device_first_step().unwrap_or(on_device::DigestStep::Summarize { calls: Vec::new(), done: 0, total: 0 }),
            },
            other => {
                let (provenance, digest) = self.offline_digest();
                DigestPlan::Offline { provenance, digest, notice: other.as_ref().err().map(GlossError::info) }
            }
        }
    }

    /// The translation of the whole article, or of `only` these block ids (a retry).
    pub fn translation_plan(&self, only: Option<&[String]>) -> TranslationPlan {
        let target = self.settings.translate_lang.clone();
        let mut plan = TranslationPlan {
            provenance: None,
            source_lang: self.article.lang.clone(),
            target_lang: target.clone(),
            cached: Vec::new(),
            pending: Vec::new(),
            estimate: None,
            needs_confirmation: false,
            unavailable: None,
            on_device: None,
        };
        let endpoint = match &self.endpoint {
            Ok(Some(e)) => e,
            Ok(None) => {
                plan.unavailable = Some(GlossError::MissingKey.info());
                if self.translates_on_device() && only.is_none() {
                    plan.provenance = Some(on_device::translation_provenance(&target));
                    plan.on_device = Some(on_device::translation_start(&self.article, &target, self.apis));
                }
                return plan;
            }
            Err(e) => {
                plan.unavailable = Some(e.info());
                return plan;
            }
        };
        plan.provenance = Some(endpoint.provenance(&target));
        if only.is_none() && same_language(&self.article.lang, &target) {
            plan.unavailable = Some(GlossError::SameLanguage(crate::text::lang::name(&target).to_string()).info());
            return plan;
        }
        let keys: HashMap<String, String> = self.block_keys(endpoint).into_iter().collect();
        let mut pending_tokens = 0;
        for block in self.article.blocks.iter().filter(|b| only.is_none_or(|ids| ids.contains(&b.id))) {
            // Code is shown as it is, with the translated blocks, and never sent.
            if let Some(kept) = translate::kept_as_is(block) {
                plan.cached.push(kept);
                continue;
            }
            match keys.get(&block.id).and_then(|k| self.cached_blocks.get(k)) {
                Some(spans) if only.is_none() => plan.cached.push(TranslatedBlock { id: block.id.clone(), spans: spans.clone() }),
                _ => {
                    pending_tokens += translate::block_tokens(block);
                    plan.pending.push(block.id.clone());
                }
            }
        }
        if !plan.pending.is_empty() {
            let chunks = self.chunks(&plan.pending);
            // Each chunk's glossary terms are part of its prompt too.
            let glossary: usize = chunks
                .iter()
                .map(|c| {
                    let texts: Vec<&str> = self.blocks(&c.block_ids).iter().map(|b| b.text.as_str()).collect();
                    estimate_tokens(&glossary::prompt_part(&glossary::present(self.glossary(), &texts)))
                })
                .sum();
            let prompt_overhead = chunks.len() * estimate_tokens(translate::SYSTEM) + glossary;
            let input = (pending_tokens + prompt_overhead) as u64;
            plan.estimate = Some(Estimate::new(&self.table, &endpoint.model, input, (pending_tokens as u64).saturating_mul(13) / 10));
            plan.needs_confirmation = only.is_none() && self.article.word_count > self.settings.confirm_above_words;
        }
        plan
    }

    fn chunks(&self, ids: &[String]) -> Vec<translate::Chunk> {
        let blocks = self.article.blocks.iter().filter(|b| ids.contains(&b.id));
        let budget = self.model_endpoint().map_or(self.settings.chunk_tokens, |e| self.table.chunk_tokens(&e.model, self.settings.chunk_tokens));
        translate::plan_chunks(blocks, translate::FIRST_CHUNK_TOKENS, budget)
    }

    fn blocks(&self, ids: &[String]) -> Vec<&Block> {
        self.article.blocks.iter().filter(|b| ids.contains(&b.id)).collect()
    }

    /// The part requests of a digest in parts, each within `budget` tokens of article text (the
    /// model's digest budget when `None`; the extension passes a smaller one after the provider
    /// said the context was exceeded).
    pub fn digest_part_calls(&self, budget: Option<usize>) -> Vec<Call> {
        let Some(endpoint) = self.model_endpoint() else { return Vec::new() };
        let budget = budget.unwrap_or_else(|| self.table.digest_budget(&endpoint.model));
        let parts = digest::parts(&self.article, budget);
        let count = parts.len();
        let style = self.settings.style();
        parts
            .iter()
            .enumerate()
            .map(|(i, blocks)| chat_call(endpoint, &digest::part_prompt(&self.article.title, blocks, i, count, &self.settings.digest_lang, &style), &self.settings))
            .collect()
    }

    /// Tokens of article text per part of a digest in parts (the model's digest budget).
    pub fn digest_budget(&self) -> usize {
        self.model_endpoint().map_or(0, |e| self.table.digest_budget(&e.model))
    }

    /// The request that merges the parts' answers into one digest.
    pub fn combine_call(&self, answers: &[String]) -> Option<Call> {
        let endpoint = self.model_endpoint()?;
        Some(chat_call(endpoint, &digest::combine_prompt(&self.article.title, answers, &self.settings.digest_lang, &self.settings.style()), &self.settings))
    }

    /// A reader for the answer to `call` (the whole digest, a part, or the merge); the input it
    /// counts where the provider reports none is that call's own prompt.
    pub fn digest_reader(&self, call: &Call) -> Option<DigestReader> {
        let endpoint = self.model_endpoint()?;
        let reader = DigestReader::new(endpoint.preset.wire, &self.table, &endpoint.model, call.prompt_tokens).redacting(&endpoint.api_key);
        Some(reader.citing(digest::ArticleRefs::of(&self.article)))
    }

    /// The model's name and price table, to price a sum of spends.
    pub fn priced(&self, spend: Spend) -> Spend {
        let model = self.model_endpoint().map_or("", |e| e.model.as_str());
        spend.priced(&self.table, model)
    }

    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Whether the model runs on this machine (served one request at a time).
    pub fn is_local(&self) -> bool {
        self.model_endpoint().is_some_and(Endpoint::is_local)
    }

    /// A reader for the answer to one translation chunk.
    pub fn translation_reader(&self, wire: Wire, block_ids: &[String]) -> TranslationReader {
        let languages_differ = !same_language(&self.article.lang, &self.settings.translate_lang);
        let secret = self.model_endpoint().map_or("", |e| e.api_key.as_str());
        TranslationReader::new(wire, &self.blocks(block_ids), languages_differ, secret)
    }

    // ---- cache ----

    fn digest_key(&self, endpoint: &Endpoint) -> String {
        self.digest_key_with(endpoint, &self.settings.style())
    }

    fn digest_key_with(&self, endpoint: &Endpoint, style: &digest::style::Style) -> String {
        let text: Vec<&str> = self.article.blocks.iter().map(|b| b.text.as_str()).collect();
        cache::key(
            "digest",
            &[&digest::prompt_version(style), &self.origin(), endpoint.preset.id, &endpoint.base_url, &endpoint.model, &self.settings.digest_lang, &cache::normalise(&text.join("\n"))],
        )
    }

    fn block_keys(&self, endpoint: &Endpoint) -> Vec<(String, String)> {
        let version = translate::PROMPT_VERSION.to_string();
        let origin = self.origin();
        self.article
            .blocks
            .iter()
            .map(|b| {
                let kind = serde_json::to_string(&b.kind).unwrap_or_default();
                let text = crate::text::markdown::to_markdown(&b.spans);
                let text = cache::normalise(&text);
                let mut fields = vec![version.as_str(), &origin, endpoint.preset.id, &endpoint.base_url, &endpoint.model, &self.settings.translate_lang, &kind, &text];
                // The block's own glossary terms, when it has any: a block without keeps its key.
                let terms = glossary::key_field(&glossary::present(self.glossary(), &[&b.text]));
                fields.extend(terms.as_deref());
                (b.id.clone(), cache::key("translation", &fields))
            })
            .collect()
    }

    fn origin(&self) -> String {
        origin(self.article.url.as_deref())
    }

    /// Where earlier results for this article would be (nothing without a model).
    pub fn cache_keys(&self) -> CacheKeys {
        match self.model_endpoint() {
            Some(e) => CacheKeys { digest: Some(self.digest_key(e)), blocks: self.block_keys(e), qa: Some(self.qa_key(e)) },
            None => CacheKeys { digest: None, blocks: Vec::new(), qa: None },
        }
    }

    /// Takes what the cache held; the next plan uses it instead of asking again.
    pub fn apply_cache(&mut self, hits: CacheHits) {
        self.cached_digest = hits.digest;
        self.cached_blocks = hits.blocks;
        self.conversation = hits.qa.unwrap_or_default();
        if let Some(endpoint) = self.model_endpoint() {
            let keys = self.block_keys(endpoint);
            for (id, key) in keys {
                if let Some(spans) = self.cached_blocks.get(&key) {
                    self.translated.insert(id, spans.clone());
                }
            }
        }
        self.digest_shown.clone_from(&self.cached_digest);
    }

    /// Writes the digest in another style from now on; the key its digest may be cached under,
    /// or why the style cannot be used (unknown, custom with no instructions, no model).
    pub fn restyle(&mut self, style: &str) -> Result<String, GlossError> {
        let wanted = digest::style::Style::new(style, &self.settings.digest_instructions);
        if !digest::style::is_known(style) || wanted.id() != style {
            return Err(GlossError::Invalid(format!("no digest style {style:?} to write in")));
        }
        let Some(endpoint) = self.model_endpoint() else { return Err(GlossError::MissingKey) };
        let mut settings = self.settings.clone();
        settings.digest_style = style.to_string();
        let key = self.digest_key_with(endpoint, &settings.style());
        self.settings = settings;
        self.cached_digest = None;
        Ok(key)
    }

    /// What the cache held for the digest in the current style.
    fn apply_digest_hit(&mut self, hit: Option<Digest>) {
        self.cached_digest.clone_from(&hit);
        if hit.is_some() {
            self.digest_shown = hit;
        }
    }

    /// Remembers a finished digest (for the export).
    pub fn record_digest(&mut self, digest: Digest) {
        self.digest_shown = Some(digest);
    }

    /// Remembers translated blocks (for the export).
    pub fn record_translated(&mut self, blocks: &[TranslatedBlock]) {
        for b in blocks {
            self.translated.insert(b.id.clone(), b.spans.clone());
        }
    }

    /// The page's digest and translation as Markdown, with its file name.
    pub fn export(&self, date: &str) -> (String, String) {
        // What the panel showed; without a model that is the offline digest, made again here
        // (cheap), rather than re-planning the model's requests just to read a label.
        let endpoint = self.model_endpoint();
        let digest_provenance = match endpoint {
            Some(e) => e.provenance(&self.settings.digest_lang).styled(self.settings.style().id()),
            None if self.digest_on_device => self.on_device_provenance(),
            None => Provenance::builtin(&self.article.lang),
        };
        let offline = (endpoint.is_none() && self.digest_shown.is_none()).then(|| digest::offline(&self.article));
        let digest = self.digest_shown.as_ref().or(offline.as_ref());
        let translation_provenance = match endpoint {
            Some(e) => Some(e.provenance(&self.settings.translate_lang)),
            None => self.translated_on_device.then(|| on_device::translation_provenance(&self.settings.translate_lang)),
        };
        let export = crate::session::export::Export {
            digest: digest.map(|d| (d, &digest_provenance)),
            translation: translation_provenance.as_ref().filter(|_| !self.translated.is_empty()).map(|p| (&self.translated, p)),
            qa: Some(&self.conversation).filter(|c| !c.turns.is_empty()),
            date,
        };
        (crate::session::export::markdown(&self.article, &export), crate::session::export::file_name(&self.article))
    }

    /// What to store for a finished digest.
    pub fn digest_entry(&self, digest: &Digest) -> Option<CacheEntry> {
        let key = self.digest_key(self.model_endpoint()?);
        Some(CacheEntry { key, value: serde_json::to_value(digest).ok()? })
    }

    /// What to store for translated blocks.
    pub fn block_entries(&self, translated: &[TranslatedBlock]) -> Vec<CacheEntry> {
        let Some(endpoint) = self.model_endpoint() else { return Vec::new() };
        let keys: HashMap<String, String> = self.block_keys(endpoint).into_iter().collect();
        translated
            .iter()
            .filter_map(|b| Some(CacheEntry { key: keys.get(&b.id)?.clone(), value: serde_json::to_value(&b.spans).ok()? }))
            .collect()
    }

    // ---- scheduling ----

    /// Starts scheduling the translation of the pending blocks (or `only` these, for a retry).
    pub fn start_translation(&mut self, only: Option<&[String]>) {
        let pending = self.translation_plan(only).pending;
        let chunks = self.chunks(&pending).into_iter().map(|c| c.block_ids).collect();
        let config = ScheduleConfig {
            concurrency: self.settings.concurrency,
            budget_tokens: self.settings.page_budget_tokens,
            ..ScheduleConfig::default()
        };
        let mut scheduler = Scheduler::new(chunks, config);
        scheduler.spent_elsewhere(self.digest_tokens);
        self.scheduler = Some(scheduler);
    }

    /// The next step at `now` (milliseconds).
    pub fn next_step(&mut self, now: u64) -> Step {
        let Some(scheduler) = self.scheduler.as_mut() else { return Step::Finished { failed: Vec::new() } };
        match scheduler.next(now) {
            Action::Start { job, block_ids } => match self.model_endpoint() {
                Some(endpoint) => {
                    let prompt = translate::prompt_with(&self.blocks(&block_ids), &self.settings.translate_lang, self.glossary());
                    let call = chat_call(endpoint, &prompt, &self.settings);
                    self.job_inputs.insert(job, call.prompt_tokens);
                    Step::Start { job, block_ids, call }
                }
                None => Step::Stopped { error: GlossError::MissingKey.info(), failed: block_ids },
            },
            Action::Wait { ms } => Step::Wait { ms },
            Action::Idle => Step::Idle,
            Action::Finished { failed } => Step::Finished { failed },
            Action::Stopped { error, failed } => Step::Stopped { error, failed },
        }
    }

    /// The digest took `tokens` (every call of it): they count against the page's budget too.
    pub fn count_digest_tokens(&mut self, tokens: u64) {
        let more = tokens.saturating_sub(self.digest_tokens);
        self.digest_tokens = tokens;
        if let Some(s) = self.scheduler.as_mut() {
            s.spent_elsewhere(more);
        }
    }

    /// Whether the page's budget (digest and translation together) is spent.
    pub fn budget_spent(&self) -> bool {
        let budget = self.settings.page_budget_tokens;
        let translation = self.progress().map_or(0, |p| p.spend.input_tokens + p.spend.output_tokens);
        budget > 0 && self.digest_tokens + self.qa_tokens + translation >= budget
    }

    /// How the translation ended, if it has (nothing is started by asking).
    pub fn translation_settled(&self) -> Option<Step> {
        match self.scheduler.as_ref()?.settled()? {
            Action::Finished { failed } => Some(Step::Finished { failed }),
            Action::Stopped { error, failed } => Some(Step::Stopped { error, failed }),
            _ => None,
        }
    }

    /// How a started chunk ended.
    pub fn report(&mut self, job: usize, end: &ChunkEnd, now: u64) {
        let input = self.job_inputs.remove(&job).unwrap_or(0);
        let output: usize = end.outcome.translated.iter().map(|b| estimate_tokens(&crate::text::spans_text(&b.spans))).sum();
        // A call that failed before its stream began cost nothing.
        if end.usage != Usage::default() || !end.outcome.translated.is_empty() {
            self.spend.add((end.usage.input_tokens, end.usage.output_tokens), (input, output as u64));
        }
        if let Some(s) = self.scheduler.as_mut() {
            s.report(job, end, now);
        }
    }

    pub fn progress(&self) -> Option<TranslationProgress> {
        let model = self.model_endpoint().map_or("", |e| e.model.as_str());
        self.scheduler.as_ref().map(|s| TranslationProgress { counts: s.progress(), spend: self.spend.priced(&self.table, model) })
    }

    pub fn cancel(&mut self) {
        if let Some(s) = self.scheduler.as_mut() {
            s.cancel();
        }
    }
}

/// A call with the timeouts of `settings`; `prompt_tokens` is the estimate of its prompt.
pub fn call_with(endpoint: &Endpoint, request: HttpRequest, settings: &Settings, prompt_tokens: u64) -> Call {
    Call {
        wire: endpoint.preset.wire,
        is_local: endpoint.is_local(),
        request,
        first_byte_timeout_ms: settings.first_byte_timeout_ms,
        stall_timeout_ms: settings.stall_timeout_ms,
        prompt_tokens,
    }
}

/// The streaming chat call for `prompt`.
fn chat_call(endpoint: &Endpoint, prompt: &crate::llm::prompt::Prompt, settings: &Settings) -> Call {
    let tokens = estimate_tokens(&prompt.system) + estimate_tokens(&prompt.user);
    call_with(endpoint, endpoint.chat_request(prompt), settings, tokens as u64)
}

/// `scheme://host:port` of a page's URL, lowercased: what cache keys are scoped by, so one site
/// can neither fill nor probe another's cache. Empty when the URL has no such part.
pub fn origin(url: Option<&str>) -> String {
    let Some((scheme, rest)) = url.and_then(|u| u.split_once("://")) else { return String::new() };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or(authority);
    format!("{}://{}", scheme.to_ascii_lowercase(), host.to_ascii_lowercase())
}

fn same_language(a: &str, b: &str) -> bool {
    let primary = |s: &str| s.split(['-', '_']).next().unwrap_or(s).to_ascii_lowercase();
    primary(a) == primary(b) && primary(a) != "und"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::article::tests_support::sample_article;

    fn settings(provider: &str) -> Settings {
        Settings {
            provider: provider.into(),
            api_key: "test-key".into(),
            base_url: "http://localhost:9/v1".into(),
            digest_lang: "ja".into(),
            translate_lang: "ja".into(),
            ..Settings::default()
        }
    }

    #[test]
    fn code_blocks_are_shown_as_they_are_and_never_sent() {
        let html = "<html lang=en><body><article><h1>Ohm's law</h1><p>The law relates voltage, current and resistance in a circuit.</p>\
            <pre><code>voltage = current * resistance</code></pre><p>It holds for many materials at a fixed temperature.</p></article></body></html>";
        let mut article = sample_article();
        article.blocks = crate::article::blocks::from_html(html);
        let code = article.blocks.iter().find(|b| b.kind == crate::article::BlockKind::Code).cloned().unwrap_or_else(|| panic!("no code block"));
        let mut session = Session::new(article, settings("openai"));
        let plan = session.translation_plan(None);
        assert_eq!(plan.cached, [TranslatedBlock { id: code.id.clone(), spans: code.spans.clone() }]);
        assert!(!plan.pending.contains(&code.id));
        session.start_translation(None);
        let mut bodies = Vec::new();
        while let Step::Start { job, block_ids, call } = session.next_step(0) {
            bodies.push(call.request.body.unwrap_or_default());
            let blocks = block_ids.iter().map(|id| TranslatedBlock { id: id.clone(), spans: vec![] }).collect();
            session.report(job, &ChunkEnd { outcome: crate::translate::ChunkOutcome { translated: blocks, ..Default::default() }, usage: Usage::default(), error: None }, 0);
        }
        assert!(!bodies.is_empty());
        assert!(bodies.iter().all(|b| !b.contains("voltage =")), "{bodies:?}");
    }

    #[test]
    fn no_key_with_the_prompt_api_digests_in_glosss_format_then_falls_back_to_the_summarizer() {
        let settings = Settings { digest_lang: "en".into(), ..Settings::default() };
        let apis = OnDeviceApis { summarizer: true, translator: false, language_detector: false, language_model: true };
        let mut session = Session::new(sample_article(), settings.clone());
        session.set_on_device(apis);
        let DigestPlan::OnDevice { provenance, step: on_device::DigestStep::Prompt { call } } = session.plan().digest else { panic!("expected the Prompt API") };
        assert_eq!((provenance.provider.as_str(), provenance.model.as_str()), ("chrome", "Prompt API"));
        assert!(call.user.contains("[b2] A first paragraph"));
        let answer = r#"{"keyPoints":[{"text":"One","id":"b2"}],"summary":"All.","details":[{"label":"Why","text":"So.","id":"b2"}]}"#;
        let Ok(on_device::DigestStep::Done { digest, spend }) = session.on_device_digest(&[answer.into()]) else { panic!("expected the digest") };
        assert_eq!((digest.key_point_sources, digest.details[0].source.as_deref()), (vec![Some("b2".to_string())], Some("b2")));
        assert!(spend.estimated && spend.input_tokens > 0 && spend.cost_usd.is_none());
        assert!(session.export("2026-12-01").0.contains("_chrome · en · Prompt API_"));

        // An answer that is not the JSON asked for: the Summarizer takes over, labelled so.
        let mut garbled = Session::new(sample_article(), settings.clone());
        garbled.set_on_device(apis);
        assert!(matches!(garbled.on_device_digest(&["Sure! Here is a digest.".into()]), Ok(on_device::DigestStep::Summarize { .. })));
        assert_eq!(garbled.on_device_provenance().model, "Summarizer API");
        // No model ready: the Summarizer; without one, the extractive digest.
        let mut unready = Session::new(sample_article(), settings.clone());
        unready.set_on_device(apis);
        assert!(unready.digests_on_device_with_prompt());
        assert!(matches!(unready.prompt_api_unavailable(), Some((p, on_device::DigestStep::Summarize { .. })) if p.model == "Summarizer API"));
        let replanned = unready.plan().digest;
        assert!(matches!(replanned, DigestPlan::OnDevice { ref provenance, step: on_device::DigestStep::Summarize { .. } } if provenance.model == "Summarizer API"), "a retry starts with the Summarizer: {replanned:?}");
        let mut alone = Session::new(sample_article(), settings);
        alone.set_on_device(OnDeviceApis { summarizer: false, ..apis });
        assert!(alone.prompt_api_unavailable().is_none());
        assert_eq!(alone.on_device_fallback().map(|f| f.0), Ok(Provenance::builtin("en")));
    }

    #[test]
    fn no_key_with_the_browsers_built_in_ai_plans_it_and_keeps_the_fallbacks() {
        let settings = Settings { digest_lang: "en".into(), translate_lang: "fr".into(), ..Settings::default() };
        let mut session = Session::new(sample_article(), settings);
        session.set_on_device(OnDeviceApis { summarizer: true, translator: true, language_detector: false, language_model: false });
        let plan = session.plan();
        match &plan.digest {
            DigestPlan::OnDevice { provenance, step: on_device::DigestStep::Summarize { calls, .. } } => {
                assert_eq!(provenance.model, "Summarizer API");
                assert_eq!(calls.len(), 3);
            }
            other => panic!("expected on-device, got {other:?}"),
        }
        assert!(matches!(plan.translation.on_device, Some(on_device::TranslationStep::Translate { .. })));
        assert_eq!(plan.translation.unavailable.map(|u| u.code), Some("missing_key".to_string()), "said if its model is not ready");
        assert_eq!(session.on_device_fallback().map(|f| f.0), Ok(Provenance::builtin("en")));

        let done = session.on_device_digest(&["* A first paragraph with bold words and a link.".into(), "Short.".into(), "* x".into()]);
        assert!(matches!(done, Ok(on_device::DigestStep::Done { .. })));
        let shown = session.on_device_translated(&[on_device::BlockText { id: "b2".into(), text: "Un premier paragraphe.".into() }]);
        assert_eq!(shown.as_ref().map(|s| s.0.len()), Ok(1));
        assert!(shown.is_ok_and(|s| s.1.estimated && s.1.input_tokens > 0 && s.1.cost_usd.is_none()));
        let markdown = session.export("2026-11-26").0;
        assert!(markdown.contains("_chrome · en · Summarizer API_"), "{markdown}");
        assert!(markdown.contains("_en → chrome · fr · Translator API_") && markdown.contains("Un premier paragraphe."), "{markdown}");
        assert!(markdown.contains("\n- x\n"), "a detail without a label is a plain bullet: {markdown}");
        // With a model configured, the browser's APIs are not used.
        let mut with_key = Session::new(sample_article(), Settings { provider: "openai".into(), api_keys: [("openai".to_string(), "k".to_string())].into(), ..Settings::default() });
        with_key.set_on_device(OnDeviceApis { summarizer: true, translator: true, language_detector: true, language_model: false });
        assert!(matches!(with_key.plan().digest, DigestPlan::Model { .. }));
        assert!(with_key.plan().translation.on_device.is_none());
        assert!(with_key.on_device_digest(&[]).is_err(), "a late on-device answer is refused");
        assert!(with_key.on_device_translated(&[]).is_err());
    }

    #[test]
    fn no_key_plans_the_offline_digest_and_no_translation() {
        let plan = Session::new(sample_article(), Settings::default()).plan();
        match plan.digest {
            DigestPlan::Offline { provenance, .. } => assert_eq!(provenance, Provenance::builtin("en")),
            other => panic!("expected offline, got {other:?}"),
        }
        assert!(plan.translation.pending.is_empty());
        assert_eq!(plan.translation.unavailable.map(|u| u.code), Some("missing_key".to_string()));
    }

    #[test]
    fn a_configured_provider_gets_requests_for_both_sections() {
        let plan = Session::new(sample_article(), settings("openai")).plan();
        match &plan.digest {
            DigestPlan::Model { provenance, call } => {
                assert_eq!(provenance.provider, "openai");
                assert_eq!(call.request.url, "http://localhost:9/v1/chat/completions");
                assert!(call.is_local);
            }
            other => panic!("expected model, got {other:?}"),
        }
        let all: Vec<String> = sample_article().blocks.iter().map(|b| b.id.clone()).collect();
        assert_eq!(plan.translation.pending, all);
        assert!(plan.translation.estimate.is_some_and(|e| e.input_tokens > 0 && e.cost_usd.is_some()));
        assert!(!plan.translation.needs_confirmation, "a short article starts at once");
        assert_eq!(plan.translation.provenance.map(|p| p.lang), Some("ja".to_string()));
    }

    #[test]
    fn same_language_is_not_translated_but_a_retry_is() {
        let s = Settings { translate_lang: "en-US".into(), ..settings("openai") };
        let session = Session::new(sample_article(), s);
        let plan = session.translation_plan(None);
        assert!(plan.pending.is_empty());
        assert_eq!(plan.unavailable.map(|u| u.code), Some("same_language".to_string()));
        let retry = session.translation_plan(Some(&["b2".to_string()]));
        assert_eq!(retry.pending, ["b2"]);
    }

    #[test]
    fn export_holds_what_the_panel_showed() {
        let mut session = Session::new(sample_article(), settings("openai"));
        session.record_digest(crate::digest::parse("## Key points\n- Point\n"));
        session.record_translated(&[TranslatedBlock { id: "b2".into(), spans: vec![Span::plain("Traduit.")] }]);
        let (md, name) = session.export("2026-11-26");
        assert_eq!(name, "sample.gloss.md");
        assert!(md.contains("- Point"));
        assert!(md.contains("_openai · ja · gpt-4o-mini_"));
        assert!(md.contains("\nTraduit.\n"));
        let offline = Session::new(sample_article(), Settings::default()).export("2026-11-26").0;
        assert!(offline.contains("_built-in · en · extractive_"));
        assert!(!offline.contains("## Full Translation"), "nothing was translated");
    }

    #[test]
    fn articles_longer_than_the_context_are_digested_in_parts() {
        let mut article = sample_article();
        let block = article.blocks[1].clone();
        article.blocks = (0..3_000).map(|i| Block { id: format!("b{}", i + 1), ..block.clone() }).collect();
        let s = Settings { provider: "ollama".into(), schema_version: 2, model: "llama3.2".into(), ..Settings::default() };
        let session = Session::new(article, s);
        let DigestPlan::Parts { calls, .. } = session.plan().digest else { panic!("expected parts") };
        assert!(calls.len() > 5, "{} parts", calls.len());
        for c in &calls {
            let body = c.request.body.as_deref().unwrap_or("");
            assert!(crate::text::tokens::estimate_tokens(body) < crate::models::context_tokens("llama3.2"), "each part fits the context");
        }
        let smaller = session.digest_part_calls(Some(1_000));
        assert!(smaller.len() > calls.len());
        let combine = session.combine_call(&["## Key points\n- a".into()]);
        assert!(combine.is_some_and(|c| c.request.body.is_some_and(|b| b.contains("Digest of part 1"))));
    }

    #[test]
    fn the_readers_context_size_decides_the_parts() {
        let mut article = sample_article();
        let block = article.blocks[1].clone();
        article.blocks = (0..300).map(|i| Block { id: format!("b{}", i + 1), ..block.clone() }).collect();
        let tokens = digest::article_tokens(&article);
        assert!(tokens > 5_000 && tokens < 100_000, "{tokens} tokens: more than a small window, less than gpt-4o-mini's");
        let whole = Session::new(article.clone(), settings("openai")).plan().digest;
        assert!(matches!(whole, DigestPlan::Model { .. }), "128k tokens of context: one request");
        let row = crate::models::ModelOverride { model: "gpt-4o-mini".into(), context_tokens: Some(8_000), ..Default::default() };
        let small = Settings { model_overrides: vec![row], ..settings("openai") };
        let session = Session::new(article, small);
        let DigestPlan::Parts { calls, .. } = session.plan().digest else { panic!("expected parts") };
        assert!(calls.len() >= 2, "{} parts", calls.len());
        assert!(calls.iter().all(|c| estimate_tokens(c.request.body.as_deref().unwrap_or("")) < 8_000), "each part fits the reader's window");
    }

    #[test]
    fn the_readers_price_is_in_the_estimate_and_the_digest_spend() {
        let plain = Session::new(sample_article(), settings("openai")).plan().translation.estimate;
        let row = crate::models::ModelOverride { model: "gpt-4o-mini".into(), input_per_mtok: Some(1_000.0), output_per_mtok: Some(1_000.0), ..Default::default() };
        let session = Session::new(sample_article(), Settings { model_overrides: vec![row], ..settings("openai") });
        let priced = session.plan().translation.estimate;
        let tokens = priced.map(|e| e.input_tokens + e.output_tokens).unwrap_or(0);
        assert!(tokens > 0);
        assert_eq!(priced.and_then(|e| e.cost_usd), Some(tokens as f64 / 1_000.0));
        assert_ne!(plain.and_then(|e| e.cost_usd), priced.and_then(|e| e.cost_usd));
        let DigestPlan::Model { call, .. } = session.plan().digest else { panic!("expected one request") };
        let mut reader = session.digest_reader(&call).unwrap_or_else(|| panic!("no reader"));
        let _ = reader.push(openai_stream("## Key points\n- One\n", 2_000, 500).as_bytes());
        let spend = reader.finish().ok().and_then(|u| u.spend);
        assert_eq!(spend.and_then(|s| s.cost_usd), Some(2.5));
    }

    fn openai_stream(text: &str, input: u64, output: u64) -> String {
        let delta = serde_json::json!({"choices":[{"index":0,"delta":{"content":text}}]});
        let usage = serde_json::json!({"choices":[],"usage":{"prompt_tokens":input,"completion_tokens":output}});
        format!("data: {delta}\n\ndata: {usage}\n\ndata: [DONE]\n\n")
    }

    #[test]
    fn the_estimate_counts_the_glossary_terms_sent() {
        let plain = Session::new(sample_article(), settings("openai")).plan().translation.estimate;
        let mut session = Session::new(sample_article(), settings("openai"));
        let term = |t: &str| crate::glossary::Term { term: t.into(), rendering: "rendu".into() };
        let languages = [("ja".to_string(), vec![term("paragraph"), term("nowhere in the article")])].into();
        session.set_glossaries(Glossaries { schema_version: 1, languages });
        let with = session.plan().translation.estimate;
        let input = |e: Option<Estimate>| e.map_or(0, |e| e.input_tokens);
        assert!(input(with) > input(plain), "{with:?} {plain:?}");
        session.start_translation(None);
        let Step::Start { call, .. } = session.next_step(0) else { panic!("no start") };
        let body = call.request.body.unwrap_or_default();
        assert!(body.contains(r#"\"paragraph\" → \"rendu\""#) && !body.contains("nowhere"), "{body}");
    }

    #[test]
    fn long_articles_wait_for_a_go_ahead() {
        let mut article = sample_article();
        article.word_count = 5_000;
        let plan = Session::new(article, settings("openai")).translation_plan(None);
        assert!(plan.needs_confirmation);
    }

    #[test]
    fn cached_results_are_used_instead_of_requests() {
        let mut session = Session::new(sample_article(), settings("openai"));
        let keys = session.cache_keys();
        assert!(keys.digest.is_some());
        let digest = crate::digest::parse("## Key points\n- cached\n");
        let (first_id, first_key) = keys.blocks[0].clone();
        let hits = CacheHits { digest: Some(digest.clone()), blocks: HashMap::from([(first_key, vec![Span::plain("déjà")])]), qa: None };
        session.apply_cache(hits);
        let plan = session.plan();
        assert_eq!(plan.digest, DigestPlan::Cached { provenance: Provenance { provider: "openai".into(), lang: "ja".into(), model: "gpt-4o-mini".into(), style: None }, digest });
        assert_eq!(plan.translation.cached.len(), 1);
        assert_eq!(plan.translation.cached[0].id, first_id);
        assert!(!plan.translation.pending.contains(&first_id));
        assert_eq!(plan.translation.pending.len(), session.article.blocks.len() - 1);
    }

    #[test]
    fn cache_keys_change_with_model_language_and_text() {
        let base = Session::new(sample_article(), settings("openai")).cache_keys();
        let other_model = Session::new(sample_article(), Settings { model: "gpt-4o".into(), ..settings("openai") }).cache_keys();
        let other_lang = Session::new(sample_article(), Settings { translate_lang: "fr".into(), ..settings("openai") }).cache_keys();
        assert_ne!(base.blocks[0].1, other_model.blocks[0].1);
        assert_ne!(base.blocks[0].1, other_lang.blocks[0].1);
        assert_eq!(base.digest, other_lang.digest, "the digest does not depend on the translation language");
        assert_ne!(base.blocks[0].1, base.blocks[1].1);
        let session = Session::new(sample_article(), settings("openai"));
        let entries = session.block_entries(&[TranslatedBlock { id: "b1".into(), spans: vec![Span::plain("x")] }]);
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].key, base.blocks[0].1);
        assert!(Session::new(sample_article(), Settings::default()).cache_keys().digest.is_none());
    }

    #[test]
    fn the_digest_style_is_in_the_cache_key_the_request_and_the_label() {
        let styled = |style: &str, instructions: &str| {
            let s = Settings { digest_style: style.into(), digest_instructions: instructions.into(), ..settings("openai") };
            Session::new(sample_article(), s)
        };
        let sessions = [styled("standard", ""), styled("brief", ""), styled("detailed", ""), styled("newcomer", ""), styled("decision", ""), styled("custom", "Only verbs."), styled("custom", "Only nouns.")];
        let keys: std::collections::BTreeSet<Option<String>> = sessions.iter().map(|s| s.cache_keys().digest).collect();
        assert_eq!(keys.len(), sessions.len(), "each style and each set of instructions has its own digest");
        assert_eq!(styled("brief", "").cache_keys(), styled("brief", "").cache_keys(), "the same style finds the same digest");
        assert_eq!(styled("brief", "").cache_keys().blocks, styled("detailed", "").cache_keys().blocks, "translations do not depend on the style");
        assert_eq!(styled("brief", "Only verbs.").cache_keys(), styled("brief", "").cache_keys(), "instructions count only for the custom style");
        let DigestPlan::Model { provenance, call } = styled("newcomer", "").plan().digest else { panic!("expected one request") };
        assert_eq!(provenance.style.as_deref(), Some("newcomer"));
        assert!(call.request.body.as_deref().is_some_and(|b| b.contains("new to the subject")));
        let offline = Session::new(sample_article(), Settings { digest_style: "brief".into(), ..Settings::default() }).plan().digest;
        assert!(matches!(offline, DigestPlan::Offline { ref provenance, .. } if provenance.style.is_none()), "the extractive digest has no style");
    }

    #[test]
    fn scheduled_steps_carry_requests_for_their_blocks() {
        let mut session = Session::new(sample_article(), settings("anthropic"));
        session.start_translation(None);
        let Step::Start { job, block_ids, call } = session.next_step(0) else { panic!("no start") };
        assert_eq!(block_ids[0], "b1");
        assert!(call.request.body.as_deref().is_some_and(|b| b.contains("[[1]] Heading one")));
        let mut reader = session.translation_reader(call.wire, &block_ids);
        let answer: String = (1..=block_ids.len()).map(|n| format!("[[{n}]] T{n} traduit ici\n")).collect();
        assert!(reader.push(anthropic_stream(&[&answer], true).as_bytes()).is_ok());
        let end = reader.finish(None);
        session.report(job, &end, 1);
        loop {
            match session.next_step(1) {
                Step::Start { job, block_ids, .. } => {
                    let blocks = block_ids.iter().map(|id| TranslatedBlock { id: id.clone(), spans: vec![] }).collect();
                    session.report(job, &ChunkEnd { outcome: crate::translate::ChunkOutcome { translated: blocks, ..Default::default() }, usage: Usage::default(), error: None }, 2);
                }
                Step::Finished { failed } => {
                    assert!(failed.is_empty());
                    break;
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(session.progress().map(|p| (p.counts.done, p.counts.total)), Some((session.article.blocks.len(), session.article.blocks.len())));
        let spend = session.progress().map(|p| p.spend).unwrap_or_default();
        assert!(spend.input_tokens >= 21, "the streamed chunk's reported usage is counted");
    }

    fn anthropic_stream(text_pieces: &[&str], end: bool) -> String {
        let mut s = String::from("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":21,\"output_tokens\":1}}}\n\n");
        for piece in text_pieces {
            let data = serde_json::json!({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":piece}});
            s.push_str(&format!("event: content_block_delta\ndata: {data}\n\n"));
        }
        if end {
            s.push_str("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":9}}\n\n");
            s.push_str("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
        }
        s
    }

    #[test]
    fn digest_reader_streams_and_reports_usage() {
        let mut reader = DigestReader::new(Wire::Anthropic, &ModelTable::default(), "claude-haiku-4-5", 100);
        let stream = anthropic_stream(&["## Key points\n- One\n", "- Two\n## Summary\nAll of it."], true);
        let (a, b) = stream.split_at(stream.len() / 2);
        let first = reader.push(a.as_bytes());
        assert!(first.is_ok());
        assert!(reader.push(b.as_bytes()).is_ok());
        let end = reader.finish();
        let end = end.as_ref().ok();
        assert_eq!(end.map(|u| u.digest.key_points.len()), Some(2));
        assert_eq!(end.map(|u| u.usage), Some(Usage { input_tokens: Some(21), output_tokens: Some(9) }));
        let spend = end.and_then(|u| u.spend);
        assert_eq!(spend.map(|s| (s.input_tokens, s.output_tokens, s.estimated)), Some((21, 9, false)));
        assert!(spend.is_some_and(|s| s.cost_usd.is_some()));
    }

    #[test]
    fn digest_cut_mid_way_keeps_the_partial_text() {
        let mut reader = DigestReader::new(Wire::Anthropic, &ModelTable::default(), "claude-haiku-4-5", 100);
        let pushed = reader.push(anthropic_stream(&["## Key points\n- One\n- Tw"], false).as_bytes());
        assert!(matches!(pushed, Ok(Some(_))));
        assert_eq!(reader.finish().err(), Some(GlossError::StreamCut));
        assert_eq!(reader.partial().digest.key_points.len(), 2);
    }

    #[test]
    fn translation_reader_settles_every_block() {
        let session = Session::new(sample_article(), settings("anthropic"));
        let ids: Vec<String> = session.article.blocks.iter().map(|b| b.id.clone()).collect();
        let mut reader = session.translation_reader(Wire::Anthropic, &ids);
        let answer: String = (1..=ids.len()).map(|n| format!("[[{n}]] T{n}\n")).collect();
        let update = reader.push(anthropic_stream(&[&answer], true).as_bytes());
        assert_eq!(update.map(|u| u.completed.len()).ok(), Some(ids.len() - 1));
        let end = reader.finish(None);
        assert_eq!(end.error, None);
        assert_eq!(end.outcome.translated.len(), ids.len());
    }

    #[test]
    fn translation_cut_keeps_finished_blocks_and_says_so() {
        let session = Session::new(sample_article(), settings("anthropic"));
        let ids: Vec<String> = session.article.blocks.iter().map(|b| b.id.clone()).collect();
        let mut reader = session.translation_reader(Wire::Anthropic, &ids);
        assert!(reader.push(anthropic_stream(&["[[1]] T1\n[[2]] T"], false).as_bytes()).is_ok());
        let end = reader.finish(None);
        assert_eq!(end.error.map(|e| e.code), Some("stream_cut".to_string()));
        assert_eq!(end.outcome.translated.len(), 1);
        assert_eq!(end.outcome.failed.len(), ids.len() - 1);
    }

    #[test]
    fn each_calls_reader_counts_that_calls_own_prompt() {
        let mut article = sample_article();
        let block = article.blocks[1].clone();
        article.blocks = (0..3_000).map(|i| Block { id: format!("b{}", i + 1), ..block.clone() }).collect();
        let s = Settings { provider: "ollama".into(), schema_version: 2, model: "llama3.2".into(), ..Settings::default() };
        let session = Session::new(article, s);
        let calls = session.digest_part_calls(None);
        let whole = digest::prompt(&session.article, "en", &session.settings().style());
        let whole_tokens = (estimate_tokens(&whole.system) + estimate_tokens(&whole.user)) as u64;
        assert!(calls[0].prompt_tokens > 0 && calls[0].prompt_tokens * 2 < whole_tokens);
        let mut reader = session.digest_reader(&calls[0]).unwrap_or_else(|| panic!("no reader"));
        let ndjson = "{\"message\":{\"role\":\"assistant\",\"content\":\"## Key points\\n- x\\n\"},\"done\":true}\n";
        let _ = reader.push(ndjson.as_bytes());
        let spend = reader.finish().ok().and_then(|u| u.spend);
        assert_eq!(spend.map(|s| s.input_tokens), Some(calls[0].prompt_tokens), "the part's prompt, not the article's");
    }
}
