//! Every request the core has in flight, across all panels: when one may be sent (the global
//! stream cap, the requests-per-minute window, one at a time for a local server), its timeouts
//! and backoff as timers, and what its response's head, bytes, end or failure mean.

use std::collections::{BTreeMap, VecDeque};

use crate::error::GlossError;
use crate::llm::errors::{map_http_error_at, retry_delay_ms, HttpFailure};
use crate::translate::schedule::GLOBAL_MAX_STREAMS;

use serde_json::{json, Map, Value};

use super::effect::{Area, Effect};
use super::event::{Id, Section};
use super::readers::{AnswerReader, DigestReader, TranslationReader};
use super::{origin, Call};

/// Automatic retries of a digest request (whole, part or merge) after a failure that may pass.
pub const MAX_RETRIES: u32 = 2;
/// How often a panel hears that a local model is still reading the prompt.
pub const READING_PROGRESS_MS: u64 = 5_000;
/// The window of the requests-per-minute cap.
const MINUTE_MS: u64 = 60_000;
/// Where the requests-per-minute window's send times are kept while the browser runs
/// (`storage.session`), so that a worker stopped and started again still honours the cap.
pub const WINDOW_KEY: &str = "gloss-rate-window";
/// An error body is kept up to this size (enough for any provider's JSON error).
const ERROR_BODY_BYTES: usize = 64 * 1024;

/// Whose request it is: a panel's Port and which of its runs (a restart starts a new one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner {
    pub port: Id,
    pub run: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    Digest,
    Part(usize),
    Merge,
    Chunk { job: usize, block_ids: Vec<String> },
    /// The answer to the reader's question number `turn` (0-based) about the article.
    Answer { turn: usize },
    /// Test connection's model list, for the one-off message `msg`.
    Connection { msg: Id },
    /// What the server can do with the model, cached under `key`.
    Probe { key: String },
}

impl Purpose {
    /// Digest requests go before translation chunks where requests wait their turn.
    fn is_digest(&self) -> bool {
        matches!(self, Purpose::Digest | Purpose::Part(_) | Purpose::Merge)
    }

    /// The panel section whose request it is.
    pub fn section(&self) -> Section {
        match self {
            Purpose::Chunk { .. } => Section::Translation,
            Purpose::Answer { .. } => Section::Qa,
            _ => Section::Digest,
        }
    }

    /// A request to the model (not a model list or a probe, which are answered at once and
    /// count against no cap).
    fn is_model(&self) -> bool {
        !matches!(self, Purpose::Connection { .. } | Purpose::Probe { .. })
    }
}

/// What reads the answer.
pub enum Reader {
    Digest(Box<DigestReader>),
    Chunk(Box<TranslationReader>),
    Answer(Box<AnswerReader>),
    /// The whole body, read at its end.
    Body(Vec<u8>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Waiting for its turn.
    Queued,
    /// Sent: the worker is fetching it.
    Open,
    /// Failed, and will be sent again when its backoff timer fires.
    Backoff,
}

pub struct Req {
    pub owner: Owner,
    pub purpose: Purpose,
    pub call: Call,
    pub reader: Reader,
    /// Times it was sent.
    pub attempts: u32,
    pub state: State,
    sent_at: u64,
    status: Option<u16>,
    headers: Vec<(String, String)>,
    error_body: Vec<u8>,
    /// A byte of a 2xx body has come.
    pub got_bytes: bool,
    /// When a request in backoff is due again.
    retry_at: u64,
    timers: Vec<Id>,
}

/// What a timer is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimerFor {
    FirstByte(Id),
    Stall(Id),
    Reading(Id),
    Backoff(Id),
    /// A panel's translation may go on (the scheduler said when).
    Panel(Id),
    /// The requests-per-minute window has room again.
    Window,
    /// Try injecting the panel into this tab again.
    Inject(i64),
    /// Time to say every wait again (`waits.rs`).
    Keepalive,
    /// A panel's start has waited long enough for its page to arrive ahead.
    Ahead(Id),
}

