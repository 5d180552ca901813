//! The names a model may give the digest's three sections, in the UI's languages and a few more,
//! and how a heading's text is matched against them.

/// One of the digest's three sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    KeyPoints,
    Summary,
    Details,
}

/// Section names, lower-case, as models write them: English (the prompt's), the six UI
/// languages (en, de, es, fr, ja, zh) with common variants, then a few other languages.
const NAMES: &[(&str, Part)] = &[
    // English
    ("key points", Part::KeyPoints),
    ("key point", Part::KeyPoints),
    ("key takeaways", Part::KeyPoints),
    ("takeaways", Part::KeyPoints),
    ("main points", Part::KeyPoints),
    ("key facts", Part::KeyPoints),
    ("key ideas", Part::KeyPoints),
    ("highlights", Part::KeyPoints),
    ("summary", Part::Summary),
    ("overview", Part::Summary),
    ("in short", Part::Summary),
    ("tl;dr", Part::Summary),
    ("tldr", Part::Summary),
    ("abstract", Part::Summary),
    ("synopsis", Part::Summary),
    ("details", Part::Details),
    ("detail", Part::Details),
    ("detailed points", Part::Details),
    ("detailed key points", Part::Details),
    ("key details", Part::Details),
    ("more details", Part::Details),
    ("supporting details", Part::Details),
    ("in detail", Part::Details),
    // German
    ("kernpunkte", Part::KeyPoints),
    ("wichtigste punkte", Part::KeyPoints),
    ("die wichtigsten punkte", Part::KeyPoints),
    ("hauptpunkte", Part::KeyPoints),
    ("kernaussagen", Part::KeyPoints),
    ("schlüsselpunkte", Part::KeyPoints),
    ("das wichtigste", Part::KeyPoints),
    ("zusammenfassung", Part::Summary),
    ("kurzfassung", Part::Summary),
    ("überblick", Part::Summary),
    ("einzelheiten", Part::Details),
    ("im detail", Part::Details),
    // Spanish
    ("puntos clave", Part::KeyPoints),
    ("puntos principales", Part::KeyPoints),
    ("ideas clave", Part::KeyPoints),
    ("ideas principales", Part::KeyPoints),
    ("resumen", Part::Summary),
    ("detalles", Part::Details),
    ("en detalle", Part::Details),
    ("puntos detallados", Part::Details),
    // French
    ("points clés", Part::KeyPoints),
    ("points cles", Part::KeyPoints),
    ("points essentiels", Part::KeyPoints),
    ("points principaux", Part::KeyPoints),
    ("idées clés", Part::KeyPoints),
    ("à retenir", Part::KeyPoints),
    ("l'essentiel", Part::KeyPoints),
    ("l’essentiel", Part::KeyPoints),
    ("résumé", Part::Summary),
    ("resume", Part::Summary),
    ("synthèse", Part::Summary),
    ("en bref", Part::Summary),
    ("détails", Part::Details),
    ("en détail", Part::Details),
    ("points détaillés", Part::Details),
    // Japanese
    ("要点", Part::KeyPoints),
    ("主なポイント", Part::KeyPoints),
    ("重要なポイント", Part::KeyPoints),
    ("キーポイント", Part::KeyPoints),
    ("ポイント", Part::KeyPoints),
    ("要約", Part::Summary),
    ("概要", Part::Summary),
    ("まとめ", Part::Summary),
    ("サマリー", Part::Summary),
    ("詳細", Part::Details),
    ("詳しく", Part::Details),
    // Chinese (simplified and traditional)
    ("关键点", Part::KeyPoints),
    ("關鍵點", Part::KeyPoints),
    ("重点", Part::KeyPoints),
    ("重點", Part::KeyPoints),
    ("要點", Part::KeyPoints),
    ("摘要", Part::Summary),
    ("总结", Part::Summary),
    ("總結", Part::Summary),
    ("概述", Part::Summary),
    ("小结", Part::Summary),
    ("详细", Part::Details),
    ("详情", Part::Details),
    ("细节", Part::Details),
    ("細節", Part::Details),
    ("詳情", Part::Details),
    // Italian, Portuguese, Russian, Korean
    ("punti chiave", Part::KeyPoints),
    ("riassunto", Part::Summary),
    ("dettagli", Part::Details),
    ("pontos-chave", Part::KeyPoints),
    ("pontos principais", Part::KeyPoints),
    ("resumo", Part::Summary),
    ("detalhes", Part::Details),
    ("ключевые моменты", Part::KeyPoints),
    ("основные моменты", Part::KeyPoints),
    ("краткое содержание", Part::Summary),
    ("резюме", Part::Summary),
    ("подробности", Part::Details),
    ("детали", Part::Details),
    ("핵심 요점", Part::KeyPoints),
    ("주요 요점", Part::KeyPoints),
    ("요약", Part::Summary),
    ("세부 사항", Part::Details),
    ("상세", Part::Details),
];

