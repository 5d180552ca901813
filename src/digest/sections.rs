//! What the Quick Digest section shows: key points, summary and detailed points, each point with
//! the article paragraph it draws on.

use serde::{Deserialize, Serialize};

use crate::text::Span;

/// A detailed key point: a short bold label and one sentence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DetailPoint {
    pub label: String,
    pub text: Vec<Span>,
    /// The id of the article block the point draws on, when known (the panel links to it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// What the Quick Digest section shows, in order.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Digest {
    pub key_points: Vec<Vec<Span>>,
    /// For each key point, the id of the article block it draws on, when known.
    #[serde(default)]
    pub key_point_sources: Vec<Option<String>>,
    pub summary: Vec<Vec<Span>>,
    pub details: Vec<DetailPoint>,
    /// The model did not write the digest's sections: its whole answer is the summary, and the
    /// panel says so (`_locales` key `digestFormatMissed`). Set once the answer is complete.
    #[serde(default)]
    pub format_missed: bool,
}

impl Digest {
    /// Forgets sources that name no block of the article (a model may invent ids).
    pub fn keep_sources(&mut self, is_block: impl Fn(&str) -> bool) {
        let keep = |source: &mut Option<String>| {
            if source.as_deref().is_some_and(|id| !is_block(id)) {
                *source = None;
            }
        };
        self.key_point_sources.iter_mut().for_each(keep);
        self.details.iter_mut().for_each(|d| keep(&mut d.source));
    }
}
