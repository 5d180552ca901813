//! The readers that turn one response's bytes into what the panel shows: a digest so far, or a
//! translation chunk's blocks.

use serde::{Deserialize, Serialize};

use crate::digest::{self, Digest};
use crate::error::{ErrorInfo, GlossError};
use crate::llm::decoder::StreamDecoder;
use crate::llm::event::{StreamEvent, Usage};
use crate::llm::wire::Wire;
use crate::models::pricing::Spend;
use crate::models::ModelTable;
use crate::text::tokens::estimate_tokens;
use crate::translate::{ChunkEnd, TranslatedBlock, TranslationParser};

/// What the panel shows of a digest so far.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DigestUpdate {
    pub digest: Digest,
    pub usage: Usage,
    pub done: bool,
    /// Set once the digest is complete.
    pub spend: Option<Spend>,
}

/// Reads a digest answer stream.
pub struct DigestReader {
    decoder: StreamDecoder,
    text: String,
    usage: Usage,
    table: ModelTable,
    model: String,
    input_estimate: u64,
    /// The article's block ids and links, when known: sources and links naming any other are dropped.
    refs: digest::ArticleRefs,
}

impl DigestReader {
    /// A reader for `model`'s answer to a prompt of about `input_estimate` tokens, priced from `table`.
    pub fn new(wire: Wire, table: &ModelTable, model: &str, input_estimate: u64) -> Self {
        let (text, usage, table, model) = (String::new(), Usage::default(), table.clone(), model.to_string());
        DigestReader { decoder: StreamDecoder::new(wire), text, usage, table, model, input_estimate, refs: digest::ArticleRefs::default() }
    }

    /// The same, redacting the request's key from any error in the answer.
    pub fn redacting(mut self, secret: &str) -> Self {
        self.decoder = self.decoder.with_secret(secret);
        self
    }

    /// The same, keeping only the sources and links that the article has.
    pub fn citing(self, refs: digest::ArticleRefs) -> Self {
        DigestReader { refs, ..self }
    }

    /// Feeds bytes; `None` when they held no new text.
    pub fn push(&mut self, bytes: &[u8]) -> Result<Option<DigestUpdate>, GlossError> {
        let events = self.decoder.push(bytes)?;
        Ok(self.absorb(&events).then(|| self.update(false)))
    }

    pub fn finish(&mut self) -> Result<DigestUpdate, GlossError> {
        let events = self.decoder.finish()?;
        self.absorb(&events);
        Ok(self.update(true))
    }

    /// The answer's text so far (a part's digest, to be merged).
    pub fn answer(&self) -> String {
        self.text.clone()
    }

    /// The digest as far as it got, for keeping after a failure.
    pub fn partial(&self) -> DigestUpdate {
        self.update(false)
    }

    fn absorb(&mut self, events: &[StreamEvent]) -> bool {
        let mut changed = false;
        for event in events {
            self.usage.absorb(event);
            if let StreamEvent::Text { text } = event {
                self.text.push_str(text);
                changed = true;
            }
        }
        changed
    }

    fn update(&self, done: bool) -> DigestUpdate {
        let spend = done.then(|| {
            let mut spend = Spend::default();
            spend.add((self.usage.input_tokens, self.usage.output_tokens), (self.input_estimate, estimate_tokens(&self.text) as u64));
            spend.priced(&self.table, &self.model)
        });
        let digest = digest::read(&self.text, &self.refs, done);
        DigestUpdate { digest, usage: self.usage, done, spend }
    }
}

/// What the panel shows of a translation chunk so far.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChunkUpdate {
    pub completed: Vec<TranslatedBlock>,
    pub partial: Option<TranslatedBlock>,
}

/// Reads a translation chunk's answer stream.
pub struct TranslationReader {
    decoder: StreamDecoder,
    parser: TranslationParser,
    usage: Usage,
}

