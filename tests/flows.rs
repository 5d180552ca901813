//! Whole flows through the session core with a fake clock and scripted responses: the test is
//! the worker (it carries out every effect) and the provider (it answers every fetch).

use std::collections::BTreeMap;

use gloss::session::effect::{Area, Effect};
use gloss::session::event::{Event, Host, Id, Sender, Tab};
use gloss::session::machine::Core;
use serde_json::{json, Map, Value};

const EXTENSION: &str = "gloss-test-id";
const BASE: &str = "chrome-extension://gloss-test-id/";
const PORT: Id = 1;
const TAB: i64 = 7;

/// How the fake provider answers one request.
#[derive(Clone, Debug)]
enum Answer {
    /// 200 and this text as an OpenAI stream, with the usage it reports.
    Text { text: String, usage: Option<(u64, u64)> },
    /// This status and JSON body, with these headers.
    Status { status: u16, headers: Vec<(String, String)>, body: String },
    /// Never answers.
    Hang,
}

fn text(t: &str) -> Answer {
    Answer::Text { text: t.to_string(), usage: None }
}

fn status(status: u16, retry_after: Option<&str>, body: &str) -> Answer {
    let headers = retry_after.map(|s| vec![("retry-after".to_string(), s.to_string())]).unwrap_or_default();
    Answer::Status { status, headers, body: body.to_string() }
}

const RATE_LIMITED: &str = r#"{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}"#;
const CONTEXT: &str = r#"{"error":{"message":"This model's maximum context length is 8192 tokens","type":"invalid_request_error","code":"context_length_exceeded"}}"#;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Digest,
    Part,
    Merge,
    Translate,
    Models,
}

fn kind(body: &str) -> Kind {
    if body.contains("professional translator") {
        Kind::Translate
    } else if body.contains("Digest of part") {
        Kind::Merge
    } else if body.contains("This is part ") {
        Kind::Part
    } else if body.is_empty() {
        Kind::Models
    } else {
        Kind::Digest
    }
}

/// A fetch the core asked for.
#[derive(Debug, Clone)]
struct Sent {
    req: Id,
    at: u64,
    kind: Kind,
    body: String,
    closed_at: Option<u64>,
    /// The status it was answered with (none: aborted, or not answered yet).
    status: Option<u16>,
}

/// The provider's script: the request's kind and body, and how many of that kind came before.
type Script = Box<dyn FnMut(Kind, &str, usize) -> Answer>;

enum Due {
    Timer(Id),
    Answer(Id),
}

struct World {
    core: Core,
    now: u64,
    latency: u64,
    answer: Script,
    storage: Map<String, Value>,
    session: Map<String, Value>,
    /// Refuse writes to local storage (a full quota), or those that would pass this many bytes.
    full: bool,
    capacity: Option<usize>,
    /// Injections to refuse before one is allowed, and every injection and badge asked for.
    refuse_injections: usize,
    injections: usize,
    badges: Vec<String>,
    due: BTreeMap<(u64, u64), Due>,
    seq: u64,
    timers: BTreeMap<Id, (u64, u64)>,
    sent: Vec<Sent>,
    frames: Vec<Value>,
    replies: Vec<(Id, Value)>,
    pending: Vec<Event>,
}

impl World {
    fn new(answer: impl FnMut(Kind, &str, usize) -> Answer + 'static) -> World {
        let host = Host { extension_id: EXTENSION.into(), extension_url: BASE.into(), ui_language: "en-US".into(), quota_bytes: Some(10 * 1024 * 1024) };
        World {
            core: Core::new(host),
            now: 1_000_000,
            latency: 500,
            answer: Box::new(answer),
            storage: Map::new(),
            session: Map::new(),
            full: false,
            capacity: None,
            refuse_injections: 0,
            injections: 0,
            badges: Vec::new(),
            due: BTreeMap::new(),
            seq: 0,
            timers: BTreeMap::new(),
            sent: Vec::new(),
            frames: Vec::new(),
            replies: Vec::new(),
            pending: Vec::new(),
        }
    }

    fn settings(mut self, extra: Value) -> World {
        let mut s = json!({"schemaVersion": 3, "provider": "openai", "apiKeys": {"openai": "sk-test"}, "model": "gpt-4o-mini",
            "baseUrl": "https://api.test/v1", "digestLang": "en", "translateLang": "fr"});
        for (k, v) in extra.as_object().into_iter().flatten() {
            s[k] = v.clone();
        }
        self.storage.insert("settings".into(), s);
        self
    }

