//! A panel's start: reading its page into an article. The first start of a panel reads the page
//! its content script sent ahead ([`PageAhead`]): serialised, carried and extracted while the
//! panel's frame was loading, so the start finds the article ready. Later starts (a restart,
//! "digest anyway", a new article) bring the page with them.

use serde_json::Value;

use crate::article::{ExtractOptions, Phase};
use crate::error::GlossError;
use crate::session::effect::{Effect, ExtractTiming, Frame};
use crate::session::event::{Id, PageAhead, Section, Sender};
use crate::session::requests::{Owner, TimerFor};
use crate::session::Session;
use crate::settings::Settings;

use super::ahead::{Ahead, Awaiting, Extracted, Read, AHEAD_KEEP_MS, AHEAD_TABS, AHEAD_WAIT_MS, FIRST_GATE};
use super::{Core, MAX_STARTS_PER_MINUTE};

impl Core {
    /// A start frame: counted against the tab's starts, it replaces whatever the panel was doing;
    /// `read` is `None` when the page is the one sent ahead.
    pub(super) fn start(&mut self, port: Id, read: Option<Read>, readerable_gate: bool, translate_lang: Option<String>, now: u64, out: &mut Vec<Effect>) {
        let Some(tab) = self.panels.get(&port).map(|p| p.tab.unwrap_or(-1)) else { return };
        if !self.may_start(tab, now) {
            let error = GlossError::TooManyStarts(MAX_STARTS_PER_MINUTE).info();
            out.push(Effect::Post { port, frame: Frame::error(Section::Original, error) });
            return;
        }
        self.drop_work(port, now, out);
        self.stop_awaiting(port, out);
        if let Some(read) = read {
            let extracted = self.extract(read, readerable_gate);
            return self.show(port, extracted, translate_lang, out);
        }
        match self.ahead.remove(&tab).filter(|a| now.saturating_sub(a.at) <= AHEAD_KEEP_MS) {
            Some(Ahead { mut extracted, .. }) if readerable_gate == FIRST_GATE => {
                if let Some(timing) = extracted.timing.as_mut() {
                    timing.started = self.entered;
                }
                self.show(port, extracted, translate_lang, out);
            }
            // Extracted with another gate: the panel brings the page again.
            Some(_) => out.push(Effect::Post { port, frame: Frame::PageNeeded { readerable_gate, translate_lang } }),
            None => {
                // The frame loaded before the page side finished reading (a very large page).
                let timer = self.pool.arm(TimerFor::Ahead(port), AHEAD_WAIT_MS, out);
                if let Some(panel) = self.panels.get_mut(&port) {
                    panel.awaiting = Some(Awaiting { readerable_gate, translate_lang, timer, started: self.entered });
                }
            }
        }
    }

    /// The page, from the content script of a tab Gloss was opened in: read by the start waiting
    /// for it, or kept for the start to come. Only that tab's top frame is heard.
    pub(super) fn page_ahead(&mut self, msg: Id, sender: &Sender, message: Value, now: u64, out: &mut Vec<Effect>) {
        out.push(Effect::Reply { msg, value: Value::Null });
        let from_page = sender.is_ours(&self.host) && sender.frame_id == Some(0) && !sender.is_extension_page(&self.host);
        let tab = sender.tab.as_ref().map(|t| t.id).filter(|tab| from_page && self.opened_in(*tab));
        let Some(tab) = tab else {
            out.push(Effect::Warn { message: "refused a page from outside a tab Gloss opened in".into() });
            return;
        };
        let page = match serde_json::from_value::<PageAhead>(message) {
            Ok(page) => page,
            Err(e) => {
                out.push(Effect::Warn { message: format!("an unreadable page: {e}") });
                return;
            }
        };
        let read = Read::ahead(page, self.entered);
        let waiting = self.panels.iter_mut().find(|(_, p)| p.tab == Some(tab) && p.awaiting.is_some());
        if let Some((&port, panel)) = waiting {
            if let Some(Awaiting { readerable_gate, translate_lang, timer, started }) = panel.awaiting.take() {
                self.pool.cancel_timer(timer, out);
                let mut extracted = self.extract(read, readerable_gate);
                if let Some(timing) = extracted.timing.as_mut() {
                    timing.started = started;
                }
                self.show(port, extracted, translate_lang, out);
            }
            return;
        }
        // Extracted now, while the panel's frame loads: its start then finds the article ready.
        let ahead = Ahead { extracted: self.extract(read, FIRST_GATE), at: now };
        self.ahead.retain(|_, a| now.saturating_sub(a.at) <= AHEAD_KEEP_MS);
        if !self.ahead.contains_key(&tab) && self.ahead.len() >= AHEAD_TABS {
            let oldest = self.ahead.iter().min_by_key(|(_, a)| a.at).map(|(tab, _)| *tab);
            if let Some(oldest) = oldest {
                self.ahead.remove(&oldest);
            }
        }
        self.ahead.insert(tab, ahead);
    }