impl TranslationReader {
    /// A reader for the answer to a chunk of `blocks`.
    pub fn new(wire: Wire, blocks: &[&crate::article::Block], languages_differ: bool, secret: &str) -> Self {
        TranslationReader { decoder: StreamDecoder::new(wire).with_secret(secret), parser: TranslationParser::new(blocks, languages_differ), usage: Usage::default() }
    }

    pub fn push(&mut self, bytes: &[u8]) -> Result<ChunkUpdate, GlossError> {
        let events = self.decoder.push(bytes)?;
        Ok(self.absorb(&events))
    }

    fn absorb(&mut self, events: &[StreamEvent]) -> ChunkUpdate {
        let mut update = ChunkUpdate::default();
        for event in events {
            self.usage.absorb(event);
            if let StreamEvent::Text { text } = event {
                let u = self.parser.push(text);
                update.completed.extend(u.completed);
                update.partial = u.partial;
            }
        }
        update
    }

    /// The stream ended (`error` is set when it failed before its end, as the extension
    /// received it): check alignment and settle every block.
    pub fn finish(&mut self, error: Option<ErrorInfo>) -> ChunkEnd {
        let error = error.or_else(|| match self.decoder.finish() {
            Ok(events) => {
                self.absorb(&events);
                None
            }
            Err(e) => Some(e.info()),
        });
        let outcome = self.parser.finish(error.is_none());
        let error = error.or_else(|| {
            (!outcome.failed.is_empty())
                .then(|| GlossError::Misaligned(format!("{} of the blocks did not come back in place", outcome.failed.len())).info())
        });
        ChunkEnd { outcome, usage: self.usage, error }
    }
}


/// Reads the answer to a question about the article.
pub struct AnswerReader {
    decoder: StreamDecoder,
    text: String,
    usage: Usage,
    table: ModelTable,
    model: String,
    input_estimate: u64,
    refs: digest::ArticleRefs,
}

impl AnswerReader {
    /// A reader for `model`'s answer to a prompt of about `input_estimate` tokens, checking the
    /// ids it cites against `refs`, and redacting `secret` from any error in it.
    pub fn new(wire: Wire, table: &ModelTable, model: &str, input_estimate: u64, refs: digest::ArticleRefs, secret: &str) -> Self {
        let (text, usage, table, model) = (String::new(), Usage::default(), table.clone(), model.to_string());
        AnswerReader { decoder: StreamDecoder::new(wire).with_secret(secret), text, usage, table, model, input_estimate, refs }
    }

    /// Feeds bytes; the answer so far, or `None` when they held no new text.
    pub fn push(&mut self, bytes: &[u8]) -> Result<Option<crate::qa::Answer>, GlossError> {
        let events = self.decoder.push(bytes)?;
        Ok(self.absorb(&events).then(|| crate::qa::read(&self.text, &self.refs)))
    }

    /// The complete answer, and what it took.
    pub fn finish(&mut self) -> Result<(crate::qa::Answer, Spend), GlossError> {
        let events = self.decoder.finish()?;
        self.absorb(&events);
        Ok((crate::qa::read(&self.text, &self.refs), self.spend()))
    }

    /// The answer as far as it got, for keeping after a failure.
    pub fn partial(&self) -> crate::qa::Answer {
        crate::qa::read(&self.text, &self.refs)
    }

    /// What the answer took so far (estimated where the provider said nothing).
    pub fn spend(&self) -> Spend {
        let mut spend = Spend::default();
        spend.add((self.usage.input_tokens, self.usage.output_tokens), (self.input_estimate, estimate_tokens(&self.text) as u64));
        spend.priced(&self.table, &self.model)
    }

    fn absorb(&mut self, events: &[StreamEvent]) -> bool {
        let mut changed = false;
        for event in events {
            self.usage.absorb(event);
            if let StreamEvent::Text { text } = event {
                self.text.push_str(text);
                changed = true;
            }
        }
        changed
    }
}