    fn event(&mut self, event: Event) {
        let effects = self.core.handle(self.now, event);
        self.run(effects);
        while !self.pending.is_empty() {
            let events = std::mem::take(&mut self.pending);
            for e in events {
                let effects = self.core.handle(self.now, e);
                self.run(effects);
            }
        }
    }

    fn at(&mut self, when: u64, due: Due) {
        self.seq += 1;
        self.due.insert((when, self.seq), due);
    }

    fn run(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Post { frame, .. } => self.frames.push(serde_json::to_value(&frame).unwrap_or_default()),
                Effect::Fetch { req, request } => {
                    let body = request.body.unwrap_or_default();
                    let kind = kind(&body);
                self.sent.push(Sent { req, at: self.now, kind, body, closed_at: None, status: None });
                    self.at(self.now + self.latency, Due::Answer(req));
                }
                Effect::Abort { req } => self.close(req),
                Effect::ArmTimer { timer, ms } => {
                    self.seq += 1;
                    let key = (self.now + ms, self.seq);
                    self.timers.insert(timer, key);
                    self.due.insert(key, Due::Timer(timer));
                }
                Effect::CancelTimer { timer } => {
                    if let Some(key) = self.timers.remove(&timer) {
                        self.due.remove(&key);
                    }
                }
                Effect::StorageGet { op, area, keys } => {
                    let store = if area == Area::Local { &self.storage } else { &self.session };
                    let items = keys.iter().filter_map(|k| Some((k.clone(), store.get(k)?.clone()))).collect();
                    self.pending.push(Event::StorageRead { op, items });
                }
                Effect::StorageSet { op, area, items } => {
                    let size = |m: &Map<String, Value>| m.iter().map(|(k, v)| k.len() + v.to_string().len()).sum::<usize>();
                    let mut after = self.storage.clone();
                    after.extend(items.clone());
                    let fits = self.capacity.is_none_or(|c| size(&after) <= c);
                    let ok = area == Area::Session || (!self.full && fits);
                    if ok {
                        let store = if area == Area::Local { &mut self.storage } else { &mut self.session };
                        store.extend(items);
                    }
                    self.pending.push(Event::StorageWritten { op, ok, error: None });
                }
                Effect::StorageRemove { keys, .. } => {
                    for k in keys {
                        self.storage.remove(&k);
                    }
                }
                Effect::Reply { msg, value } => self.replies.push((msg, value)),
                Effect::Inject { tab, .. } => {
                    self.injections += 1;
                    let ok = self.injections > self.refuse_injections;
                    self.pending.push(Event::InjectDone { tab, ok, message: None });
                }
                Effect::Badge { text, .. } => self.badges.push(text),
                Effect::Disconnect { .. } | Effect::OpenOptions | Effect::Warn { .. } => {}
            }
        }
    }

    fn close(&mut self, req: Id) {
        if let Some(s) = self.sent.iter_mut().find(|s| s.req == req && s.closed_at.is_none()) {
            s.closed_at = Some(self.now);
        }
    }

    /// Answers request `req` as the script says.
    fn deliver(&mut self, req: Id) {
        let Some(sent) = self.sent.iter().find(|s| s.req == req && s.closed_at.is_none()).cloned() else { return };
        let n = self.sent.iter().filter(|s| s.kind == sent.kind && s.req < req).count();
        let answer = (self.answer)(sent.kind, &sent.body, n);
        let code = match &answer {
            Answer::Status { status, .. } => Some(*status),
            Answer::Text { .. } => Some(200),
            Answer::Hang => None,
        };
        if let Some(s) = self.sent.iter_mut().find(|s| s.req == req) {
            s.status = code;
        }
        match answer {
            Answer::Hang => return,
            Answer::Status { status, headers, body } => {
                self.event(Event::ResponseHead { req, status, headers });
                let effects = self.core.bytes(self.now, req, body.as_bytes());
                self.run(effects);
            }
            Answer::Text { text, usage } => {
                self.event(Event::ResponseHead { req, status: 200, headers: vec![] });
                let delta = json!({"choices": [{"index": 0, "delta": {"content": text}}]});
                let mut stream = format!("data: {delta}\n\n");
                if let Some((i, o)) = usage {
                    stream.push_str(&format!("data: {}\n\n", json!({"choices": [], "usage": {"prompt_tokens": i, "completion_tokens": o}})));
                }
                stream.push_str("data: [DONE]\n\n");
                let effects = self.core.bytes(self.now, req, stream.as_bytes());
                self.run(effects);
            }
        }
        self.close(req);
        self.event(Event::ResponseEnd { req });
    }

    /// Runs the clock until nothing is due before `until` (or at all).
    fn run_until(&mut self, until: u64) {
        while let Some((&(when, seq), _)) = self.due.iter().next() {
            if when > until {
                break;
            }
            let Some(due) = self.due.remove(&(when, seq)) else { break };
            self.now = self.now.max(when);
            match due {
                Due::Timer(timer) => {
                    self.timers.remove(&timer);
                    self.event(Event::TimerFired { timer });
                }
                Due::Answer(req) => self.deliver(req),
            }
        }
    }

    fn settle(&mut self) {
        self.run_until(u64::MAX);
    }

    fn open_panel(&mut self, html: &str) {
        self.event(Event::Clicked { tab: TAB, intent: "page".into() });
        self.connect(PORT);
        self.frame(PORT, json!({"type": "start", "html": html, "url": "https://news.example/story", "readerableGate": false}));
    }

    fn connect(&mut self, port: Id) {
        let sender = Sender { id: Some(EXTENSION.into()), url: Some("https://news.example/story".into()), tab: Some(Tab { id: TAB }), frame_id: Some(0) };
        self.event(Event::Connected { port, sender });
    }

    fn frame(&mut self, port: Id, frame: Value) {
        self.event(Event::Frame { port, frame });
    }

    fn of(&self, ty: &str, section: &str) -> Vec<&Value> {
        self.frames.iter().filter(|f| f["type"] == ty && f["section"] == section).collect()
    }

    fn done(&self, section: &str) -> Option<&Value> {
        self.of("done", section).last().copied()
    }

    fn sent(&self, kind: Kind) -> Vec<&Sent> {
        self.sent.iter().filter(|s| s.kind == kind).collect()
    }

    /// Most requests open at once over the whole run.
    fn most_open(&self) -> usize {
        let mut points: Vec<(u64, i32)> = Vec::new();
        for s in &self.sent {
            points.push((s.at, 1));
            points.push((s.closed_at.unwrap_or(u64::MAX), -1));
        }
        points.sort();
        points.iter().scan(0, |open, (_, d)| {
            *open += d;
            Some(*open)
        }).max().unwrap_or(0) as usize
    }
}

