//! The session's steps on the browser's built-in AI (Prompt API, Summarizer, Translator): which
//! one runs, what it is asked, and how its answers become the digest and the translation.

use super::*;

impl Session {
    /// Tells the session which built-in AI APIs the page's window has.
    pub fn set_on_device(&mut self, apis: OnDeviceApis) {
        self.apis = apis;
    }

    /// The digest made with no model at all, and its label.
    pub(super) fn offline_digest(&self) -> (Provenance, Digest) {
        (Provenance::builtin(&self.article.lang), digest::offline(&self.article))
    }

    /// What stands in when the browser's Summarizer turns out not to be ready (its model still to
    /// download, or failing): the offline digest. Refused for a page not digesting on the device.
    pub fn on_device_fallback(&self) -> Result<(Provenance, Digest), GlossError> {
        if !self.digests_on_device() {
            return Err(GlossError::Invalid("no on-device digest is running for this page".into()));
        }
        Ok(self.offline_digest())
    }

    /// Whether the digest is the browser's Summarizer's to make: no model, the API is there, and
    /// the article has prose for it.
    pub(super) fn digests_on_device(&self) -> bool {
        matches!(self.endpoint, Ok(None)) && (self.apis.summarizer || self.apis.language_model) && on_device::can_digest(&self.article)
    }

    /// Whether the on-device digest is the Prompt API's: it is there, has not failed, and the
    /// article fits one call (a longer one is the Summarizer's, which reads it in parts).
    pub(super) fn uses_prompt_api(&self) -> bool {
        self.apis.language_model && !self.prompt_api_failed && crate::prompt_api::fits(&self.article)
    }

    /// Whether the on-device digest running is the Prompt API's.
    pub fn digests_on_device_with_prompt(&self) -> bool {
        self.digests_on_device() && self.uses_prompt_api()
    }

    /// The on-device digest's label: the Prompt API's or the Summarizer's.
    pub fn on_device_provenance(&self) -> Provenance {
        if self.uses_prompt_api() {
            crate::prompt_api::provenance(&self.settings.digest_lang)
        } else {
            on_device::digest_provenance(&self.settings.digest_lang)
        }
    }

    /// The on-device digest's first step: the Prompt API's call, or the Summarizer's calls.
    pub(super) fn on_device_first_step(&self) -> Option<on_device::DigestStep> {
        if self.uses_prompt_api() {
            return Some(on_device::DigestStep::Prompt { call: crate::prompt_api::call(&self.article, &self.settings.digest_lang, &self.settings.style()) });
        }
        self.apis.summarizer.then(|| on_device::digest_step(&self.article, &self.settings.digest_lang, &[]))
    }

    /// The Prompt API's model is not ready (or failed): the Summarizer's first step and label,
    /// when there is a Summarizer; `None` when the extractive digest is what is left.
    pub fn prompt_api_unavailable(&mut self) -> Option<(Provenance, on_device::DigestStep)> {
        if !self.digests_on_device() || !self.uses_prompt_api() {
            return None;
        }
        self.prompt_api_failed = true;
        let step = self.on_device_first_step()?;
        Some((self.on_device_provenance(), step))
    }

    /// Whether the translation is the browser's Translator's to make.
    pub(super) fn translates_on_device(&self) -> bool {
        matches!(self.endpoint, Ok(None)) && self.apis.translator
    }

    /// The next step of the on-device digest, given every answer so far; a finished digest is
    /// recorded for the export. An answer for a session that is not digesting on the device (a
    /// late one from an earlier run) is refused.
    pub fn on_device_digest(&mut self, answers: &[String]) -> Result<on_device::DigestStep, GlossError> {
        if !self.digests_on_device() {
            return Err(GlossError::Invalid("no on-device digest is running for this page".into()));
        }
        let step = if self.uses_prompt_api() {
            let answer = answers.first().map_or("", String::as_str);
            match crate::prompt_api::read(&self.article, answer) {
                Ok(digest) => {
                    let call = crate::prompt_api::call(&self.article, &self.settings.digest_lang, &self.settings.style());
                    let input = (estimate_tokens(&call.system) + estimate_tokens(&call.user)) as u64;
                    let spend = Spend { input_tokens: input, output_tokens: estimate_tokens(answer) as u64, estimated: true, cost_usd: None };
                    on_device::DigestStep::Done { digest, spend }
                }
                // Not the JSON asked for: the Summarizer, if there is one, tries instead.
                Err(e) => return self.prompt_api_unavailable().map(|(_, step)| step).ok_or(e),
            }
        } else {
            on_device::digest_step(&self.article, &self.settings.digest_lang, answers)
        };
        if let on_device::DigestStep::Done { digest, .. } = &step {
            self.digest_shown = Some(digest.clone());
            self.digest_on_device = true;
        }
        Ok(step)
    }

    /// The on-device translation's step after language detection.
    pub fn on_device_detected(&self, detected: &[on_device::Detected]) -> Result<on_device::TranslationStep, GlossError> {
        if !self.translates_on_device() {
            return Err(GlossError::Invalid("no on-device translation is running for this page".into()));
        }
        Ok(on_device::translation_detected(&self.article, &self.settings.translate_lang, detected))
    }

    /// Blocks the built-in Translator translated, as the panel shows them (and the export keeps),
    /// with what the translation has taken so far.
    pub fn on_device_translated(&mut self, answers: &[on_device::BlockText]) -> Result<(Vec<TranslatedBlock>, Spend), GlossError> {
        if !self.translates_on_device() {
            return Err(GlossError::Invalid("no on-device translation is running for this page".into()));
        }
        let blocks = on_device::translated(&self.article, answers);
        self.record_translated(&blocks);
        self.translated_on_device = true;
        let more = on_device::translation_spend(&self.article, answers);
        self.spend.input_tokens += more.input_tokens;
        self.spend.output_tokens += more.output_tokens;
        self.spend.estimated = true;
        Ok((blocks, self.spend))
    }
}
