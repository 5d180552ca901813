//! The core: one per worker, owning every panel's session, every request and timer, and the
//! cache. Events in (`handle`, and `bytes` for a body's bytes), effects out; it never does I/O
//! and reads the time only from the events, so tests drive it with a fake clock.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde_json::{json, Map, Value};

use crate::digest::Digest;
use crate::error::GlossError;
use crate::llm::endpoint::{parse_models, Endpoint};
use crate::settings::{Migrated, Settings};
use crate::text::Span;

use super::ctx::Ctx;
use super::digest_flow::DigestFlow;
use super::effect::{Area, Effect, Frame, Progress};
use super::event::{Event, Host, Id, PanelFrame, Section, Sender};
use super::panel::Work;
use super::qa_flow::QaFlow;
use super::requests::{Gate, News, Owner, Pool, Purpose, Reader, TimerFor, WINDOW_KEY};
use super::cache::caps_key;
use super::probe::{Probes, Waiter};
use super::store::Store;
use super::translation_flow::TranslationFlow;
use super::waits::{self, Waits};
use super::{call_with, CacheHits, CacheKeys, Session};
use ahead::{Ahead, Awaiting, Read};
pub use ahead::{AHEAD_KEEP_MS, AHEAD_TABS, AHEAD_WAIT_MS};

mod ahead;
mod connection;
mod ports;
mod start;

mod visits;

/// Starts (a page read, a restart, "digest anyway", a new article) one tab may make a minute.
pub const MAX_STARTS_PER_MINUTE: usize = 10;
/// Test connection gives up after this long.
pub const CONNECTION_TIMEOUT_MS: u64 = 15_000;
/// After a refused injection, wait this long and try again (Chromium sometimes refuses the first
/// right after a click, then allows it: measured, up to one click in five on a loaded machine).
pub const INJECT_RETRY_MS: &[u64] = &[100, 400];
/// Where the tabs Gloss injected into are kept while the browser runs (`storage.session`), so
/// that a Port from one is still accepted after the worker was stopped and started again.
pub const INJECTED_KEY: &str = "gloss-injected-tabs";

/// What waits for the sites' list to be read.
enum SitesOp {
    /// A page of a listed site asks whether to open (message `msg`, from `tab`).
    Visit { msg: Id, tab: i64, url: String, html: String },
    /// A panel's toggle: its state.
    State { owner: Owner, origin: String },
    /// Turn `origin` on or off; answer the panel (`owner`) or Options (`msg`).
    Change { owner: Option<Owner>, msg: Option<Id>, origin: String, on: bool, run: bool },
}

/// A setting the panel changes for good.
enum Preference {
    Bilingual(bool),
    DigestStyle(String),
}

/// A storage operation the core waits for.
enum Op {
    /// The settings, for this run of a panel that has its article.
    Settings { owner: Owner, session: Box<Session>, translate_lang: Option<String> },
    /// Cached results under these keys.
    Cache { owner: Owner, session: Box<Session>, keys: CacheKeys, resets: Vec<crate::settings::Reset> },
    /// The settings, to save one of the panel's preferences in them.
    Preference(Preference),
    /// The cache, for the digest in the style the reader just chose.
    Restyle { owner: Owner, key: String },
    Injected,
    /// The sites Gloss opens on by itself (and the settings), for `SitesOp`.
    Sites(SitesOp),
}

struct Panel {
    tab: Option<i64>,
    run: u64,
    work: Option<Box<Work>>,
    /// A page opened by itself on an always-on site: its article, waiting for the reader to
    /// open the panel before anything is sent.
    held: Option<(Box<Session>, Option<String>)>,
    /// A start waiting for the page its content script sends ahead.
    awaiting: Option<Awaiting>,
}