/// An article of `paragraphs` paragraphs of about 60 words each.
fn article(paragraphs: usize) -> String {
    let body: String = (0..paragraphs)
        .map(|i| format!("<p>Paragraph {i} tells of the lighthouse keepers of Skarholm, who kept the lamp lit through every storm of the long winter, wrote each ship they saw into the log, and in spring painted the tower white again so that sailors could find it from far out at sea by day as well as by night.</p>"))
        .collect();
    format!("<html lang=\"en\"><head><title>The Keepers</title></head><body><article><h1>The Keepers</h1>{body}</article></body></html>")
}

const DIGEST: &str = "## Key points\n- The lamp stayed lit [b2]\n## Summary\nKeepers kept the light.\n## Details\n- Log: every ship [b3]\n";

/// A translation of every `[[n]]` block in the request.
fn translation(body: &str) -> String {
    let count = body.matches("[[").count();
    (1..=count).map(|n| format!("[[{n}]] Traduit {n}.\n")).collect()
}

fn cloud(kind: Kind, body: &str, _: usize) -> Answer {
    match kind {
        Kind::Translate => text(&translation(body)),
        _ => text(DIGEST),
    }
}

#[test]
fn a_short_article_is_digested_and_translated_and_its_spend_shown() {
    let mut w = World::new(|kind, body, _| match kind {
        Kind::Translate => Answer::Text { text: translation(body), usage: Some((100, 50)) },
        _ => Answer::Text { text: DIGEST.into(), usage: Some((300, 40)) },
    })
    .settings(json!({}));
    w.open_panel(&article(4));
    w.settle();
    assert_eq!(w.of("article", "").len() + w.frames.iter().filter(|f| f["type"] == "article").count(), 1);
    let digest = w.done("digest").unwrap_or_else(|| panic!("no digest: {:#?}", w.frames));
    assert_eq!(digest["spend"]["inputTokens"], 300);
    assert_eq!(digest["digest"]["keyPoints"].as_array().map(Vec::len), Some(1));
    assert_eq!(digest["elapsedMs"], 500, "from the start to the answer's end, on the fake clock");
    let done = w.done("translation").unwrap_or_else(|| panic!("no translation: {:#?}", w.frames));
    assert_eq!(done["failedBlockIds"], json!([]));
    assert!(done["spend"]["inputTokens"].as_u64().is_some_and(|n| n >= 100));
    assert!(w.storage.keys().any(|k| k.starts_with("gloss-cache:digest:")), "the digest is cached");
    assert!(w.storage["gloss-cache-index"].as_object().is_some_and(|i| i.len() > 1), "and indexed");
}

