//! Sites the reader asked Gloss to open on by itself ("always on"): which they are, the content
//! script registered for each, and whether a page of one gets the panel (and a request).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Where the list is kept in `chrome.storage.local`, apart from the settings: the panel and
/// Options change it through the core, and a settings save from an open Options page cannot
/// drop a site whose content script stays registered.
pub const SITES_KEY: &str = "gloss-sites";
/// Prefix of the ids of the content scripts registered for sites.
pub const SCRIPT_PREFIX: &str = "gloss-site-";
/// The files a site's registered content script runs: the marker that says the page was not
/// clicked for, then the content script itself.
pub const SCRIPT_FILES: &[&str] = &["site.js", "content.js"];
/// Sites kept at most: each is a content script running on every page of that site.
pub const MAX_SITES: usize = 200;

/// One site Gloss opens on by itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Site {
    /// `https://example.com` (scheme, host and port, as `URL.origin` writes it).
    pub origin: String,
    /// Digest at once, rather than wait for the reader to open the collapsed panel.
    #[serde(default)]
    pub run: bool,
}

/// What the panel shows of the page's site: its toggle's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SiteState {
    pub origin: String,
    /// The host permission to ask for at the click (`https://example.com/*`).
    pub pattern: String,
    pub on: bool,
    pub run: bool,
    /// The reader was asked for the permission and said no.
    pub denied: bool,
}

/// The origin of an http(s) URL (`https://example.com:8443`), or `None` for any other page.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    // Credentials are never part of an origin.
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h).to_ascii_lowercase();
    if host.is_empty() || host.contains(char::is_whitespace) {
        return None;
    }
    let default_port = if scheme == "http" { ":80" } else { ":443" };
    let host = host.strip_suffix(default_port).unwrap_or(&host);
    Some(format!("{scheme}://{host}"))
}

/// The match pattern for every page of `origin`, for the permission and the content script.
pub fn pattern(origin: &str) -> String {
    format!("{origin}/*")
}

/// The registered content script's id for `origin`: readable, and only `[A-Za-z0-9_-]`.
pub fn script_id(origin: &str) -> String {
    let safe: String = origin.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    format!("{SCRIPT_PREFIX}{safe}")
}

/// The stored list, as far as it can be read (unreadable entries are left out).
pub fn read(stored: Option<&Value>) -> Vec<Site> {
    let Some(Value::Array(rows)) = stored else { return Vec::new() };
    let mut sites: Vec<Site> = Vec::new();
    for row in rows {
        let Ok(site) = serde_json::from_value::<Site>(row.clone()) else { continue };
        let Some(origin) = origin_of(&site.origin).filter(|o| *o == site.origin) else { continue };
        if !sites.iter().any(|s| s.origin == origin) {
            sites.push(Site { origin, run: site.run });
        }
    }
    sites.truncate(MAX_SITES);
    sites
}

/// The list with `origin` turned on (with `run`) or off.
pub fn set(mut sites: Vec<Site>, origin: &str, on: bool, run: bool) -> Vec<Site> {
    sites.retain(|s| s.origin != origin);
    if on && sites.len() < MAX_SITES {
        sites.push(Site { origin: origin.to_string(), run });
    }
    sites
}

/// The toggle's state for the page at `origin`.
pub fn state(sites: &[Site], origin: &str, denied: bool) -> SiteState {
    let site = sites.iter().find(|s| s.origin == origin);
    SiteState { origin: origin.to_string(), pattern: pattern(origin), on: site.is_some(), run: site.is_some_and(|s| s.run), denied }
}

/// What a page of a listed site gets, by itself: nothing, the panel collapsed and waiting for
/// the reader, or the panel collapsed with its digest started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visit {
    Nothing,
    Wait,
    Run,
}

/// Whether a page Gloss was not clicked for, at `url`, opens the panel: only on a listed site,
/// and only when the page passes the readerable gate (`readerable`).
pub fn visit(sites: &[Site], url: &str, readerable: bool) -> Visit {
    let Some(site) = origin_of(url).and_then(|o| sites.iter().find(|s| s.origin == o)) else { return Visit::Nothing };
    match (readerable, site.run) {
        (false, _) => Visit::Nothing,
        (true, false) => Visit::Wait,
        (true, true) => Visit::Run,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn origins_are_scheme_host_and_port() {
        assert_eq!(origin_of("https://Example.com/a/b?c#d").as_deref(), Some("https://example.com"));
        assert_eq!(origin_of("http://127.0.0.1:4000/x").as_deref(), Some("http://127.0.0.1:4000"));
        assert_eq!(origin_of("https://example.com:443/").as_deref(), Some("https://example.com"));
        assert_eq!(origin_of("https://user:pw@example.com/").as_deref(), Some("https://example.com"));
        for other in ["file:///home/a.html", "chrome://settings", "about:blank", "https:///x", ""] {
            assert_eq!(origin_of(other), None, "{other}");
        }
        assert_eq!(pattern("http://127.0.0.1:4000"), "http://127.0.0.1:4000/*");
        assert_eq!(script_id("http://127.0.0.1:4000"), "gloss-site-http___127_0_0_1_4000");
    }

    #[test]
    fn the_stored_list_is_read_as_far_as_it_can_be() {
        let stored = json!([{"origin": "https://a.example", "run": true}, {"origin": "https://a.example"}, {"origin": "https://b.example/path"}, 7, {"origin": "https://c.example"}]);
        let sites = read(Some(&stored));
        assert_eq!(sites, vec![Site { origin: "https://a.example".into(), run: true }, Site { origin: "https://c.example".into(), run: false }]);
        assert!(read(None).is_empty() && read(Some(&json!("junk"))).is_empty());
    }

    #[test]
    fn turning_a_site_on_and_off() {
        let on = set(Vec::new(), "https://a.example", true, false);
        assert_eq!(state(&on, "https://a.example", false), SiteState { origin: "https://a.example".into(), pattern: "https://a.example/*".into(), on: true, run: false, denied: false });
        let run = set(on, "https://a.example", true, true);
        assert_eq!(run.len(), 1, "a site is listed once");
        assert!(state(&run, "https://a.example", false).run);
        assert!(set(run, "https://a.example", false, false).is_empty());
    }

    #[test]
    fn only_readerable_pages_of_listed_sites_open_by_themselves() {
        let sites = vec![Site { origin: "https://a.example".into(), run: false }, Site { origin: "https://b.example".into(), run: true }];
        assert_eq!(visit(&sites, "https://a.example/story", true), Visit::Wait);
        assert_eq!(visit(&sites, "https://a.example/", false), Visit::Nothing, "a home page is not an article");
        assert_eq!(visit(&sites, "https://b.example/story", true), Visit::Run);
        assert_eq!(visit(&sites, "https://c.example/story", true), Visit::Nothing);
        assert_eq!(visit(&sites, "http://a.example/story", true), Visit::Nothing, "another scheme is another site");
    }
}
