//! The Quick Digest of one panel: one request for the whole article, or one per part and a
//! merge, each retried after failures that may pass; a context too small for what was sent
//! sends the article again in smaller parts. Every call's spend is counted.

use crate::digest::Digest;
use crate::error::GlossError;
use crate::llm::endpoint::Provenance;
use crate::models::pricing::Spend;

use super::ctx::Ctx;
use super::effect::{Done, Frame, Parts, Progress, Section, Took};
use super::readers::DigestUpdate;
use super::requests::{retry_in, News, Purpose, Reader, Req};
use super::{Call, DigestPlan, Session};

/// Parts digested at once from a provider in the cloud (a local server takes one at a time).
pub const PARTS_AT_ONCE: usize = 2;
/// Below this many tokens of article per part, smaller parts would not help: the error stands.
pub const MIN_PART_TOKENS: usize = 500;

#[derive(Default)]
pub struct DigestFlow {
    provenance: Option<Provenance>,
    started_at: u64,
    /// What the finished calls took, summed.
    spend: Option<Spend>,
    parts: Option<PartsRun>,
    /// A request of this digest is queued or open.
    pub running: bool,
}

struct PartsRun {
    calls: Vec<Call>,
    /// Parts not yet handed to the pool, from this index.
    next: usize,
    answers: Vec<Option<String>>,
    /// Tokens of article per part.
    budget: usize,
}

impl PartsRun {
    fn done(&self) -> usize {
        self.answers.iter().filter(|a| a.is_some()).count()
    }
}

impl DigestFlow {
    /// Starts (or starts again) the digest the plan says.
    pub fn start(&mut self, session: &Session, plan: &DigestPlan, cx: &mut Ctx) {
        *self = DigestFlow { started_at: cx.now, ..DigestFlow::default() };
        match plan {
            DigestPlan::Model { provenance, call } => {
                self.provenance = Some(provenance.clone());
                self.send(session, Purpose::Digest, call.clone(), cx);
            }
            DigestPlan::Parts { provenance, calls } => {
                self.provenance = Some(provenance.clone());
                self.start_parts(session, calls.clone(), session.digest_budget(), cx);
            }
            DigestPlan::Cached { provenance, digest } => {
                cx.post(Done::digest(digest.clone(), provenance.clone(), Took { cached: true, ..Took::default() }));
            }
            DigestPlan::Offline { provenance, digest, .. } => cx.post(Done::digest(digest.clone(), provenance.clone(), Took::default())),
            DigestPlan::OnDevice { step, .. } => {
                // The content script runs the browser's Summarizer (it exists only in windows).
                cx.post(Frame::OnDevice { section: Section::Digest, step: serde_json::to_value(step).unwrap_or_default() });
            }
        }
    }

    /// When this digest started, for the on-device digest's elapsed time.
    pub fn started_at(&self) -> u64 {
        self.started_at
    }

    fn send(&mut self, session: &Session, purpose: Purpose, call: Call, cx: &mut Ctx) {
        if session.budget_spent() {
            // The page's budget covers the digest and the translation together.
            self.running = false;
            self.parts = None;
            cx.pool.remove_owned_digest(cx.owner, cx.out);
            cx.post(Frame::error(Section::Digest, GlossError::BudgetReached(session.settings().page_budget_tokens).info()));
            return;
        }
        let Some(reader) = session.digest_reader(&call) else { return };
        cx.pool.add(cx.owner, purpose, call, Reader::Digest(Box::new(reader)));
        self.running = true;
    }

    fn start_parts(&mut self, session: &Session, calls: Vec<Call>, budget: usize, cx: &mut Ctx) {
        let total = calls.len();
        self.parts = Some(PartsRun { answers: vec![None; total], calls, next: 0, budget });
        cx.post(Frame::Progress(Progress::Parts { section: Section::Digest, parts: Parts { done: 0, total } }));
        self.feed(session, cx);
    }

    /// Hands the pool the next parts, so that `PARTS_AT_ONCE` are queued or open.
    pub fn feed(&mut self, session: &Session, cx: &mut Ctx) {
        let Some(run) = self.parts.as_mut() else { return };
        let busy = run.next - run.done();
        let room = PARTS_AT_ONCE.saturating_sub(busy);
        let from = run.next;
        let to = (from + room).min(run.calls.len());
        run.next = to;
        let calls: Vec<(usize, Call)> = (from..to).filter_map(|i| run.calls.get(i).map(|c| (i, c.clone()))).collect();
        for (i, call) in calls {
            self.send(session, Purpose::Part(i), call, cx);
        }
    }

    /// Bytes of an answer: the whole digest and the merge are shown as they come.
    pub fn bytes(req: &mut Req, bytes: &[u8], cx: &mut Ctx) -> Result<(), GlossError> {
        let Reader::Digest(reader) = &mut req.reader else { return Ok(()) };
        let update = reader.push(bytes)?;
        if let (Some(update), Purpose::Digest | Purpose::Merge) = (update, &req.purpose) {
            cx.post(Frame::digest_delta(update.digest));
        }
        Ok(())
    }