#[test]
fn a_digest_in_parts_through_a_429_and_a_context_error_counts_every_call() {
    // A window of 8k tokens: the article goes in parts. The first part is refused once as too
    // long (so parts get smaller), one part is rate limited once, and every call reports usage.
    let mut context_refused = false;
    let mut limited = false;
    let mut w = World::new(move |kind, body, _| match kind {
        Kind::Part if !context_refused => {
            context_refused = true;
            status(400, None, CONTEXT)
        }
        Kind::Part if !limited && body.contains("part 2 of") => {
            limited = true;
            status(429, Some("2"), RATE_LIMITED)
        }
        Kind::Part => Answer::Text { text: "## Key points\n- A part's point\n".into(), usage: Some((1_000, 100)) },
        Kind::Merge => Answer::Text { text: DIGEST.into(), usage: Some((700, 80)) },
        Kind::Translate => text(&translation(body)),
        _ => panic!("the whole article does not fit: it goes in parts"),
    })
    .settings(json!({"modelOverrides": [{"model": "gpt-4o-mini", "contextTokens": 8000}], "confirmAboveWords": 100000}));
    w.open_panel(&article(200));
    w.settle();
    let first_parts = w.frames.iter().find(|f| f["type"] == "progress" && f["section"] == "digest").map(|f| f["parts"]["total"].clone());
    let done = w.done("digest").unwrap_or_else(|| panic!("no digest: {:?}", w.of("error", "digest")));
    let parts = done["parts"].as_u64().unwrap_or(0);
    assert!(parts > first_parts.and_then(|t| t.as_u64()).unwrap_or(0), "smaller parts after the context error: {parts}");
    let answered = w.sent(Kind::Part).iter().filter(|s| s.status == Some(200)).count() as u64;
    assert_eq!(answered, parts, "every part was answered once");
    assert_eq!(w.sent(Kind::Part).iter().filter(|s| s.status.is_some_and(|c| c != 200)).count(), 2, "the refused one and the rate-limited one");
    assert_eq!(done["spend"]["inputTokens"], json!(1_000 * parts + 700), "every part's spend and the merge's");
    assert_eq!(done["spend"]["outputTokens"], json!(100 * parts + 80));
    let part2: Vec<&Sent> = w.sent(Kind::Part).into_iter().filter(|s| s.body.contains("part 2 of")).collect();
    let limited_at = part2.iter().find(|s| s.status == Some(429)).map(|s| s.at + w.latency);
    let retried_at = part2.last().map(|s| s.at);
    assert!(limited_at.zip(retried_at).is_some_and(|(a, b)| b >= a + 2_000), "the 429's retry-after was honoured: {limited_at:?} {retried_at:?}");
    assert!(w.of("error", "digest").is_empty());
}

#[test]
fn parts_and_merge_respect_the_requests_per_minute_cap() {
    let mut w = World::new(cloud).settings(json!({"modelOverrides": [{"model": "gpt-4o-mini", "contextTokens": 8000}], "requestsPerMinute": 3, "confirmAboveWords": 100000}));
    w.latency = 100;
    w.open_panel(&article(120));
    w.settle();
    assert!(w.done("digest").is_some() && w.done("translation").is_some());
    let times: Vec<u64> = w.sent.iter().map(|s| s.at).collect();
    assert!(w.sent(Kind::Part).len() >= 2 && times.len() > 3);
    for (i, t) in times.iter().enumerate() {
        let in_window = times.iter().filter(|u| **u <= *t && t - **u < 60_000).count();
        assert!(in_window <= 3, "request {i} at {t}: {in_window} requests in its minute: {times:?}");
    }
}

