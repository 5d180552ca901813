//! Finds a glossary's terms in a text: leftmost, longest first, on word boundaries where the
//! script has them (not between CJK or Thai characters, which have no spaces), case-insensitive
//! for a term written in lower case and exact for one with a capital ("Go" is not "go").

use std::collections::HashMap;

/// A term ready to be matched.
struct Pattern {
    /// Position in the glossary's list.
    index: usize,
    chars: Vec<char>,
    /// Written with a capital somewhere: matched exactly; otherwise case-insensitively.
    exact: bool,
}

/// The terms of one glossary, indexed by their first character (lower-cased).
pub struct Matcher {
    by_first: HashMap<char, Vec<Pattern>>,
}

/// The lower case of `c` where it is one character (enough to compare words).
fn fold(c: char) -> char {
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// Scripts written without spaces between words: a term may start or end anywhere in them.
fn unspaced(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0EFF // Thai, Lao
        | 0x1000..=0x109F // Myanmar
        | 0x1780..=0x17FF // Khmer
        | 0x3040..=0x30FF // Hiragana, Katakana
        | 0x31F0..=0x31FF
        | 0x3400..=0x4DBF // CJK
        | 0x4E00..=0x9FFF
        | 0xAC00..=0xD7AF // Hangul: particles attach to the noun before them
        | 0xF900..=0xFAFF
        | 0xFF66..=0xFF9F
        | 0x20000..=0x2FFFF)
}

/// A letter or digit of a script with spaces: two of them side by side are one word.
fn wordish(c: char) -> bool {
    c.is_alphanumeric() && !unspaced(c)
}

impl Matcher {
    /// A matcher of `terms`; `find` answers with their positions in this list.
    pub fn new<'a>(terms: impl IntoIterator<Item = &'a str>) -> Self {
        let mut by_first: HashMap<char, Vec<Pattern>> = HashMap::new();
        for (index, term) in terms.into_iter().enumerate() {
            let chars: Vec<char> = term.chars().collect();
            let Some(first) = chars.first() else { continue };
            let exact = chars.iter().any(|c| c.is_uppercase());
            by_first.entry(fold(*first)).or_default().push(Pattern { index, chars, exact });
        }
        for patterns in by_first.values_mut() {
            // Longest first: "machine learning" before "machine".
            patterns.sort_by(|a, b| b.chars.len().cmp(&a.chars.len()).then(a.index.cmp(&b.index)));
        }
        Matcher { by_first }
    }

    /// The glossary positions of the terms found in `text`, in the order first found, each once.
    pub fn find(&self, text: &str) -> Vec<usize> {
        let text: Vec<char> = text.chars().collect();
        let mut found = Vec::new();
        let mut i = 0;
        while i < text.len() {
            let before = i.checked_sub(1).and_then(|p| text.get(p)).copied();
            let hit = self.by_first.get(&fold(text[i])).and_then(|patterns| {
                patterns.iter().find_map(|p| Some((p.index, matches_at(&text, i, before, p)?)))
            });
            match hit {
                Some((index, end)) => {
                    if !found.contains(&index) {
                        found.push(index);
                    }
                    i = end;
                }
                None => i += 1,
            }
        }
        found
    }
}

/// Where a match of `p` starting at `start` ends, if there is one. A space in the term matches
/// any run of white space in the text.
fn matches_at(text: &[char], start: usize, before: Option<char>, p: &Pattern) -> Option<usize> {
    let first = *p.chars.first()?;
    if before.is_some_and(wordish) && wordish(first) {
        return None;
    }
    let mut at = start;
    for &want in &p.chars {
        let got = *text.get(at)?;
        if want.is_whitespace() {
            if !got.is_whitespace() {
                return None;
            }
            while text.get(at).is_some_and(|c| c.is_whitespace()) {
                at += 1;
            }
            continue;
        }
        let same = if p.exact { got == want } else { fold(got) == fold(want) };
        if !same {
            return None;
        }
        at += 1;
    }
    let last = *p.chars.last()?;
    if text.get(at).is_some_and(|c| wordish(*c)) && wordish(last) {
        return None;
    }
    Some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(list: &[&str], text: &str) -> Vec<String> {
        Matcher::new(list.iter().copied()).find(text).into_iter().map(|i| list[i].to_string()).collect()
    }

    #[test]
    fn whole_words_only_in_spaced_scripts() {
        assert_eq!(found(&["cat"], "A cat sat."), ["cat"]);
        assert!(found(&["cat"], "A category of concatenation.").is_empty());
        assert!(found(&["cat"], "A bobcat.").is_empty(), "nor at a word's end");
        assert_eq!(found(&["cat"], "(cat), cat's, cat-like"), ["cat"]);
        assert_eq!(found(&["API"], "APIs"), Vec::<String>::new(), "a plural is another word");
        assert_eq!(found(&["café"], "Le café."), ["café"]);
        assert!(found(&["кот"], "котёнок").is_empty(), "Cyrillic has word boundaries too");
    }

    #[test]
    fn lower_case_terms_match_any_case_and_capitalised_ones_exactly() {
        assert_eq!(found(&["lighthouse"], "Lighthouse keepers"), ["lighthouse"]);
        assert_eq!(found(&["lighthouse"], "LIGHTHOUSE"), ["lighthouse"]);
        assert!(found(&["Go"], "We go home.").is_empty(), "the language is not the verb");
        assert_eq!(found(&["Go"], "Written in Go."), ["Go"]);
        assert!(found(&["Rust"], "rust on the hull").is_empty());
    }

    #[test]
    fn cjk_and_thai_need_no_spaces() {
        assert_eq!(found(&["機械学習"], "これは機械学習の本です"), ["機械学習"]);
        assert_eq!(found(&["API"], "このAPIを使う"), ["API"], "Latin inside Japanese");
        assert_eq!(found(&["灯台"], "灯台守"), ["灯台"]);
        assert_eq!(found(&["서버"], "서버가 멈췄다"), ["서버"], "a Korean particle attaches to the noun");
        assert_eq!(found(&["คอมพิวเตอร์"], "ใช้คอมพิวเตอร์ทุกวัน"), ["คอมพิวเตอร์"]);
    }

    #[test]
    fn longest_match_first_and_no_overlaps() {
        assert_eq!(found(&["machine", "machine learning"], "Machine learning is not a machine."), ["machine learning", "machine"]);
        assert_eq!(found(&["machine", "machine learning"], "machine learning only"), ["machine learning"], "the shorter term inside it is not a match of its own");
        assert_eq!(found(&["学習", "機械学習"], "機械学習"), ["機械学習"]);
    }

    #[test]
    fn a_space_in_a_term_matches_any_white_space() {
        assert_eq!(found(&["fog horn"], "the fog\n  horn\u{a0}sounded"), ["fog horn"]);
        assert!(found(&["fog horn"], "foghorn").is_empty());
    }

    #[test]
    fn each_term_is_reported_once_in_the_order_found() {
        assert_eq!(found(&["b", "a"], "a b a b"), ["a", "b"]);
        assert!(found(&[], "anything").is_empty());
    }
}
