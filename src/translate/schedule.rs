//! The translation scheduler: which chunk to request next and when, given bounded concurrency,
//! backoff after rate limits and failures, splitting misaligned chunks, one block per request
//! once a model shows it cannot keep the blocks' markers, and a hard stop when going on cannot
//! help. Time is passed in, so tests use a fake clock. (The requests-per-minute cap and the
//! global stream cap hold for every request, so the session core applies them.)

use std::collections::{HashMap, VecDeque};

use serde::{Deserialize, Serialize};

use crate::error::ErrorInfo;
use crate::translate::ChunkEnd;

/// Answers streaming at once across every tab, so ten open panels cannot flood a provider.
pub const GLOBAL_MAX_STREAMS: usize = 6;

/// Tunables of the scheduler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ScheduleConfig {
    /// Chunks streaming at once (1–8).
    pub concurrency: usize,
    /// Attempts per chunk for failures that may pass (server errors, cut streams).
    pub max_attempts: u32,
    /// Rate limits in a row after which the whole page stops.
    pub max_rate_limits: u32,
    /// Tokens (in and out, as reported) the page may spend; 0 for no limit.
    pub budget_tokens: u64,
}

impl Default for ScheduleConfig {
    fn default() -> Self {
        ScheduleConfig { concurrency: 3, max_attempts: 3, max_rate_limits: 4, budget_tokens: 0 }
    }
}

/// What the extension should do next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Action {
    /// Send the request for these blocks and report how it ended.
    Start { job: usize, block_ids: Vec<String> },
    /// Nothing may start for this long (a running job may still end sooner).
    Wait { ms: u64 },
    /// Wait for a running job to end.
    Idle,
    /// Every block is translated or has failed for good.
    Finished { failed: Vec<String> },
    /// Going on cannot help (quota, key, repeated rate limits): nothing more is sent.
    Stopped { error: ErrorInfo, failed: Vec<String> },
}

/// Counts for the progress line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    pub total: usize,
    pub done: usize,
    pub failed: usize,
    /// The model lost the blocks' markers even in a split chunk: the rest of the article goes
    /// one block per request (the panel says so: `_locales` key `translationOneBlock`).
    pub one_block_per_request: bool,
}

#[derive(Debug, Clone)]
struct Job {
    id: usize,
    block_ids: Vec<String>,
    attempts: u32,
    /// Split jobs are not split again: their failures are final.
    split: bool,
    not_before: u64,
}

/// Error codes after which every other chunk would fail the same way.
const FATAL: &[&str] = &["quota", "bad_key", "forbidden", "model_not_found", "missing_key", "ollama_origin", "invalid"];
/// Longest wait after a rate limit when the provider did not say how long.
const MAX_BACKOFF_MS: u64 = 30_000;

pub struct Scheduler {
    config: ScheduleConfig,
    queue: VecDeque<Job>,
    running: Vec<Job>,
    next_id: usize,
    /// Concurrency in force: lowered after rate limits, raised back by successes.
    concurrency: usize,
    paused_until: u64,
    rate_limits_in_a_row: u32,
    spent_tokens: u64,
    total: usize,
    done: usize,
    failed: Vec<String>,
    stopped: Option<ErrorInfo>,
    /// See `Progress::one_block_per_request`.
    one_block: bool,
    /// Each block's place in the article, to queue single blocks in reading order.
    position: HashMap<String, usize>,
}

impl Scheduler {
    /// Schedules `chunks` (block ids per chunk) in the order given.
    pub fn new(chunks: Vec<Vec<String>>, config: ScheduleConfig) -> Self {
        let config = ScheduleConfig { concurrency: config.concurrency.clamp(1, 8), ..config };
        let total = chunks.iter().map(Vec::len).sum();
        let mut s = Scheduler {
            config,
            queue: VecDeque::new(),
            running: Vec::new(),
            next_id: 0,
            concurrency: config.concurrency,
            paused_until: 0,
            rate_limits_in_a_row: 0,
            spent_tokens: 0,
            total,
            done: 0,
            failed: Vec::new(),
            stopped: None,
            one_block: false,
            position: chunks.iter().flatten().enumerate().map(|(i, id)| (id.clone(), i)).collect(),
        };
        for ids in chunks.into_iter().filter(|c| !c.is_empty()) {
            let job = s.job(ids, false, 0);
            s.queue.push_back(job);
        }
        s
    }

