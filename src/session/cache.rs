//! Cache keys and the cache's eviction policy. Keys hash length-prefixed fields (so no two
//! different field lists can collide by shifting a boundary) and include the prompt version,
//! so a changed prompt invalidates what the old one produced.

use serde::{Deserialize, Serialize};

/// Total size the extension's cache may use before the least recently used entries go, where
/// the storage area has no quota of its own (Firefox's `storage.local`).
pub const DEFAULT_CACHE_BYTES: u64 = 25 * 1024 * 1024;
/// Share of a storage quota the cache may fill, in tenths: the rest is for the settings, the
/// cache's own index, and the slack between the index's byte counts and the browser's.
const QUOTA_TENTHS: u64 = 7;
/// Prefix of every cache entry's storage key, so cache entries never collide with settings.
pub const KEY_PREFIX: &str = "gloss-cache:";

/// FNV-1a over 128 bits: stable across builds and platforms (unlike `DefaultHasher`), and wide
/// enough that accidental collisions are not a concern for a cache.
struct Fnv128(u128);

impl Fnv128 {
    const OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
    const PRIME: u128 = 0x0000000001000000000000000000013B;

    fn new() -> Self {
        Fnv128(Self::OFFSET)
    }

    fn bytes(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u128::from(*b);
            self.0 = self.0.wrapping_mul(Self::PRIME);
        }
    }

    /// A field: its length first, then its bytes.
    fn field(&mut self, field: &str) {
        self.bytes(&(field.len() as u64).to_le_bytes());
        self.bytes(field.as_bytes());
    }
}

/// The storage key for a list of fields.
pub fn key(kind: &str, fields: &[&str]) -> String {
    let mut h = Fnv128::new();
    h.field(kind);
    h.bytes(&(fields.len() as u64).to_le_bytes());
    for f in fields {
        h.field(f);
    }
    format!("{KEY_PREFIX}{kind}:{:032x}", h.0)
}

/// The key of what the server said of `endpoint`'s model: one per provider, base URL and model.
pub fn caps_key(endpoint: &crate::llm::endpoint::Endpoint) -> String {
    key("caps", &[endpoint.preset.id, &endpoint.base_url, &endpoint.model])
}

/// Text as it matters for a translation: whitespace runs folded, so a re-rendered page with
/// different indentation still hits the cache.
pub fn normalise(text: &str) -> String {
    crate::text::collapse_whitespace(text)
}

/// One entry of the cache's index, as the extension stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct IndexEntry {
    pub key: String,
    pub bytes: u64,
    /// Last use, in milliseconds since the epoch.
    pub used_at: u64,
}

/// Which keys to delete so that the cache fits in `bound` bytes: least recently used first.
pub fn evict(index: &[IndexEntry], bound: u64) -> Vec<String> {
    let mut total: u64 = index.iter().map(|e| e.bytes).sum();
    if total <= bound {
        return Vec::new();
    }
    let mut by_age: Vec<&IndexEntry> = index.iter().collect();
    by_age.sort_by(|a, b| a.used_at.cmp(&b.used_at).then_with(|| a.key.cmp(&b.key)));
    let mut out = Vec::new();
    for entry in by_age {
        if total <= bound {
            break;
        }
        total = total.saturating_sub(entry.bytes);
        out.push(entry.key.clone());
    }
    out
}

/// The cache's bound in a storage area of `quota` bytes (Chrome's `storage.local` has 10 MB
/// without `unlimitedStorage`): below the quota, so the LRU bound evicts before a write fails.
pub fn bound(quota: Option<u64>) -> u64 {
    match quota {
        Some(quota) if quota > 0 => DEFAULT_CACHE_BYTES.min(quota / 10 * QUOTA_TENTHS),
        _ => DEFAULT_CACHE_BYTES,
    }
}

/// Which keys to delete to free `need` bytes, least recently used first: for a write that the
/// storage refused as over quota, whatever else fills it.
pub fn make_room(index: &[IndexEntry], need: u64) -> Vec<String> {
    let total: u64 = index.iter().map(|e| e.bytes).sum();
    evict(index, total.saturating_sub(need))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_do_not_collide_across_field_boundaries() {
        assert_ne!(key("t", &["ab", "c"]), key("t", &["a", "bc"]));
        assert_ne!(key("t", &["a", ""]), key("t", &["a"]));
        assert_ne!(key("t", &["", "a"]), key("t", &["a", ""]));
        assert_ne!(key("digest", &["x"]), key("translation", &["x"]));
        assert_eq!(key("t", &["a", "b"]), key("t", &["a", "b"]));
    }

    #[test]
    fn keys_are_stable_and_prefixed() {
        let k = key("translation", &["1", "openai", "gpt-4o-mini", "ja", "Hello"]);
        assert!(k.starts_with("gloss-cache:translation:"));
        assert_eq!(k.len(), KEY_PREFIX.len() + "translation:".len() + 32);
        // A fixed value: a change here silently empties every user's cache, so make it on purpose.
        assert_eq!(key("t", &[]), "gloss-cache:t:21db4d9314a6f1bcfbecbe0b5fb52aa8");
    }

    #[test]
    fn whitespace_does_not_change_the_text_key() {
        assert_eq!(normalise("  a\n b\tc "), normalise("a b c"));
    }

    #[test]
    fn eviction_drops_least_recently_used_until_it_fits() {
        let index = vec![
            IndexEntry { key: "new".into(), bytes: 40, used_at: 30 },
            IndexEntry { key: "old".into(), bytes: 40, used_at: 10 },
            IndexEntry { key: "mid".into(), bytes: 40, used_at: 20 },
        ];
        assert!(evict(&index, 120).is_empty());
        assert_eq!(evict(&index, 100), ["old"]);
        assert_eq!(evict(&index, 40), ["old", "mid"]);
        assert_eq!(evict(&index, 0), ["old", "mid", "new"]);
    }

    #[test]
    fn the_bound_stays_below_a_storage_quota() {
        let chrome = 10 * 1024 * 1024;
        assert!(bound(Some(chrome)) < chrome);
        assert_eq!(bound(Some(chrome)), chrome / 10 * 7);
        assert_eq!(bound(None), DEFAULT_CACHE_BYTES);
        assert_eq!(bound(Some(0)), DEFAULT_CACHE_BYTES, "no quota reported");
        assert_eq!(bound(Some(1 << 40)), DEFAULT_CACHE_BYTES, "a large quota keeps the default");
    }

    #[test]
    fn making_room_frees_at_least_what_is_needed_oldest_first() {
        let index = vec![
            IndexEntry { key: "new".into(), bytes: 40, used_at: 30 },
            IndexEntry { key: "old".into(), bytes: 40, used_at: 10 },
            IndexEntry { key: "mid".into(), bytes: 40, used_at: 20 },
        ];
        assert!(make_room(&index, 0).is_empty());
        assert_eq!(make_room(&index, 1), ["old"]);
        assert_eq!(make_room(&index, 41), ["old", "mid"]);
        assert_eq!(make_room(&index, 1000), ["old", "mid", "new"], "everything, when that is not enough");
    }
}