#[test]
fn a_translation_through_a_429_storm_stops_hard_and_sends_nothing_more() {
    let mut w = World::new(|kind, body, _| match kind {
        Kind::Translate => status(429, None, RATE_LIMITED),
        _ => cloud(kind, body, 0),
    })
    .settings(json!({"concurrency": 1}));
    w.open_panel(&article(30));
    w.settle();
    let done = w.done("translation").unwrap_or_else(|| panic!("no end"));
    assert_eq!(done["error"]["code"], "rate_limited");
    assert!(!done["failedBlockIds"].as_array().is_none_or(Vec::is_empty));
    let sent = w.sent(Kind::Translate).len();
    assert_eq!(sent, 4, "four rate limits in a row stop the page");
    w.run_until(w.now + 600_000);
    assert_eq!(w.sent(Kind::Translate).len(), sent, "nothing is sent after the hard stop");
    assert!(w.done("digest").is_some(), "the digest is not touched");
}

#[test]
fn cancel_in_the_middle_aborts_the_chunks_and_says_cancelled() {
    let mut w = World::new(|kind, body, n| match kind {
        Kind::Translate if n >= 1 => Answer::Hang,
        _ => cloud(kind, body, n),
    })
    .settings(json!({"concurrency": 2}));
    w.open_panel(&article(40));
    w.run_until(w.now + 1_000);
    let open: Vec<Id> = w.sent(Kind::Translate).iter().filter(|s| s.closed_at.is_none()).map(|s| s.req).collect();
    assert!(!open.is_empty(), "chunks are streaming");
    w.frame(PORT, json!({"type": "cancel", "section": "translation"}));
    assert!(w.sent(Kind::Translate).iter().all(|s| s.closed_at.is_some()), "every chunk was aborted");
    let done = w.done("translation").unwrap_or_else(|| panic!("no end"));
    assert_eq!(done["error"]["code"], "cancelled");
    let sent = w.sent.len();
    w.settle();
    assert_eq!(w.sent.len(), sent, "nothing more is sent");
}

#[test]
fn resume_after_the_worker_stopped_reads_the_cache_and_sends_nothing_again() {
    let mut w = World::new(cloud).settings(json!({}));
    w.open_panel(&article(6));
    w.settle();
    let sent = w.sent.len();
    assert!(w.done("translation").is_some());
    // A new worker: a new core, the same storage. The panel reconnects and starts again.
    let host = Host { extension_id: EXTENSION.into(), extension_url: BASE.into(), ui_language: "en".into(), quota_bytes: None };
    w.core = Core::new(host);
    w.frames.clear();
    w.connect(2);
    w.frame(2, json!({"type": "start", "html": article(6), "url": "https://news.example/story", "readerableGate": false}));
    w.settle();
    assert_eq!(w.sent.len(), sent, "everything came from the cache");
    assert_eq!(w.done("digest").map(|d| d["cached"].clone()), Some(json!(true)));
    let cached = w.of("delta", "translation");
    assert!(cached.first().is_some_and(|d| d["blocks"].as_array().is_some_and(|b| b.len() >= 6)), "cached blocks are shown at once");
}

#[test]
fn a_confirmation_that_never_comes_sends_nothing_and_a_stray_one_is_refused() {
    let mut w = World::new(cloud).settings(json!({"confirmAboveWords": 100}));
    w.open_panel(&article(10));
    w.settle();
    assert_eq!(w.of("confirm", "translation").len(), 1, "the estimate is shown");
    assert!(w.sent(Kind::Translate).is_empty(), "nothing is translated without the go-ahead");
    w.run_until(w.now + 3_600_000);
    assert!(w.sent(Kind::Translate).is_empty());
    w.frame(PORT, json!({"type": "confirm", "section": "translation"}));
    w.settle();
    assert!(!w.sent(Kind::Translate).is_empty(), "the go-ahead starts it");
    let sent = w.sent(Kind::Translate).len();
    w.frame(PORT, json!({"type": "confirm", "section": "translation"}));
    w.settle();
    assert_eq!(w.sent(Kind::Translate).len(), sent, "a go-ahead nobody asked for is refused");
}

