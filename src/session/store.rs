//! The cache in `chrome.storage.local`: entries under keys `cache::key` makes, and an index of
//! their sizes and last use, read afresh for each batch of changes and written back. It
//! evicts the least recently used entries past the cache's bound, and makes room when the
//! storage refuses a write for its quota, then tries that write once more.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::cache::{self, IndexEntry};
use super::effect::{Area, Effect};
use super::event::Id;
use super::requests::Pool;
use super::CacheEntry;

/// The storage key of the cache's index.
pub const INDEX_KEY: &str = "gloss-cache-index";

/// What waits for the index to be loaded.
enum Pending {
    /// Entries written or read: their sizes, used now.
    Touch(Vec<(String, u64)>, u64),
    /// A write was refused: free its size, then write it again.
    Room(Write),
    /// Options' Clear cache, answering message `msg`.
    Clear(Id),
}

#[derive(Clone)]
struct Write {
    items: Map<String, Value>,
    sizes: Vec<(String, u64)>,
    /// Already written once after making room.
    retried: bool,
    now: u64,
}

#[derive(Default)]
pub struct Store {
    /// Bytes and last use by key, while a batch of changes is made to it.
    index: Option<BTreeMap<String, (u64, u64)>>,
    loading: Option<Id>,
    waiting: Vec<Pending>,
    writes: BTreeMap<Id, Write>,
    quota: Option<u64>,
}

/// What an entry counts against the storage quota: its key and its JSON, in UTF-8 bytes.
pub fn stored_bytes(key: &str, value: &Value) -> u64 {
    (key.len() + serde_json::to_string(value).map_or(0, |s| s.len())) as u64
}

impl Store {
    pub fn new(quota: Option<u64>) -> Self {
        Store { quota, ..Store::default() }
    }

    /// Stores `entries`.
    pub fn put(&mut self, entries: Vec<CacheEntry>, now: u64, ids: &mut Pool, out: &mut Vec<Effect>) {
        if entries.is_empty() {
            return;
        }
        let sizes = entries.iter().map(|e| (e.key.clone(), stored_bytes(&e.key, &e.value))).collect();
        let items = entries.into_iter().map(|e| (e.key, e.value)).collect();
        self.write(Write { items, sizes, retried: false, now }, ids, out);
    }

    fn write(&mut self, write: Write, ids: &mut Pool, out: &mut Vec<Effect>) {
        let op = ids.id();
        out.push(Effect::StorageSet { op, area: Area::Local, items: write.items.clone() });
        self.writes.insert(op, write);
    }

    /// Entries found in the cache count as used now.
    pub fn touch(&mut self, hits: &Map<String, Value>, now: u64, ids: &mut Pool, out: &mut Vec<Effect>) {
        if hits.is_empty() {
            return;
        }
        let sizes = hits.iter().map(|(k, v)| (k.clone(), stored_bytes(k, v))).collect();
        self.with_index(Pending::Touch(sizes, now), ids, out);
    }

    /// Removes every cache entry, then answers `msg`.
    pub fn clear(&mut self, msg: Id, ids: &mut Pool, out: &mut Vec<Effect>) {
        self.with_index(Pending::Clear(msg), ids, out);
    }

    /// A write of ours ended; `false` when the operation is not the store's.
    pub fn on_written(&mut self, op: Id, ok: bool, ids: &mut Pool, out: &mut Vec<Effect>) -> bool {
        let Some(write) = self.writes.remove(&op) else { return false };
        if ok {
            self.with_index(Pending::Touch(write.sizes, write.now), ids, out);
        } else if write.retried {
            out.push(Effect::Warn { message: "storage is full: the result is shown but not cached".into() });
        } else {
            self.with_index(Pending::Room(write), ids, out);
        }
        true
    }

    /// A read ended; `false` when the operation is not the store's.
    pub fn on_read(&mut self, op: Id, items: &Map<String, Value>, ids: &mut Pool, out: &mut Vec<Effect>) -> bool {
        if self.loading != Some(op) {
            return false;
        }
        self.loading = None;
        let index = items.get(INDEX_KEY).and_then(Value::as_object).map(|m| {
            m.iter()
                .map(|(k, e)| {
                    let num = |f: &str| e.get(f).and_then(Value::as_f64).map_or(0, |n| n.max(0.0) as u64);
                    (k.clone(), (num("bytes"), num("usedAt")))
                })
                .collect()
        });
        self.index = Some(index.unwrap_or_default());
        for pending in std::mem::take(&mut self.waiting) {
            self.run(pending, ids, out);
        }
        // Read again next time: what else wrote to storage since is then seen.
        self.index = None;
        true
    }

    fn with_index(&mut self, pending: Pending, ids: &mut Pool, out: &mut Vec<Effect>) {
        self.waiting.push(pending);
        if self.loading.is_none() {
            let op = ids.id();
            self.loading = Some(op);
            out.push(Effect::StorageGet { op, area: Area::Local, keys: vec![INDEX_KEY.to_string()] });
        }
    }

    fn entries(&self) -> Vec<IndexEntry> {
        let index = self.index.iter().flatten();
        index.map(|(key, (bytes, used_at))| IndexEntry { key: key.clone(), bytes: *bytes, used_at: *used_at }).collect()
    }

    fn run(&mut self, pending: Pending, ids: &mut Pool, out: &mut Vec<Effect>) {
        match pending {
            Pending::Touch(sizes, now) => {
                let index = self.index.get_or_insert_with(BTreeMap::new);
                for (key, bytes) in sizes {
                    index.insert(key, (bytes, now));
                }
                let evicted = cache::evict(&self.entries(), cache::bound(self.quota));
                self.drop_keys(evicted, out);
                self.save_index(ids, out);
            }
            Pending::Room(write) => {
                let need = write.sizes.iter().map(|(_, b)| b).sum();
                let evicted = cache::make_room(&self.entries(), need);
                self.drop_keys(evicted, out);
                self.save_index(ids, out);
                self.write(Write { retried: true, ..write }, ids, out);
            }
            Pending::Clear(msg) => {
                let mut keys: Vec<String> = self.index.take().unwrap_or_default().into_keys().collect();
                keys.push(INDEX_KEY.to_string());
                self.index = Some(BTreeMap::new());
                out.push(Effect::StorageRemove { area: Area::Local, keys });
                out.push(Effect::Reply { msg, value: json!({"ok": true}) });
            }
        }
    }

    fn drop_keys(&mut self, keys: Vec<String>, out: &mut Vec<Effect>) {
        if keys.is_empty() {
            return;
        }
        if let Some(index) = self.index.as_mut() {
            for key in &keys {
                index.remove(key);
            }
        }
        out.push(Effect::StorageRemove { area: Area::Local, keys });
    }

    fn save_index(&mut self, ids: &mut Pool, out: &mut Vec<Effect>) {
        let index: Map<String, Value> =
            self.index.iter().flatten().map(|(k, (bytes, used_at))| (k.clone(), json!({"bytes": bytes, "usedAt": used_at}))).collect();
        let op = ids.id();
        out.push(Effect::StorageSet { op, area: Area::Local, items: Map::from_iter([(INDEX_KEY.to_string(), Value::Object(index))]) });
    }
}
