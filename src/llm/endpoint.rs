//! A provider ready to be called: the chosen preset with the reader's overrides, the base-URL
//! rule that keeps a key off clear-text hosts, and the HTTP requests built for `fetch`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::GlossError;
use crate::llm::presets::{preset, Preset, BUILTIN};
use crate::llm::prompt::Prompt;
use crate::llm::wire::Wire;
use crate::llm::{anthropic, gemini, ollama, openai};
use crate::settings::schema::Settings;

/// Context Gloss asks a native Ollama for, so long articles are not silently cut.
pub const OLLAMA_NUM_CTX: u64 = 16_384;

/// A provider ready to be called: preset plus the user's overrides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub preset: &'static Preset,
    pub base_url: String,
    pub model: String,
    pub api_key: String,
    /// The context a native Ollama is asked for: Gloss's default, or more when the reader
    /// said the model has more (so a digest sized for it is not silently cut).
    pub ollama_num_ctx: u64,
}

impl Endpoint {
    /// The endpoint the settings describe; `Ok(None)` for the built-in default.
    pub fn from_settings(settings: &Settings) -> Result<Option<Endpoint>, GlossError> {
        if settings.provider == BUILTIN {
            return Ok(None);
        }
        let preset = preset(&settings.provider).ok_or_else(|| GlossError::Invalid(format!("unknown provider {}", settings.provider)))?;
        let base_url = non_empty(settings.provider_base_url()).unwrap_or(preset.base_url).trim_end_matches('/').to_string();
        check_base_url(&base_url)?;
        let model = non_empty(&settings.model).unwrap_or(preset.model).to_string();
        if model.is_empty() {
            return Err(GlossError::Invalid("choose a model in Options".into()));
        }
        if preset.needs_key && settings.key().is_empty() {
            return Err(GlossError::MissingKey);
        }
        let ollama_num_ctx = settings.model_table().readers_context(&model).map_or(OLLAMA_NUM_CTX, |n| n.max(OLLAMA_NUM_CTX));
        Ok(Some(Endpoint { preset, base_url, model, api_key: settings.key().to_string(), ollama_num_ctx }))
    }

    /// Whether the endpoint is on this machine (local Ollama, LM Studio, llama.cpp).
    pub fn is_local(&self) -> bool {
        authority_host(&self.base_url).is_some_and(is_loopback)
    }

    /// The streaming chat request for a prompt.
    pub fn chat_request(&self, prompt: &Prompt) -> HttpRequest {
        let (base, model) = (self.base_url.as_str(), self.model.as_str());
        let (url, body) = match self.preset.wire {
            Wire::Anthropic => anthropic::chat(base, model, prompt),
            Wire::Gemini => gemini::chat(base, model, prompt),
            Wire::OllamaNative => ollama::chat(base, model, prompt, self.ollama_num_ctx),
            Wire::OpenAi => openai::chat(base, model, prompt, self.preset.max_tokens_field),
        };
        HttpRequest::new(url, "POST", self.auth_headers(), Some(body.to_string()))
    }

    /// The model-list request: the cheapest call that proves the key and the host work.
    pub fn models_request(&self) -> HttpRequest {
        let base = self.base_url.as_str();
        let url = match self.preset.wire {
            Wire::Anthropic => anthropic::models_url(base),
            Wire::Gemini => gemini::models_url(base),
            Wire::OllamaNative => ollama::models_url(base),
            Wire::OpenAi => openai::models_url(base),
        };
        let headers = self.auth_headers().into_iter().filter(|(k, _)| k != "content-type").collect();
        HttpRequest::new(url, "GET", headers, None)
    }

    pub(crate) fn auth_headers(&self) -> Vec<(String, String)> {
        let mut headers = vec![("content-type".to_string(), "application/json".to_string())];
        match self.preset.wire {
            Wire::Anthropic => anthropic::auth_headers(&self.api_key, &mut headers),
            Wire::Gemini => gemini::auth_headers(&self.api_key, &mut headers),
            Wire::OllamaNative | Wire::OpenAi => openai::auth_headers(&self.api_key, &mut headers),
        }
        headers
    }

    /// What produced a section, for its header.
    pub fn provenance(&self, lang: &str) -> Provenance {
        Provenance { provider: self.preset.id.to_string(), lang: lang.to_string(), model: self.model.clone(), style: None }
    }
}

