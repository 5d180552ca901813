//! The Full Translation of one panel: the go-ahead for a long article, then the scheduler's
//! chunks sent as the pool allows, each answer shown, cached and reported back, and one `done`
//! when the scheduler finishes or stops (a hard stop, the page's budget, or Cancel).

use crate::error::{ErrorInfo, GlossError};

use super::ctx::Ctx;
use super::effect::{Done, Frame, Progress, Section};
use super::event::Id;
use super::requests::{Gate, News, Pool, Purpose, Reader, Req, TimerFor};
use super::{Session, Step, TranslationPlan};

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Nothing to translate with a model (none configured, same language), or not begun.
    #[default]
    Idle,
    /// A long article: waiting for the reader's go-ahead.
    Confirming,
    /// The browser's built-in Translator does it, step by step.
    OnDevice,
    Running,
    Done,
}

#[derive(Default)]
pub struct TranslationFlow {
    pub state: State,
    started_at: u64,
    /// The scheduler's wait, as a timer, and when it is due.
    wake: Option<(Id, u64)>,
    /// Chunks sent since the run began: none means every block came from the cache.
    sent: usize,
}

impl TranslationFlow {
    /// What the plan says to do first: cached blocks at once, then the go-ahead or the requests.
    pub fn begin(&mut self, session: &mut Session, plan: &TranslationPlan, cx: &mut Ctx) {
        self.started_at = cx.now;
        if !plan.cached.is_empty() {
            cx.post(Frame::checked_blocks(plan.cached.clone(), session.glossary_notes(&plan.cached)));
        }
        if let Some(step) = &plan.on_device {
            self.state = State::OnDevice;
            cx.post(Frame::OnDevice { section: Section::Translation, step: serde_json::to_value(step).unwrap_or_default() });
        }
        if plan.unavailable.is_some() {
            return;
        }
        if plan.needs_confirmation {
            self.state = State::Confirming;
            cx.post(Frame::Confirm { section: Section::Translation, estimate: plan.estimate });
        } else {
            self.start(session, None, cx);
        }
    }

    /// The reader's go-ahead: accepted only while one is asked for.
    pub fn confirm(&mut self, session: &mut Session, cx: &mut Ctx) -> bool {
        if self.state != State::Confirming {
            return false;
        }
        self.start(session, None, cx);
        true
    }

    /// Translates everything pending, or `only` these blocks (a retry), replacing any run.
    pub fn start(&mut self, session: &mut Session, only: Option<&[String]>, cx: &mut Ctx) {
        self.stop_wake(cx);
        cx.pool.remove_chunks(cx.owner, cx.out);
        session.start_translation(only);
        self.state = State::Running;
        self.started_at = cx.now;
        self.sent = 0;
        cx.post(Frame::Progress(Progress::Translation { section: Section::Translation, progress: session.progress() }));
    }

    /// The on-device translation started (after any language-pack download).
    pub fn on_device_started(&mut self, now: u64) {
        self.started_at = now;
    }

    pub fn elapsed(&self, now: u64) -> u64 {
        now.saturating_sub(self.started_at)
    }

    pub fn cancel(&mut self, session: &mut Session, cx: &mut Ctx) {
        if self.state == State::Running {
            session.cancel();
            self.pump(session, cx, &mut |_, _| Gate::Full);
        }
    }

    pub fn stop_wake(&mut self, cx: &mut Ctx) {
        if let Some((timer, _)) = self.wake.take() {
            cx.pool.cancel_timer(timer, cx.out);
        }
    }

    /// The scheduler's wait is over.
    pub fn woken(&mut self, timer: Id) -> bool {
        if self.wake.is_some_and(|(t, _)| t == timer) {
            self.wake = None;
            return true;
        }
        false
    }

    /// When the scheduler's wait ends, while it waits.
    pub fn waiting_until(&self) -> Option<u64> {
        self.wake.map(|(_, due)| due)
    }