pub struct Core {
    host: Host,
    pool: Pool,
    store: Store,
    panels: BTreeMap<Id, Panel>,
    ops: BTreeMap<Id, Op>,
    /// Tabs Gloss injected its panel into; `None` until read from `storage.session`.
    injected: Option<BTreeSet<i64>>,
    /// Tabs injected into before that read came back.
    injected_early: BTreeSet<i64>,
    /// Ports waiting for that read, with the frames they sent meanwhile.
    parked: BTreeMap<Id, (Sender, Vec<Value>)>,
    /// Each tab's recent starts.
    starts: BTreeMap<i64, VecDeque<u64>>,
    /// Test connection's endpoint and settings, by message.
    connections: BTreeMap<Id, (Endpoint, Box<Settings>)>,
    /// Tabs being injected into: the intent and the refusals so far.
    injecting: BTreeMap<i64, (String, usize)>,
    /// The waits panels are told of, and the tick that tells them again.
    waits: Waits,
    /// Tabs whose panel a site visit opened, and whether its first start runs at once.
    visits: BTreeMap<i64, bool>,
    /// Pages sent ahead by their tab's content script, for the tab's panel's first start.
    ahead: BTreeMap<i64, Ahead>,
    /// Panels whose reader refused the site's permission, to say so with the toggle's state.
    denied: BTreeSet<Id>,
    /// What servers said they can do, and the probes out.
    probes: Probes,
    /// The host's high-resolution clock, lent for timing reports only: no decision reads it.
    clock: Option<Clock>,
    /// When the host handed over the event being handled, on that clock.
    entered: Option<f64>,
}

/// A clock in milliseconds (the worker's `performance.timeOrigin + performance.now()`).
pub type Clock = fn() -> f64;

impl Core {
    pub fn new(host: Host) -> Self {
        let store = Store::new(host.quota_bytes);
        Core {
            host,
            pool: Pool::default(),
            store,
            panels: BTreeMap::new(),
            ops: BTreeMap::new(),
            injected: None,
            injected_early: BTreeSet::new(),
            parked: BTreeMap::new(),
            starts: BTreeMap::new(),
            connections: BTreeMap::new(),
            injecting: BTreeMap::new(),
            waits: Waits::default(),
            visits: BTreeMap::new(),
            ahead: BTreeMap::new(),
            denied: BTreeSet::new(),
            probes: Probes::default(),
            clock: None,
            entered: None,
        }
    }

    /// Lends the core a clock: article frames then carry an [`ExtractTiming`].
    pub fn set_clock(&mut self, clock: Clock) {
        self.clock = Some(clock);
    }

    /// The host is about to hand over an event (before decoding it): noted for the timing report.
    pub fn entering(&mut self) {
        self.entered = self.clock.map(|now| now());
    }

    /// The settings a first run starts with: the defaults, in the browser's language.
    pub fn first_run_settings(&self) -> Settings {
        first_run_settings(&self.host.ui_language)
    }

