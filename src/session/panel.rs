//! One panel's work once its article, settings and cache hits are known: the plan, the
//! digest and translation flows, and what each of the panel's frames does to them.

use crate::settings::Reset;
use crate::on_device::DigestStep;

use super::ctx::Ctx;
use super::digest_flow::DigestFlow;
use super::effect::{Done, Effect, Frame, PlanSummary, Took};
use super::event::{PanelFrame, Section};
use super::export::date;
use super::qa_flow::QaFlow;
use super::requests::{News, Purpose};
use super::translation_flow::TranslationFlow;
use super::{Plan, Session};

pub struct Work {
    pub session: Session,
    plan: Plan,
    pub digest: DigestFlow,
    pub translation: TranslationFlow,
    pub qa: QaFlow,
}

impl Work {
    /// Posts the plan and starts both sections.
    pub fn begin(session: Session, resets: Vec<Reset>, cx: &mut Ctx) -> Work {
        let plan = session.plan();
        let settings = session.settings();
        let (bilingual, theme) = (settings.bilingual, settings.theme.clone());
        let summary = PlanSummary::of(&plan, &settings.style(), &settings.digest_instructions);
        cx.post(Frame::Plan { plan: Box::new(summary), bilingual, theme, settings_resets: resets });
        let mut work = Work { session, plan, digest: DigestFlow::default(), translation: TranslationFlow::default(), qa: QaFlow::default() };
        work.digest.start(&work.session, &work.plan.digest, cx);
        work.translation.begin(&mut work.session, &work.plan.translation, cx);
        work.qa.begin(&work.session, cx);
        work
    }

    /// A request of this panel is over.
    pub fn settle(&mut self, news: News, digest: bool, cx: &mut Ctx) {
        let answer = |req: &super::requests::Req| matches!(req.purpose, Purpose::Answer { .. });
        if matches!(&news, News::Ended { req } | News::Failed { req, .. } if answer(req)) {
            self.qa.settle(&mut self.session, news, cx);
        } else if digest {
            self.digest.settle(&mut self.session, news, cx);
        } else {
            self.translation.settle(&mut self.session, news, cx);
        }
    }

    /// A frame from the panel (other than `start` and `close`, which the core handles).
    pub fn frame(&mut self, frame: PanelFrame, cx: &mut Ctx) {
        match frame {
            PanelFrame::Retry { section: Section::Digest, .. } => {
                cx.pool.remove_owned_digest(cx.owner, cx.out);
                if matches!(self.plan.digest, super::DigestPlan::OnDevice { .. }) {
                    // On the device, what stands in may have changed (the Prompt API found not
                    // ready, the Summarizer's model downloaded since): the first step again.
                    self.plan.digest = self.session.digest_plan();
                }
                self.digest.start(&self.session, &self.plan.digest, cx);
            }
            PanelFrame::Retry { section: Section::Qa, .. } => self.qa.ask(&mut self.session, None, cx),
            PanelFrame::Ask { question } => self.qa.ask(&mut self.session, Some(&question), cx),
            PanelFrame::Retry { block_ids, .. } => self.translation.start(&mut self.session, block_ids.as_deref(), cx),
            PanelFrame::Confirm {} if !self.translation.confirm(&mut self.session, cx) => {
                cx.out.push(Effect::Warn { message: "a go-ahead no confirmation asked for was refused".into() });
            }
            PanelFrame::Cancel {} => self.translation.cancel(&mut self.session, cx),
            PanelFrame::Export { purpose } => {
                let (markdown, file_name) = self.session.export(&date(cx.now));
                cx.post(Frame::Exported { purpose, markdown, file_name });
            }
            PanelFrame::OnDevice { section: Section::Digest, answers, .. } => self.on_device_digest(&answers.unwrap_or_default(), cx),
            PanelFrame::OnDevice { detected: Some(detected), .. } => match self.session.on_device_detected(&detected) {
                Ok(step) => cx.post(Frame::OnDevice { section: Section::Translation, step: serde_json::to_value(step).unwrap_or_default() }),
                Err(e) => cx.post(Frame::error(Section::Translation, e.info())),
            },
            PanelFrame::OnDevice { blocks, done, start, .. } => {
                if start {
                    self.translation.on_device_started(cx.now);
                }
                match self.session.on_device_translated(&blocks.unwrap_or_default()) {
                    Ok((shown, spend)) => {
                        if !shown.is_empty() {
                            cx.post(Frame::blocks(shown, None));
                        }
                        if done {
                            cx.post(Done::translation(Vec::new(), None, Some(spend), self.translation.elapsed(cx.now), false));
                        }
                    }
                    Err(e) => cx.post(Frame::error(Section::Translation, e.info())),
                }
            }
            PanelFrame::OnDeviceUnavailable {} if self.session.digests_on_device_with_prompt() => {
                // The Prompt API's model is not ready: the Summarizer next, if there is one.
                if let Some((provenance, step)) = self.session.prompt_api_unavailable() {
                    cx.post(Frame::Restyled { provenance });
                    cx.post(Frame::OnDevice { section: Section::Digest, step: serde_json::to_value(step).unwrap_or_default() });
                } else if let Ok((provenance, digest)) = self.session.on_device_fallback() {
                    cx.post(Done::digest(digest, provenance, Took::default()));
                }
            }
            PanelFrame::OnDeviceUnavailable {} => match self.session.on_device_fallback() {
                // The Summarizer's model is not ready: the extractive digest stands in, labelled so.
                Ok((provenance, digest)) => cx.post(Done::digest(digest, provenance, Took::default())),
                Err(e) => cx.post(Frame::error(Section::Digest, e.info())),
            },
            _ => {}
        }
    }

    fn on_device_digest(&mut self, answers: &[String], cx: &mut Ctx) {
        match self.session.on_device_digest(answers) {
            Ok(DigestStep::Done { digest, spend }) => {
                // The label again: an extractive stand-in may have been shown while the model downloaded.
                let provenance = self.session.on_device_provenance();
                let elapsed_ms = Some(cx.now.saturating_sub(self.digest.started_at()));
                cx.post(Done::digest(digest, provenance, Took { spend: Some(spend), elapsed_ms, ..Took::default() }));
            }
            Ok(step) => cx.post(Frame::OnDevice { section: Section::Digest, step: serde_json::to_value(step).unwrap_or_default() }),
            Err(e) => cx.post(Frame::error(Section::Digest, e.info())),
        }
    }

    /// The digest again, in the style the session now has (`Session::restyle`): from the
    /// cache when `hit` holds it, else asked for. Whatever the old style's requests were doing
    /// is dropped first.
    pub fn restyled(&mut self, hit: Option<crate::digest::Digest>, cx: &mut Ctx) {
        cx.pool.remove_owned_digest(cx.owner, cx.out);
        self.session.apply_digest_hit(hit);
        self.plan.digest = self.session.digest_plan();
        let provenance = PlanSummary::of(&self.plan, &self.session.settings().style(), "").digest;
        cx.post(Frame::Restyled { provenance });
        self.digest.start(&self.session, &self.plan.digest, cx);
    }

    /// Drops the panel's timers (its requests are the pool's to drop).
    pub fn stop(&mut self, cx: &mut Ctx) {
        self.translation.stop_wake(cx);
    }
}