/// Refuses a base URL a key must not be sent to: anything but `https://`, except plain
/// `http://` to this machine (127.0.0.0/8, `::1`, `localhost`), where local servers run.
/// A URL with a user name, a backslash or a host in any unusual spelling is refused rather
/// than guessed at, since the browser may read it differently.
pub fn check_base_url(url: &str) -> Result<(), GlossError> {
    let refuse = || GlossError::InsecureBaseUrl(url.to_string());
    let (scheme, _) = url.split_once("://").ok_or_else(|| GlossError::Invalid("the base URL must start with https:// or http://".into()))?;
    let host = authority_host(url).ok_or_else(refuse)?;
    match scheme.to_ascii_lowercase().as_str() {
        "https" if !host.is_empty() => Ok(()),
        "http" if is_loopback(host) => Ok(()),
        "http" | "https" => Err(refuse()),
        _ => Err(GlossError::Invalid("the base URL must start with https:// or http://".into())),
    }
}

/// The host of `scheme://host[:port]/…`, or `None` for anything a browser could read as
/// another host: user info (`a@b`), backslashes, whitespace, control characters, percent signs.
fn authority_host(url: &str) -> Option<&str> {
    let (_, rest) = url.split_once("://")?;
    if rest.chars().any(|c| c == '\\' || c.is_whitespace() || c.is_control()) {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains(['@', '%']) {
        return None;
    }
    if let Some(v6) = authority.strip_prefix('[') {
        let (host, port) = v6.split_once(']')?;
        return (port.is_empty() || valid_port(port.strip_prefix(':')?)).then_some(host);
    }
    match authority.split_once(':') {
        Some((host, port)) => valid_port(port).then_some(host),
        None => Some(authority),
    }
}

fn valid_port(port: &str) -> bool {
    !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit())
}

/// `localhost`, `::1`, or a dotted-decimal 127.x.y.z (other spellings of an address are not
/// recognised, so they count as not loopback).
fn is_loopback(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") || host == "::1" {
        return true;
    }
    let octets: Vec<&str> = host.split('.').collect();
    octets.len() == 4
        && octets[0] == "127"
        && octets.iter().all(|o| !o.is_empty() && o.len() <= 3 && o.bytes().all(|b| b.is_ascii_digit()) && o.parse::<u16>().is_ok_and(|n| n <= 255))
}

fn non_empty(s: &str) -> Option<&str> {
    let s = s.trim();
    (!s.is_empty()).then_some(s)
}

/// A request for the extension to send with `fetch`, exactly as built.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct HttpRequest {
    pub url: String,
    pub method: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    /// `fetch`'s `redirect` option, always `"error"`: a redirect would carry the key's header
    /// (browsers strip only `authorization`) to wherever the server points, so it fails instead.
    pub redirect: String,
}

impl HttpRequest {
    pub(crate) fn new(url: String, method: &str, headers: Vec<(String, String)>, body: Option<String>) -> Self {
        HttpRequest { url, method: method.to_string(), headers, body, redirect: "error".to_string() }
    }

    /// The credentials this request carries (key headers' values), for redacting them from
    /// whatever the provider answers.
    pub fn secret(&self) -> &str {
        self.headers
            .iter()
            .find(|(k, _)| matches!(k.as_str(), "x-api-key" | "x-goog-api-key" | "authorization"))
            .map_or("", |(_, v)| v.strip_prefix("Bearer ").unwrap_or(v))
    }
}

/// `provider · lang · model`, shown in each section's header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Provenance {
    pub provider: String,
    pub lang: String,
    pub model: String,
    /// The digest's style (`brief`, `custom`, …), for a digest a model writes in one other than
    /// the standard.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    #[cfg_attr(test, ts(optional))]
    pub style: Option<String>,
}

impl Provenance {
    pub fn builtin(lang: &str) -> Self {
        Provenance { provider: "built-in".into(), lang: lang.into(), model: "extractive".into(), style: None }
    }

    /// The same, for a digest written in `style`: named in the label unless it is the standard one.
    pub fn styled(self, style: &str) -> Self {
        let style = (style != crate::digest::style::DEFAULT_STYLE).then(|| style.to_string());
        Provenance { style, ..self }
    }
}

/// What Test connection reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ConnectionReport {
    pub model_count: usize,
    /// Whether the configured model is among the provider's models.
    pub model_found: bool,
    pub model: String,
    pub models: Vec<String>,
    /// The context Gloss will size requests by for the model, and where that comes from
    /// (the server, when it said).
    pub context: Option<crate::models::ContextInfo>,
}

/// Ids that name models which cannot chat (embeddings, speech, images, moderation, legacy completions).
const NOT_CHAT: &[&str] = &["embed", "whisper", "tts", "dall-e", "moderation", "davinci", "babbage", "transcribe", "image", "realtime", "audio", "rerank"];

