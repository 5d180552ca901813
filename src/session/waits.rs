//! The waits of panels with nothing in flight (the requests-per-minute window, a retry's
//! backoff, the translation scheduler's pause), said to the panel when they begin and every
//! `KEEPALIVE_MS` while they last. The reader sees why nothing moves; and the panel answers each
//! with a `keepalive` frame, an event for the worker, which keeps the browser from stopping it
//! as idle (Chrome stops a worker that has had no event and made no extension call for 30 s;
//! Firefox's event page alike, and there the background's own posts do not count) and ending
//! the wait's timer with it.

use std::collections::BTreeMap;

use super::effect::{Effect, Frame, Progress, Section, WaitFor};
use super::event::Id;
use super::requests::{Owner, Pool, TimerFor};

/// How often a wait is said again: well inside the browsers' 30 s idle limit.
pub const KEEPALIVE_MS: u64 = 20_000;

/// One section of one panel waiting, and until when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait {
    pub port: Id,
    pub section: Section,
    pub until: u64,
    pub waiting_for: WaitFor,
}

/// `owner`'s waits, for each section with nothing in flight: the window's (`held`: the section
/// of the first request it holds, and when it has room; `translation_window` for the chunks), a
/// backoff of the digest's or of a question's, the translation's `pause`.
pub fn of_panel(owner: Owner, held: Option<(Section, u64)>, translation_window: Option<u64>, pause: Option<u64>, pool: &Pool) -> Vec<Wait> {
    let mut waits = Vec::new();
    let mut add = |section, until: Option<u64>, waiting_for| {
        if let Some(until) = until {
            waits.push(Wait { port: owner.port, section, until, waiting_for });
        }
    };
    for section in [Section::Digest, Section::Qa] {
        if pool.open_in(owner.port, section) == 0 {
            add(section, held.filter(|(s, _)| *s == section).map(|(_, t)| t), WaitFor::RateWindow);
            add(section, pool.backoff_until(owner, section), WaitFor::Retry);
        }
    }
    if pool.open_in(owner.port, Section::Translation) == 0 {
        add(Section::Translation, translation_window, WaitFor::RateWindow);
        add(Section::Translation, pause, WaitFor::Retry);
    }
    waits
}

#[derive(Default)]
pub struct Waits {
    /// The waits already said since the last tick, by panel and section.
    said: BTreeMap<(Id, Section), WaitFor>,
    /// The tick's timer, armed while any wait lasts.
    tick: Option<Id>,
}

impl Waits {
    /// After every event, the waits there are now: a new one is said at once, the others at the
    /// next tick; the tick runs while there is any.
    pub fn update(&mut self, waits: &[Wait], now: u64, pool: &mut Pool, out: &mut Vec<Effect>) {
        let mut said = BTreeMap::new();
        for wait in waits {
            let key = (wait.port, wait.section);
            // Two waits of one section (a window and a backoff): the longer is what holds it.
            if said.contains_key(&key) {
                continue;
            }
            let longest = waits.iter().filter(|w| (w.port, w.section) == key).max_by_key(|w| w.until).unwrap_or(wait);
            if self.said.get(&key) != Some(&longest.waiting_for) {
                let waiting_seconds = longest.until.saturating_sub(now).div_ceil(1000);
                let frame = Frame::Progress(Progress::Waiting { section: wait.section, waiting_seconds, waiting_for: longest.waiting_for });
                out.push(Effect::Post { port: wait.port, frame });
            }
            said.insert(key, longest.waiting_for);
        }
        self.said = said;
        match self.tick {
            None if !self.said.is_empty() => self.tick = Some(pool.arm(TimerFor::Keepalive, KEEPALIVE_MS, out)),
            Some(timer) if self.said.is_empty() => {
                pool.cancel_timer(timer, out);
                self.tick = None;
            }
            _ => {}
        }
    }

    /// The tick fired: every wait still there is said again by the `update` that follows.
    pub fn ticked(&mut self) {
        self.tick = None;
        self.said.clear();
    }
}