    /// The page did not arrive in time: the panel is asked to bring it.
    pub(super) fn ahead_missed(&mut self, port: Id, out: &mut Vec<Effect>) {
        let Some(Awaiting { readerable_gate, translate_lang, .. }) = self.panels.get_mut(&port).and_then(|p| p.awaiting.take()) else { return };
        out.push(Effect::Post { port, frame: Frame::PageNeeded { readerable_gate, translate_lang } });
    }

    /// A panel that ends or starts again no longer waits for a page.
    pub(super) fn stop_awaiting(&mut self, port: Id, out: &mut Vec<Effect>) {
        if let Some(awaiting) = self.panels.get_mut(&port).and_then(|p| p.awaiting.take()) {
            self.pool.cancel_timer(awaiting.timer, out);
        }
    }

    /// Whether Gloss was opened in `tab` (clicked, or opened by itself on an always-on site).
    fn opened_in(&self, tab: i64) -> bool {
        self.injected.as_ref().is_some_and(|tabs| tabs.contains(&tab)) || self.injected_early.contains(&tab)
    }

    /// Reads the page into an article, timed when the host lent the core a clock.
    fn extract(&self, read: Read, readerable_gate: bool) -> Extracted {
        let Read { html, url, selection_html, on_device, pdf, pdf_failure, ahead } = read;
        let options = ExtractOptions { readerable_gate, selection_html };
        let clock = self.clock;
        let start = clock.map(|now| now());
        let mut marks = [0.0; 3];
        let mut mark = |phase: Phase| {
            if let Some(now) = clock {
                marks[phase as usize] = now();
            }
        };
        let article = match (pdf, pdf_failure) {
            (_, Some(failure)) => Err(crate::pdf::failure_error(&failure, url.as_deref())),
            (Some(doc), None) => crate::pdf::article(&doc, url.as_deref()),
            (None, None) => crate::article::extract_observed(&html, url.as_deref(), &options, &mut mark),
        };
        let timing = start.map(|decoded| {
            let [parsed, readability, blocks] = marks;
            ExtractTiming { entered: self.entered.unwrap_or(decoded), decoded, parsed, readability, blocks, ahead, started: None }
        });
        Extracted { article: article.map_err(|e| e.info()), on_device, timing }
    }

    /// Shows the panel its article, and plans its digest and translation (or holds them).
    fn show(&mut self, port: Id, extracted: Extracted, translate_lang: Option<String>, out: &mut Vec<Effect>) {
        let Some(panel) = self.panels.get_mut(&port) else { return };
        panel.run += 1;
        let (tab, owner) = (panel.tab.unwrap_or(-1), Owner { port, run: panel.run });
        let Extracted { article, on_device, timing } = extracted;
        let article = match article {
            Ok(article) => article,
            Err(error) => {
                out.push(Effect::Post { port, frame: Frame::error(Section::Original, error) });
                return;
            }
        };
        out.push(Effect::Post { port, frame: Frame::Article { article: Box::new(article.clone()), timing } });
        self.site_state(owner, article.url.as_deref(), out);
        let mut session = Box::new(Session::new(article, Settings::default()));
        session.set_on_device(on_device.unwrap_or_default());
        if self.visits.remove(&tab) == Some(false) {
            // Opened by itself: the article is shown, nothing is asked until the reader opens it.
            if let Some(panel) = self.panels.get_mut(&port) {
                panel.held = Some((session, translate_lang));
            }
            out.push(Effect::Post { port, frame: Frame::Held {} });
            return;
        }
        self.read_settings(owner, session, translate_lang, out);
    }
}
