//! The digest and translation of a page as a Markdown document, for copying and downloading.

use std::collections::HashMap;
use std::fmt::Write;

use crate::article::{Article, BlockKind};
use crate::digest::Digest;
use crate::text::markdown::to_markdown;
use crate::llm::provider::Provenance;
use crate::text::Span;

/// What the panel has finished, to be written out.
pub struct Export<'a> {
    pub digest: Option<(&'a Digest, &'a Provenance)>,
    /// Translated spans by block id, and who translated them.
    pub translation: Option<(&'a HashMap<String, Vec<Span>>, &'a Provenance)>,
    /// The date to stamp (ISO 8601, from `date`).
    pub date: &'a str,
}

/// Writes the Markdown document for `article`.
pub fn markdown(article: &Article, export: &Export) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", one_line(&article.title));
    if let Some(url) = &article.url {
        let _ = writeln!(out, "Source: <{url}>  ");
    }
    let meta: Vec<&str> = [article.byline.as_deref(), article.site_name.as_deref(), article.published_time.as_deref()].into_iter().flatten().collect();
    if !meta.is_empty() {
        let _ = writeln!(out, "{}  ", one_line(&meta.join(" · ")));
    }
    let _ = writeln!(out, "Exported by Gloss on {}", export.date);

    if let Some((digest, by)) = export.digest {
        let _ = writeln!(out, "\n## Quick Digest\n\n_{}_\n", provenance(by));
        for point in &digest.key_points {
            let _ = writeln!(out, "- {}", to_markdown(point));
        }
        for paragraph in &digest.summary {
            let _ = writeln!(out, "\n{}", to_markdown(paragraph));
        }
        if !digest.details.is_empty() {
            out.push('\n');
        }
        for point in &digest.details {
            if point.label.trim().is_empty() {
                let _ = writeln!(out, "- {}", to_markdown(&point.text));
            } else {
                let _ = writeln!(out, "- **{}**: {}", one_line(&point.label), to_markdown(&point.text));
            }
        }
    }

    if let Some((translated, by)) = &export.translation {
        let _ = writeln!(out, "\n## Full Translation\n\n_{} → {}_\n", article.lang, provenance(by));
        for block in &article.blocks {
            let (text, untranslated) = match translated.get(&block.id) {
                Some(spans) => (to_markdown(spans), false),
                None => (to_markdown(&block.spans), true),
            };
            let text = if untranslated { format!("{text} _(not translated)_") } else { text };
            let line = match block.kind {
                BlockKind::Heading => format!("{} {}", "#".repeat(usize::from(block.level.unwrap_or(2)).clamp(2, 6) + 1).trim_end(), text),
                BlockKind::ListItem => format!("{}- {}", "  ".repeat(usize::from(block.level.unwrap_or(1).saturating_sub(1))), text),
                BlockKind::Quote => format!("> {text}"),
                BlockKind::Code => format!("```\n{}\n```", block.text),
                BlockKind::TableRow => format!("| {text} |"),
                BlockKind::Caption => format!("_{text}_"),
                BlockKind::Paragraph => text,
            };
            let _ = writeln!(out, "{line}\n");
        }
    }
    out.trim_end().to_string() + "\n"
}

fn provenance(p: &Provenance) -> String {
    format!("{} · {} · {}", p.provider, p.lang, p.model)
}

fn one_line(s: &str) -> String {
    crate::text::collapse_whitespace(s)
}

/// A file name for the download: the title, kept to safe characters.
pub fn file_name(article: &Article) -> String {
    let slug: String = article
        .title
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|w| !w.is_empty())
        .take(8)
        .collect::<Vec<_>>()
        .join("-");
    format!("{}.gloss.md", if slug.is_empty() { "article".to_string() } else { slug.to_lowercase() })
}

/// The UTC date of `now_ms` (ms since the Unix epoch) as ISO 8601, `2026-11-26`.
pub fn date(now_ms: u64) -> String {
    // Days to a civil date (Howard Hinnant's algorithm), for the proleptic Gregorian calendar.
    let z = (now_ms / 86_400_000) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_days() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(1_795_651_200_000), "2026-11-26");
        assert_eq!(date(1_709_164_800_000 - 1), "2024-02-28", "the last ms of a day");
        assert_eq!(date(1_709_164_800_000), "2024-02-29", "a leap day");
    }
    use crate::article::tests_support::sample_article;

    fn by(model: &str) -> Provenance {
        Provenance { provider: "anthropic".into(), lang: "ja".into(), model: model.into() }
    }

    #[test]
    fn writes_source_provenance_digest_and_translation_in_order() {
        let article = sample_article();
        let digest = crate::digest::parse("## Key points\n- One\n## Summary\nAll.\n## Details\n- **Why**: Because.");
        let provenance = by("claude-haiku-4-5");
        let translated = HashMap::from([("b2".to_string(), vec![Span::plain("Traduit.")])]);
        let md = markdown(&article, &Export { digest: Some((&digest, &provenance)), translation: Some((&translated, &provenance)), date: "2026-11-26" });
        assert!(md.starts_with("# Sample\n\nSource: <https://example.com/a>  \n"));
        assert!(md.contains("Exported by Gloss on 2026-11-26"));
        assert!(md.contains("## Quick Digest\n\n_anthropic · ja · claude-haiku-4-5_\n\n- One\n\nAll.\n\n- **Why**: Because.\n"));
        assert!(md.contains("_en → anthropic · ja · claude-haiku-4-5_"));
        // Untranslated blocks keep their original text, marked, in their place.
        assert!(md.contains("### Heading one _(not translated)_"));
        assert!(md.contains("- Item one _(not translated)_"));
        assert!(md.contains("\nTraduit.\n"));
        let heading = md.find("### Heading one").unwrap_or(usize::MAX);
        let item = md.find("- Item one").unwrap_or(0);
        assert!(heading < item);
    }

    #[test]
    fn file_names_are_safe() {
        let mut article = sample_article();
        article.title = "Hello, World: a/b <test>".into();
        assert_eq!(file_name(&article), "hello-world-a-b-test.gloss.md");
        article.title = "***".into();
        assert_eq!(file_name(&article), "article.gloss.md");
    }
}