    pub fn handle(&mut self, now: u64, event: Event) -> Vec<Effect> {
        let mut out = Vec::new();
        match event {
            Event::Clicked { tab, intent, url } => {
                // Known before the panel's Port can open, which may be before the injection resolves.
                self.injected_into(tab, &mut out);
                // A click is the reader asking: a visit's wait no longer applies to this tab.
                self.visits.remove(&tab);
                // A PDF is read in Gloss's reader page, which the same tab loads.
                if let Some(url) = url.as_deref().and_then(|u| crate::pdf::reader_url(&self.host.extension_url, u, None)) {
                    out.push(Effect::OpenReader { tab, url });
                } else {
                    self.injecting.insert(tab, (intent.clone(), 0));
                    out.push(Effect::Inject { tab, intent });
                }
            }
            Event::InjectDone { tab, ok, message } => self.inject_done(tab, ok, message, &mut out),
            Event::Connected { port, sender } => self.connected(port, sender, &mut out),
            Event::Frame { port, frame } => {
                if let Some((_, frames)) = self.parked.get_mut(&port) {
                    frames.push(frame);
                } else {
                    self.frame(port, frame, now, &mut out);
                }
            }
            Event::Disconnected { port } => {
                self.parked.remove(&port);
                self.denied.remove(&port);
                self.drop_panel(port, now, &mut out);
            }
            Event::StorageRead { op, items } => self.read(op, items, now, &mut out),
            Event::StorageWritten { op, ok, error } => {
                if !self.store.on_written(op, ok, &mut self.pool, &mut out) && !ok {
                    out.push(Effect::Warn { message: format!("a storage write failed: {}", error.unwrap_or_default()) });
                }
            }
            Event::ResponseHead { req, status, headers } => self.pool.on_head(req, status, headers),
            Event::ResponseEnd { req } => {
                if let Some(news) = self.pool.on_end(req, now, &mut out) {
                    self.news(news, now, &mut out);
                }
            }
            Event::ResponseFailed { req, message } => {
                if let Some(news) = self.pool.on_failed(req, message, &mut out) {
                    self.news(news, now, &mut out);
                }
            }
            Event::TimerFired { timer } => match self.pool.on_timer(timer, now, &mut out) {
                Some(Ok(news)) => self.news(news, now, &mut out),
                Some(Err(TimerFor::Inject(tab))) => {
                    if let Some((intent, _)) = self.injecting.get(&tab) {
                        out.push(Effect::Inject { tab, intent: intent.clone() });
                    }
                }
                Some(Err(TimerFor::Keepalive)) => self.waits.ticked(),
                Some(Err(TimerFor::Ahead(port))) => self.ahead_missed(port, &mut out),
                Some(Err(TimerFor::Panel(port))) => {
                    if let Some(work) = self.panels.get_mut(&port).and_then(|p| p.work.as_mut()) {
                        work.translation.woken(timer);
                    }
                }
                _ => {}
            },
            Event::Message { msg, sender, message } => self.message(msg, &sender, message, now, &mut out),
        }
        self.pump(now, &mut out);
        out
    }

    /// Bytes of response `req`'s body.
    pub fn bytes(&mut self, now: u64, req: Id, bytes: &[u8]) -> Vec<Effect> {
        let mut out = Vec::new();
        if let Some(news) = self.pool.on_bytes(req, bytes, &mut out) {
            self.news(news, now, &mut out);
        }
        self.pump(now, &mut out);
        out
    }

    fn drop_panel(&mut self, port: Id, now: u64, out: &mut Vec<Effect>) {
        self.pool.remove_owned(port, None, out);
        self.stop_awaiting(port, out);
        if let Some(tab) = self.panels.get(&port).and_then(|p| p.tab) {
            self.ahead.remove(&tab);
        }
        if let Some(mut work) = self.panels.remove(&port).and_then(|p| p.work) {
            let owner = Owner { port, run: 0 };
            work.stop(&mut Ctx { pool: &mut self.pool, store: &mut self.store, out, owner, now });
        }
    }

    // ---- frames ----

