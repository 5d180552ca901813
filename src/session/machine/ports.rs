//! Ports: who may open one. The tabs Gloss injected into (kept across workers), and the panels
//! that connect from them.

use super::*;

impl Core {
    pub(super) fn injected_into(&mut self, tab: i64, out: &mut Vec<Effect>) {
        match self.injected.as_mut() {
            Some(tabs) => {
                tabs.insert(tab);
                self.save_injected(out);
            }
            None => {
                self.injected_early.insert(tab);
                self.load_injected(out);
            }
        }
    }

    pub(super) fn inject_done(&mut self, tab: i64, ok: bool, message: Option<String>, out: &mut Vec<Effect>) {
        let Some((_, refusals)) = self.injecting.get_mut(&tab) else { return };
        if ok {
            self.injecting.remove(&tab);
            out.push(Effect::Badge { tab, text: String::new(), title_key: None });
            return;
        }
        match INJECT_RETRY_MS.get(*refusals) {
            Some(ms) => {
                *refusals += 1;
                self.pool.arm(TimerFor::Inject(tab), *ms, out);
            }
            None => {
                // Browser pages, the web store and other extensions' pages cannot be scripted.
                self.injecting.remove(&tab);
                out.push(Effect::Warn { message: format!("cannot run on this page: {}", message.unwrap_or_default()) });
                out.push(Effect::Badge { tab, text: "!".into(), title_key: Some("error_unscriptable".into()) });
            }
        }
    }

    pub(super) fn save_injected(&mut self, out: &mut Vec<Effect>) {
        let items = Map::from_iter([(INJECTED_KEY.to_string(), json!(self.injected))]);
        let op = self.pool.id();
        out.push(Effect::StorageSet { op, area: Area::Session, items });
    }

    pub(super) fn load_injected(&mut self, out: &mut Vec<Effect>) {
        if self.ops.values().any(|op| matches!(op, Op::Injected)) {
            return;
        }
        let op = self.pool.id();
        self.ops.insert(op, Op::Injected);
        // The window's send times come with it: no Port is served before this read is back.
        out.push(Effect::StorageGet { op, area: Area::Session, keys: vec![INJECTED_KEY.to_string(), WINDOW_KEY.to_string()] });
    }

    /// A Port is accepted from this extension only, in a tab Gloss injected into, from that
    /// tab's top frame or from one of the extension's own pages (a panel frame).
    pub(super) fn connected(&mut self, port: Id, sender: Sender, out: &mut Vec<Effect>) {
        let frame_ok = sender.frame_id == Some(0) || sender.is_extension_page(&self.host);
        let Some(tab) = sender.tab.as_ref().map(|t| t.id).filter(|_| sender.is_ours(&self.host) && frame_ok) else {
            self.refuse(port, "a Port from outside a page Gloss opened in", out);
            return;
        };
        match &self.injected {
            Some(tabs) if tabs.contains(&tab) => self.accept(port, tab),
            Some(_) => self.refuse(port, "a Port from a tab Gloss was not opened in", out),
            None => {
                self.parked.insert(port, (sender, Vec::new()));
                self.load_injected(out);
            }
        }
    }

    pub(super) fn accept(&mut self, port: Id, tab: i64) {
        self.panels.insert(port, Panel { tab: Some(tab), run: 0, work: None, held: None, awaiting: None });
    }

    pub(super) fn refuse(&mut self, port: Id, why: &str, out: &mut Vec<Effect>) {
        out.push(Effect::Warn { message: format!("refused {why}") });
        out.push(Effect::Disconnect { port });
    }

    pub(super) fn injected_read(&mut self, items: &Map<String, Value>, now: u64, out: &mut Vec<Effect>) {
        let stored = items.get(INJECTED_KEY).and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_i64);
        let mut tabs: BTreeSet<i64> = stored.collect();
        self.pool.restore_window(items.get(WINDOW_KEY), now);
        let early = std::mem::take(&mut self.injected_early);
        let changed = !early.is_subset(&tabs);
        tabs.extend(early);
        self.injected = Some(tabs);
        if changed {
            self.save_injected(out);
        }
        for (port, (sender, frames)) in std::mem::take(&mut self.parked) {
            self.connected(port, sender, out);
            for frame in frames {
                self.frame(port, frame, now, out);
            }
        }
    }
}
