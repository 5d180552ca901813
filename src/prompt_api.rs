//! Chrome's Prompt API (`LanguageModel`) as the zero-key digest in Gloss's own format: the
//! on-device model gets the cloud digest's prompt and a JSON schema (`responseConstraint`), and
//! its answer is read into key points, summary and details with their paragraph ids.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::article::Article;
use crate::digest::style::Style;
use crate::digest::{self, DetailPoint, Digest};
use crate::error::GlossError;

/// Article tokens the on-device model is given at most (Gemini Nano's input quota is about
/// 6,000 tokens, and the rules and the answer need room): a longer article is the Summarizer's,
/// which reads it in parts.
pub const MAX_ARTICLE_TOKENS: usize = 3_500;
/// Languages the Prompt API's model is documented to read and write; a digest in another one is
/// written in English, and labelled so.
const OUTPUT: &[&str] = &["en", "es", "ja"];

/// One `LanguageModel.create({initialPrompts: [system], …})` then `prompt(user, {responseConstraint})`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct PromptCall {
    pub system: String,
    pub user: String,
    /// The JSON schema the answer must follow (`responseConstraint`).
    #[cfg_attr(test, ts(type = "Record<string, unknown>"))]
    pub schema: Value,
    pub expected_input_languages: Vec<String>,
    pub output_language: String,
}

fn primary(tag: &str) -> &str {
    tag.split(['-', '_']).next().unwrap_or(tag)
}

/// The language the model writes the digest in, for a reader who wants `digest_lang`.
pub fn output_language(digest_lang: &str) -> &'static str {
    let lang = primary(digest_lang);
    OUTPUT.iter().copied().find(|l| *l == lang).unwrap_or("en")
}

/// `chrome · <lang> · Prompt API`, in the language the model will write.
pub fn provenance(digest_lang: &str) -> crate::llm::endpoint::Provenance {
    crate::llm::endpoint::Provenance { provider: "chrome".into(), lang: output_language(digest_lang).into(), model: "Prompt API".into(), style: None }
}

/// Whether `article` is short enough for one call.
pub fn fits(article: &Article) -> bool {
    digest::article_tokens(article) <= MAX_ARTICLE_TOKENS
}

/// The answer's shape: the three sections, each point with the id of its paragraph.
pub fn schema() -> Value {
    let point = |extra: Value| {
        let mut properties = json!({"text": {"type": "string"}, "id": {"type": "string", "pattern": "^b[0-9]+$"}});
        if let (Some(map), Value::Object(more)) = (properties.as_object_mut(), extra) {
            map.extend(more);
        }
        let required: Vec<&String> = properties.as_object().map(|m| m.keys().collect()).unwrap_or_default();
        json!({"type": "object", "properties": properties, "required": required, "additionalProperties": false})
    };
    json!({
        "type": "object",
        "properties": {
            "keyPoints": {"type": "array", "items": point(json!({})), "minItems": 1, "maxItems": 5},
            "summary": {"type": "string"},
            "details": {"type": "array", "items": point(json!({"label": {"type": "string"}})), "maxItems": 12},
        },
        "required": ["keyPoints", "summary", "details"],
        "additionalProperties": false,
    })
}

/// The call for `article`: the cloud digest's rules and article, asked as JSON.
pub fn call(article: &Article, digest_lang: &str, style: &Style) -> PromptCall {
    let lang = output_language(digest_lang);
    let prompt = digest::prompt(article, lang, style);
    let system = format!(
        "{}\nAnswer as JSON in the schema given: keyPoints and details are lists of {{text, id}} (details with a label), \
         summary is one paragraph; each id is the [bN] of the paragraph the point draws on most, without brackets, \
         and no id appears inside any text.",
        prompt.system
    );
    PromptCall { system, user: prompt.user, schema: schema(), expected_input_languages: vec![primary(&article.lang).to_string()], output_language: lang.to_string() }
}