#[test]
fn a_local_server_never_has_two_requests_open() {
    let mut w = World::new(cloud).settings(json!({"baseUrl": "http://127.0.0.1:11434/v1", "concurrency": 3}));
    w.latency = 7_000;
    w.open_panel(&article(30));
    w.settle();
    assert!(w.done("translation").is_some() && w.done("digest").is_some());
    assert_eq!(w.most_open(), 1, "one at a time: {:?}", w.sent.iter().map(|s| (s.at, s.closed_at)).collect::<Vec<_>>());
    assert_eq!(w.sent[0].kind, Kind::Digest, "the digest first");
    let reading: Vec<&Value> = w.frames.iter().filter(|f| f.get("readingSeconds").is_some()).collect();
    assert!(reading.first().is_some_and(|f| f["readingSeconds"] == 5), "the panel hears the model is reading: {reading:?}");
    // A cloud provider keeps its concurrency.
    let mut cloud_world = World::new(cloud).settings(json!({"concurrency": 3}));
    cloud_world.latency = 7_000;
    cloud_world.open_panel(&article(30));
    cloud_world.settle();
    assert!(cloud_world.most_open() > 1);
}

#[test]
fn close_ends_the_panel_for_good() {
    let mut w = World::new(|kind, body, n| if kind == Kind::Translate && n > 0 { Answer::Hang } else { cloud(kind, body, n) }).settings(json!({}));
    w.open_panel(&article(40));
    w.run_until(w.now + 600);
    w.frame(PORT, json!({"type": "close"}));
    assert!(w.sent.iter().all(|s| s.closed_at.is_some()), "every request is aborted");
    assert!(w.timers.is_empty(), "no timer is left: {:?}", w.timers);
    let (sent, frames) = (w.sent.len(), w.frames.len());
    w.frame(PORT, json!({"type": "retry", "section": "digest"}));
    w.settle();
    assert_eq!((w.sent.len(), w.frames.len()), (sent, frames), "nothing is re-sent or posted");
}

#[test]
fn starts_are_rate_limited_per_tab() {
    let mut w = World::new(cloud).settings(json!({}));
    w.open_panel(&article(3));
    for _ in 0..20 {
        w.frame(PORT, json!({"type": "start", "html": article(3), "url": "https://news.example/story"}));
    }
    let refused = w.of("error", "original").iter().filter(|f| f["error"]["code"] == "too_many_starts").count();
    assert_eq!(refused, 21 - gloss::session::machine::MAX_STARTS_PER_MINUTE);
    w.now += 60_000;
    w.frame(PORT, json!({"type": "start", "html": article(3), "url": "https://news.example/story"}));
    assert_eq!(w.of("error", "original").len(), refused, "a minute later it may start again");
}

#[test]
fn senders_are_checked() {
    let mut w = World::new(cloud).settings(json!({}));
    // A Port from a tab Gloss never opened in is refused; so is one from a sub-frame.
    let stranger = Sender { id: Some(EXTENSION.into()), url: Some("https://x.example/".into()), tab: Some(Tab { id: 99 }), frame_id: Some(0) };
    let effects = w.core.handle(w.now, Event::Connected { port: 5, sender: stranger });
    let effects = if effects.iter().any(|e| matches!(e, Effect::StorageGet { .. })) {
        w.run(effects);
        let events = std::mem::take(&mut w.pending);
        events.into_iter().flat_map(|e| w.core.handle(w.now, e)).collect()
    } else {
        effects
    };
    assert!(effects.iter().any(|e| matches!(e, Effect::Disconnect { port: 5 })), "{effects:?}");
    w.event(Event::Clicked { tab: TAB, intent: "page".into() });
    let framed = Sender { id: Some(EXTENSION.into()), url: Some("https://ads.example/".into()), tab: Some(Tab { id: TAB }), frame_id: Some(3) };
    let effects = w.core.handle(w.now, Event::Connected { port: 6, sender: framed });
    assert!(effects.iter().any(|e| matches!(e, Effect::Disconnect { port: 6 })));
    // Test connection and Clear cache only from the options page.
    let page = Sender { id: Some(EXTENSION.into()), url: Some("https://news.example/".into()), tab: Some(Tab { id: TAB }), frame_id: Some(0) };
    w.event(Event::Message { msg: 40, sender: page, message: json!({"type": "clearCache"}) });
    assert_eq!(w.replies, [(40, Value::Null)]);
    assert!(w.storage.contains_key("settings"));
    let options = Sender { id: Some(EXTENSION.into()), url: Some(format!("{BASE}options.html")), tab: None, frame_id: Some(0) };
    w.event(Event::Message { msg: 41, sender: options, message: json!({"type": "testConnection", "settings": {}}) });
    assert_eq!(w.replies[1].1["error"]["code"], "missing_key");
}