    /// A request of this digest is over.
    pub fn settle(&mut self, session: &mut Session, news: News, cx: &mut Ctx) {
        match news {
            News::Ended { mut req } => {
                let Reader::Digest(reader) = &mut req.reader else { return };
                let (finished, answer, partial) = (reader.finish(), reader.answer(), reader.partial().digest);
                match finished {
                    Ok(update) => self.answered(session, &req, update, answer, cx),
                    Err(error) => self.failed(session, &req, error, Some(partial), cx),
                }
            }
            News::Failed { mut req, error, mid_stream } => {
                if !mid_stream {
                    if let Some(ms) = retry_in(&error, req.attempts) {
                        cx.pool.retry_later(*req, ms, cx.now, cx.out);
                        return;
                    }
                }
                let partial = match &mut req.reader {
                    Reader::Digest(reader) if mid_stream => Some(reader.partial().digest),
                    _ => None,
                };
                self.failed(session, &req, error, partial, cx);
            }
            _ => {}
        }
    }

    fn add_spend(&mut self, session: &mut Session, spend: Option<Spend>) {
        let Some(more) = spend else { return };
        let sum = self.spend.get_or_insert_with(Spend::default);
        sum.input_tokens += more.input_tokens;
        sum.output_tokens += more.output_tokens;
        sum.estimated |= more.estimated;
        session.count_digest_tokens(sum.input_tokens + sum.output_tokens);
    }

    fn answered(&mut self, session: &mut Session, req: &Req, update: DigestUpdate, answer: String, cx: &mut Ctx) {
        self.add_spend(session, update.spend);
        match req.purpose {
            Purpose::Part(i) => {
                let Some(run) = self.parts.as_mut() else { return };
                if let Some(slot) = run.answers.get_mut(i) {
                    *slot = Some(answer);
                }
                let (done, total) = (run.done(), run.answers.len());
                cx.post(Frame::Progress(Progress::Parts { section: Section::Digest, parts: Parts { done, total } }));
                if done < total {
                    self.feed(session, cx);
                    return;
                }
                let answers: Vec<String> = run.answers.iter().flatten().cloned().collect();
                if let Some(call) = session.combine_call(&answers) {
                    self.send(session, Purpose::Merge, call, cx);
                }
            }
            Purpose::Digest | Purpose::Merge => self.finish(session, update.digest, cx),
            _ => {}
        }
    }

    fn finish(&mut self, session: &mut Session, digest: Digest, cx: &mut Ctx) {
        self.running = false;
        let parts = self.parts.as_ref().map(|r| r.answers.len());
        let took = Took { spend: self.spend.map(|s| session.priced(s)), elapsed_ms: Some(cx.now.saturating_sub(self.started_at)), parts, cached: false };
        let provenance = self.provenance.clone().unwrap_or_else(|| Provenance::builtin(&session.article.lang));
        cx.post(Done::digest(digest.clone(), provenance, took));
        if let Some(entry) = session.digest_entry(&digest) {
            cx.store.put(vec![entry], cx.now, cx.pool, cx.out);
        }
        session.record_digest(digest);
        self.parts = None;
    }

    fn failed(&mut self, session: &mut Session, req: &Req, error: GlossError, partial: Option<Digest>, cx: &mut Ctx) {
        if error.code() == "context_too_long" {
            // The provider's context is smaller than Gloss assumed: parts sized for the window
            // its error names, or else half of what failed.
            let tried = match (&req.purpose, &self.parts) {
                (Purpose::Part(_), Some(run)) => Some(run.budget),
                (Purpose::Digest, _) => Some(crate::digest::article_tokens(&session.article)),
                _ => None,
            };
            let named = window_named(&error.to_string()).map(crate::models::budget_for);
            let budget = tried.map(|t| named.filter(|n| *n < t).unwrap_or(t / 2));
            if let Some(budget) = budget.filter(|b| *b >= MIN_PART_TOKENS) {
                cx.pool.remove_owned_digest(cx.owner, cx.out);
                let calls = session.digest_part_calls(Some(budget));
                self.start_parts(session, calls, budget, cx);
                return;
            }
        }
        // Whatever arrived stays on screen; the error says what happened and offers a retry.
        cx.pool.remove_owned_digest(cx.owner, cx.out);
        self.running = false;
        self.parts = None;
        if let Some(digest) = partial.filter(|_| !matches!(req.purpose, Purpose::Part(_))) {
            cx.post(Frame::digest_delta(digest));
        }
        cx.post(Frame::error(Section::Digest, error.info()));
    }
}

/// The context window a provider's error names ("maximum context length is 16385 tokens",
/// "context window of 8192"): the first number after the word "context".
pub fn window_named(message: &str) -> Option<usize> {
    let lower = message.to_ascii_lowercase();
    let after = &lower[lower.find("context")?..];
    let digits: String = after.chars().skip_while(|c| !c.is_ascii_digit()).take_while(|c| c.is_ascii_digit() || *c == ',').filter(char::is_ascii_digit).collect();
    digits.parse().ok().filter(|n: &usize| *n >= 512)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_an_error_names_is_read() {
        assert_eq!(window_named("This model's maximum context length is 16385 tokens. However, you requested 40000"), Some(16_385));
        assert_eq!(window_named("prompt exceeds the context window of 8,192 tokens"), Some(8_192));
        assert_eq!(window_named("the article is longer than the model's context: Too much."), None);
    }
}