/// What happened to a request, for its owner to act on.
pub enum News {
    /// Bytes of a 2xx body, for `req`'s reader.
    Bytes { req: Id, bytes: Vec<u8> },
    /// The request is over with this error; `mid_stream` when part of the answer had come.
    Failed { req: Box<Req>, error: GlossError, mid_stream: bool },
    /// A 2xx body ended.
    Ended { req: Box<Req> },
    /// A local model has had the prompt this long and said nothing yet (for this section).
    Reading { owner: Owner, seconds: u64, section: Section },
    /// A backoff passed: the request waits for its turn again.
    Requeued,
}

/// Whether a request may be sent now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    Open,
    /// Not before this time (the requests-per-minute window).
    Until(u64),
    /// Not until another request ends.
    Full,
}

#[derive(Default)]
pub struct Pool {
    reqs: BTreeMap<Id, Req>,
    timers: BTreeMap<Id, TimerFor>,
    next_id: Id,
    /// When each model request of the last minute was sent.
    starts: VecDeque<u64>,
    /// The window's wake-up timer and when it is due.
    window_timer: Option<(Id, u64)>,
}

impl Pool {
    pub fn id(&mut self) -> Id {
        self.next_id += 1;
        self.next_id
    }

    pub fn add(&mut self, owner: Owner, purpose: Purpose, call: Call, reader: Reader) -> Id {
        let id = self.id();
        let req = Req {
            owner,
            purpose,
            call,
            reader,
            attempts: 0,
            state: State::Queued,
            sent_at: 0,
            status: None,
            headers: Vec::new(),
            error_body: Vec::new(),
            got_bytes: false,
            retry_at: 0,
            timers: Vec::new(),
        };
        self.reqs.insert(id, req);
        id
    }

    pub fn get_mut(&mut self, id: Id) -> Option<&mut Req> {
        self.reqs.get_mut(&id)
    }

    /// Takes a request out while its reader reads, to be `restore`d (no effect either way).
    pub fn take(&mut self, id: Id) -> Option<Req> {
        self.reqs.remove(&id)
    }

    pub fn restore(&mut self, id: Id, req: Req) {
        self.reqs.insert(id, req);
    }

    /// `owner`'s queued requests, digest ones first, each kind in the order they were made.
    pub fn queued(&self, owner: Owner) -> Vec<Id> {
        let mine = || self.reqs.iter().filter(move |(_, r)| r.owner == owner && r.state == State::Queued);
        mine().filter(|(_, r)| r.purpose.is_digest()).chain(mine().filter(|(_, r)| !r.purpose.is_digest())).map(|(id, _)| *id).collect()
    }

    /// Model requests of `port` sent and not over, for `section`.
    pub fn open_in(&self, port: Id, section: Section) -> usize {
        self.reqs.values().filter(|r| r.owner.port == port && r.state == State::Open && r.purpose.is_model() && r.purpose.section() == section).count()
    }

    /// The section whose request `id` is.
    pub fn section_of(&self, id: Id) -> Option<Section> {
        self.reqs.get(&id).map(|r| r.purpose.section())
    }

    /// Whether a model request may be sent now: under the global stream cap, within the
    /// requests-per-minute window (`rpm`, 0 for none), and, for a local server, with fewer
    /// than `local_limit` requests to local servers open.
    pub fn gate(&mut self, now: u64, rpm: u32, local: Option<usize>) -> Gate {
        let open = self.reqs.values().filter(|r| r.state == State::Open && r.purpose.is_model());
        let (mut all, mut locals) = (0, 0);
        for r in open {
            all += 1;
            locals += usize::from(r.call.is_local);
        }
        if all >= GLOBAL_MAX_STREAMS || local.is_some_and(|limit| locals >= limit) {
            return Gate::Full;
        }
        while self.starts.front().is_some_and(|t| now.saturating_sub(*t) >= MINUTE_MS) {
            self.starts.pop_front();
        }
        if rpm > 0 && self.starts.len() >= rpm as usize {
            // The oldest start leaves the window a minute after it was made.
            return Gate::Until(self.starts.front().map_or(now, |t| t + MINUTE_MS));
        }
        Gate::Open
    }