    fn frame(&mut self, port: Id, raw: Value, now: u64, out: &mut Vec<Effect>) {
        let Some(panel) = self.panels.get_mut(&port) else { return };
        // Read the section first, so the frame (the page's HTML, in a start) moves rather than copies.
        let section = raw.get("section").and_then(|s| serde_json::from_value(s.clone()).ok()).unwrap_or(Section::Digest);
        let frame: PanelFrame = match serde_json::from_value(raw) {
            Ok(frame) => frame,
            Err(e) => {
                // A frame the core cannot read is said in its section, not dropped silently.
                let error = GlossError::Invalid(format!("unreadable frame: {e}")).info();
                out.push(Effect::Post { port, frame: Frame::error(section, error) });
                return;
            }
        };
        let owner = Owner { port, run: panel.run };
        match frame {
            PanelFrame::Start { ahead, html, url, readerable_gate, selection_html, translate_lang, on_device, pdf, pdf_failure } => {
                let from_page = ahead && pdf.is_none() && pdf_failure.is_none();
                let read = (!from_page).then_some(Read { html, url, selection_html, on_device, pdf, pdf_failure, ahead: None });
                self.start(port, read, readerable_gate, translate_lang, now, out);
            }
            PanelFrame::Expand {} => {
                if let Some((session, translate_lang)) = panel.held.take() {
                    self.read_settings(owner, session, translate_lang, out);
                }
            }
            PanelFrame::Site { on, run, granted } => {
                let url = match (&panel.work, &panel.held) {
                    (Some(work), _) => work.session.article.url.clone(),
                    (None, Some((session, _))) => session.article.url.clone(),
                    _ => None,
                };
                self.site_toggled(owner, url.as_deref(), on, run, granted, out);
            }
            PanelFrame::Close {} => self.drop_panel(port, now, out),
            PanelFrame::OpenOptions {} => out.push(Effect::OpenOptions),
            PanelFrame::Keepalive {} => {}
            PanelFrame::Preference { name, value } if name == "bilingual" => {
                self.save_preference(Preference::Bilingual(value.as_bool().unwrap_or(false)), out);
            }
            PanelFrame::Preference { .. } => {}
            PanelFrame::Restyle { style } => {
                let Some(work) = panel.work.as_mut() else { return };
                match work.session.restyle(&style) {
                    Ok(key) => {
                        let op = self.pool.id();
                        self.ops.insert(op, Op::Restyle { owner, key: key.clone() });
                        out.push(Effect::StorageGet { op, area: Area::Local, keys: vec![key] });
                        self.save_preference(Preference::DigestStyle(style), out);
                    }
                    Err(e) => out.push(Effect::Post { port, frame: Frame::error(Section::Digest, e.info()) }),
                }
            }
            other => {
                let Some(work) = panel.work.as_mut() else { return };
                work.frame(other, &mut Ctx { pool: &mut self.pool, store: &mut self.store, out, owner, now });
            }
        }
    }

    /// Reads the settings (then the cache) for a panel's article, to plan its digest and translation.
    fn read_settings(&mut self, owner: Owner, session: Box<Session>, translate_lang: Option<String>, out: &mut Vec<Effect>) {
        let op = self.pool.id();
        self.ops.insert(op, Op::Settings { owner, session, translate_lang });
        let keys = vec!["settings".into(), crate::glossary::STORAGE_KEY.into()];
        out.push(Effect::StorageGet { op, area: Area::Local, keys });
    }

    /// Reads the settings to change one preference in them (`Op::Preference` writes them back).
    fn save_preference(&mut self, preference: Preference, out: &mut Vec<Effect>) {
        let op = self.pool.id();
        self.ops.insert(op, Op::Preference(preference));
        out.push(Effect::StorageGet { op, area: Area::Local, keys: vec!["settings".into()] });
    }

    /// Counts a start of `tab`; false when it has made its share this minute.
    fn may_start(&mut self, tab: i64, now: u64) -> bool {
        let starts = self.starts.entry(tab).or_default();
        while starts.front().is_some_and(|t| now.saturating_sub(*t) >= 60_000) {
            starts.pop_front();
        }
        if starts.len() >= MAX_STARTS_PER_MINUTE {
            return false;
        }
        starts.push_back(now);
        true
    }

    /// A restart: whatever the panel's last run sent is aborted, its timers cancelled.
    fn drop_work(&mut self, port: Id, now: u64, out: &mut Vec<Effect>) {
        self.pool.remove_owned(port, None, out);
        let Some(panel) = self.panels.get_mut(&port) else { return };
        if let Some(mut work) = panel.work.take() {
            let owner = Owner { port, run: panel.run };
            work.stop(&mut Ctx { pool: &mut self.pool, store: &mut self.store, out, owner, now });
        }
    }

    // ---- storage reads ----

