//! The capability probe: the one request that asks a provider what it can do with the
//! configured model (its context, and on OpenRouter its prices), and what the answer means for
//! this endpoint. Which servers are asked, and how, is decided here; the answer is read by
//! `models::caps`.

use crate::llm::endpoint::{Endpoint, HttpRequest};
use crate::models::caps::{self, Caps, ProbeKind};

/// Ollama's context when neither the request nor the Modelfile sets one: its default below
/// 24 GiB of graphics memory, what a laptop has. Only the OpenAI-compatible `/v1` preset
/// meets it; the native preset always asks for a context.
pub const OLLAMA_DEFAULT_CONTEXT: u64 = 4_096;

/// A probe to send, and how to read its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    pub kind: ProbeKind,
    pub request: HttpRequest,
}

/// `http://localhost:8080/v1` → `http://localhost:8080`: where a server's own endpoints are.
fn server_root(base_url: &str) -> &str {
    base_url.strip_suffix("/v1").unwrap_or(base_url)
}

impl Endpoint {
    /// The probe for this endpoint, or `None` where the provider has no such endpoint (or the
    /// built-in table knows its models). It goes to the base URL's own origin, so a key it
    /// carries goes nowhere the chat requests do not.
    pub fn probe(&self) -> Option<Probe> {
        let root = server_root(&self.base_url);
        let get_headers = || self.auth_headers().into_iter().filter(|(k, _)| k != "content-type").collect::<Vec<_>>();
        let (kind, request) = match self.preset.id {
            "ollama" | "ollama-openai" => {
                let body = serde_json::json!({ "model": self.model }).to_string();
                (ProbeKind::OllamaShow, HttpRequest::new(format!("{root}/api/show"), "POST", self.auth_headers(), Some(body)))
            }
            "llamacpp" => (ProbeKind::LlamaCppProps, HttpRequest::new(format!("{root}/props"), "GET", get_headers(), None)),
            "lmstudio" => (ProbeKind::LmStudioModels, HttpRequest::new(format!("{root}/api/v0/models"), "GET", get_headers(), None)),
            "openrouter" => (ProbeKind::OpenRouterModels, self.models_request()),
            _ => return None,
        };
        Some(Probe { kind, request })
    }

    /// What a probe's 200 answer says for this endpoint's requests.
    pub fn read_probe(&self, kind: ProbeKind, body: &str) -> Option<Caps> {
        let said = caps::parse(kind, body, &self.model)?;
        let said = match self.preset.id {
            // Gloss sets `num_ctx` on every native request, so the Modelfile's does not count:
            // the window is what Gloss asks for, within the model's own maximum.
            "ollama" => Caps { context_tokens: said.max_context_tokens.map(|max| max.min(self.ollama_num_ctx)), ..said },
            // Through `/v1` no request sets it: the Modelfile's, else Ollama's default.
            "ollama-openai" => {
                let default = said.max_context_tokens.map_or(OLLAMA_DEFAULT_CONTEXT, |max| max.min(OLLAMA_DEFAULT_CONTEXT));
                Caps { context_tokens: said.context_tokens.or(Some(default)), ..said }
            }
            _ => said,
        };
        (!said.is_empty()).then_some(said)
    }