    fn job(&mut self, block_ids: Vec<String>, split: bool, not_before: u64) -> Job {
        self.next_id += 1;
        Job { id: self.next_id, block_ids, attempts: 0, split, not_before }
    }

    pub fn progress(&self) -> Progress {
        Progress { total: self.total, done: self.done, failed: self.failed.len(), one_block_per_request: self.one_block }
    }

    pub fn next(&mut self, now: u64) -> Action {
        if let Some(error) = &self.stopped {
            return Action::Stopped { error: error.clone(), failed: self.failed.clone() };
        }
        if self.queue.is_empty() {
            return if self.running.is_empty() { Action::Finished { failed: self.failed.clone() } } else { Action::Idle };
        }
        if self.running.len() >= self.concurrency {
            return Action::Idle;
        }
        // Once markers were lost, a chunk of many blocks goes out one block at a time.
        if self.one_block && self.queue.front().is_some_and(|j| j.block_ids.len() > 1) {
            if let Some(job) = self.queue.pop_front() {
                self.push_singles_front(job.block_ids, job.not_before);
            }
        }
        let ready_at = self.paused_until.max(self.queue.front().map_or(0, |j| j.not_before));
        if ready_at > now {
            return Action::Wait { ms: ready_at - now };
        }
        let Some(job) = self.queue.pop_front() else { return Action::Idle };
        let action = Action::Start { job: job.id, block_ids: job.block_ids.clone() };
        self.running.push(job);
        action
    }

    /// How the schedule ended, if it has, without starting anything: `Stopped` or `Finished`.
    pub fn settled(&self) -> Option<Action> {
        if let Some(error) = &self.stopped {
            return Some(Action::Stopped { error: error.clone(), failed: self.failed.clone() });
        }
        (self.queue.is_empty() && self.running.is_empty()).then(|| Action::Finished { failed: self.failed.clone() })
    }

    /// Tokens the page spent on other calls (its digest), counted against the same budget.
    pub fn spent_elsewhere(&mut self, tokens: u64) {
        self.spent_tokens += tokens;
    }

    /// How a started job ended.
    pub fn report(&mut self, job_id: usize, end: &ChunkEnd, now: u64) {
        let Some(pos) = self.running.iter().position(|j| j.id == job_id) else { return };
        let mut job = self.running.swap_remove(pos);
        self.done += end.outcome.translated.len();
        self.spent_tokens += end.usage.input_tokens.unwrap_or(0) + end.usage.output_tokens.unwrap_or(0);
        let failed = end.outcome.failed.clone();
        if self.config.budget_tokens > 0 && self.spent_tokens >= self.config.budget_tokens && end.error.is_none() {
            let spent = self.spent_tokens;
            self.stop(crate::error::GlossError::BudgetReached(spent).info(), failed);
            return;
        }
        match &end.error {
            None => {
                self.rate_limits_in_a_row = 0;
                self.concurrency = (self.concurrency + 1).min(self.config.concurrency);
            }
            Some(error) if error.code == "misaligned" && end.outcome.markers_lost && (job.split || self.one_block) => {
                self.one_block_per_request(failed, now);
            }
            Some(error) if error.code == "misaligned" => self.split_or_fail(&job, failed, now),
            Some(error) if FATAL.contains(&error.code.as_str()) => self.stop(error.clone(), failed),
            Some(error) if error.code == "rate_limited" => {
                self.rate_limits_in_a_row += 1;
                if self.rate_limits_in_a_row >= self.config.max_rate_limits {
                    self.stop(error.clone(), failed);
                    return;
                }
                let backoff = 1_000u64.saturating_mul(1 << self.rate_limits_in_a_row.min(5)).min(MAX_BACKOFF_MS);
                self.paused_until = now + error.retry_after_ms.unwrap_or(backoff);
                self.concurrency = (self.concurrency / 2).max(1);
                job.block_ids = failed;
                self.queue.push_front(job);
            }
            Some(error) if error.code == "context_too_long" => self.split_or_fail(&job, failed, now),
            Some(error) if error.retryable => {
                job.attempts += 1;
                if job.attempts >= self.config.max_attempts || failed.is_empty() {
                    self.failed.extend(failed);
                    return;
                }
                let backoff = 500u64.saturating_mul(1 << job.attempts.min(4));
                job.not_before = now + error.retry_after_ms.unwrap_or(backoff);
                job.block_ids = failed;
                self.queue.push_front(job);
            }
            Some(_) => self.failed.extend(failed),
        }
    }

