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
    Qa,
    Models,
    /// A question to the server of what it can do (llama.cpp's `/props`, Ollama's `/api/show`, …).
    Probe,
}

fn kind(url: &str, body: &str) -> Kind {
    if ["/props", "/api/show", "/api/v0/models"].iter().any(|p| url.ends_with(p)) {
        Kind::Probe
    } else if body.contains("<question>") {
        Kind::Qa
    } else if body.contains("professional translator") {
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
    url: String,
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
    /// When each of `frames` was posted.
    posted_at: Vec<u64>,
    replies: Vec<(Id, Value)>,
    pending: Vec<Event>,
    /// Content scripts registered for always-on sites (id → matches), and permissions given back.
    scripts: BTreeMap<String, Vec<String>>,
    dropped: Vec<String>,
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
            posted_at: Vec::new(),
            replies: Vec::new(),
            pending: Vec::new(),
            scripts: BTreeMap::new(),
            dropped: Vec::new(),
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
                Effect::Post { frame, .. } => {
                    self.frames.push(serde_json::to_value(&frame).unwrap_or_default());
                    self.posted_at.push(self.now);
                }
                Effect::Fetch { req, request } => {
                    let body = request.body.unwrap_or_default();
                    let kind = kind(&request.url, &body);
                    self.sent.push(Sent { req, url: request.url, at: self.now, kind, body, closed_at: None, status: None });
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
                Effect::RegisterSite { id, matches, .. } => {
                    self.scripts.insert(id, matches);
                }
                Effect::UnregisterSite { id } => {
                    self.scripts.remove(&id);
                }
                Effect::DropPermission { origins } => self.dropped.extend(origins),
                Effect::Disconnect { .. } | Effect::OpenOptions | Effect::Warn { .. } | Effect::OpenReader { .. } => {}
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
        self.event(Event::Clicked { tab: TAB, intent: "page".into(), url: None });
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

    /// The waits said to the panel: when, and the frame.
    fn waits(&self) -> Vec<(u64, &Value)> {
        self.posted_at.iter().copied().zip(&self.frames).filter(|(_, f)| f["type"] == "progress" && f.get("waitingSeconds").is_some()).collect()
    }

    /// The longest the Port went without a frame between `from` and `to`.
    fn longest_silence(&self, from: u64, to: u64) -> u64 {
        let mut points: Vec<u64> = self.posted_at.iter().copied().filter(|t| (from..=to).contains(t)).collect();
        points.insert(0, from);
        points.push(to);
        points.windows(2).map(|p| p[1] - p[0]).max().unwrap_or(0)
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
    let first = w.done("translation").cloned().expect("the translation is done");
    assert_eq!((first["cached"].clone(), first["spend"]["inputTokens"].is_u64()), (json!(false), true), "the first run was asked and counted");
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
    let again = w.done("translation").cloned().expect("the cached translation is done");
    assert_eq!((again["cached"].clone(), again["spend"].clone()), (json!(true), Value::Null), "from the cache, with no spend line");
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
    w.event(Event::Clicked { tab: TAB, intent: "page".into(), url: None });
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
    w.event(Event::Clicked { tab: TAB, intent: "page".into(), url: None });
    w.settle();
    assert_eq!((w.injections, w.badges.clone()), (3, vec![String::new()]), "refused twice, then in");
    let mut w = World::new(cloud);
    w.refuse_injections = 10;
    w.event(Event::Clicked { tab: TAB, intent: "page".into(), url: None });
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

/// In every minute of `times`, at most `rpm` requests.
fn within_cap(times: &[u64], rpm: usize) {
    for (i, t) in times.iter().enumerate() {
        let in_window = times.iter().filter(|u| **u <= *t && t - **u < 60_000).count();
        assert!(in_window <= rpm, "request {i} at {t}: {in_window} requests in its minute: {times:?}");
    }
}

/// Chrome stops a worker that has had no event and made no extension call for this long.
const IDLE_LIMIT_MS: u64 = 30_000;

#[test]
fn a_wait_for_the_per_minute_window_is_said_every_20_s_until_the_request_goes() {
    let mut w = World::new(cloud).settings(json!({"requestsPerMinute": 2, "confirmAboveWords": 100000}));
    w.latency = 100;
    w.open_panel(&article(30));
    let start = w.now;
    w.run_until(start + 600_000);
    assert!(w.done("digest").is_some() && w.done("translation").is_some());
    assert!(w.due.is_empty(), "nothing is left armed once both sections are done: {:?}", w.timers);
    let times: Vec<u64> = w.sent.iter().map(|s| s.at).collect();
    assert!(times.len() >= 3, "{times:?}");
    within_cap(&times, 2);
    let last = *times.last().unwrap_or(&start);
    // Minutes of waiting, and the Port is never silent long enough for the worker to be stopped.
    assert!(last - start >= 60_000, "{times:?}");
    let silence = w.longest_silence(start, last);
    assert!(silence < IDLE_LIMIT_MS, "the Port was silent for {silence} ms while requests waited");
    let waits = w.waits();
    assert!(!waits.is_empty());
    assert!(waits.iter().all(|(_, f)| f["waitingFor"] == "rateWindow"), "{waits:?}");
    // The first says when the window has room: a minute after the first request.
    let (at, first) = waits[0];
    assert_eq!(first["waitingSeconds"], json!((times[0] + 60_000 - at).div_ceil(1000)), "{first}");
    // Said only while nothing was in flight, and never after the last request went.
    for (at, f) in &waits {
        assert!(*at < last, "a wait said at {at}, after the last request at {last}: {f}");
        assert!(w.sent.iter().all(|s| !(s.at <= *at && s.closed_at.is_none_or(|c| c > *at))), "said at {at} with a request in flight: {f}");
    }
}

#[test]
fn a_question_held_by_the_per_minute_window_is_said_to_wait_under_the_question() {
    let mut w = World::new(|kind, body, _| match kind {
        Kind::Qa => qa_answer(body),
        other => cloud(other, body, 0),
    })
    // The article is in English: the digest alone, then the question, one request a minute.
    .settings(json!({"requestsPerMinute": 1, "translateLang": "en"}));
    w.latency = 100;
    w.open_panel(&article(4));
    w.settle();
    assert!(w.done("digest").is_some());
    w.frames.clear();
    let asked_at = w.now;
    w.frame(PORT, json!({"type": "ask", "question": "What did they paint?"}));
    w.run_until(asked_at + 120_000);
    let sent = w.sent(Kind::Qa);
    assert_eq!(sent.len(), 1, "the question went once the window had room");
    assert!(sent[0].at - asked_at > 0, "it was held first");
    let waits = w.waits();
    assert!(!waits.is_empty(), "the wait is said");
    for (_, f) in &waits {
        assert_eq!((f["section"].as_str(), f["waitingFor"].as_str()), (Some("qa"), Some("rateWindow")), "said under the question, not the digest: {f}");
    }
    assert!(!w.of("answered", "qa").is_empty(), "and answered");
}

#[test]
fn a_retry_wait_is_said_until_the_request_goes_again() {
    let mut w = World::new(|kind, body, n| match kind {
        Kind::Digest if n == 0 => status(429, Some("50"), RATE_LIMITED),
        _ => cloud(kind, body, n),
    })
    // The article is in English: nothing to translate, the digest alone.
    .settings(json!({"translateLang": "en"}));
    w.open_panel(&article(3));
    let start = w.now;
    w.run_until(start + 600_000);
    assert!(w.done("digest").is_some());
    assert!(w.due.is_empty(), "nothing is left armed: {:?}", w.timers);
    let digests = w.sent(Kind::Digest);
    assert_eq!(digests.len(), 2);
    let (failed_at, again) = (digests[0].closed_at.unwrap_or_default(), digests[1].at);
    assert_eq!(again - failed_at, 50_000, "sent again when the provider said");
    let waits: Vec<(u64, u64)> = w.waits().iter().map(|(at, f)| {
        assert_eq!((f["section"].as_str(), f["waitingFor"].as_str()), (Some("digest"), Some("retry")), "{f}");
        (at - failed_at, f["waitingSeconds"].as_u64().unwrap_or_default())
    }).collect();
    assert_eq!(waits, vec![(0, 50), (20_000, 30), (40_000, 10)], "said at once, then every 20 s, counting down");
    assert!(w.longest_silence(failed_at, again) < IDLE_LIMIT_MS);
}

#[test]
fn a_worker_started_again_still_honours_the_window_the_last_one_filled() {
    let mut w = World::new(cloud).settings(json!({"requestsPerMinute": 2, "confirmAboveWords": 100000}));
    w.latency = 100;
    w.open_panel(&article(30));
    w.run_until(w.now + 5_000);
    assert_eq!(w.sent.len(), 2, "the window is full");
    // The browser stops the worker anyway: its timers and fetches go with it, the storage stays.
    let host = Host { extension_id: EXTENSION.into(), extension_url: BASE.into(), ui_language: "en".into(), quota_bytes: None };
    w.core = Core::new(host);
    w.due.clear();
    w.timers.clear();
    w.connect(2);
    w.frame(2, json!({"type": "start", "html": article(30), "url": "https://news.example/story", "readerableGate": false}));
    w.run_until(w.now + 600_000);
    assert!(w.done("translation").is_some());
    let times: Vec<u64> = w.sent.iter().map(|s| s.at).collect();
    assert!(times.len() >= 3, "{times:?}");
    within_cap(&times, 2);
}

/// The reader's glossary for French: two terms the sample has, one it does not.
fn glossary(keepers: &str) -> Value {
    json!({"schemaVersion": 1, "languages": {"fr": [
        {"term": "lighthouse keepers", "rendering": keepers},
        {"term": "Skarholm", "rendering": ""},
        {"term": "foghorn", "rendering": "corne de brume"}]}})
}

/// A translation of each block of the request: the keepers' paragraphs with the glossary's
/// rendering when `follow`, else with the English term left in.
fn keepers_translation(body: &str, follow: bool) -> String {
    let request: Value = serde_json::from_str(body).unwrap_or_default();
    let user = request["messages"].as_array().and_then(|m| m.last()).and_then(|m| m["content"].as_str()).unwrap_or("").to_string();
    let keepers = if follow { "gardiens de phare" } else { "lighthouse keepers" };
    user.lines()
        .filter_map(|line| line.strip_prefix("[[").and_then(|l| l.split_once("]] ")))
        .map(|(n, source)| match source.contains("lighthouse keepers") {
            true => format!("[[{n}]] Les {keepers} de Skarholm gardaient la lampe allumée tout l'hiver.\n"),
            false => format!("[[{n}]] Traduit {n}.\n"),
        })
        .collect()
}

/// Paragraphs with the glossary's terms, and one without any.
fn glossary_article() -> String {
    let with = "<p>The lighthouse keepers of Skarholm kept the lamp lit through every storm of the long winter and wrote each ship they saw into the log, year after year, without fail or complaint, as their fathers had.</p>";
    let without = "<p>In spring the tower was painted white again so that sailors could find it from far out at sea by day as well as by night, and the fishing boats came back to the harbour one by one.</p>";
    // The third differs from the first: blocks of the same text share a cache entry.
    let again = with.replace("year after year", "winter after winter");
    format!("<html lang=\"en\"><head><title>Keepers</title></head><body><article><h1>Keepers</h1>{with}{without}{again}</article></body></html>")
}

#[test]
fn a_glossary_is_sent_with_the_chunks_that_hold_its_terms_checked_and_part_of_the_cache_key() {
    // One paragraph per request. The first answer with the terms follows the glossary; the
    // second forgets the rendering (it keeps the source's words).
    let mut followed = false;
    let mut w = World::new(move |kind, body, _| match kind {
        Kind::Translate => {
            let follow = !followed;
            followed |= body.contains("lighthouse keepers of");
            text(&keepers_translation(body, follow))
        }
        _ => text(DIGEST),
    })
    .settings(json!({"chunkTokens": 100}));
    w.storage.insert("glossary".into(), glossary("gardiens de phare"));
    w.open_panel(&glossary_article());
    w.settle();
    assert_eq!(w.done("translation").map(|d| d["failedBlockIds"].clone()), Some(json!([])));
    let bodies: Vec<String> = w.sent(Kind::Translate).iter().map(|s| s.body.clone()).collect();
    let with: Vec<&String> = bodies.iter().filter(|b| b.contains("lighthouse keepers of Skarholm")).collect();
    assert_eq!(with.len(), 2, "{bodies:#?}");
    for body in &with {
        assert!(body.contains(r#"- \"lighthouse keepers\" → \"gardiens de phare\"\n- \"Skarholm\" → (keep)"#), "{body}");
    }
    let others: Vec<&String> = bodies.iter().filter(|b| !b.contains("lighthouse keepers of Skarholm")).collect();
    assert!(!others.is_empty() && others.iter().all(|b| !b.contains("Glossary")), "no glossary where no term is: {others:#?}");
    assert!(bodies.iter().all(|b| !b.contains("foghorn")), "a term the article lacks is never sent");
    // The check: the block that lost its rendering is marked, with the term it missed.
    let notes: Vec<Value> = w.of("delta", "translation").iter().flat_map(|d| d["glossary"].as_array().cloned().unwrap_or_default()).collect();
    assert_eq!(notes.len(), 1, "{notes:#?}");
    assert_eq!(notes[0]["missed"], json!([{"term": "lighthouse keepers", "rendering": "gardiens de phare"}]));
    let marked = notes[0]["blockId"].clone();

    // The same glossary again: everything from the cache, and the cached block still marked.
    let host = || Host { extension_id: EXTENSION.into(), extension_url: BASE.into(), ui_language: "en".into(), quota_bytes: None };
    let restart = |w: &mut World, port: Id| {
        w.core = Core::new(host());
        w.frames.clear();
        w.connect(port);
        w.frame(port, json!({"type": "start", "html": glossary_article(), "url": "https://news.example/story", "readerableGate": false}));
        w.settle();
    };
    let sent = w.sent(Kind::Translate).len();
    restart(&mut w, 2);
    assert_eq!(w.sent(Kind::Translate).len(), sent, "an unchanged glossary hits the cache");
    let again: Vec<Value> = w.of("delta", "translation").iter().flat_map(|d| d["glossary"].as_array().cloned().unwrap_or_default()).collect();
    assert_eq!(again.iter().map(|n| n["blockId"].clone()).collect::<Vec<_>>(), [marked], "{:#?}", w.of("delta", "translation"));

    // A changed rendering: the two blocks with that term are asked again, and only they.
    w.storage.insert("glossary".into(), glossary("veilleurs du phare"));
    restart(&mut w, 3);
    let resent: Vec<&Sent> = w.sent(Kind::Translate).into_iter().skip(sent).collect();
    assert_eq!(resent.len(), 2, "{resent:#?}");
    assert!(resent.iter().all(|s| s.body.contains("→ \\\"veilleurs du phare\\\"")), "{resent:#?}");
}

/// The fake model's answer to a question: it cites paragraph 3, or says the article does not say.
fn qa_answer(body: &str) -> Answer {
    if body.contains("the moon") {
        text("[not in article] The article covers the keepers' winter and the tower [b2].")
    } else {
        text("They painted the tower white in spring [b3]. Sailors could see it by day [b3].")
    }
}

#[test]
fn a_question_is_answered_from_the_article_kept_in_the_cache_and_the_export_and_followed_up() {
    let mut w = World::new(|kind, body, _| match kind {
        Kind::Qa => qa_answer(body),
        other => cloud(other, body, 0),
    })
    .settings(json!({}));
    w.open_panel(&article(4));
    w.settle();
    let plan = w.frames.iter().find(|f| f["type"] == "plan").cloned().unwrap_or_default();
    assert_eq!(plan["plan"]["qaUnavailable"], Value::Null, "a model is configured: the box works");
    w.frame(PORT, json!({"type": "ask", "question": "  What did they paint?  "}));
    w.settle();
    let asked = w.sent(Kind::Qa);
    assert_eq!(asked.len(), 1);
    let body: Value = serde_json::from_str(&asked[0].body).unwrap_or_default();
    let user = body["messages"][1]["content"].as_str().unwrap_or("");
    let (end, question) = (user.find("</article>"), user.find("<question>\nWhat did they paint?\n</question>"));
    assert!(end.is_some() && end < question, "the question is the reader's, after the article: {user}");
    assert_eq!(w.of("asked", "qa").first().map(|f| (f["turn"].clone(), f["question"].clone())), Some((json!(0), json!("What did they paint?"))));
    assert!(!w.of("delta", "qa").is_empty(), "the answer streams in");
    let answered = w.of("answered", "qa").last().cloned().cloned().unwrap_or_default();
    let claims = &answered["answer"]["paragraphs"][0];
    assert_eq!(claims[0]["text"][0]["text"], "They painted the tower white in spring.");
    assert_eq!(claims[0]["source"], "b3");
    assert_eq!(answered["answer"]["notInArticle"], false);
    assert!(answered["spend"]["inputTokens"].as_u64().is_some_and(|n| n > 0));
    assert!(w.storage.keys().any(|k| k.starts_with("gloss-cache:qa:")), "the exchange is cached with the page");

    // A follow-up carries the first turn; a question the article does not answer says so.
    w.frame(PORT, json!({"type": "ask", "question": "What about the moon?"}));
    w.settle();
    let second = w.sent(Kind::Qa).last().map(|s| s.body.clone()).unwrap_or_default();
    assert!(second.contains("Reader: What did they paint?") && second.contains("Gloss: They painted the tower white in spring. [b3]"), "{second}");
    let answered = w.of("answered", "qa").last().cloned().cloned().unwrap_or_default();
    assert_eq!((answered["turn"].clone(), answered["answer"]["notInArticle"].clone()), (json!(1), json!(true)));

    w.frame(PORT, json!({"type": "export", "purpose": "copy"}));
    let exported = w.frames.iter().rev().find(|f| f["type"] == "exported").cloned().unwrap_or_default();
    let md = exported["markdown"].as_str().unwrap_or("");
    assert!(md.contains("## Questions and answers") && md.contains("**Q:** What did they paint?"), "{md}");
    assert!(md.contains("They painted the tower white in spring. Sailors could see it by day."), "{md}");
    assert!(md.contains("_Not in the article._"), "{md}");

    // Re-opened: the conversation comes from the cache, and nothing is sent.
    let sent = w.sent.len();
    w.frames.clear();
    w.connect(2);
    w.frame(2, json!({"type": "start", "html": article(4), "url": "https://news.example/story", "readerableGate": false}));
    w.settle();
    assert_eq!(w.sent.len(), sent, "nothing is asked again");
    let shown = w.of("conversation", "qa");
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0]["cached"], true);
    assert_eq!(shown[0]["turns"].as_array().map(Vec::len), Some(2));
}

#[test]
fn a_conversation_longer_than_the_context_leaves_out_its_oldest_turns_and_says_so() {
    let long = "The keepers wrote every ship into the log. ".repeat(40);
    let mut w = World::new(move |kind, body, _| match kind {
        Kind::Qa => text(&format!("{long}[b2]")),
        other => cloud(other, body, 0),
    })
    .settings(json!({"modelOverrides": [{"model": "gpt-4o-mini", "contextTokens": 3000}]}));
    w.open_panel(&article(3));
    w.settle();
    let mut dropped = Vec::new();
    for i in 0..6 {
        w.frame(PORT, json!({"type": "ask", "question": format!("Question number {i}?")}));
        w.settle();
        dropped.push(w.of("asked", "qa").last().and_then(|f| f["dropped"].as_u64()).unwrap_or(99));
    }
    assert_eq!(w.of("answered", "qa").len(), 6, "every question was answered");
    assert_eq!(dropped[0], 0);
    assert!(dropped.iter().any(|d| *d > 0), "the window filled: {dropped:?}");
    assert!(dropped.windows(2).all(|p| p[0] <= p[1]), "once full, it stays full: {dropped:?}");
    let last = w.sent(Kind::Qa).last().map(|s| s.body.clone()).unwrap_or_default();
    assert!(!last.contains("Question number 0?") && last.contains("Question number 4?"), "the oldest went, the newest stayed");
    assert!(gloss::text::tokens::estimate_tokens(&last) < 3000);
}

#[test]
fn a_question_waits_for_its_answer_and_a_failed_one_can_be_retried() {
    let mut w = World::new(|kind, body, n| match kind {
        Kind::Qa if n == 0 => status(400, None, r#"{"error":{"message":"bad","type":"invalid_request_error"}}"#),
        Kind::Qa => qa_answer(body),
        other => cloud(other, body, 0),
    })
    .settings(json!({}));
    w.open_panel(&article(3));
    w.settle();
    w.frame(PORT, json!({"type": "ask", "question": "What did they paint?"}));
    w.frame(PORT, json!({"type": "ask", "question": "A second one at once?"}));
    w.settle();
    assert_eq!(w.sent(Kind::Qa).len(), 1, "one question at a time");
    assert_eq!(w.of("error", "qa").last().map(|e| e["error"]["code"].clone()), Some(json!("bad_request")));
    w.frame(PORT, json!({"type": "retry", "section": "qa"}));
    w.settle();
    assert_eq!(w.sent(Kind::Qa).len(), 2);
    assert!(w.sent(Kind::Qa)[1].body.contains("What did they paint?"), "Retry asks the failed question again");
    assert_eq!(w.of("answered", "qa").len(), 1);
    w.frame(PORT, json!({"type": "ask", "question": "x".repeat(5_000)}));
    assert_eq!(w.of("error", "qa").last().map(|e| e["error"]["code"].clone()), Some(json!("question_too_long")));
    assert_eq!(w.sent(Kind::Qa).len(), 2, "a question too long is not sent");
}

#[test]
fn questions_count_against_the_pages_budget_and_stop_at_it() {
    let mut w = World::new(|kind, body, _| match kind {
        Kind::Qa => Answer::Text { text: "They painted it white [b3].".into(), usage: Some((200, 20)) },
        Kind::Translate => Answer::Text { text: translation(body), usage: Some((100, 50)) },
        _ => Answer::Text { text: DIGEST.into(), usage: Some((300, 40)) },
    })
    // The translation is long and waits for a go-ahead: only the digest and the questions spend.
    .settings(json!({"pageBudgetTokens": 700, "confirmAboveWords": 10}));
    w.open_panel(&article(3));
    w.settle();
    for i in 0..3 {
        w.frame(PORT, json!({"type": "ask", "question": format!("Question {i}?")}));
        w.settle();
    }
    // 340 of digest, then 220 a question: the second passes 700, the third is not sent.
    assert_eq!(w.sent(Kind::Qa).len(), 2);
    assert_eq!(w.of("error", "qa").last().map(|e| e["error"]["code"].clone()), Some(json!("budget_reached")));
    assert_eq!(w.of("answered", "qa").len(), 2);
}

#[test]
fn a_new_style_writes_the_digest_again_and_an_earlier_one_comes_from_the_cache() {
    let mut w = World::new(cloud).settings(json!({}));
    w.open_panel(&article(4));
    w.settle();
    let plan = w.frames.iter().find(|f| f["type"] == "plan").cloned().unwrap_or_default();
    assert_eq!(plan["plan"]["digestStyle"], "standard");
    assert_eq!(plan["plan"]["digest"]["style"], Value::Null, "the standard style is not named in the label");
    assert_eq!(plan["plan"]["digestStyles"], json!(["brief", "standard", "detailed", "newcomer", "decision"]));
    assert_eq!(w.sent(Kind::Digest).len(), 1);
    w.frame(PORT, json!({"type": "restyle", "style": "brief"}));
    w.settle();
    let digests = w.sent(Kind::Digest);
    assert_eq!(digests.len(), 2, "the new style is asked for");
    assert!(digests[1].body.contains("at most 10 words") && !digests[0].body.contains("at most 10 words"));
    assert_eq!(w.frames.iter().rfind(|f| f["type"] == "restyled").map(|f| f["provenance"]["style"].clone()), Some(json!("brief")));
    assert_eq!(w.done("digest").map(|d| d["provenance"]["style"].clone()), Some(json!("brief")));
    assert_eq!(w.storage["settings"]["digestStyle"], "brief", "the reader's choice is kept");
    w.frame(PORT, json!({"type": "restyle", "style": "standard"}));
    w.settle();
    assert_eq!(w.sent(Kind::Digest).len(), 2, "the standard digest is still in the cache");
    let done = w.done("digest").cloned().unwrap_or_default();
    assert_eq!((done["cached"].clone(), done["provenance"].get("style")), (json!(true), None));
    w.frame(PORT, json!({"type": "restyle", "style": "custom"}));
    w.frame(PORT, json!({"type": "restyle", "style": "poetic"}));
    w.settle();
    assert_eq!(w.of("error", "digest").len(), 2, "custom with no instructions, and an unknown style, are refused");
    assert_eq!(w.sent(Kind::Digest).len(), 2);
    assert_eq!(w.storage["settings"]["digestStyle"], "standard");
}

/// A content script of an always-on site, in `tab`, at `url`.
fn page_sender(tab: i64, url: &str) -> Sender {
    Sender { id: Some(EXTENSION.into()), url: Some(url.into()), tab: Some(Tab { id: tab }), frame_id: Some(0) }
}

#[test]
fn an_always_on_site_opens_its_articles_collapsed_and_sends_nothing_until_the_reader_opens_one() {
    let mut w = World::new(cloud).settings(json!({}));
    w.open_panel(&article(4));
    w.settle();
    let site = w.frames.iter().rfind(|f| f["type"] == "site").cloned().unwrap_or_default();
    assert_eq!((site["origin"].clone(), site["pattern"].clone(), site["on"].clone()), (json!("https://news.example"), json!("https://news.example/*"), json!(false)));
    // The reader refuses the permission: nothing changes, and the panel says why.
    w.frame(PORT, json!({"type": "site", "on": true, "run": false, "granted": false}));
    w.settle();
    assert!(w.scripts.is_empty() && !w.storage.contains_key("gloss-sites"));
    assert_eq!(w.frames.iter().rfind(|f| f["type"] == "site").map(|f| (f["on"].clone(), f["denied"].clone())), Some((json!(false), json!(true))));
    w.frame(PORT, json!({"type": "site", "on": true, "run": false, "granted": true}));
    w.settle();
    assert_eq!(w.scripts.get("gloss-site-https___news_example"), Some(&vec!["https://news.example/*".to_string()]));
    assert_eq!(w.storage["gloss-sites"], json!([{"origin": "https://news.example", "run": false}]));
    let sent = w.sent.len();

    // Another article of the site, in another tab, never clicked.
    w.event(Event::Message { msg: 50, sender: page_sender(8, "https://news.example/other"), message: json!({"type": "siteVisit", "html": article(6)}) });
    w.event(Event::Message { msg: 51, sender: page_sender(9, "https://news.example/"), message: json!({"type": "siteVisit", "html": "<html><body><nav><a href=/>Home</a></nav></body></html>"}) });
    w.event(Event::Message { msg: 52, sender: page_sender(10, "https://elsewhere.example/story"), message: json!({"type": "siteVisit", "html": article(4)}) });
    let framed = Sender { frame_id: Some(2), ..page_sender(11, "https://news.example/other") };
    w.event(Event::Message { msg: 53, sender: framed, message: json!({"type": "siteVisit", "html": article(4)}) });
    let replies: BTreeMap<Id, Value> = w.replies.iter().cloned().collect();
    assert_eq!(replies[&50], json!({"open": true, "intent": "site"}));
    for (msg, why) in [(51, "not an article"), (52, "not a listed site"), (53, "not the top frame")] {
        assert_eq!(replies[&msg], json!({"open": false}), "{why}");
    }
    let sender = page_sender(8, "https://news.example/other");
    w.event(Event::Connected { port: 3, sender });
    w.frame(3, json!({"type": "start", "html": article(6), "url": "https://news.example/other", "readerableGate": true}));
    w.settle();
    let of_port = |w: &World, ty: &str| w.frames.iter().filter(|f| f["type"] == ty).count();
    assert_eq!(of_port(&w, "held"), 1);
    assert_eq!(w.sent.len(), sent, "nothing is sent while the panel waits");
    w.frame(3, json!({"type": "expand"}));
    w.settle();
    assert!(w.sent.len() > sent, "the reader opened it: now it reads");
    assert_eq!(of_port(&w, "held"), 1);

    // "And run": the next article starts at once.
    w.frame(PORT, json!({"type": "site", "on": true, "run": true, "granted": true}));
    w.settle();
    w.event(Event::Message { msg: 54, sender: page_sender(12, "https://news.example/third"), message: json!({"type": "siteVisit", "html": article(5)}) });
    assert_eq!(w.replies.last().map(|r| r.1.clone()), Some(json!({"open": true, "intent": "siteRun"})));
    let before = w.sent.len();
    w.event(Event::Connected { port: 4, sender: page_sender(12, "https://news.example/third") });
    w.frame(4, json!({"type": "start", "html": article(5), "url": "https://news.example/third", "readerableGate": true}));
    w.settle();
    assert!(w.sent.len() > before, "a site that runs at once does not wait");
    assert_eq!(of_port(&w, "held"), 1);

    // A visit whose panel never opened does not hold what the reader later clicks for.
    w.event(Event::Message { msg: 55, sender: page_sender(TAB, "https://news.example/fifth"), message: json!({"type": "siteVisit", "html": article(7)}) });
    w.frame(PORT, json!({"type": "site", "on": true, "run": false, "granted": true}));
    w.event(Event::Message { msg: 56, sender: page_sender(TAB, "https://news.example/fifth"), message: json!({"type": "siteVisit", "html": article(7)}) });
    assert_eq!(w.replies.last().map(|r| r.1.clone()), Some(json!({"open": true, "intent": "site"})));
    let (held, before) = (of_port(&w, "held"), w.sent.len());
    w.open_panel(&article(7));
    w.settle();
    assert_eq!(of_port(&w, "held"), held, "clicked for: not held");
    assert!(w.sent.len() > before);

    // Options removes the site: its script goes, and with it the permission.
    let options = Sender { id: Some(EXTENSION.into()), url: Some(format!("{BASE}options.html")), tab: None, frame_id: Some(0) };
    w.event(Event::Message { msg: 60, sender: options, message: json!({"type": "forgetSite", "origin": "https://news.example"}) });
    assert_eq!(w.replies.last(), Some(&(60, json!({"ok": true}))));
    assert!(w.scripts.is_empty());
    assert_eq!(w.dropped, ["https://news.example/*"]);
    assert_eq!(w.storage["gloss-sites"], json!([]));
    w.event(Event::Message { msg: 61, sender: page_sender(13, "https://news.example/fourth"), message: json!({"type": "siteVisit", "html": article(4)}) });
    assert_eq!(w.replies.last(), Some(&(61, json!({"open": false}))));
    // Only Options may remove one.
    w.event(Event::Message { msg: 62, sender: page_sender(13, "https://news.example/fourth"), message: json!({"type": "forgetSite", "origin": "https://news.example"}) });
    assert_eq!(w.replies.last(), Some(&(62, Value::Null)));
}

#[test]
fn a_pdf_tab_opens_the_reader_whose_panel_reads_the_pdf_like_a_page() {
    let mut w = World::new(cloud).settings(json!({}));
    let pdf = "http://127.0.0.1:8000/papers/night trains.pdf?v=2";
    let effects = w.core.handle(w.now, Event::Clicked { tab: TAB, intent: "page".into(), url: Some(pdf.into()) });
    let reader = effects.iter().find_map(|e| match e {
        Effect::OpenReader { tab, url } => Some((*tab, url.clone())),
        _ => None,
    });
    let encoded = "http%3A%2F%2F127.0.0.1%3A8000%2Fpapers%2Fnight%20trains.pdf%3Fv%3D2";
    assert_eq!(reader, Some((TAB, format!("{BASE}reader.html?src={encoded}"))));
    assert!(!effects.iter().any(|e| matches!(e, Effect::Inject { .. })), "{effects:?}");
    w.run(effects);
    // The panel's frame in the reader page: an extension page in the tab Gloss was opened in.
    let sender = Sender { id: Some(EXTENSION.into()), url: Some(format!("{BASE}panel.html")), tab: Some(Tab { id: TAB }), frame_id: Some(4) };
    w.event(Event::Connected { port: PORT, sender: sender.clone() });
    let items: Value = serde_json::from_str(include_str!("fixtures/pdf/two-column/items.json")).unwrap();
    w.frame(PORT, json!({"type": "start", "url": pdf, "pdf": items, "readerableGate": true}));
    w.settle();
    let article = &w.frames.iter().find(|f| f["type"] == "article").expect("an article frame")["article"];
    assert_eq!(article["title"], "Night Trains Return to Europe");
    assert_eq!(article["byline"], "Ilse Brandt");
    assert_eq!(article["url"], pdf);
    assert!(article["blocks"][0]["text"].as_str().unwrap_or_default().starts_with("Alpha paragraph."), "{article}");
    assert!(w.done("digest").is_some(), "{:?}", w.frames);
    // What the reader page could not read is said in the Original section, with its code.
    for (failure, code, url) in [
        (json!({"kind": "unreadable", "name": "PasswordException", "message": "No password given"}), "pdf_encrypted", pdf),
        (json!({"kind": "unreadable", "name": "InvalidPDFException", "message": "Invalid PDF structure."}), "pdf_unreadable", pdf),
        (json!({"kind": "fetch", "message": "Failed to fetch", "granted": false, "fileAccess": false}), "pdf_not_granted", pdf),
        (json!({"kind": "fetch", "message": "Failed to fetch", "granted": true, "fileAccess": false}), "network", pdf),
        (json!({"kind": "fetch", "message": "HTTP 404", "status": 404, "granted": false, "fileAccess": false}), "network", pdf),
        (json!({"kind": "fetch", "message": "the file could not be read", "granted": true, "fileAccess": false}), "pdf_file_access", "file:///home/r/paper.pdf"),
    ] {
        w.frames.clear();
        w.now += 60_000;
        w.frame(PORT, json!({"type": "start", "url": url, "pdfFailure": failure}));
        let error = w.of("error", "original");
        assert_eq!(error.first().map(|e| e["error"]["code"].clone()), Some(json!(code)), "{:?}", w.frames);
    }
    // Scanned: pages without text.
    w.frames.clear();
    w.now += 60_000;
    w.frame(PORT, json!({"type": "start", "url": pdf, "pdf": {"pages": [{"width": 420, "height": 595, "items": []}]}}));
    assert_eq!(w.of("error", "original").first().map(|e| e["error"]["code"].clone()), Some(json!("pdf_no_text")));
    // Any other address is injected into, as before.
    let effects = w.core.handle(w.now, Event::Clicked { tab: 8, intent: "page".into(), url: Some("https://news.example/a.pdf.html".into()) });
    assert!(effects.iter().any(|e| matches!(e, Effect::Inject { tab: 8, .. })), "{effects:?}");
}

/// llama.cpp's `/props` for a server started with `-c 2048`.
const PROPS_2048: &str = r#"{"default_generation_settings":{"id":0,"n_ctx":2048,"params":{"n_predict":-1}},"total_slots":1,"model_path":"/models/smol.gguf"}"#;

fn llamacpp(kind: Kind, body: &str, props: &str) -> Answer {
    match kind {
        Kind::Probe => Answer::Status { status: 200, headers: vec![], body: props.to_string() },
        Kind::Translate => text(&translation(body)),
        _ => text(DIGEST),
    }
}

fn llamacpp_settings() -> Value {
    json!({"provider": "llamacpp", "baseUrl": "http://127.0.0.1:8080/v1", "model": "default", "confirmAboveWords": 100000})
}

/// Source tokens of a translation request's blocks.
fn chunk_tokens(body: &str) -> usize {
    let user = body.split("Translate each block into").nth(1).unwrap_or("");
    gloss::text::tokens::estimate_tokens(user)
}

#[test]
fn a_small_context_from_the_server_sends_the_digest_in_parts_and_smaller_chunks() {
    let mut small = World::new(|kind, body, _| llamacpp(kind, body, PROPS_2048)).settings(llamacpp_settings());
    small.open_panel(&article(30));
    small.settle();
    // The same server saying nothing (llama-cpp-python has no `/props`): the table's 8,192 tokens.
    let mut unknown = World::new(|kind, body, _| match kind {
        Kind::Probe => status(404, None, r#"{"detail":"Not Found"}"#),
        _ => llamacpp(kind, body, ""),
    })
    .settings(llamacpp_settings());
    unknown.open_panel(&article(30));
    unknown.settle();
    for w in [&small, &unknown] {
        assert!(w.done("digest").is_some() && w.done("translation").is_some());
        let probes = w.sent(Kind::Probe);
        assert_eq!(probes.len(), 1, "asked once");
        assert_eq!(probes[0].url, "http://127.0.0.1:8080/props", "at the server's root");
        assert_eq!(w.sent[0].kind, Kind::Probe, "before anything is planned");
    }
    let plan = |w: &World| w.frames.iter().find(|f| f["type"] == "plan").map(|f| f["plan"]["context"].clone());
    assert_eq!(plan(&small), Some(json!({"tokens": 2048, "source": "server"})));
    assert_eq!(plan(&unknown), Some(json!({"tokens": 8192, "source": "table"})));

    assert_eq!(unknown.sent(Kind::Digest).len(), 1, "8,192 tokens hold the article in one request");
    assert!(small.sent(Kind::Digest).is_empty(), "2,048 do not: the digest goes in parts");
    assert!(small.sent(Kind::Part).len() >= 2 && small.sent(Kind::Merge).len() == 1);
    for part in small.sent(Kind::Part) {
        assert!(gloss::text::tokens::estimate_tokens(&part.body) < 2_048, "each part fits the server's context");
    }
    let biggest = |w: &World| w.sent(Kind::Translate).iter().map(|s| chunk_tokens(&s.body)).max().unwrap_or(0);
    assert!(biggest(&unknown) > 600, "the table's context keeps the reader's chunk size: {}", biggest(&unknown));
    assert!(biggest(&small) * 3 + 500 <= 2_048, "a chunk and its answer fit 2,048 tokens: {}", biggest(&small));
    assert!(small.sent(Kind::Translate).len() > unknown.sent(Kind::Translate).len());
}

#[test]
fn what_the_server_said_is_asked_once_for_later_pages_and_a_new_worker() {
    let mut w = World::new(|kind, body, _| llamacpp(kind, body, PROPS_2048)).settings(llamacpp_settings());
    w.open_panel(&article(30));
    w.settle();
    // The reader reads the page again: the answer is remembered.
    w.frame(PORT, json!({"type": "start", "html": article(31), "url": "https://news.example/other", "readerableGate": false}));
    w.settle();
    assert_eq!(w.frames.iter().filter(|f| f["type"] == "plan").count(), 2);
    assert_eq!(w.sent(Kind::Probe).len(), 1);
    assert!(w.storage.keys().any(|k| k.starts_with("gloss-cache:caps:")), "and cached");
    // The worker was stopped: the next one reads the answer from storage.
    let mut next = World::new(|kind, body, _| llamacpp(kind, body, PROPS_2048)).settings(llamacpp_settings());
    next.storage = w.storage.clone();
    next.now = w.now + 60_000;
    next.open_panel(&article(32));
    next.settle();
    assert!(next.sent(Kind::Probe).is_empty(), "not asked again: {:?}", next.sent.iter().map(|s| &s.url).collect::<Vec<_>>());
    assert!(!next.sent(Kind::Part).is_empty(), "and still sized by it");
    // A day later it is asked again.
    let mut later = World::new(|kind, body, _| llamacpp(kind, body, PROPS_2048)).settings(llamacpp_settings());
    later.storage = w.storage.clone();
    later.now = w.now + gloss::models::caps::CAPS_TTL_MS;
    later.open_panel(&article(32));
    later.settle();
    assert_eq!(later.sent(Kind::Probe).len(), 1);
}

#[test]
fn a_server_that_does_not_answer_the_probe_is_read_with_the_table_and_not_asked_again() {
    let mut w = World::new(|kind, body, _| match kind {
        Kind::Probe => Answer::Hang,
        _ => llamacpp(kind, body, ""),
    })
    .settings(llamacpp_settings());
    w.open_panel(&article(30));
    w.settle();
    assert!(w.done("digest").is_some() && w.done("translation").is_some(), "the panel went on without it");
    let probe_at = w.sent(Kind::Probe).first().map(|s| s.at).unwrap_or(0);
    let digest_at = w.sent(Kind::Digest).first().map(|s| s.at).unwrap_or(0);
    assert_eq!(digest_at - probe_at, gloss::session::probe::PROBE_TIMEOUT_MS, "after the probe's own short timeout");
    w.frame(PORT, json!({"type": "start", "html": article(31), "url": "https://news.example/other", "readerableGate": false}));
    w.settle();
    assert_eq!(w.sent(Kind::Probe).len(), 1, "a failed probe is not repeated while its answer is cached");
}

#[test]
fn test_connection_asks_the_server_afresh_and_reports_the_context() {
    let mut w = World::new(|kind, body, _| match kind {
        Kind::Models => Answer::Status { status: 200, headers: vec![], body: r#"{"object":"list","data":[{"id":"default","object":"model"}]}"#.into() },
        _ => llamacpp(kind, body, PROPS_2048),
    });
    let options = Sender { id: Some(EXTENSION.into()), url: Some(format!("{BASE}options.html")), tab: None, frame_id: None };
    let settings = llamacpp_settings();
    for msg in [41, 42] {
        w.event(Event::Message { msg, sender: options.clone(), message: json!({"type": "testConnection", "settings": settings}) });
        w.settle();
    }
    assert_eq!(w.sent(Kind::Probe).len(), 2, "each test asks again");
    let report = w.replies.iter().find(|(m, _)| *m == 42).map(|(_, v)| v.clone()).unwrap_or_default();
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["report"]["context"], json!({"tokens": 2048, "source": "server"}));
    assert!(w.storage.keys().any(|k| k.starts_with("gloss-cache:caps:")), "what it learned serves the next page");
}

#[test]
fn openrouters_model_list_is_its_probe_and_its_prices_price_the_spend() {
    let list = r#"{"data":[{"id":"openai/gpt-4o-mini","context_length":128000,"pricing":{"prompt":"0.000002","completion":"0.000008"},"top_provider":{"context_length":128000}}]}"#;
    let mut w = World::new(move |kind, body, _| match kind {
        Kind::Models => Answer::Status { status: 200, headers: vec![], body: list.into() },
        Kind::Translate => text(&translation(body)),
        _ => Answer::Text { text: DIGEST.into(), usage: Some((1_000_000, 1_000_000)) },
    })
    .settings(json!({"provider": "openrouter", "apiKeys": {"openrouter": "sk-or-test"}, "model": "openai/gpt-4o-mini", "baseUrl": "https://openrouter.test/api/v1"}));
    let options = Sender { id: Some(EXTENSION.into()), url: Some(format!("{BASE}options.html")), tab: None, frame_id: None };
    let settings = w.storage["settings"].clone();
    w.event(Event::Message { msg: 5, sender: options, message: json!({"type": "testConnection", "settings": settings}) });
    w.settle();
    assert_eq!(w.sent(Kind::Models).len(), 1, "the model list says it all");
    assert_eq!(w.sent[0].url, "https://openrouter.test/api/v1/models");
    let report = w.replies.first().map(|(_, v)| v["report"]["context"].clone());
    assert_eq!(report, Some(json!({"tokens": 128000, "source": "server"})));
    w.open_panel(&article(4));
    w.settle();
    assert_eq!(w.sent(Kind::Models).len(), 1, "a page after Test connection asks nothing more");
    let spend = w.done("digest").map(|d| d["spend"]["costUsd"].clone());
    assert_eq!(spend, Some(json!(10.0)), "a million tokens each way at the server's $2 and $8 per million, not the list's $0.15 and $0.60");
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

// ---- the page sent ahead (the content script sends it as the panel's frame loads) ----

use gloss::session::machine::{AHEAD_KEEP_MS, AHEAD_TABS, AHEAD_WAIT_MS};

fn page_ahead(w: &mut World, msg: Id, sender: Sender, html: &str) {
    let message = json!({"type": "pageAhead", "html": html, "url": sender.url.clone(), "readAt": 1.0, "readDoneAt": 2.0});
    w.event(Event::Message { msg, sender, message });
}

fn articles(w: &World) -> Vec<&Value> {
    w.frames.iter().filter(|f| f["type"] == "article").collect()
}

#[test]
fn the_first_start_reads_the_page_sent_ahead_and_a_later_one_asks_for_the_page() {
    let mut w = World::new(cloud).settings(json!({}));
    w.event(Event::Clicked { tab: TAB, intent: "page".into(), url: None });
    page_ahead(&mut w, 40, page_sender(TAB, "https://news.example/story"), &article(4));
    assert_eq!(w.replies.iter().filter(|(msg, _)| *msg == 40).count(), 1, "the message is answered");
    w.connect(PORT);
    w.frame(PORT, json!({"type": "start", "ahead": true, "readerableGate": true}));
    let read = articles(&w);
    assert_eq!(read.len(), 1, "read at once: {:#?}", w.frames);
    assert_eq!(read[0]["article"]["url"], "https://news.example/story");
    assert_eq!(read[0]["article"]["blocks"].as_array().map(Vec::len), Some(4), "its four paragraphs");
    w.settle();
    assert!(w.done("digest").is_some() && w.done("translation").is_some(), "then digested and translated");

    // The page was read once: a second start that names it waits, then asks the panel for it.
    w.frame(PORT, json!({"type": "start", "ahead": true, "readerableGate": true, "translateLang": "de"}));
    w.run_until(w.now + AHEAD_WAIT_MS - 1);
    assert!(!w.frames.iter().any(|f| f["type"] == "pageNeeded"), "not before the wait is over");
    w.run_until(w.now + AHEAD_WAIT_MS);
    let needed: Vec<&Value> = w.frames.iter().filter(|f| f["type"] == "pageNeeded").collect();
    assert_eq!(needed, [&json!({"type": "pageNeeded", "readerableGate": true, "translateLang": "de"})]);
    assert_eq!(articles(&w).len(), 1);

    // A start with another readerable gate than the first start's is asked for the page at once.
    page_ahead(&mut w, 48, page_sender(TAB, "https://news.example/story"), &article(4));
    w.frame(PORT, json!({"type": "start", "ahead": true, "readerableGate": false}));
    assert_eq!(w.frames.iter().filter(|f| f["type"] == "pageNeeded").count(), 2);
}

#[test]
fn a_page_sent_ahead_is_extracted_as_it_arrives_and_its_verdict_kept_for_the_start() {
    let mut w = World::new(cloud).settings(json!({}));
    w.event(Event::Clicked { tab: TAB, intent: "page".into(), url: None });
    let menu = "<html><body><nav><a href=/>Home</a> <a href=/news>News</a></nav></body></html>";
    page_ahead(&mut w, 49, page_sender(TAB, "https://news.example/"), menu);
    w.connect(PORT);
    w.frame(PORT, json!({"type": "start", "ahead": true, "readerableGate": true}));
    let errors = w.of("error", "original");
    assert_eq!(errors.len(), 1, "{:#?}", w.frames);
    assert_eq!(errors[0]["error"]["code"], "not_readerable");
    assert!(w.sent.is_empty(), "nothing is sent for a page that is not an article");
}

#[test]
fn a_start_before_its_page_waits_for_it_and_reads_it_when_it_comes() {
    let mut w = World::new(cloud).settings(json!({}));
    w.event(Event::Clicked { tab: TAB, intent: "page".into(), url: None });
    w.connect(PORT);
    w.frame(PORT, json!({"type": "start", "ahead": true, "readerableGate": true}));
    assert!(articles(&w).is_empty());
    let waiting: Vec<Id> = w.timers.keys().copied().collect();
    assert_eq!(waiting.len(), 1, "one timer: the wait for the page");
    w.now += 200;
    page_ahead(&mut w, 41, page_sender(TAB, "https://news.example/story"), &article(3));
    assert_eq!(articles(&w).len(), 1, "read as it arrives");
    assert!(!w.timers.contains_key(&waiting[0]), "the wait's timer is cancelled");
    w.settle();
    assert!(!w.frames.iter().any(|f| f["type"] == "pageNeeded"));
    assert!(w.done("digest").is_some());
}

#[test]
fn a_page_is_heard_only_from_the_top_frame_of_a_tab_gloss_opened_in_and_not_for_long() {
    let mut w = World::new(cloud).settings(json!({}));
    w.event(Event::Clicked { tab: TAB, intent: "page".into(), url: None });
    let sub_frame = Sender { frame_id: Some(2), ..page_sender(TAB, "https://ads.example/") };
    let options = Sender { url: Some(format!("{BASE}options.html")), frame_id: None, tab: None, ..page_sender(TAB, "") };
    let stranger = Sender { id: Some("another-extension".into()), ..page_sender(TAB, "https://news.example/story") };
    page_ahead(&mut w, 42, sub_frame, &article(3));
    page_ahead(&mut w, 43, options, &article(3));
    page_ahead(&mut w, 44, stranger, &article(3));
    page_ahead(&mut w, 45, page_sender(99, "https://news.example/story"), &article(3));
    assert_eq!(w.replies.iter().filter(|(msg, _)| (42..=45).contains(msg)).count(), 4, "each is answered");
    w.connect(PORT);
    w.frame(PORT, json!({"type": "start", "ahead": true, "readerableGate": true}));
    w.run_until(w.now + AHEAD_WAIT_MS);
    assert!(articles(&w).is_empty(), "none was read: {:#?}", w.frames);
    assert_eq!(w.frames.iter().filter(|f| f["type"] == "pageNeeded").count(), 1);

    // A page kept past its time is not read either.
    page_ahead(&mut w, 46, page_sender(TAB, "https://news.example/story"), &article(3));
    w.now += AHEAD_KEEP_MS + 1;
    w.frame(PORT, json!({"type": "start", "ahead": true, "readerableGate": true}));
    w.run_until(w.now + AHEAD_WAIT_MS);
    assert!(articles(&w).is_empty());
    assert_eq!(w.frames.iter().filter(|f| f["type"] == "pageNeeded").count(), 2);

    // Nor one sent from a tab before Gloss was opened in it.
    page_ahead(&mut w, 47, page_sender(12, "https://news.example/story"), &article(3));
    w.event(Event::Clicked { tab: 12, intent: "page".into(), url: None });
    w.event(Event::Connected { port: 9, sender: page_sender(12, "https://news.example/story") });
    w.frame(9, json!({"type": "start", "ahead": true, "readerableGate": true}));
    w.run_until(w.now + AHEAD_WAIT_MS);
    assert!(articles(&w).is_empty());
    assert_eq!(w.frames.iter().filter(|f| f["type"] == "pageNeeded").count(), 3);
}

#[test]
fn pages_ahead_are_kept_for_a_few_tabs_and_dropped_with_their_panel() {
    let mut w = World::new(cloud).settings(json!({}));
    let tabs: Vec<i64> = (20..20 + AHEAD_TABS as i64 + 1).collect();
    for (i, &tab) in tabs.iter().enumerate() {
        w.event(Event::Clicked { tab, intent: "page".into(), url: None });
        w.now += 10;
        page_ahead(&mut w, 60 + i as Id, page_sender(tab, "https://news.example/story"), &article(3));
    }
    // The oldest was pushed out; the newest is read.
    for (port, tab) in [(30, tabs[0]), (31, tabs[AHEAD_TABS])] {
        let sender = page_sender(tab, "https://news.example/story");
        w.event(Event::Connected { port, sender });
        w.frame(port, json!({"type": "start", "ahead": true, "readerableGate": true}));
    }
    w.run_until(w.now + AHEAD_WAIT_MS);
    assert_eq!(articles(&w).len(), 1, "only the newest tab's page was kept: {:#?}", w.frames);
    assert_eq!(w.frames.iter().filter(|f| f["type"] == "pageNeeded").count(), 1);

    // A panel that waits for its page and is closed leaves no timer behind.
    w.event(Event::Clicked { tab: TAB, intent: "page".into(), url: None });
    w.connect(PORT);
    w.frame(PORT, json!({"type": "start", "ahead": true, "readerableGate": true}));
    w.frame(PORT, json!({"type": "close"}));
    assert!(w.timers.is_empty(), "{:?}", w.timers);
}