    /// Sends chunks while `gate` allows and the scheduler has some; returns what held it back.
    pub fn pump(&mut self, session: &mut Session, cx: &mut Ctx, gate: &mut dyn FnMut(&mut Pool, u64) -> Gate) -> Option<Gate> {
        if self.state != State::Running {
            return None;
        }
        loop {
            if let Some(step) = session.translation_settled() {
                self.finish(session, step, cx);
                return None;
            }
            match gate(cx.pool, cx.now) {
                Gate::Open => {}
                held => return Some(held),
            }
            match session.next_step(cx.now) {
                Step::Start { job, block_ids, call } => {
                    let reader = session.translation_reader(call.wire, &block_ids);
                    let id = cx.pool.add(cx.owner, Purpose::Chunk { job, block_ids }, call, Reader::Chunk(Box::new(reader)));
                    cx.pool.open(id, cx.now, cx.out);
                    self.sent += 1;
                }
                Step::Wait { ms } => {
                    self.stop_wake(cx);
                    self.wake = Some((cx.pool.arm(TimerFor::Panel(cx.owner.port), ms, cx.out), cx.now + ms));
                    return None;
                }
                Step::Idle => return None,
                step => {
                    self.finish(session, step, cx);
                    return None;
                }
            }
        }
    }

    fn finish(&mut self, session: &Session, step: Step, cx: &mut Ctx) {
        let (failed, error) = match step {
            Step::Finished { failed } => (failed, None),
            Step::Stopped { error, failed } => (failed, Some(error)),
            _ => return,
        };
        // A hard stop aborts the chunks still streaming; what they showed stays.
        cx.pool.remove_chunks(cx.owner, cx.out);
        self.stop_wake(cx);
        self.state = State::Done;
        // Nothing sent: the blocks came from the cache, and there is no spend to show.
        let cached = self.sent == 0 && error.is_none();
        let spend = session.progress().map(|p| p.spend).filter(|_| self.sent > 0);
        cx.post(Done::translation(failed, error, spend, self.elapsed(cx.now), cached));
    }

    /// Bytes of a chunk's answer: finished blocks, and the one being written.
    pub fn bytes(req: &mut Req, bytes: &[u8], cx: &mut Ctx) -> Result<(), GlossError> {
        let Reader::Chunk(reader) = &mut req.reader else { return Ok(()) };
        let update = reader.push(bytes)?;
        if !update.completed.is_empty() || update.partial.is_some() {
            cx.post(Frame::blocks(update.completed, update.partial));
        }
        Ok(())
    }

    /// A chunk is over: its blocks are settled, shown, cached, and reported to the scheduler.
    pub fn settle(&mut self, session: &mut Session, news: News, cx: &mut Ctx) {
        let (mut req, error): (Box<Req>, Option<ErrorInfo>) = match news {
            News::Ended { req } => (req, None),
            News::Failed { req, error, .. } => (req, Some(error.info())),
            _ => return,
        };
        let (Reader::Chunk(reader), Purpose::Chunk { job, .. }) = (&mut req.reader, &req.purpose) else { return };
        let end = reader.finish(error);
        cx.post(Frame::checked_blocks(end.outcome.translated.clone(), session.glossary_notes(&end.outcome.translated)));
        session.record_translated(&end.outcome.translated);
        let entries = session.block_entries(&end.outcome.translated);
        cx.store.put(entries, cx.now, cx.pool, cx.out);
        if let Some(error) = end.error.as_ref().filter(|_| !end.outcome.failed.is_empty()) {
            let (block_ids, transient) = (Some(end.outcome.failed.clone()), Some(error.retryable));
            cx.post(Frame::Error { section: Section::Translation, error: error.clone(), block_ids, transient });
        }
        session.report(*job, &end, cx.now);
        cx.post(Frame::Progress(Progress::Translation { section: Section::Translation, progress: session.progress() }));
    }
}