    /// A chunk that came back misaligned (or too long) is tried again once, in two halves (a
    /// single block on its own); what fails after that fails for good.
    fn split_or_fail(&mut self, job: &Job, failed: Vec<String>, now: u64) {
        if job.split || failed.is_empty() {
            self.failed.extend(failed);
            return;
        }
        let (a, b) = failed.split_at(failed.len().div_ceil(2));
        for half in [b, a] {
            if !half.is_empty() {
                let retry = self.job(half.to_vec(), true, now);
                self.queue.push_front(retry);
            }
        }
    }

    /// The model cannot keep markers even in a split chunk: `failed`, then every block still
    /// queued, is sent one block per request (a block alone needs no marker), in reading order.
    /// Their failures are then final.
    fn one_block_per_request(&mut self, failed: Vec<String>, now: u64) {
        self.one_block = true;
        self.push_singles_front(failed, now);
    }

    /// Queues each of `block_ids` as a request of its own, before every queued job that comes
    /// later in the article.
    fn push_singles_front(&mut self, block_ids: Vec<String>, not_before: u64) {
        let place = |s: &Self, id: &str| s.position.get(id).copied().unwrap_or(usize::MAX);
        for id in block_ids {
            let at = place(self, &id);
            let index = self.queue.iter().position(|j| j.block_ids.first().is_some_and(|first| place(self, first) > at)).unwrap_or(self.queue.len());
            let single = self.job(vec![id], true, not_before);
            self.queue.insert(index, single);
        }
    }

    /// Stops for good: queued and running blocks count as failed (the extension aborts the
    /// running requests, and their late reports are ignored).
    fn stop(&mut self, error: ErrorInfo, failed: Vec<String>) {
        self.failed.extend(failed);
        let running: Vec<Job> = self.running.drain(..).collect();
        for job in running.into_iter().chain(self.queue.drain(..)) {
            self.failed.extend(job.block_ids);
        }
        self.stopped = Some(error);
    }

