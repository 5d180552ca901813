//! Asking a server what it can do with the model: once per provider, base URL and model while
//! the answer is cached (a failed or unreadable probe is cached too, as "nothing learned"),
//! with every panel that starts meanwhile waiting for that one answer; Test connection asks
//! afresh. A probe never blocks for long: it has its own short timeout, and whatever goes
//! wrong, the panel starts with the model table.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::llm::endpoint::{ConnectionReport, Endpoint};
use crate::llm::probe::Probe;
use crate::models::caps::{Caps, Learned, ProbeKind};
use crate::settings::{Reset, Settings};

use super::effect::Effect;
use super::event::Id;
use super::requests::{News, Owner, Pool, Purpose, Reader};
use super::store::Store;
use super::{call_with, CacheEntry, Session};

/// How long a probe may take before Gloss goes on without it.
pub const PROBE_TIMEOUT_MS: u64 = 5_000;

/// Who waits for a probe's answer.
pub enum Waiter {
    /// A panel's run, with its session and the settings resets to show, ready to begin.
    Panel { owner: Owner, session: Box<Session>, resets: Vec<Reset> },
    /// Test connection, with the model list's report to complete.
    Connection { msg: Id, report: ConnectionReport, settings: Box<Settings> },
}

struct InFlight {
    kind: ProbeKind,
    endpoint: Endpoint,
    waiters: Vec<Waiter>,
}

/// The probes out, by the cache key of their answer. What they learned is kept in the cache
/// only (evicted and cleared with the rest of it), so there is one truth to read.
#[derive(Default)]
pub struct Probes {
    in_flight: BTreeMap<String, InFlight>,
}

/// What the cache holds under a caps key, if it is still fresh at `now`.
pub fn known(stored: Option<&Value>, now: u64) -> Option<Learned> {
    stored.and_then(|v| serde_json::from_value::<Learned>(v.clone()).ok()).filter(|l| l.is_fresh(now))
}

impl Probes {
    /// Makes `waiter` wait for the probe under `key`, sending it unless it is already out.
    #[allow(clippy::too_many_arguments)]
    pub fn ask(&mut self, key: String, probe: Probe, endpoint: &Endpoint, settings: &Settings, waiter: Waiter, pool: &mut Pool, out: &mut Vec<Effect>, now: u64) {
        if let Some(flight) = self.in_flight.get_mut(&key) {
            flight.waiters.push(waiter);
            return;
        }
        let mut call = call_with(endpoint, probe.request, settings, 0);
        call.first_byte_timeout_ms = PROBE_TIMEOUT_MS;
        call.stall_timeout_ms = PROBE_TIMEOUT_MS;
        let id = pool.add(Owner { port: 0, run: 0 }, Purpose::Probe { key: key.clone() }, call, Reader::Body(Vec::new()));
        self.in_flight.insert(key, InFlight { kind: probe.kind, endpoint: endpoint.clone(), waiters: vec![waiter] });
        pool.open(id, now, out);
    }

    /// The probe under `key` is over: what it said (nothing, for a failure), now remembered and
    /// stored, and who waited for it.
    pub fn done(&mut self, key: &str, news: News, store: &mut Store, pool: &mut Pool, out: &mut Vec<Effect>, now: u64) -> (Option<Caps>, Vec<Waiter>) {
        let Some(flight) = self.in_flight.remove(key) else { return (None, Vec::new()) };
        let caps = match news {
            News::Ended { req } => match &req.reader {
                Reader::Body(body) => flight.endpoint.read_probe(flight.kind, &String::from_utf8_lossy(body)),
                _ => None,
            },
            _ => None,
        };
        remember(key, caps.clone(), store, pool, out, now);
        (caps, flight.waiters)
    }
}

/// Keeps what was learned under `key` in the cache.
pub fn remember(key: &str, caps: Option<Caps>, store: &mut Store, pool: &mut Pool, out: &mut Vec<Effect>, now: u64) {
    if let Ok(value) = serde_json::to_value(Learned { caps, at: now }) {
        store.put(vec![CacheEntry { key: key.to_string(), value }], now, pool, out);
    }
}
