//! Guesses an article's language from its text when the page does not declare one.

/// Words frequent enough in each language to tell Latin-script languages apart.
const STOPWORDS: &[(&str, &[&str])] = &[
    ("en", &["the", "and", "of", "to", "is", "in", "that", "it", "with", "for", "was", "are"]),
    ("es", &["el", "la", "de", "que", "y", "en", "los", "las", "por", "con", "una", "para"]),
    ("fr", &["le", "la", "les", "de", "et", "des", "est", "une", "que", "pour", "dans", "qui"]),
    ("de", &["der", "die", "und", "das", "ist", "nicht", "mit", "ein", "eine", "den", "von", "zu"]),
    ("pt", &["o", "os", "de", "que", "e", "do", "da", "em", "um", "uma", "para", "não"]),
    ("it", &["il", "di", "che", "e", "la", "per", "un", "una", "non", "sono", "della", "gli"]),
    ("nl", &["de", "het", "een", "en", "van", "is", "dat", "niet", "op", "te", "met", "zijn"]),
];

/// How much text to look at: enough to decide, bounded for long articles.
const SAMPLE_CHARS: usize = 20_000;

/// Returns a BCP 47 language tag for the text, or `und` when it cannot tell.
pub fn detect<'a>(texts: impl Iterator<Item = &'a str>) -> &'static str {
    let mut counts = ScriptCounts::default();
    let mut latin_words: Vec<String> = Vec::new();
    let mut seen = 0usize;
    for text in texts {
        for word in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
            for ch in word.chars() {
                counts.add(ch);
            }
            if word.chars().all(|c| c.is_alphabetic() && (c as u32) < 0x0250) {
                latin_words.push(word.to_lowercase());
            }
        }
        seen += text.len();
        if seen > SAMPLE_CHARS {
            break;
        }
    }
    counts.decide().unwrap_or_else(|| by_stopwords(&latin_words))
}

fn by_stopwords(words: &[String]) -> &'static str {
    let mut best = ("und", 0usize);
    for (lang, list) in STOPWORDS {
        let hits = words.iter().filter(|w| list.contains(&w.as_str())).count();
        if hits > best.1 {
            best = (lang, hits);
        }
    }
    // Require the winning list to cover a plausible share of the words.
    if best.1 * 20 >= words.len().max(1) { best.0 } else { "und" }
}

#[derive(Default)]
struct ScriptCounts {
    letters: usize,
    kana: usize,
    han: usize,
    hangul: usize,
    cyrillic: usize,
    arabic: usize,
    hebrew: usize,
    greek: usize,
    thai: usize,
    devanagari: usize,
}

impl ScriptCounts {
    fn add(&mut self, ch: char) {
        if !ch.is_alphabetic() {
            return;
        }
        self.letters += 1;
        match ch as u32 {
            0x3040..=0x30FF => self.kana += 1,
            0x4E00..=0x9FFF | 0x3400..=0x4DBF => self.han += 1,
            0xAC00..=0xD7AF | 0x1100..=0x11FF => self.hangul += 1,
            0x0400..=0x04FF => self.cyrillic += 1,
            0x0600..=0x06FF => self.arabic += 1,
            0x0590..=0x05FF => self.hebrew += 1,
            0x0370..=0x03FF => self.greek += 1,
            0x0E00..=0x0E7F => self.thai += 1,
            0x0900..=0x097F => self.devanagari += 1,
            _ => {}
        }
    }

    /// A non-Latin script that makes up a fair share of the letters decides the language.
    fn decide(&self) -> Option<&'static str> {
        let share = |n: usize| n * 5 >= self.letters.max(1);
        if self.kana > 0 && share(self.kana + self.han) {
            return Some("ja");
        }
        let scripts = [
            (self.han, "zh"),
            (self.hangul, "ko"),
            (self.cyrillic, "ru"),
            (self.arabic, "ar"),
            (self.hebrew, "he"),
            (self.greek, "el"),
            (self.thai, "th"),
            (self.devanagari, "hi"),
        ];
        scripts.iter().filter(|(n, _)| share(*n)).max_by_key(|(n, _)| *n).map(|(_, lang)| *lang)
    }
}