#[test]
fn cache_keys_carry_the_pages_origin() {
    let mut w = World::new(cloud).settings(json!({}));
    w.open_panel(&article(3));
    w.settle();
    let sent = w.sent.len();
    // The same text on another site misses the cache: it is asked for again.
    w.frame(PORT, json!({"type": "start", "html": article(3), "url": "https://other.example/copy", "readerableGate": false}));
    w.settle();
    assert!(w.sent.len() > sent, "another origin does not see this one's cache");
    assert_eq!(w.done("digest").map(|d| d["cached"].clone()), Some(json!(false)));
}

#[test]
fn a_timeout_before_the_first_byte_is_retried_then_said() {
    let mut w = World::new(|kind, body, n| if kind == Kind::Digest { Answer::Hang } else { cloud(kind, body, n) })
        .settings(json!({"firstByteTimeoutMs": 5000}));
    w.open_panel(&article(3));
    w.settle();
    let digests = w.sent(Kind::Digest);
    assert_eq!(digests.len(), 3, "sent, then retried twice");
    assert_eq!(digests[0].closed_at, Some(digests[0].at + 5_000), "the timer starts when the request is sent");
    let errors = w.of("error", "digest");
    assert_eq!(errors.last().map(|e| e["error"]["code"].clone()), Some(json!("timeout")));
}

#[test]
fn export_is_dated_from_the_event_time() {
    let mut w = World::new(cloud).settings(json!({}));
    w.now = 1_795_651_200_000 + 3_600_000;
    w.open_panel(&article(3));
    w.settle();
    w.frame(PORT, json!({"type": "export", "purpose": "copy"}));
    let exported = w.frames.iter().rev().find(|f| f["type"] == "exported").cloned().unwrap_or_default();
    assert!(exported["markdown"].as_str().is_some_and(|m| m.contains("Exported by Gloss on 2026-11-26")), "{exported}");
}

#[test]
fn a_refused_cache_write_makes_room_and_tries_once_more() {
    let mut w = World::new(cloud).settings(json!({}));
    let mut index = Map::new();
    for i in 0..6 {
        let key = format!("gloss-cache:translation:{i:032x}");
        let value = json!([{"text": "x".repeat(3_000)}]);
        index.insert(key.clone(), json!({"bytes": key.len() + value.to_string().len(), "usedAt": 1_000 + i}));
        w.storage.insert(key, value);
    }
    w.storage.insert("gloss-cache-index".into(), Value::Object(index));
    let used: usize = w.storage.iter().map(|(k, v)| k.len() + v.to_string().len()).sum();
    w.capacity = Some(used + 100);
    w.open_panel(&article(3));
    w.settle();
    assert!(w.storage.keys().any(|k| k.starts_with("gloss-cache:digest:")), "the digest was written after making room");
    assert!(!w.storage.contains_key(&format!("gloss-cache:translation:{:032x}", 0)), "the oldest entry made room");
    assert!(w.storage.contains_key(&format!("gloss-cache:translation:{:032x}", 5)), "the newest stayed");
    // Storage that stays full: the result is shown, and nothing is cached.
    let mut w = World::new(cloud).settings(json!({}));
    w.full = true;
    w.open_panel(&article(3));
    w.settle();
    assert!(w.done("digest").is_some(), "the result is shown though it cannot be cached");
    assert!(!w.storage.keys().any(|k| k.starts_with("gloss-cache:")));
}

