//! Ask the article, for one panel: one question at a time, sent as a request of its own (the
//! article as delimited data, the earlier turns that fit the model's context), its answer shown
//! as it streams, then kept in the conversation, cached with the page and in its export. A
//! failure that may pass is retried like the digest's; the reader may retry the rest.

use crate::error::GlossError;
use crate::qa::{self, Conversation, Turn};

use super::cache;
use super::ctx::Ctx;
use super::effect::{Effect, Frame, Section};
use super::readers::AnswerReader;
use super::requests::{retry_in, News, Purpose, Reader, Req};
use super::{chat_call, CacheEntry, Call, Session};

/// The question being answered.
struct Asking {
    turn: usize,
    question: String,
    started_at: u64,
}

#[derive(Default)]
pub struct QaFlow {
    asking: Option<Asking>,
    /// The last question that failed, for the reader's Retry.
    failed: Option<String>,
}

impl QaFlow {
    /// Shows the conversation the cache held for this page, if any.
    pub fn begin(&self, session: &Session, cx: &mut Ctx) {
        let turns = &session.conversation.turns;
        if !turns.is_empty() {
            cx.post(Frame::Conversation { section: Section::Qa, turns: turns.clone(), cached: true });
        }
    }

    /// The reader asked `question` (or Retry asked the last failed one again: `None`).
    pub fn ask(&mut self, session: &mut Session, question: Option<&str>, cx: &mut Ctx) {
        if self.asking.is_some() {
            // The box waits for the answer; a second question meanwhile is not the reader's.
            cx.out.push(Effect::Warn { message: "a question while another is answered was refused".into() });
            return;
        }
        let Some(text) = question.map(str::to_string).or_else(|| self.failed.take()) else { return };
        if text.trim().is_empty() {
            // Enter in an empty box: nothing to ask, nothing to say.
            return;
        }
        let question = match qa::question(&text) {
            Ok(q) => q,
            Err(e) => return cx.post(Frame::error(Section::Qa, e.info())),
        };
        if session.budget_spent() {
            return cx.post(Frame::error(Section::Qa, GlossError::BudgetReached(session.settings().page_budget_tokens).info()));
        }
        let (call, dropped) = match session.qa_call(&question) {
            Ok(asked) => asked,
            Err(e) => return cx.post(Frame::error(Section::Qa, e.info())),
        };
        let Some(reader) = session.answer_reader(&call) else { return };
        let turn = session.conversation.turns.len();
        cx.pool.add(cx.owner, Purpose::Answer { turn }, call, Reader::Answer(Box::new(reader)));
        cx.post(Frame::Asked { section: Section::Qa, turn, question: question.clone(), dropped });
        self.asking = Some(Asking { turn, question, started_at: cx.now });
    }

    /// Bytes of an answer: shown as they come.
    pub fn bytes(req: &mut Req, bytes: &[u8], cx: &mut Ctx) -> Result<(), GlossError> {
        let (Reader::Answer(reader), Purpose::Answer { turn }) = (&mut req.reader, &req.purpose) else { return Ok(()) };
        if let Some(answer) = reader.push(bytes)? {
            cx.post(Frame::answer_delta(*turn, answer));
        }
        Ok(())
    }

    /// The answer's request is over.
    pub fn settle(&mut self, session: &mut Session, news: News, cx: &mut Ctx) {
        let (mut req, error, mid_stream) = match news {
            News::Ended { req } => (req, None, false),
            News::Failed { req, error, mid_stream } => (req, Some(error), mid_stream),
            _ => return,
        };
        let (error, mid_stream) = match error {
            Some(e) => (e, mid_stream),
            None => {
                let Reader::Answer(reader) = &mut req.reader else { return };
                match reader.finish() {
                    Ok((answer, spend)) => return self.answered(session, answer, spend, cx),
                    // The body ended short of its end: what came stays, with the error.
                    Err(e) => (e, true),
                }
            }
        };
        if !mid_stream {
            if let Some(ms) = retry_in(&error, req.attempts) {
                cx.pool.retry_later(*req, ms, cx.now, cx.out);
                return;
            }
        }
        let Reader::Answer(reader) = &req.reader else { return };
        if mid_stream {
            let spend = reader.spend();
            session.count_qa_tokens(spend.input_tokens + spend.output_tokens);
        }
        let partial = reader.partial();
        let Some(asking) = self.asking.take() else { return };
        if !partial.is_empty() {
            cx.post(Frame::answer_delta(asking.turn, partial));
        }
        self.failed = Some(asking.question);
        cx.post(Frame::error(Section::Qa, error.info()));
    }

