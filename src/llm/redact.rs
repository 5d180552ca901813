//! Keeps keys out of what the panel shows: provider error text is redacted of the reader's
//! key and of anything that looks like a credential before it becomes a `GlossError`.

use crate::error::GlossError;

/// What a redacted run reads as.
pub const REDACTED: &str = "[redacted]";
/// Prefixes providers put on their keys (OpenAI, Anthropic, Groq, xAI, Hugging Face, GitHub,
/// Google).
const KEY_PREFIXES: &[&str] = &["sk-", "sk_", "gsk_", "xai-", "hf_", "ghp_", "AIza"];
/// A prefixed run this long is a key (or a masked one, `sk-proj-****abcd`).
const MIN_PREFIXED: usize = 10;
/// A run of letters and digits this long is token-like whatever its prefix.
const MIN_TOKEN_LIKE: usize = 30;
/// A key shorter than this is not looked for (it would match ordinary words).
const MIN_KEY: usize = 6;
/// Pieces of the reader's key shorter than this are left alone (they are not secret alone).
const MIN_KEY_PIECE: usize = 8;

/// `text` with the reader's key (`secret`, possibly empty; ignored under six characters), any
/// piece of it of eight characters or more, and every token-like run replaced by `[redacted]`. A run is a maximal stretch of
/// `[A-Za-z0-9_*-]` (`*` so that a key masked in the middle stays one run).
pub fn redact(text: &str, secret: &str) -> String {
    let secret = secret.trim();
    let mut out = String::with_capacity(text.len());
    let mut run_start: Option<usize> = None;
    let is_run = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '*');
    for (i, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
        match (run_start, i < text.len() && is_run(c)) {
            (None, true) => run_start = Some(i),
            (Some(start), false) => {
                let run = &text[start..i];
                out.push_str(if is_secret(run, secret) { REDACTED } else { run });
                run_start = None;
                if i < text.len() {
                    out.push(c);
                }
            }
            (None, false) if i < text.len() => out.push(c),
            _ => {}
        }
    }
    out
}

/// `err` with the provider's words in it redacted (see [`redact`]); what Gloss wrote itself
/// (codes, statuses, waits) is kept.
pub fn redact_error(err: GlossError, secret: &str) -> GlossError {
    let r = |detail: String| redact(&detail, secret);
    match err {
        GlossError::TooLarge(d) => GlossError::TooLarge(r(d)),
        GlossError::BadKey(d) => GlossError::BadKey(r(d)),
        GlossError::Forbidden(d) => GlossError::Forbidden(r(d)),
        GlossError::ModelNotFound(d) => GlossError::ModelNotFound(r(d)),
        GlossError::RateLimited { detail, retry_after_ms } => GlossError::RateLimited { detail: r(detail), retry_after_ms },
        GlossError::Quota(d) => GlossError::Quota(r(d)),
        GlossError::Overloaded { detail, retry_after_ms } => GlossError::Overloaded { detail: r(detail), retry_after_ms },
        GlossError::Server { status, detail, retry_after_ms } => GlossError::Server { status, detail: r(detail), retry_after_ms },
        GlossError::ContextTooLong(d) => GlossError::ContextTooLong(r(d)),
        GlossError::BadRequest { status, detail } => GlossError::BadRequest { status, detail: r(detail) },
        GlossError::Network(d) => GlossError::Network(r(d)),
        GlossError::Timeout(d) => GlossError::Timeout(r(d)),
        GlossError::BadResponse(d) => GlossError::BadResponse(r(d)),
        GlossError::Misaligned(d) => GlossError::Misaligned(r(d)),
        GlossError::Invalid(d) => GlossError::Invalid(r(d)),
        other => other,
    }
}

fn is_secret(run: &str, secret: &str) -> bool {
    let bare = run.trim_matches(|c| c == '-' || c == '*');
    let prefixed = KEY_PREFIXES.iter().any(|p| bare.starts_with(p)) && bare.len() >= MIN_PREFIXED;
    let token_like = bare.len() >= MIN_TOKEN_LIKE && bare.bytes().any(|b| b.is_ascii_digit()) && bare.bytes().any(|b| b.is_ascii_alphabetic());
    let piece_of_key = secret.len() >= MIN_KEY
        && bare.split('*').any(|piece| piece.len() >= MIN_KEY_PIECE.min(secret.len()) && (secret.contains(piece) || piece.contains(secret)));
    prefixed || token_like || piece_of_key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readers_key_and_its_pieces_are_redacted() {
        let key = "my-own-proxy-key-1";
        assert_eq!(redact("key my-own-proxy-key-1 is not valid", key), "key [redacted] is not valid");
        assert_eq!(redact("Incorrect key: my-own-pr****key-1.", key), "Incorrect key: [redacted].");
        assert_eq!(redact("short piece key-1 stays", key), "short piece key-1 stays");
    }

    #[test]
    fn a_short_key_is_redacted_where_it_stands_alone() {
        assert_eq!(redact("bad key abc123 given", "abc123"), "bad key [redacted] given");
        assert_eq!(redact("abc1234 is another word", "abc123"), "[redacted] is another word", "the key inside a run takes the run");
        assert_eq!(redact("a key like k or kk means nothing", "k"), "a key like k or kk means nothing");
    }

    #[test]
    fn key_like_runs_are_redacted_without_knowing_the_key() {
        assert_eq!(
            redact("Incorrect API key provided: sk-proj-********************************abcd. You can find", ""),
            "Incorrect API key provided: [redacted]. You can find"
        );
        assert_eq!(redact("API key AIzaSyD-abcdefghijklmnop not valid", ""), "API key [redacted] not valid");
        assert_eq!(redact("token=ab12CD34ef56GH78ij90KL12mn34OP56 end", ""), "token=[redacted] end");
        assert_eq!(redact("(gsk_0123456789abcdef)", ""), "([redacted])");
    }

    #[test]
    fn errors_keep_their_code_and_wait_and_lose_the_key() {
        let e = redact_error(GlossError::RateLimited { detail: "slow down, sk-ant-api03-abcdefgh".into(), retry_after_ms: Some(5) }, "");
        assert_eq!(e, GlossError::RateLimited { detail: "slow down, [redacted]".into(), retry_after_ms: Some(5) });
        let e = redact_error(GlossError::BadKey("bad key my-proxy-secret-1".into()), "my-proxy-secret-1");
        assert_eq!(e.to_string(), "the API key was rejected: bad key [redacted]");
    }

    #[test]
    fn ordinary_error_text_is_kept() {
        for text in [
            "prompt is too long: 208656 tokens > 200000 maximum",
            "model 'llama3.2:latest' not found, try pulling it first",
            "This model's maximum context length is 128000 tokens. context_length_exceeded",
            "Please use the anthropic-dangerous-direct-browser-access header",
            "claude-3-5-sonnet-20241022 is not available; sk-learn is a word",
            "日本語のエラー — «quoted» ünïcode",
            "",
        ] {
            assert_eq!(redact(text, ""), text);
            assert_eq!(redact(text, "sk-ant-api03-secret"), text);
        }
    }
}