#[test]
fn the_page_budget_covers_the_digest_and_the_translation_together() {
    let mut w = World::new(|kind, body, _| match kind {
        Kind::Translate => Answer::Text { text: translation(body), usage: Some((100, 50)) },
        _ => Answer::Text { text: DIGEST.into(), usage: Some((300, 40)) },
    })
    .settings(json!({"pageBudgetTokens": 500, "concurrency": 1, "confirmAboveWords": 100000}));
    w.open_panel(&article(80));
    w.settle();
    let done = w.done("translation").unwrap_or_else(|| panic!("no end"));
    assert_eq!(done["error"]["code"], "budget_reached");
    assert_eq!(w.sent(Kind::Translate).len(), 2, "340 tokens of digest + 2 × 150 of translation pass 500");
}

#[test]
fn a_refused_injection_is_tried_again_then_said_on_the_badge() {
    let mut w = World::new(cloud);
    w.refuse_injections = 2;
    w.event(Event::Clicked { tab: TAB, intent: "page".into() });
    w.settle();
    assert_eq!((w.injections, w.badges.clone()), (3, vec![String::new()]), "refused twice, then in");
    let mut w = World::new(cloud);
    w.refuse_injections = 10;
    w.event(Event::Clicked { tab: TAB, intent: "page".into() });
    w.settle();
    assert_eq!((w.injections, w.badges.clone()), (1 + gloss::session::machine::INJECT_RETRY_MS.len(), vec!["!".to_string()]));
}

#[test]
fn a_retry_after_date_is_honoured_on_the_events_clock() {
    // 1,005 s after the epoch; the fake clock answers the first digest at 1,000.5 s.
    let mut w = World::new(|kind, body, n| match kind {
        Kind::Digest if n == 0 => status(429, Some("Thu, 01 Jan 1970 00:16:45 GMT"), RATE_LIMITED),
        _ => cloud(kind, body, n),
    })
    .settings(json!({}));
    w.open_panel(&article(3));
    w.settle();
    let digests = w.sent(Kind::Digest);
    assert_eq!(digests.len(), 2);
    assert_eq!(digests[1].at, 1_005_000, "sent again when the date says, not after a default backoff");
    assert!(w.done("digest").is_some());
}

#[test]
fn a_local_server_under_a_requests_per_minute_cap_still_finishes() {
    let mut w = World::new(cloud).settings(json!({"baseUrl": "http://127.0.0.1:11434/v1", "requestsPerMinute": 2}));
    w.latency = 100;
    w.open_panel(&article(30));
    w.settle();
    assert!(w.done("digest").is_some(), "the digest ends");
    assert!(w.done("translation").is_some(), "the translation ends: {:?}", w.sent.iter().map(|s| (s.at, s.kind)).collect::<Vec<_>>());
    let times: Vec<u64> = w.sent.iter().map(|s| s.at).collect();
    assert!(times.len() >= 3, "{times:?}");
    for (i, t) in times.iter().enumerate() {
        let in_window = times.iter().filter(|u| **u <= *t && t - **u < 60_000).count();
        assert!(in_window <= 2, "request {i} at {t}: {in_window} requests in its minute: {times:?}");
    }
}

/// A fake high-resolution clock: every reading is one millisecond after the last.
fn ticking() -> f64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static TICKS: AtomicU64 = AtomicU64::new(0);
    TICKS.fetch_add(1, Ordering::Relaxed) as f64
}

#[test]
fn the_article_frame_carries_the_extraction_phases_only_on_a_lent_clock() {
    let mut w = World::new(cloud).settings(json!({}));
    w.open_panel(&article(3));
    let plain = w.frames.iter().find(|f| f["type"] == "article").expect("an article frame");
    assert!(plain.get("timing").is_none(), "no clock, no timing: {plain}");

    w.core.set_clock(ticking);
    w.now += 60_000;
    w.core.entering();
    w.frame(PORT, json!({"type": "start", "html": article(3), "url": "https://news.example/story"}));
    let timed = w.frames.iter().rfind(|f| f["type"] == "article").expect("a second article frame");
    let at = |name: &str| timed["timing"][name].as_f64().unwrap_or_else(|| panic!("timing.{name} in {timed}"));
    let marks = ["entered", "decoded", "parsed", "readability", "blocks"].map(at);
    assert!(marks.windows(2).all(|w| w[0] < w[1]), "each phase after the one before: {marks:?}");
}