    fn answered(&mut self, session: &mut Session, answer: qa::Answer, spend: crate::models::pricing::Spend, cx: &mut Ctx) {
        let Some(asking) = self.asking.take() else { return };
        session.count_qa_tokens(spend.input_tokens + spend.output_tokens);
        let elapsed_ms = Some(cx.now.saturating_sub(asking.started_at));
        cx.post(Frame::Answered { section: Section::Qa, turn: asking.turn, answer: answer.clone(), spend: Some(spend), elapsed_ms });
        session.record_turn(Turn { question: asking.question, answer });
        if let Some(entry) = session.qa_entry() {
            cx.store.put(vec![entry], cx.now, cx.pool, cx.out);
        }
    }
}

impl Session {
    /// The questions asked on this page (from the cache, then this panel's).
    pub fn conversation(&self) -> &Conversation {
        &self.conversation
    }

    /// The request for `question`, and how many earlier turns it leaves out for the model's context.
    pub fn qa_call(&self, question: &str) -> Result<(Call, usize), GlossError> {
        let endpoint = match &self.endpoint {
            Ok(Some(e)) => e,
            Ok(None) => return Err(GlossError::MissingKey),
            Err(e) => return Err(e.clone()),
        };
        let window = self.table.context_tokens(&endpoint.model);
        let asked = qa::prompt(&self.article, &self.conversation.turns, question, window)?;
        Ok((chat_call(endpoint, &asked.prompt, &self.settings), asked.dropped))
    }

    /// A reader for the answer to `call`.
    pub fn answer_reader(&self, call: &Call) -> Option<AnswerReader> {
        let e = self.model_endpoint()?;
        Some(AnswerReader::new(e.preset.wire, &self.table, &e.model, call.prompt_tokens, crate::digest::ArticleRefs::of(&self.article), &e.api_key))
    }

    /// Why no question can be asked on this page, if none can.
    pub fn qa_unavailable(&self) -> Option<crate::error::ErrorInfo> {
        match &self.endpoint {
            Ok(Some(_)) => None,
            Ok(None) => Some(GlossError::MissingKey.info()),
            Err(e) => Some(e.info()),
        }
    }

    /// Keeps a finished turn; the oldest go past `qa::MAX_TURNS`.
    pub fn record_turn(&mut self, turn: Turn) {
        let turns = &mut self.conversation.turns;
        turns.push(turn);
        let extra = turns.len().saturating_sub(qa::MAX_TURNS);
        turns.drain(..extra);
    }

    /// Tokens a question took: they count against the page's budget too.
    pub fn count_qa_tokens(&mut self, tokens: u64) {
        self.qa_tokens += tokens;
        if let Some(s) = self.scheduler.as_mut() {
            s.spent_elsewhere(tokens);
        }
    }

    /// Where the conversation about this article, with this model, is cached.
    pub(super) fn qa_key(&self, endpoint: &crate::llm::endpoint::Endpoint) -> String {
        let text: Vec<&str> = self.article.blocks.iter().map(|b| b.text.as_str()).collect();
        let version = qa::PROMPT_VERSION.to_string();
        cache::key("qa", &[&version, &self.origin(), endpoint.preset.id, &endpoint.base_url, &endpoint.model, &cache::normalise(&text.join("\n"))])
    }

    /// What to store for the conversation so far.
    pub fn qa_entry(&self) -> Option<CacheEntry> {
        let key = self.qa_key(self.model_endpoint()?);
        Some(CacheEntry { key, value: serde_json::to_value(&self.conversation).ok()? })
    }
}