    /// Arms the window's timer for `until`, unless one is due by then already.
    pub fn wake_at(&mut self, until: u64, now: u64, out: &mut Vec<Effect>) {
        if self.window_timer.is_some_and(|(_, due)| due <= until && due > now) {
            return;
        }
        if let Some((old, _)) = self.window_timer.take() {
            self.cancel_timer(old, out);
        }
        let timer = self.arm(TimerFor::Window, until.saturating_sub(now).max(1), out);
        self.window_timer = Some((timer, until));
    }

    /// Sends a queued request: the fetch, and its first-byte timer from now.
    pub fn open(&mut self, id: Id, now: u64, out: &mut Vec<Effect>) {
        let Some(req) = self.reqs.get_mut(&id) else { return };
        if req.state != State::Queued {
            return;
        }
        req.state = State::Open;
        req.attempts += 1;
        req.sent_at = now;
        req.status = None;
        req.headers.clear();
        req.error_body.clear();
        req.got_bytes = false;
        let (first_byte, model) = (req.call.first_byte_timeout_ms, req.purpose.is_model());
        let reading = model && req.call.is_local;
        // Model lists, probes and connection tests count against no cap.
        let counted = model;
        if counted {
            self.starts.push_back(now);
        }
        out.push(Effect::Fetch { req: id, request: req.call.request.clone() });
        self.arm_for(id, TimerFor::FirstByte(id), first_byte, out);
        if reading {
            self.arm_for(id, TimerFor::Reading(id), READING_PROGRESS_MS, out);
        }
        if counted {
            self.save_window(now, out);
        }
    }

    /// Keeps the last minute's send times where a new worker finds them.
    fn save_window(&mut self, now: u64, out: &mut Vec<Effect>) {
        let recent: Vec<u64> = self.starts.iter().copied().filter(|t| now.saturating_sub(*t) < MINUTE_MS).collect();
        let op = self.id();
        out.push(Effect::StorageSet { op, area: Area::Session, items: Map::from_iter([(WINDOW_KEY.to_string(), json!(recent))]) });
    }

