//! "Always on" in the core: the panel's toggle for its page's site, Options' removal, and a page
//! of a listed site asking whether to open the panel by itself (and whether to run).

use serde_json::{json, Map, Value};

use crate::article::ExtractOptions;
use crate::error::GlossError;
use crate::session::effect::{Area, Effect, Frame};
use crate::session::event::{Id, Sender};
use crate::session::requests::Owner;
use crate::sites::{self, Site, Visit, SITES_KEY};

use super::{Core, Op, SitesOp};

impl Core {
    fn read_sites(&mut self, op: SitesOp, out: &mut Vec<Effect>) {
        let id = self.pool.id();
        self.ops.insert(id, Op::Sites(op));
        out.push(Effect::StorageGet { op: id, area: Area::Local, keys: vec![SITES_KEY.to_string(), "settings".to_string()] });
    }

    /// A page Gloss was not clicked for, from a content script registered for a site: its HTML,
    /// for the readerable gate. Only the top frame of a tab, as the browser names it, is heard.
    pub(super) fn site_visit(&mut self, msg: Id, sender: &Sender, message: &Value, out: &mut Vec<Effect>) {
        let tab = sender.tab.as_ref().map(|t| t.id).filter(|_| sender.is_ours(&self.host) && sender.frame_id == Some(0));
        let (Some(tab), Some(url)) = (tab, sender.url.clone()) else {
            out.push(Effect::Reply { msg, value: json!({"open": false}) });
            return;
        };
        let html = message.get("html").and_then(Value::as_str).unwrap_or_default().to_string();
        self.read_sites(SitesOp::Visit { msg, tab, url, html }, out);
    }

    /// Options removes a site.
    pub(super) fn forget_site(&mut self, msg: Id, message: &Value, out: &mut Vec<Effect>) {
        let Some(origin) = message.get("origin").and_then(Value::as_str).and_then(sites::origin_of) else {
            out.push(Effect::Reply { msg, value: json!({"ok": false, "error": GlossError::Invalid("not a site".into()).info()}) });
            return;
        };
        self.read_sites(SitesOp::Change { owner: None, msg: Some(msg), origin, on: false, run: false }, out);
    }

    /// The toggle's state for a panel whose article is at `url` (none for a page of no site).
    pub(super) fn site_state(&mut self, owner: Owner, url: Option<&str>, out: &mut Vec<Effect>) {
        if let Some(origin) = url.and_then(sites::origin_of) {
            self.read_sites(SitesOp::State { owner, origin }, out);
        }
    }

    /// The panel's toggle was changed: `granted` says whether the browser gave the permission.
    pub(super) fn site_toggled(&mut self, owner: Owner, url: Option<&str>, on: bool, run: bool, granted: bool, out: &mut Vec<Effect>) {
        let Some(origin) = url.and_then(sites::origin_of) else { return };
        if on && !granted {
            // Nothing changes; the toggle goes back, saying why.
            self.read_sites(SitesOp::State { owner, origin: origin.clone() }, out);
            self.denied.insert(owner.port);
            return;
        }
        self.read_sites(SitesOp::Change { owner: Some(owner), msg: None, origin, on, run }, out);
    }

    pub(super) fn sites_read(&mut self, op: SitesOp, items: &Map<String, Value>, out: &mut Vec<Effect>) {
        let list = sites::read(items.get(SITES_KEY));
        match op {
            SitesOp::Visit { msg, tab, url, html } => {
                let listed = sites::visit(&list, &url, true) != Visit::Nothing;
                let gate = ExtractOptions { readerable_gate: true, ..ExtractOptions::default() };
                let readerable = listed && crate::article::extract_with(&html, Some(&url), &gate).is_ok();
                let visit = sites::visit(&list, &url, readerable);
                if visit == Visit::Nothing {
                    out.push(Effect::Reply { msg, value: json!({"open": false}) });
                    return;
                }
                // The panel's Port from this tab is Gloss's own, as after a click; its first
                // start waits for the reader unless the site runs at once.
                self.injected_into(tab, out);
                self.visits.insert(tab, visit == Visit::Run);
                let intent = if visit == Visit::Run { "siteRun" } else { "site" };
                out.push(Effect::Reply { msg, value: json!({"open": true, "intent": intent}) });
            }
            SitesOp::State { owner, origin } => {
                let denied = self.denied.remove(&owner.port);
                if self.is_current(owner) {
                    out.push(Effect::Post { port: owner.port, frame: Frame::Site(sites::state(&list, &origin, denied)) });
                }
            }
            SitesOp::Change { owner, msg, origin, on, run } => {
                let was_on = list.iter().any(|s| s.origin == origin);
                let list = sites::set(list, &origin, on, run);
                let now_on = list.iter().any(|s| s.origin == origin);
                self.write_sites(&list, out);
                let id = sites::script_id(&origin);
                if now_on {
                    out.push(Effect::RegisterSite { id, matches: vec![sites::pattern(&origin)], js: sites::SCRIPT_FILES.iter().map(|f| f.to_string()).collect() });
                } else if was_on {
                    out.push(Effect::UnregisterSite { id });
                    if !self.origin_in_use(&origin, items) {
                        out.push(Effect::DropPermission { origins: vec![sites::pattern(&origin)] });
                    }
                }
                if let Some(owner) = owner.filter(|o| self.is_current(*o)) {
                    out.push(Effect::Post { port: owner.port, frame: Frame::Site(sites::state(&list, &origin, false)) });
                }
                if let Some(msg) = msg {
                    out.push(Effect::Reply { msg, value: json!({"ok": true}) });
                }
            }
        }
    }

    fn write_sites(&mut self, list: &[Site], out: &mut Vec<Effect>) {
        let op = self.pool.id();
        let items = Map::from_iter([(SITES_KEY.to_string(), serde_json::to_value(list).unwrap_or_default())]);
        out.push(Effect::StorageSet { op, area: Area::Local, items });
    }

    /// Whether a provider's base URL is on `origin`: then its permission is the provider's too,
    /// and stays when the site is removed.
    fn origin_in_use(&self, origin: &str, items: &Map<String, Value>) -> bool {
        let settings = self.stored_settings(items).settings;
        settings.base_urls.values().any(|url| sites::origin_of(url).as_deref() == Some(origin))
    }
}