/// A heading's text reduced to what is compared: lower-case, without surrounding punctuation,
/// emphasis, emoji or a leading number (`**1. Key Points:**` → `key points`).
pub fn normalise(title: &str) -> String {
    let trim = |s: &str| s.trim_matches(|c: char| !c.is_alphanumeric()).to_string();
    let mut t = trim(&title.to_lowercase());
    // A leading number or roman numeral with its dot: "1. ", "2) ", "iii. ".
    let digits = t.chars().take_while(|c| c.is_ascii_digit() || matches!(c, 'i' | 'v' | 'x')).count();
    if digits > 0 {
        let rest = t.chars().skip(digits).collect::<String>();
        if let Some(r) = rest.strip_prefix(['.', ')', '、', '．']) {
            t = trim(r);
        }
    }
    crate::text::collapse_whitespace(&t.replace(['*', '_', '`'], ""))
}

/// The section `title` names, loosely: it starts with a known name (`Summary of the article`),
/// or, in scripts without spaces, contains one (`文章の要点`). Headings only; see `exactly`.
pub fn named(title: &str) -> Option<Part> {
    let t = normalise(title);
    let starts = NAMES
        .iter()
        .filter(|(name, _)| t.starts_with(name) && t[name.len()..].chars().next().is_none_or(|c| !c.is_alphabetic()))
        .max_by_key(|(name, _)| name.len());
    if let Some((_, part)) = starts {
        return Some(*part);
    }
    NAMES.iter().find(|(name, _)| name.chars().any(crate::text::is_cjk) && t.contains(name)).map(|(_, part)| *part)
}

/// The section `text` names when it is nothing but a section name (`Summary`, `要点：`): for
/// lines that are not marked as headings, where "Summary of the results…" is prose.
pub fn exactly(text: &str) -> Option<Part> {
    let t = normalise(text);
    NAMES.iter().find(|(name, _)| *name == t).map(|(_, part)| *part)
}

/// Whether an unfinished last line could still become a section name (`Summ`, `## Det`).
pub fn could_become_name(text: &str) -> bool {
    let t = normalise(text.trim_start_matches(['#', '*', ' ']));
    !t.is_empty() && NAMES.iter().any(|(name, _)| name.starts_with(&t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_are_matched_loosely() {
        assert_eq!(named("**1. Key Points:**"), Some(Part::KeyPoints));
        assert_eq!(named("📌 Summary of the article"), Some(Part::Summary));
        assert_eq!(named("Detailed key points"), Some(Part::Details));
        assert_eq!(named("Key details"), Some(Part::Details));
        assert_eq!(named("Résumé"), Some(Part::Summary));
        assert_eq!(named("Zusammenfassung"), Some(Part::Summary));
        assert_eq!(named("Puntos clave"), Some(Part::KeyPoints));
        assert_eq!(named("Detalles"), Some(Part::Details));
        assert_eq!(named("要点："), Some(Part::KeyPoints));
        assert_eq!(named("文章の要点"), Some(Part::KeyPoints));
        assert_eq!(named("II. Summary"), Some(Part::Summary));
        assert_eq!(named("Summaryish"), None, "a name must end at a word boundary");
        assert_eq!(named("The Sky Is Blue"), None);
    }

    #[test]
    fn unmarked_lines_must_be_only_a_name() {
        assert_eq!(exactly("Summary:"), Some(Part::Summary));
        assert_eq!(exactly("Summary of the results shows"), None);
        assert!(could_become_name("Summ"));
        assert!(could_become_name("## Det"));
        assert!(!could_become_name("The model"));
    }
}