    /// The endpoint once the server's answer is known: a native Ollama is asked for no more
    /// context than the model has.
    pub fn learned(mut self, caps: &Caps) -> Endpoint {
        if let Some(max) = caps.max_context_tokens.filter(|_| self.preset.id == "ollama") {
            self.ollama_num_ctx = self.ollama_num_ctx.min(max);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::endpoint::tests::{endpoint, header};
    use crate::llm::endpoint::OLLAMA_NUM_CTX;
    use crate::settings::Settings;

    fn at(provider: &str, base_url: &str, key: &str) -> Endpoint {
        let s = Settings {
            provider: provider.into(),
            api_key: key.into(),
            model: "m1".into(),
            base_urls: [(provider.to_string(), base_url.to_string())].into(),
            ..Settings::default()
        }
        .migrate();
        match Endpoint::from_settings(&s) {
            Ok(Some(e)) => e,
            other => panic!("no endpoint: {other:?}"),
        }
    }

    #[test]
    fn each_server_is_asked_at_its_own_root() {
        let probe = |e: &Endpoint| e.probe().map(|p| (p.kind, p.request.method.clone(), p.request.url.clone()));
        assert_eq!(probe(&at("llamacpp", "http://127.0.0.1:8080/v1", "")), Some((ProbeKind::LlamaCppProps, "GET".into(), "http://127.0.0.1:8080/props".into())));
        assert_eq!(probe(&at("llamacpp", "http://127.0.0.1:8080", "")).map(|p| p.2), Some("http://127.0.0.1:8080/props".into()));
        assert_eq!(probe(&at("lmstudio", "http://localhost:1234/v1", "")).map(|p| p.2), Some("http://localhost:1234/api/v0/models".into()));
        assert_eq!(probe(&at("ollama-openai", "http://localhost:11434/v1", "")).map(|p| p.2), Some("http://localhost:11434/api/show".into()));
        let ollama = endpoint("ollama", "").probe();
        assert_eq!(ollama.as_ref().map(|p| (p.request.method.as_str(), p.request.url.as_str())), Some(("POST", "http://localhost:11434/api/show")));
        assert_eq!(ollama.and_then(|p| p.request.body), Some(r#"{"model":"llama3.2"}"#.to_string()));
        let openrouter = endpoint("openrouter", "sk-or-1").probe();
        assert_eq!(openrouter.as_ref().map(|p| p.request.url.as_str()), Some("https://openrouter.ai/api/v1/models"));
        assert_eq!(openrouter.as_ref().map(|p| p.request.redirect.as_str()), Some("error"), "a redirect cannot carry the key away");
        for provider in ["openai", "anthropic", "gemini", "mistral", "groq", "deepseek"] {
            assert_eq!(endpoint(provider, "k").probe(), None, "{provider}: the table knows its models");
        }
        assert_eq!(at("custom", "http://127.0.0.1:9000/v1", "").probe(), None, "a custom server is not guessed at");
    }

    #[test]
    fn a_key_goes_only_to_its_own_provider() {
        let lmstudio = at("lmstudio", "http://localhost:1234/v1", "lm-token").probe();
        assert_eq!(lmstudio.as_ref().and_then(|p| header(&p.request, "authorization")), Some("Bearer lm-token"), "LM Studio may require its token");
        assert_eq!(lmstudio.and_then(|p| p.request.url.strip_prefix("http://localhost:1234/").map(str::to_string)), Some("api/v0/models".into()));
        let openrouter = endpoint("openrouter", "sk-or-1").probe();
        assert_eq!(openrouter.map(|p| p.request.secret().to_string()), Some("sk-or-1".into()));
        assert_eq!(endpoint("ollama", "").probe().map(|p| p.request.secret().to_string()), Some(String::new()));
    }

    #[test]
    fn ollama_native_asks_within_the_models_own_context_and_v1_meets_the_default() {
        let show = r#"{"model_info":{"general.architecture":"llama","llama.context_length":8192},"parameters":"num_ctx 2048"}"#;
        let native = endpoint("ollama", "");
        let said = native.read_probe(ProbeKind::OllamaShow, show);
        assert_eq!(said.as_ref().and_then(|c| c.context_tokens), Some(8_192), "Gloss's own num_ctx, cut to the model's 8,192; the Modelfile's does not count");
        let learned = said.map(|c| native.clone().learned(&c).ollama_num_ctx);
        assert_eq!(learned, Some(8_192));
        let big = r#"{"model_info":{"general.architecture":"llama","llama.context_length":131072}}"#;
        assert_eq!(native.read_probe(ProbeKind::OllamaShow, big).and_then(|c| c.context_tokens), Some(OLLAMA_NUM_CTX));
        let v1 = endpoint("ollama-openai", "");
        assert_eq!(v1.read_probe(ProbeKind::OllamaShow, show).and_then(|c| c.context_tokens), Some(2_048), "the Modelfile's num_ctx");
        assert_eq!(v1.read_probe(ProbeKind::OllamaShow, big).and_then(|c| c.context_tokens), Some(OLLAMA_DEFAULT_CONTEXT), "else Ollama's default");
        assert_eq!(v1.read_probe(ProbeKind::OllamaShow, "{}"), None);
        let llamacpp = at("llamacpp", "http://127.0.0.1:8080/v1", "");
        assert_eq!(llamacpp.clone().learned(&Caps { max_context_tokens: Some(1_024), ..Caps::default() }), llamacpp, "only a native Ollama is asked for a context");
    }
}