    /// The reader cancelled: nothing more starts; running jobs are being aborted.
    pub fn cancel(&mut self) {
        self.stop(crate::error::GlossError::Cancelled.info(), Vec::new());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::GlossError;
    use crate::translate::{ChunkOutcome, TranslatedBlock};

    fn ids(range: std::ops::RangeInclusive<usize>) -> Vec<String> {
        range.map(|i| format!("b{i}")).collect()
    }

    fn ok(block_ids: &[String]) -> ChunkEnd {
        ChunkEnd {
            outcome: ChunkOutcome {
                translated: block_ids.iter().map(|id| TranslatedBlock { id: id.clone(), spans: vec![] }).collect(),
                ..Default::default()
            },
            usage: Default::default(),
            error: None,
        }
    }

    fn failed(block_ids: &[String], error: GlossError) -> ChunkEnd {
        ChunkEnd { outcome: ChunkOutcome { failed: block_ids.to_vec(), ..Default::default() }, usage: Default::default(), error: Some(error.info()) }
    }

    fn start(s: &mut Scheduler, now: u64) -> (usize, Vec<String>) {
        match s.next(now) {
            Action::Start { job, block_ids } => (job, block_ids),
            other => panic!("expected a start at {now}, got {other:?}"),
        }
    }

    fn rate_limited(retry_after_ms: Option<u64>) -> GlossError {
        GlossError::RateLimited { detail: "slow down".into(), retry_after_ms }
    }

    #[test]
    fn runs_in_order_within_the_concurrency_bound() {
        let mut s = Scheduler::new(vec![ids(1..=2), ids(3..=4), ids(5..=6)], ScheduleConfig { concurrency: 2, ..Default::default() });
        let (a, first) = start(&mut s, 0);
        assert_eq!(first, ids(1..=2));
        let (b, _) = start(&mut s, 0);
        assert_eq!(s.next(0), Action::Idle);
        s.report(a, &ok(&ids(1..=2)), 10);
        let (c, third) = start(&mut s, 10);
        assert_eq!(third, ids(5..=6));
        s.report(b, &ok(&ids(3..=4)), 20);
        s.report(c, &ok(&ids(5..=6)), 30);
        assert_eq!(s.next(30), Action::Finished { failed: vec![] });
        assert_eq!(s.progress(), Progress { total: 6, done: 6, failed: 0, one_block_per_request: false });
    }

    #[test]
    fn rate_limit_waits_as_asked_and_lowers_concurrency() {
        let mut s = Scheduler::new(vec![ids(1..=1), ids(2..=2), ids(3..=3), ids(4..=4)], ScheduleConfig { concurrency: 4, ..Default::default() });
        let (a, _) = start(&mut s, 0);
        let (b, _) = start(&mut s, 0);
        s.report(a, &failed(&ids(1..=1), rate_limited(Some(5_000))), 100);
        assert_eq!(s.next(100), Action::Wait { ms: 5_000 });
        assert_eq!(s.next(5_099), Action::Wait { ms: 1 });
        let (_, retried) = start(&mut s, 5_100);
        assert_eq!(retried, ids(1..=1), "the limited chunk goes first");
        // Concurrency is now 2: b and the retry are running.
        assert_eq!(s.next(5_100), Action::Idle);
        s.report(b, &ok(&ids(2..=2)), 5_200);
        assert!(matches!(s.next(5_200), Action::Start { .. }));
    }

    #[test]
    fn repeated_rate_limits_stop_the_page_and_nothing_more_starts() {
        let mut s = Scheduler::new((1..=10).map(|i| ids(i..=i)).collect(), ScheduleConfig { concurrency: 1, max_rate_limits: 3, ..Default::default() });
        let mut now = 0;
        let mut starts = 0;
        loop {
            match s.next(now) {
                Action::Start { job, block_ids } => {
                    starts += 1;
                    s.report(job, &failed(&block_ids, rate_limited(None)), now);
                }
                Action::Wait { ms } => now += ms,
                Action::Stopped { error, failed } => {
                    assert_eq!(error.code, "rate_limited");
                    assert_eq!(failed.len(), 10, "every block is accounted for");
                    break;
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(starts, 3);
        assert!(matches!(s.next(now + 600_000), Action::Stopped { .. }), "stays stopped");
    }

    #[test]
    fn backoff_without_retry_after_grows() {
        let mut s = Scheduler::new(vec![ids(1..=1)], ScheduleConfig { concurrency: 1, max_rate_limits: 9, ..Default::default() });
        let mut waits = Vec::new();
        let mut now = 0;
        for _ in 0..3 {
            let (job, block_ids) = start(&mut s, now);
            s.report(job, &failed(&block_ids, rate_limited(None)), now);
            if let Action::Wait { ms } = s.next(now) {
                waits.push(ms);
                now += ms;
            }
        }
        assert_eq!(waits, [2_000, 4_000, 8_000]);
    }

    #[test]
    fn quota_stops_at_once_and_counts_running_blocks_as_failed() {
        let mut s = Scheduler::new(vec![ids(1..=2), ids(3..=4), ids(5..=6)], ScheduleConfig::default());
        let (a, _) = start(&mut s, 0);
        let (b, _) = start(&mut s, 0);
        s.report(a, &failed(&ids(1..=2), GlossError::Quota("insufficient_quota".into())), 5);
        match s.next(5) {
            Action::Stopped { error, mut failed } => {
                assert_eq!(error.code, "quota");
                failed.sort();
                assert_eq!(failed, ids(1..=6), "queued and running blocks are failed too");
            }
            other => panic!("{other:?}"),
        }
        s.report(b, &ok(&ids(3..=4)), 6);
        assert_eq!(s.progress().done, 0, "a late report after the stop is ignored");
    }

    #[test]
    fn misaligned_chunks_are_split_once_then_fail() {
        let mut s = Scheduler::new(vec![ids(1..=4)], ScheduleConfig { concurrency: 1, ..Default::default() });
        let (job, _) = start(&mut s, 0);
        let mut end = failed(&ids(1..=4), GlossError::Misaligned("2 blocks".into()));
        end.outcome.failed = ids(2..=4);
        end.outcome.translated = vec![TranslatedBlock { id: "b1".into(), spans: vec![] }];
        s.report(job, &end, 0);
        let (first_half, a) = start(&mut s, 0);
        assert_eq!(a, ids(2..=3));
        s.report(first_half, &failed(&a, GlossError::Misaligned("again".into())), 1);
        let (second_half, b) = start(&mut s, 1);
        assert_eq!(b, ids(4..=4));
        s.report(second_half, &ok(&b), 2);
        assert_eq!(s.next(2), Action::Finished { failed: ids(2..=3) });
        assert_eq!(s.progress(), Progress { total: 4, done: 2, failed: 2, one_block_per_request: false });
    }

    fn lost(block_ids: &[String]) -> ChunkEnd {
        let mut end = failed(block_ids, GlossError::Misaligned("markers".into()));
        end.outcome.markers_lost = true;
        end
    }

    /// Runs the scheduler to the end with `answer` for each start; returns the chunks sent.
    fn drive(s: &mut Scheduler, answer: impl Fn(&[String]) -> ChunkEnd) -> Vec<Vec<String>> {
        let mut sent = Vec::new();
        loop {
            match s.next(0) {
                Action::Start { job, block_ids } => {
                    s.report(job, &answer(&block_ids), 0);
                    sent.push(block_ids);
                }
                Action::Finished { failed } => {
                    assert!(failed.is_empty(), "{failed:?}");
                    return sent;
                }
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    #[test]
    fn a_model_that_loses_markers_gets_one_block_per_request_for_the_rest() {
        let mut s = Scheduler::new(vec![ids(1..=4), ids(5..=7), ids(8..=8)], ScheduleConfig { concurrency: 1, ..Default::default() });
        // This model keeps no marker: every chunk of more than one block comes back lost.
        let sent = drive(&mut s, |b| if b.len() > 1 { lost(b) } else { ok(b) });
        let singles: Vec<Vec<String>> = (1..=8).map(|i| ids(i..=i)).collect();
        assert_eq!(sent[..2], [ids(1..=4), ids(1..=2)], "first the existing split-retry, which loses them again");
        assert_eq!(sent[2..], singles[..], "then one block each, in reading order");
        assert_eq!(s.progress(), Progress { total: 8, done: 8, failed: 0, one_block_per_request: true });
    }

    #[test]
    fn lost_markers_before_any_split_only_split_the_chunk() {
        let mut s = Scheduler::new(vec![ids(1..=4), ids(5..=8)], ScheduleConfig { concurrency: 1, ..Default::default() });
        let (job, b) = start(&mut s, 0);
        s.report(job, &lost(&b), 0);
        assert!(!s.progress().one_block_per_request);
        let sent = drive(&mut s, ok);
        assert_eq!(sent, [ids(1..=2), ids(3..=4), ids(5..=8)], "a model that keeps markers in smaller chunks keeps its chunks");
    }

    #[test]
    fn a_running_chunk_that_comes_back_lost_after_the_switch_is_sent_block_by_block_in_order() {
        let mut s = Scheduler::new(vec![ids(1..=4), ids(5..=7), ids(8..=9)], ScheduleConfig { concurrency: 2, ..Default::default() });
        let (a, _) = start(&mut s, 0);
        let (b, _) = start(&mut s, 0);
        s.report(a, &lost(&ids(1..=4)), 0);
        let (half, first) = start(&mut s, 0);
        assert_eq!(first, ids(1..=2));
        s.report(half, &lost(&first), 0);
        assert!(s.progress().one_block_per_request);
        // b was sent before the switch, as three blocks; it loses them too.
        s.report(b, &lost(&ids(5..=7)), 0);
        let sent = drive(&mut s, |b| if b.len() > 1 { lost(b) } else { ok(b) });
        assert_eq!(sent, (1..=9).map(|i| ids(i..=i)).collect::<Vec<_>>(), "never split in halves again, and in reading order");
        assert_eq!(s.progress().done, 9);
    }

    #[test]
    fn untranslated_single_blocks_still_fail_for_good_after_the_switch() {
        let mut s = Scheduler::new(vec![ids(1..=3)], ScheduleConfig { concurrency: 1, ..Default::default() });
        let (job, b) = start(&mut s, 0);
        s.report(job, &lost(&b), 0);
        let (job, b) = start(&mut s, 0);
        s.report(job, &lost(&b), 0);
        let (job, b) = start(&mut s, 0);
        assert_eq!(b, ids(1..=1));
        s.report(job, &failed(&b, GlossError::Misaligned("came back unchanged".into())), 0);
        let (job, b) = start(&mut s, 0);
        s.report(job, &ok(&b), 0);
        let (job, b) = start(&mut s, 0);
        s.report(job, &ok(&b), 0);
        assert_eq!(s.next(0), Action::Finished { failed: ids(1..=1) });
    }

    #[test]
    fn server_errors_are_retried_then_fail_for_good() {
        let mut s = Scheduler::new(vec![ids(1..=1)], ScheduleConfig { concurrency: 1, max_attempts: 2, ..Default::default() });
        let err = || GlossError::Server { status: 500, detail: "boom".into(), retry_after_ms: None };
        let (job, b) = start(&mut s, 0);
        s.report(job, &failed(&b, err()), 0);
        assert_eq!(s.next(0), Action::Wait { ms: 1_000 });
        let (job, b) = start(&mut s, 1_000);
        s.report(job, &failed(&b, err()), 1_000);
        assert_eq!(s.next(1_000), Action::Finished { failed: ids(1..=1) });
    }

    #[test]
    fn the_page_budget_stops_cleanly() {
        let mut s = Scheduler::new(vec![ids(1..=1), ids(2..=2), ids(3..=3)], ScheduleConfig { concurrency: 1, budget_tokens: 150, ..Default::default() });
        let (job, b) = start(&mut s, 0);
        let mut end = ok(&b);
        end.usage = crate::llm::event::Usage { input_tokens: Some(60), output_tokens: Some(40) };
        s.report(job, &end, 0);
        let (job, b) = start(&mut s, 0);
        s.report(job, &ChunkEnd { usage: end.usage, ..ok(&b) }, 0);
        match s.next(0) {
            Action::Stopped { error, failed } => {
                assert_eq!(error.code, "budget_reached");
                assert_eq!(failed, ids(3..=3), "the blocks not reached are not lost: they can be retried");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(s.progress().done, 2);
    }

    #[test]
    fn the_digests_tokens_count_against_the_page_budget() {
        let mut s = Scheduler::new(vec![ids(1..=1), ids(2..=2)], ScheduleConfig { concurrency: 1, budget_tokens: 150, ..Default::default() });
        s.spent_elsewhere(120);
        let (job, b) = start(&mut s, 0);
        let mut end = ok(&b);
        end.usage = crate::llm::event::Usage { input_tokens: Some(20), output_tokens: Some(10) };
        s.report(job, &end, 0);
        assert!(matches!(s.next(0), Action::Stopped { error, .. } if error.code == "budget_reached"));
    }

    #[test]
    fn cancel_stops_everything() {
        let mut s = Scheduler::new(vec![ids(1..=1), ids(2..=2)], ScheduleConfig { concurrency: 1, ..Default::default() });
        start(&mut s, 0);
        s.cancel();
        match s.next(1) {
            Action::Stopped { error, failed } => {
                assert_eq!(error.code, "cancelled");
                assert_eq!(failed, ids(1..=2));
            }
            other => panic!("{other:?}"),
        }
    }
}