    /// The send times an earlier worker kept (`WINDOW_KEY`). A worker that has sent already
    /// has written its own over them, so they are taken only by one that has not.
    pub fn restore_window(&mut self, stored: Option<&Value>, now: u64) {
        if !self.starts.is_empty() {
            return;
        }
        let kept = stored.and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_u64);
        // A time ahead of this clock (the system clock was set back) would hold the cap for as long.
        let mut recent: Vec<u64> = kept.filter(|t| *t <= now && now - *t < MINUTE_MS).collect();
        recent.sort_unstable();
        self.starts = recent.into();
    }

    /// When `owner`'s earliest request of `section` in backoff is due again, if it has one.
    pub fn backoff_until(&self, owner: Owner, section: Section) -> Option<u64> {
        self.reqs.values().filter(|r| r.owner == owner && r.state == State::Backoff && r.purpose.section() == section).map(|r| r.retry_at).min()
    }

    /// Sends `req` again `ms` after `now` (its attempt count kept).
    pub fn retry_later(&mut self, mut req: Req, ms: u64, now: u64, out: &mut Vec<Effect>) -> Id {
        let id = self.id();
        req.state = State::Backoff;
        req.retry_at = now + ms;
        req.timers.clear();
        self.reqs.insert(id, req);
        self.arm_for(id, TimerFor::Backoff(id), ms, out);
        id
    }

    /// Takes a request out, aborting its fetch if it was sent.
    pub fn remove(&mut self, id: Id, out: &mut Vec<Effect>) -> Option<Box<Req>> {
        let req = self.reqs.remove(&id)?;
        if req.state == State::Open {
            out.push(Effect::Abort { req: id });
        }
        for timer in &req.timers {
            if self.timers.remove(timer).is_some() {
                out.push(Effect::CancelTimer { timer: *timer });
            }
        }
        Some(Box::new(req))
    }

    /// Drops every request of `port` (every run), or of one run of it.
    pub fn remove_owned(&mut self, port: Id, run: Option<u64>, out: &mut Vec<Effect>) {
        let ids: Vec<Id> = self.reqs.iter().filter(|(_, r)| r.owner.port == port && run.is_none_or(|n| r.owner.run == n)).map(|(id, _)| *id).collect();
        for id in ids {
            self.remove(id, out);
        }
    }

    /// Drops `owner`'s digest requests (whole, parts and merge).
    pub fn remove_owned_digest(&mut self, owner: Owner, out: &mut Vec<Effect>) {
        let ids: Vec<Id> = self.reqs.iter().filter(|(_, r)| r.owner == owner && r.purpose.is_digest()).map(|(id, _)| *id).collect();
        for id in ids {
            self.remove(id, out);
        }
    }

    /// Drops `owner`'s translation chunks.
    pub fn remove_chunks(&mut self, owner: Owner, out: &mut Vec<Effect>) {
        let ids: Vec<Id> = self.reqs.iter().filter(|(_, r)| r.owner == owner && matches!(r.purpose, Purpose::Chunk { .. })).map(|(id, _)| *id).collect();
        for id in ids {
            self.remove(id, out);
        }
    }

    pub fn arm(&mut self, what: TimerFor, ms: u64, out: &mut Vec<Effect>) -> Id {
        let timer = self.id();
        self.timers.insert(timer, what);
        out.push(Effect::ArmTimer { timer, ms });
        timer
    }

    pub fn cancel_timer(&mut self, timer: Id, out: &mut Vec<Effect>) {
        if self.timers.remove(&timer).is_some() {
            out.push(Effect::CancelTimer { timer });
        }
    }

    fn arm_for(&mut self, id: Id, what: TimerFor, ms: u64, out: &mut Vec<Effect>) {
        let timer = self.arm(what, ms, out);
        if let Some(req) = self.reqs.get_mut(&id) {
            req.timers.push(timer);
        }
    }

    fn cancel_kind(&mut self, id: Id, kind: fn(Id) -> TimerFor, out: &mut Vec<Effect>) {
        let Some(req) = self.reqs.get_mut(&id) else { return };
        let mut gone = Vec::new();
        req.timers.retain(|t| {
            let hit = self.timers.get(t) == Some(&kind(id));
            if hit {
                gone.push(*t);
            }
            !hit
        });
        for t in gone {
            self.cancel_timer(t, out);
        }
    }

    pub fn on_head(&mut self, id: Id, status: u16, headers: Vec<(String, String)>) {
        if let Some(req) = self.reqs.get_mut(&id).filter(|r| r.state == State::Open) {
            req.status = Some(status);
            req.headers = headers.into_iter().map(|(k, v)| (k.to_ascii_lowercase(), v)).collect();
        }
    }

    pub fn on_bytes(&mut self, id: Id, bytes: &[u8], out: &mut Vec<Effect>) -> Option<News> {
        let req = self.reqs.get_mut(&id).filter(|r| r.state == State::Open)?;
        if !req.status.is_some_and(|s| (200..300).contains(&s)) {
            let room = ERROR_BODY_BYTES.saturating_sub(req.error_body.len());
            req.error_body.extend_from_slice(&bytes[..bytes.len().min(room)]);
            return None;
        }
        if bytes.is_empty() {
            return None;
        }
        let first = !req.got_bytes;
        req.got_bytes = true;
        let stall = req.call.stall_timeout_ms;
        if first {
            self.cancel_kind(id, TimerFor::FirstByte, out);
            self.cancel_kind(id, TimerFor::Reading, out);
        }
        self.cancel_kind(id, TimerFor::Stall, out);
        self.arm_for(id, TimerFor::Stall(id), stall, out);
        Some(News::Bytes { req: id, bytes: bytes.to_vec() })
    }

    pub fn on_end(&mut self, id: Id, now: u64, out: &mut Vec<Effect>) -> Option<News> {
        let state = self.reqs.get(&id)?.state;
        if state != State::Open {
            return None;
        }
        let mut req = self.close(id, out)?;
        match req.status {
            Some(s) if (200..300).contains(&s) => Some(News::Ended { req }),
            Some(status) => {
                let body = String::from_utf8_lossy(&req.error_body).into_owned();
                let failure = HttpFailure { status, headers: &req.headers, body: &body, is_local: req.call.is_local, secret: req.call.request.secret() };
                let error = map_http_error_at(req.call.wire, &failure, now);
                req.error_body.clear();
                Some(News::Failed { req, error, mid_stream: false })
            }
            None => Some(News::Failed { req, error: GlossError::Network("the response ended before its headers".into()), mid_stream: false }),
        }
    }

    pub fn on_failed(&mut self, id: Id, message: String, out: &mut Vec<Effect>) -> Option<News> {
        if self.reqs.get(&id)?.state != State::Open {
            return None;
        }
        let req = self.close(id, out)?;
        // A body that broke off after it began is a cut stream; no response at all is the network.
        let mid_stream = req.got_bytes;
        // The browser's own words ("Failed to fetch") do not say where: the host is named, since
        // an unreachable or ungranted host is what the reader has to check.
        let error = if req.status.is_some() {
            GlossError::StreamCut
        } else {
            GlossError::Network(format!("{message} ({})", origin(Some(&req.call.request.url))))
        };
        Some(News::Failed { req, error, mid_stream })
    }

    /// A timer fired: what it means for its request, if it is one of the pool's.
    pub fn on_timer(&mut self, timer: Id, now: u64, out: &mut Vec<Effect>) -> Option<Result<News, TimerFor>> {
        let what = self.timers.remove(&timer)?;
        if let Some(req) = self.reqs.values_mut().find(|r| r.timers.contains(&timer)) {
            req.timers.retain(|t| *t != timer);
        }
        Some(match what {
            TimerFor::FirstByte(id) | TimerFor::Stall(id) => {
                let req = self.reqs.get(&id)?;
                let (ms, stalled) = match what {
                    TimerFor::Stall(_) => (req.call.stall_timeout_ms, true),
                    _ => (req.call.first_byte_timeout_ms, false),
                };
                let seconds = format!("{} s", (ms as f64 / 100.0).round() / 10.0);
                let detail = if stalled { format!("the answer stopped for {seconds}") } else { format!("no answer after {seconds}") };
                out.push(Effect::Abort { req: id });
                let req = self.close(id, out)?;
                let mid_stream = req.got_bytes;
                Ok(News::Failed { req, error: GlossError::Timeout(detail), mid_stream })
            }
            TimerFor::Reading(id) => {
                let req = self.reqs.get(&id).filter(|r| r.state == State::Open && !r.got_bytes)?;
                let (owner, seconds, section) = (req.owner, now.saturating_sub(req.sent_at) / 1000, req.purpose.section());
                self.arm_for(id, TimerFor::Reading(id), READING_PROGRESS_MS, out);
                Ok(News::Reading { owner, seconds, section })
            }
            TimerFor::Backoff(id) => {
                let req = self.reqs.get_mut(&id)?;
                req.state = State::Queued;
                Ok(News::Requeued)
            }
            TimerFor::Window => {
                self.window_timer = None;
                Ok(News::Requeued)
            }
            TimerFor::Panel(_) | TimerFor::Inject(_) | TimerFor::Keepalive | TimerFor::Ahead(_) => Err(what),
        })
    }

    /// Takes an open request out (its fetch over), cancelling its timers.
    fn close(&mut self, id: Id, out: &mut Vec<Effect>) -> Option<Box<Req>> {
        let mut req = self.reqs.remove(&id)?;
        for timer in req.timers.drain(..) {
            self.cancel_timer(timer, out);
        }
        Some(Box::new(req))
    }
}

/// The wait before sending again a digest request that failed with `error` after `attempts`
/// sends, or `None` to give up.
pub fn retry_in(error: &GlossError, attempts: u32) -> Option<u64> {
    retry_delay_ms(error, attempts, MAX_RETRIES)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_requests_retry_what_may_pass_and_count_their_attempts() {
        let limited = GlossError::RateLimited { detail: "slow down".into(), retry_after_ms: Some(1_000) };
        assert_eq!(retry_in(&limited, 1), Some(1_000), "the provider's wait is honoured");
        assert_eq!(retry_in(&GlossError::BadKey("no".into()), 1), None, "a bad key is final");
        assert_eq!(retry_in(&GlossError::Network("down".into()), MAX_RETRIES), Some(1_000));
        assert_eq!(retry_in(&GlossError::Network("down".into()), MAX_RETRIES + 1), None, "gives up after the retries");
        assert!(retry_in(&GlossError::Timeout("no bytes".into()), 1).is_some());
    }
}