/// Reads a 200 model-list response into a report for the configured model.
pub fn parse_models(endpoint: &Endpoint, body: &str) -> Result<ConnectionReport, GlossError> {
    let value: Value = serde_json::from_str(body).map_err(|e| GlossError::BadResponse(format!("model list is not JSON: {e}")))?;
    let (ids, field) = match endpoint.preset.wire {
        Wire::Gemini => (gemini::model_ids(&value), "models"),
        Wire::OllamaNative => (ollama::model_ids(&value), "models"),
        Wire::Anthropic => (anthropic::model_ids(&value), "data"),
        Wire::OpenAi => (openai::model_ids(&value), "data"),
    };
    let ids = ids.ok_or_else(|| GlossError::BadResponse(format!("model list has no `{field}` array")))?;
    let models: Vec<String> = ids.into_iter().filter(|id| !NOT_CHAT.iter().any(|n| id.to_ascii_lowercase().contains(n))).collect();
    // Servers that serve one model whatever it is called (llama.cpp) have nothing to match.
    let wanted = endpoint.model.trim_start_matches("models/");
    let model_found = models.iter().any(|m| m == wanted || m.strip_suffix(":latest") == Some(wanted)) || endpoint.preset.id == "llamacpp";
    Ok(ConnectionReport { model_count: models.len(), model_found, model: endpoint.model.clone(), models, context: None })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    pub(crate) fn settings(provider: &str, key: &str) -> Settings {
        Settings { provider: provider.into(), api_key: key.into(), ..Settings::default() }.migrate()
    }

    pub(crate) fn endpoint(provider: &str, key: &str) -> Endpoint {
        match Endpoint::from_settings(&settings(provider, key)) {
            Ok(Some(e)) => e,
            other => panic!("no endpoint: {other:?}"),
        }
    }

    pub(crate) fn body(req: &HttpRequest) -> Value {
        serde_json::from_str(req.body.as_deref().unwrap_or("null")).unwrap_or(Value::Null)
    }

    pub(crate) fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
        req.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub(crate) fn prompt() -> Prompt {
        Prompt { system: "sys".into(), user: "hello".into(), max_tokens: 500 }
    }

    #[test]
    fn gemini_and_ollama_model_lists() {
        let gemini = endpoint("gemini", "k");
        let r = parse_models(&gemini, r#"{"models":[{"name":"models/gemini-2.5-flash","supportedGenerationMethods":["generateContent","countTokens"]},{"name":"models/text-embedding-004","supportedGenerationMethods":["embedContent"]}]}"#);
        assert_eq!(r.map(|r| (r.models, r.model_found)), Ok((vec!["gemini-2.5-flash".to_string()], true)));
        let ollama = endpoint("ollama", "");
        let r = parse_models(&ollama, r#"{"models":[{"name":"llama3.2:latest","model":"llama3.2:latest"},{"name":"nomic-embed-text:latest"}]}"#);
        assert_eq!(r.map(|r| (r.model_count, r.model_found)), Ok((1, true)));
    }

    #[test]
    fn non_chat_models_are_filtered_out() {
        let e = endpoint("openai", "k");
        let r = parse_models(&e, r#"{"object":"list","data":[{"id":"gpt-4o-mini"},{"id":"text-embedding-3-small"},{"id":"whisper-1"},{"id":"dall-e-3"},{"id":"tts-1"}]}"#);
        assert_eq!(r.map(|r| r.models), Ok(vec!["gpt-4o-mini".to_string()]));
    }

    #[test]
    fn keyless_local_servers_send_no_authorization() {
        let e = endpoint("ollama-openai", "");
        let req = e.chat_request(&prompt());
        assert_eq!(req.url, "http://localhost:11434/v1/chat/completions");
        assert_eq!(header(&req, "authorization"), None);
        assert!(e.is_local());
        assert!(!endpoint("openai", "k").is_local());
    }

    #[test]
    fn missing_key_model_and_bad_url_are_reported() {
        assert_eq!(Endpoint::from_settings(&settings("anthropic", " ")), Err(GlossError::MissingKey));
        assert_eq!(Endpoint::from_settings(&settings(BUILTIN, "")), Ok(None));
        assert!(matches!(Endpoint::from_settings(&settings("lmstudio", "")), Err(GlossError::Invalid(_))));
        let bad = Settings { base_urls: [("openai".to_string(), "ftp://x".to_string())].into(), ..settings("openai", "k") };
        assert!(matches!(Endpoint::from_settings(&bad), Err(GlossError::Invalid(_))));
    }

    pub(crate) fn with_base_url(provider: &str, url: &str) -> Result<Option<Endpoint>, GlossError> {
        Endpoint::from_settings(&Settings { base_urls: [(provider.to_string(), url.to_string())].into(), ..settings(provider, "sk-ant-key") })
    }

    #[test]
    fn http_is_refused_unless_the_host_is_this_machine() {
        for url in ["http://localhost:1234/v1", "http://LOCALHOST/v1", "http://127.0.0.1:8080/v1", "http://127.255.0.9", "http://[::1]:11434", "https://proxy.example/v1", "https://10.0.0.5/v1"] {
            assert_eq!(check_base_url(url), Ok(()), "{url}");
        }
        for url in [
            "http://192.168.1.5:11434",
            "http://proxy.example/v1",
            "http://127.0.0.1.evil.example/v1",
            "http://localhost.evil.example",
            "http://localhost@evil.example/",
            "http://evil.example\\@localhost/",
            "http://%6cocalhost/",
            "http://127.0.0.256/",
            "http://127.1/",
            "http://[::2]/",
            "http://localhost:80x/",
            "http:// localhost/",
            "https://user:pw@api.example/v1",
        ] {
            assert_eq!(check_base_url(url), Err(GlossError::InsecureBaseUrl(url.to_string())), "{url}");
        }
        assert!(matches!(check_base_url("ftp://x"), Err(GlossError::Invalid(_))));
        assert!(matches!(check_base_url("localhost:11434"), Err(GlossError::Invalid(_))));
    }

    #[test]
    fn an_insecure_base_url_stops_the_endpoint_with_its_own_code() {
        let e = with_base_url("anthropic", "http://192.168.1.5:8000");
        assert_eq!(e.as_ref().map_err(GlossError::code), Err("insecure_base_url"));
        assert!(with_base_url("anthropic", "https://gateway.example").is_ok_and(|e| e.is_some()));
        assert!(with_base_url("ollama", "http://127.0.0.1:11434").is_ok_and(|e| e.is_some_and(|e| e.is_local())));
        assert!(with_base_url("openai", "https://127.0.0.1.nip.io/v1").is_ok_and(|e| e.is_some_and(|e| !e.is_local())), "a name that starts like an address is not local");
    }

    #[test]
    fn every_preset_passes_the_base_url_rule() {
        for p in crate::llm::presets::PRESETS.iter().filter(|p| !p.base_url.is_empty()) {
            assert_eq!(check_base_url(p.base_url), Ok(()), "{}", p.id);
        }
    }

    #[test]
    fn each_provider_uses_its_own_base_url_only() {
        let s = Settings {
            base_urls: [("ollama".to_string(), "http://127.0.0.1:9999".to_string())].into(),
            ..settings("anthropic", "sk-ant-key")
        };
        let e = Endpoint::from_settings(&s).ok().flatten();
        assert_eq!(e.map(|e| e.base_url), Some("https://api.anthropic.com".to_string()), "ollama's base URL is not anthropic's");
    }

    #[test]
    fn requests_refuse_redirects_and_name_their_secret() {
        let e = endpoint("anthropic", "sk-ant-x");
        let (chat, models) = (e.chat_request(&prompt()), e.models_request());
        assert_eq!((chat.redirect.as_str(), models.redirect.as_str()), ("error", "error"));
        assert_eq!(serde_json::to_value(&chat).ok().map(|v| v["redirect"].clone()), Some(json!("error")));
        assert_eq!(chat.secret(), "sk-ant-x");
        assert_eq!(endpoint("openai", "sk-o").chat_request(&prompt()).secret(), "sk-o");
        assert_eq!(endpoint("gemini", "AIza-k").models_request().secret(), "AIza-k");
        assert_eq!(endpoint("ollama", "").chat_request(&prompt()).secret(), "");
    }

    #[test]
    fn base_url_and_model_overrides() {
        let s = Settings { base_url: "http://localhost:9999/v1/".into(), model: "m1".into(), ..settings("openai", "k") }.migrate();
        assert_eq!(s.provider_base_url(), "http://localhost:9999/v1", "the old single field is the provider's own now");
        assert_eq!(s.key(), "k");
        let e = Endpoint::from_settings(&s).ok().flatten();
        let e = e.as_ref();
        assert_eq!(e.map(|e| e.base_url.as_str()), Some("http://localhost:9999/v1"));
        assert_eq!(e.map(|e| e.model.as_str()), Some("m1"));
        assert_eq!(e.map(|e| e.models_request().url), Some("http://localhost:9999/v1/models".to_string()));
    }

    #[test]
    fn model_list_parsing() {
        let e = endpoint("anthropic", "k");
        let r = parse_models(&e, r#"{"data":[{"type":"model","id":"claude-haiku-4-5"},{"id":"claude-opus-4"}],"has_more":false}"#);
        assert_eq!(r.as_ref().map(|r| (r.model_count, r.model_found)), Ok((2, true)));
        let r = parse_models(&e, r#"{"data":[{"id":"other"}]}"#);
        assert_eq!(r.map(|r| r.model_found), Ok(false));
        assert!(matches!(parse_models(&e, "<html>"), Err(GlossError::BadResponse(_))));
    }
}