/// The languages Gloss offers to write in (the options page's list).
pub const LANGUAGES: &[&str] =
    &["ar", "de", "en", "es", "fr", "hi", "id", "it", "ja", "ko", "nl", "pl", "pt", "ru", "sv", "th", "tr", "uk", "vi", "zh-CN", "zh-TW"];

/// The language a first run writes in, from the browser's UI language as its full tag: the tag
/// itself when offered (`zh-TW`), else its primary language (`pt-BR` → `pt`), else English.
pub fn ui_default(ui_language: &str) -> &'static str {
    let tag = ui_language.replace('_', "-");
    let primary = tag.split('-').next().unwrap_or("");
    LANGUAGES
        .iter()
        .find(|l| l.eq_ignore_ascii_case(&tag))
        .or_else(|| LANGUAGES.iter().find(|l| l.eq_ignore_ascii_case(primary)))
        .or_else(|| LANGUAGES.iter().find(|l| l.split('-').next().is_some_and(|p| p.eq_ignore_ascii_case(primary))))
        .copied()
        .unwrap_or("en")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_run_language_keeps_the_full_tag() {
        assert_eq!(ui_default("zh-TW"), "zh-TW");
        assert_eq!(ui_default("zh_CN"), "zh-CN");
        assert_eq!(ui_default("zh"), "zh-CN", "a bare zh gets the first Chinese offered");
        assert_eq!(ui_default("pt-BR"), "pt");
        assert_eq!(ui_default("en-GB"), "en");
        assert_eq!(ui_default("xx"), "en");
    }

    fn one(text: &str) -> &'static str {
        detect(std::iter::once(text))
    }

    #[test]
    fn latin_languages_by_stopwords() {
        assert_eq!(one("The cat sat on the mat and it was happy with the day."), "en");
        assert_eq!(one("El gato está en la casa y los niños juegan con una pelota para todos."), "es");
        assert_eq!(one("Der Hund und die Katze sind nicht mit dem Auto gefahren, das ist eine Sache."), "de");
        assert_eq!(one("Le chat est dans la maison et les enfants jouent avec une balle pour tous."), "fr");
    }

    #[test]
    fn scripts_decide_first() {
        assert_eq!(one("これは日本語の文章です。東京は大きい。"), "ja");
        assert_eq!(one("这是一个中文句子，北京很大。"), "zh");
        assert_eq!(one("이것은 한국어 문장입니다."), "ko");
        assert_eq!(one("Это русский текст о погоде."), "ru");
    }

    #[test]
    fn unknown_when_nothing_matches() {
        assert_eq!(one("xqz brrt fnord"), "und");
        assert_eq!(one(""), "und");
    }
}

/// English names for the language codes the options page offers, used in prompts (models follow
/// "Japanese" more reliably than "ja").
const NAMES: &[(&str, &str)] = &[
    ("ar", "Arabic"), ("de", "German"), ("el", "Greek"), ("en", "English"), ("es", "Spanish"),
    ("fr", "French"), ("he", "Hebrew"), ("hi", "Hindi"), ("id", "Indonesian"), ("it", "Italian"),
    ("ja", "Japanese"), ("ko", "Korean"), ("nl", "Dutch"), ("pl", "Polish"), ("pt", "Portuguese"),
    ("ru", "Russian"), ("sv", "Swedish"), ("th", "Thai"), ("tr", "Turkish"), ("uk", "Ukrainian"),
    ("vi", "Vietnamese"), ("zh", "Chinese (Simplified)"), ("zh-CN", "Chinese (Simplified)"),
    ("zh-TW", "Chinese (Traditional)"),
];

/// The English name of a language code, or the code itself when it is not in the table.
pub fn name(code: &str) -> &str {
    NAMES
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(code))
        .or_else(|| {
            let primary = code.split(['-', '_']).next().unwrap_or(code);
            NAMES.iter().find(|(c, _)| c.eq_ignore_ascii_case(primary))
        })
        .map_or(code, |(_, n)| n)
}

#[cfg(test)]
mod name_tests {
    #[test]
    fn names_by_code_and_primary_subtag() {
        assert_eq!(super::name("ja"), "Japanese");
        assert_eq!(super::name("en-GB"), "English");
        assert_eq!(super::name("zh-TW"), "Chinese (Traditional)");
        assert_eq!(super::name("tlh"), "tlh");
    }
}