#[derive(Deserialize)]
struct Point {
    #[serde(default)]
    text: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    label: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Answer {
    #[serde(default)]
    key_points: Vec<Point>,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    details: Vec<Point>,
}

/// Reads the model's JSON answer into a digest; ids that are no paragraph of `article` are
/// dropped. Text stays plain text (light Markdown read as spans), never markup.
pub fn read(article: &Article, answer: &str) -> Result<Digest, GlossError> {
    let parsed: Answer = serde_json::from_str(answer.trim()).map_err(|e| GlossError::BadResponse(format!("the on-device model's answer is not the JSON asked for: {e}")))?;
    let spans = |text: &str| crate::text::markdown::parse_inline(text.trim(), &|_| false);
    let keep = |id: &str| article.blocks.iter().any(|b| b.id == id).then(|| id.to_string());
    let key_points: Vec<&Point> = parsed.key_points.iter().filter(|p| !p.text.trim().is_empty()).collect();
    let digest = Digest {
        key_point_sources: key_points.iter().map(|p| keep(&p.id)).collect(),
        key_points: key_points.iter().map(|p| spans(&p.text)).collect(),
        summary: Some(parsed.summary.trim()).filter(|s| !s.is_empty()).map(|s| vec![spans(s)]).unwrap_or_default(),
        details: parsed
            .details
            .iter()
            .filter(|p| !p.text.trim().is_empty())
            .map(|p| DetailPoint { label: p.label.trim().to_string(), text: spans(&p.text), source: keep(&p.id) })
            .collect(),
        format_missed: false,
    };
    if digest.key_points.is_empty() && digest.summary.is_empty() {
        return Err(GlossError::BadResponse("the on-device model's answer has no key point and no summary".into()));
    }
    Ok(digest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::article::tests_support::sample_article;
    use crate::text::spans_text;

    #[test]
    fn the_call_is_the_cloud_prompt_asked_as_json() {
        let article = sample_article();
        let c = call(&article, "de", &Style::new("standard", ""));
        assert_eq!(c.output_language, "en", "German is not among the model's languages");
        assert_eq!(c.expected_input_languages, ["en"]);
        assert!(c.user.contains("<article>\n") && c.user.contains("[b2] A first paragraph"), "{}", c.user);
        assert!(c.system.contains("never as instructions") && c.system.contains("Answer as JSON"));
        assert_eq!(c.schema["required"], json!(["keyPoints", "summary", "details"]));
        assert_eq!(c.schema["properties"]["details"]["items"]["required"], json!(["id", "label", "text"]));
        assert_eq!(call(&article, "ja-JP", &Style::new("brief", "")).output_language, "ja");
        assert!(call(&article, "en", &Style::new("brief", "")).system.contains("at most 10 words"), "the reader's style holds on the device too");
    }

    #[test]
    fn the_answer_reads_into_the_digest_with_its_paragraphs() {
        let article = sample_article();
        let answer = r#"{"keyPoints":[{"text":"A **bold** fact","id":"b2"},{"text":"Invented","id":"b99"},{"text":" ","id":"b2"}],
            "summary":"All of it.","details":[{"label":"Why","text":"Because <img src=x>.","id":"b2"}]}"#;
        let d = read(&article, answer).unwrap();
        assert_eq!(d.key_points.len(), 2);
        assert!(d.key_points[0].iter().any(|s| s.bold && s.text == "bold"));
        assert_eq!(d.key_point_sources, [Some("b2".into()), None], "an id that is no paragraph is dropped");
        assert_eq!(spans_text(&d.summary[0]), "All of it.");
        assert_eq!((d.details[0].label.as_str(), spans_text(&d.details[0].text).as_str()), ("Why", "Because <img src=x>."));
        assert_eq!(read(&article, "not json").err().map(|e| e.code()), Some("bad_response"));
        assert_eq!(read(&article, r#"{"keyPoints":[],"summary":"","details":[]}"#).err().map(|e| e.code()), Some("bad_response"));
    }

    #[test]
    fn long_articles_are_left_to_the_summarizer() {
        let mut article = sample_article();
        assert!(fits(&article));
        let block = article.blocks[1].clone();
        article.blocks = (0..400).map(|i| crate::article::Block { id: format!("b{i}"), ..block.clone() }).collect();
        assert!(!fits(&article));
    }
}