    fn read(&mut self, op: Id, items: Map<String, Value>, now: u64, out: &mut Vec<Effect>) {
        if self.store.on_read(op, &items, &mut self.pool, out) {
            return;
        }
        let Some(pending) = self.ops.remove(&op) else { return };
        match pending {
            Op::Injected => self.injected_read(&items, now, out),
            Op::Sites(op) => self.sites_read(op, &items, out),
            Op::Preference(preference) => {
                let mut settings = self.stored_settings(&items).settings;
                match preference {
                    Preference::Bilingual(on) => settings.bilingual = on,
                    Preference::DigestStyle(style) => settings.digest_style = style,
                }
                let items = Map::from_iter([("settings".to_string(), serde_json::to_value(settings).unwrap_or_default())]);
                let op = self.pool.id();
                out.push(Effect::StorageSet { op, area: Area::Local, items });
            }
            Op::Settings { owner, mut session, translate_lang } => {
                if !self.is_current(owner) {
                    return;
                }
                let Migrated { mut settings, resets } = self.stored_settings(&items);
                if let Some(lang) = translate_lang {
                    settings.translate_lang = lang;
                }
                session.configure(settings);
                if let Some(stored) = items.get(crate::glossary::STORAGE_KEY) {
                    session.set_glossaries(crate::glossary::Glossaries::from_stored(stored));
                }
                let keys = session.cache_keys();
                let caps = session.probe().map(|(key, _)| key);
                let wanted: Vec<String> = keys.digest.iter().chain(&keys.qa).cloned().chain(keys.blocks.iter().map(|(_, k)| k.clone())).chain(caps).collect();
                if wanted.is_empty() {
                    self.begin(owner, *session, resets, now, out);
                    return;
                }
                let op = self.pool.id();
                self.ops.insert(op, Op::Cache { owner, session, keys, resets });
                out.push(Effect::StorageGet { op, area: Area::Local, keys: wanted });
            }
            Op::Restyle { owner, key } => {
                if !self.is_current(owner) {
                    return;
                }
                self.store.touch(&items, now, &mut self.pool, out);
                let hit = items.get(&key).and_then(|v| serde_json::from_value::<Digest>(v.clone()).ok());
                let Some(work) = self.panels.get_mut(&owner.port).and_then(|p| p.work.as_mut()) else { return };
                work.restyled(hit, &mut Ctx { pool: &mut self.pool, store: &mut self.store, out, owner, now });
            }
            Op::Cache { owner, session, keys, resets } => {
                if !self.is_current(owner) {
                    return;
                }
                self.store.touch(&items, now, &mut self.pool, out);
                let hits = hits(&keys, &items);
                let mut session = *session;
                session.apply_cache(hits);
                self.begin_or_probe(owner, session, resets, &items, now, out);
            }
        }
    }

    /// Begins the panel once what the server can do is known: from this worker's memory or the
    /// cache, else from a probe it waits for (with every other panel asking of the same model).
    fn begin_or_probe(&mut self, owner: Owner, mut session: Session, resets: Vec<crate::settings::Reset>, items: &Map<String, Value>, now: u64, out: &mut Vec<Effect>) {
        let Some((key, probe)) = session.probe() else { return self.begin(owner, session, resets, now, out) };
        if let Some(learned) = super::probe::known(items.get(&key), now) {
            session.learn(learned.caps);
            return self.begin(owner, session, resets, now, out);
        }
        let Some(endpoint) = session.model_endpoint().cloned() else { return self.begin(owner, session, resets, now, out) };
        let settings = session.settings().clone();
        let waiter = Waiter::Panel { owner, session: Box::new(session), resets };
        self.probes.ask(key, probe, &endpoint, &settings, waiter, &mut self.pool, out, now);
    }

    fn probe_done(&mut self, key: &str, news: News, now: u64, out: &mut Vec<Effect>) {
        let (caps, waiters) = self.probes.done(key, news, &mut self.store, &mut self.pool, out, now);
        for waiter in waiters {
            match waiter {
                Waiter::Panel { owner, mut session, resets } if self.is_current(owner) => {
                    session.learn(caps.clone());
                    self.begin(owner, *session, resets, now, out);
                }
                Waiter::Panel { .. } => {}
                Waiter::Connection { msg, report, settings } => Self::reply_report(msg, report, &settings, caps.clone(), out),
            }
        }
    }

    /// The stored settings brought up to date, or the first run's when none are stored.
    fn stored_settings(&self, items: &Map<String, Value>) -> Migrated {
        match items.get("settings") {
            Some(stored) => Settings::from_stored(stored),
            None => Migrated { settings: self.first_run_settings(), resets: Vec::new() },
        }
    }

