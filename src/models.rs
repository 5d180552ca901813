//! What Gloss knows of models' context windows, to decide when an article needs a digest in parts.

/// Context windows in tokens, by model id (or its last path segment, for OpenRouter ids).
const CONTEXT: &[(&str, usize)] = &[
    ("claude-", 200_000),
    ("gpt-4.1", 1_000_000),
    ("gpt-4o", 128_000),
    ("gpt-5", 400_000),
    ("o3", 200_000),
    ("o4-mini", 200_000),
    ("gemini-", 1_000_000),
    ("deepseek-", 64_000),
    ("llama-3.3-70b", 128_000),
    ("mistral-", 32_000),
];

/// For models not in the table (most local ones): small, so nothing is silently cut.
pub const DEFAULT_CONTEXT_TOKENS: usize = 8_192;

/// The context window Gloss assumes for `model` (prefix match on the table).
pub fn context_tokens(model: &str) -> usize {
    let name = model.rsplit('/').next().unwrap_or(model);
    CONTEXT.iter().find(|(prefix, _)| name.starts_with(prefix)).map_or(DEFAULT_CONTEXT_TOKENS, |(_, n)| *n)
}

/// How much article text one digest request may carry for `model`: the window less room for
/// the instructions and the answer, and never more than a long article needs in one go.
pub fn digest_budget(model: &str) -> usize {
    let window = context_tokens(model);
    (window.saturating_sub(crate::digest::DEFAULT_DIGEST_OUTPUT_TOKENS as usize + 1_000) * 3 / 4).clamp(1_000, 100_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown_models() {
        assert_eq!(context_tokens("claude-haiku-4-5"), 200_000);
        assert_eq!(context_tokens("openai/gpt-4o-mini"), 128_000);
        assert_eq!(context_tokens("llama3.2"), DEFAULT_CONTEXT_TOKENS);
        assert_eq!(digest_budget("llama3.2"), 4_269);
        assert_eq!(digest_budget("gemini-2.5-flash"), 100_000);
    }
}