    fn is_current(&self, owner: Owner) -> bool {
        self.panels.get(&owner.port).is_some_and(|p| p.run == owner.run)
    }

    fn begin(&mut self, owner: Owner, session: Session, resets: Vec<crate::settings::Reset>, now: u64, out: &mut Vec<Effect>) {
        let mut cx = Ctx { pool: &mut self.pool, store: &mut self.store, out, owner, now };
        let work = Work::begin(session, resets, &mut cx);
        if let Some(panel) = self.panels.get_mut(&owner.port) {
            panel.work = Some(Box::new(work));
        }
    }

    // ---- requests ----

    /// Sends what may be sent, panel by panel: each panel's digest requests first, then its
    /// translation's chunks; a window that is full arms one timer for when it has room. Then
    /// the panels are told what they wait for.
    fn pump(&mut self, now: u64, out: &mut Vec<Effect>) {
        let mut until: Option<u64> = None;
        let mut waiting = Vec::new();
        for (port, panel) in self.panels.iter_mut() {
            let Some(work) = panel.work.as_mut() else { continue };
            let owner = Owner { port: *port, run: panel.run };
            let settings = work.session.settings();
            let rpm = settings.requests_per_minute;
            let local = work.session.is_local().then(|| local_limit(settings.concurrency));
            let mut cx = Ctx { pool: &mut self.pool, store: &mut self.store, out, owner, now };
            work.digest.feed(&work.session, &mut cx);
            let queued = cx.pool.queued(owner);
            let (mut held, mut window, mut translation_window) = (false, None, None);
            for id in &queued {
                match cx.pool.gate(now, rpm, local) {
                    Gate::Open => cx.pool.open(*id, now, cx.out),
                    Gate::Until(t) => {
                        until = Some(until.map_or(t, |u| u.min(t)));
                        (held, window) = (true, cx.pool.section_of(*id).map(|s| (s, t)));
                        break;
                    }
                    Gate::Full => {
                        held = true;
                        break;
                    }
                }
            }
            // A local server reads the digest first; chunks wait until it is sent.
            if !(held && local.is_some()) {
                if let Some(Gate::Until(t)) = work.translation.pump(&mut work.session, &mut cx, &mut |pool, now| pool.gate(now, rpm, local)) {
                    until = Some(until.map_or(t, |u| u.min(t)));
                    translation_window = Some(t);
                }
            }
            waiting.extend(waits::of_panel(owner, window, translation_window, work.translation.waiting_until(), cx.pool));
        }
        if let Some(t) = until {
            self.pool.wake_at(t, now, out);
        }
        self.waits.update(&waiting, now, &mut self.pool, out);
    }

    fn news(&mut self, news: News, now: u64, out: &mut Vec<Effect>) {
        let (owner, digest) = match &news {
            News::Bytes { req, bytes } => {
                self.request_bytes(*req, bytes, now, out);
                return;
            }
            News::Reading { owner, seconds, section } => {
                if self.is_current(*owner) {
                    out.push(Effect::Post { port: owner.port, frame: Frame::Progress(Progress::Reading { section: *section, reading_seconds: *seconds }) });
                }
                return;
            }
            News::Requeued => return,
            News::Ended { req } | News::Failed { req, .. } => {
                if let Purpose::Connection { msg } = req.purpose {
                    self.connection_done(msg, news, now, out);
                    return;
                }
                if let Purpose::Probe { key } = &req.purpose {
                    let key = key.clone();
                    self.probe_done(&key, news, now, out);
                    return;
                }
                (req.owner, !matches!(req.purpose, Purpose::Chunk { .. }))
            }
        };
        let Some(panel) = self.panels.get_mut(&owner.port).filter(|p| p.run == owner.run) else { return };
        let Some(work) = panel.work.as_mut() else { return };
        work.settle(news, digest, &mut Ctx { pool: &mut self.pool, store: &mut self.store, out, owner, now });
    }

    fn request_bytes(&mut self, id: Id, bytes: &[u8], now: u64, out: &mut Vec<Effect>) {
        let Some(req) = self.pool.get_mut(id) else { return };
        if let Reader::Body(body) = &mut req.reader {
            body.extend_from_slice(bytes);
            return;
        }
        let owner = req.owner;
        let Some(work) = self.panels.get_mut(&owner.port).filter(|p| p.run == owner.run).and_then(|p| p.work.as_mut()) else {
            self.pool.remove(id, out);
            return;
        };
        let Some(mut req) = self.pool.take(id) else { return };
        let mut cx = Ctx { pool: &mut self.pool, store: &mut self.store, out, owner, now };
        let pushed = match req.purpose {
            Purpose::Chunk { .. } => TranslationFlow::bytes(&mut req, bytes, &mut cx),
            Purpose::Answer { .. } => QaFlow::bytes(&mut req, bytes, &mut cx),
            _ => DigestFlow::bytes(&mut req, bytes, &mut cx),
        };
        let digest = !matches!(req.purpose, Purpose::Chunk { .. });
        match pushed {
            Ok(()) => cx.pool.restore(id, req),
            Err(error) => {
                // An error inside a 200 stream: the request is over, with what it showed kept.
                cx.pool.restore(id, req);
                if let Some(req) = cx.pool.remove(id, cx.out) {
                    work.settle(News::Failed { req, error, mid_stream: true }, digest, &mut cx);
                }
            }
        }
    }

    // ---- one-off messages from the options page ----

    fn message(&mut self, msg: Id, sender: &Sender, message: Value, now: u64, out: &mut Vec<Effect>) {
        // The two messages a page's content script sends: a page of a listed site asks whether to
        // open (only those open), and a panel's page arrives ahead of its start.
        match message.get("type").and_then(Value::as_str) {
            Some("siteVisit") => return self.site_visit(msg, sender, &message, out),
            Some("pageAhead") => return self.page_ahead(msg, sender, message, now, out),
            _ => {}
        }
        if !sender.is_page(&self.host, "options.html") {
            // Only Options may test a connection or clear the cache.
            out.push(Effect::Warn { message: "refused a message from outside the options page".into() });
            out.push(Effect::Reply { msg, value: Value::Null });
            return;
        }
        match message.get("type").and_then(Value::as_str) {
            Some("testConnection") => self.test_connection(msg, message.get("settings").cloned().unwrap_or_default(), now, out),
            Some("clearCache") => self.store.clear(msg, &mut self.pool, out),
            Some("forgetSite") => self.forget_site(msg, &message, out),
            _ => out.push(Effect::Reply { msg, value: Value::Null }),
        }
    }
}

/// Requests open at once to a local server: one, unless the reader changed "requests at once".
pub fn local_limit(concurrency: usize) -> usize {
    if concurrency == crate::translate::DEFAULT_CONCURRENCY { 1 } else { concurrency.max(1) }
}

/// The settings of a first run: the defaults, in the browser's language (its full tag).
pub fn first_run_settings(ui_language: &str) -> Settings {
    let lang = crate::text::lang::ui_default(ui_language).to_string();
    Settings { digest_lang: lang.clone(), translate_lang: lang, ..Settings::default() }
}

/// What the cache held under `keys`, in the session's shape; unreadable entries are misses.
fn hits(keys: &CacheKeys, items: &Map<String, Value>) -> CacheHits {
    let digest = keys.digest.as_ref().and_then(|k| items.get(k)).and_then(|v| serde_json::from_value::<Digest>(v.clone()).ok());
    let blocks = keys
        .blocks
        .iter()
        .filter_map(|(_, key)| Some((key.clone(), serde_json::from_value::<Vec<Span>>(items.get(key)?.clone()).ok()?)))
        .collect();
    let qa = keys.qa.as_ref().and_then(|k| items.get(k)).and_then(|v| serde_json::from_value::<crate::qa::Conversation>(v.clone()).ok());
    CacheHits { digest, blocks, qa }
}
