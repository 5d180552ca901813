//! A key point from a sentence: its main clause, without leading connectives, asides or a trailing attribution.
//!
//! The steps, in order: (1) drop bracketed and dash-enclosed asides; (2) drop leading connectives ("However,",
//! "In addition,", "Ultimately,"); (3) drop a leading concessive or attributing clause ("Although …,", "According to
//! …,") and, when the sentence is long, a leading scene-setting phrase ("In 2019,", "When …,"); (4) drop a trailing
//! attribution (", said the minister."); (5) when still longer than `DEFAULT_KEY_POINT_WORDS`, cut at the clause
//! boundary that keeps the longest prefix within it. Conditions ("If …", ", unless …") are never dropped, since the
//! clause would then say something the article does not. A cut that would leave too little keeps the sentence.

use crate::text::is_cjk;

/// Key points longer than this many words are cut at a clause boundary. Default 18 (the LLM prompt asks for 15).
pub const DEFAULT_KEY_POINT_WORDS: usize = 18;
/// No cut leaves a clause of fewer words than this. Default 6.
pub const MIN_CLAUSE_WORDS: usize = 6;
/// Key points still longer than this after the clause cuts are cut at a plain comma, outside lists. Default 25.
pub const MAX_KEY_POINT_WORDS: usize = 25;
/// A leading phrase ending in a comma is dropped only when it has at most this many words. Default 12.
pub const MAX_INTRO_WORDS: usize = 12;

/// Connectives dropped from the start with the comma after them, compared lowercase.
#[rustfmt::skip]
const CONNECTIVES: &[&str] = &[
    "however", "moreover", "furthermore", "additionally", "in addition", "meanwhile", "indeed", "in fact", "instead",
    "overall", "still", "also", "finally", "nevertheless", "nonetheless", "of course", "after all", "as a result",
    "for example", "for instance", "in other words", "that said", "then", "now", "plus", "besides", "similarly",
    "likewise", "thus", "therefore", "hence", "consequently", "first", "second", "third", "lastly", "again",
    "otherwise", "even so", "on the other hand", "in short", "in particular", "in general", "in turn", "sure", "well",
    "yes", "no", "so", "yet", "and", "but", "in the end", "at the same time", "by contrast", "in contrast", "to be sure",
    "ultimately", "importantly", "notably", "interestingly", "crucially", "unfortunately", "fortunately", "luckily",
    "sadly", "surprisingly", "basically", "essentially", "clearly", "obviously", "generally", "typically", "currently",
    "eventually", "initially", "naturally", "certainly", "historically", "traditionally", "increasingly",
    "alternatively", "conversely", "specifically", "arguably", "admittedly", "frankly", "ironically", "remarkably",
    "separately", "subsequently", "previously", "as such", "sin embargo", "además", "por ejemplo", "cependant", "en outre", "par exemple", "toutefois", "allerdings",
    "außerdem", "zum beispiel",
];

/// Connectives dropped from the start even with no comma after them.
const BARE_CONNECTIVES: &[&str] = &["and", "but", "or", "also", "plus"];

/// Leading clauses that concede or attribute: the main clause after the comma stands on its own.
const CONCESSIVE_INTROS: &[&str] =
    &["although ", "though ", "even though ", "while ", "whereas ", "despite ", "in spite of ", "according to "];

/// Leading phrases that set the scene; dropped only from long sentences.
#[rustfmt::skip]
const SCENE_INTROS: &[&str] = &[
    "when ", "after ", "before ", "once ", "as ", "with ", "in ", "on ", "at ", "by ", "for ", "during ", "over ",
    "since ", "under ", "throughout ", "following ", "given ", "because ", "from ", "amid ", "among ", "within ",
    "across ", "like ", "unlike ", "last ", "this ", "earlier ", "later ", "today ", "now that ", "until ",
];

/// Clause boundaries a long sentence may be cut at; the cut keeps what comes before. Not ", or ", which as often
/// starts an aside ("maize, or corn, may…") or the second half of "either … or".
#[rustfmt::skip]
const BOUNDARIES: &[&str] = &[
    "; ", " — ", " – ", " -- ", ", which ", ", who ", ", whose ", ", where ", ", while ", ", whereas ", ", although ",
    ", though ", ", because ", ", since ", ", as ", ", so ", ", but ", ", yet ", ", and ", ", with ",
    ", after ", ", before ", ", when ", ", until ", ", including ", ", such as ", ", making ", ", meaning ",
    ", allowing ", ", leaving ", ", helping ", ", giving ", ", creating ", ", according to ", ", thanks to ",
    ", despite ", ", even ", ", which, ", ", who, ", ", compared ", ", from ", ", in ", ", on ", ", at ", ", by ", ", for ", " because ",
    " which ", " while ", " whereas ", " although ", " so that ", " according to ",
];

/// Words that open a subordinate phrase: a sentence starting with one keeps at least up to its first comma.
#[rustfmt::skip]
const SUBORDINATORS: &[&str] = &[
    "whether", "if", "when", "while", "although", "though", "because", "since", "as", "after", "before", "unless",
    "until", "once", "despite", "with", "without", "by", "in", "on", "for", "to", "from", "given", "like", "unlike",
];

/// Whether `text` opens with a subordinate phrase ("Whether in X or Y, …", "Using A, B and C, …").
fn opens_subordinate(text: &str) -> bool {
    let first: String = text.chars().take_while(|c| c.is_alphabetic()).collect::<String>().to_lowercase();
    SUBORDINATORS.contains(&first.as_str()) || (first.len() > 4 && (first.ends_with("ing") || first.ends_with("ed")))
}

/// Whether a prefix of a sentence that opens with a subordinate phrase has reached its main clause: it ends in a
/// comma-free stretch of at least `MIN_CLAUSE_WORDS` words after the phrase's comma (not "Using A, B, and C").
fn reached_main_clause(before: &str) -> bool {
    before.rsplit_once(", ").is_some_and(|(_, last)| word_count(last) >= MIN_CLAUSE_WORDS)
}

/// Words a clause cannot end on: the cut came between them and what they introduce.
#[rustfmt::skip]
const DANGLING: &[&str] = &[
    "which", "who", "whom", "whose", "that", "where", "when", "while", "and", "but", "or", "nor", "because", "as",
    "if", "of", "to", "the", "a", "an", "with", "for", "from", "by", "in", "on", "at", "than", "so",
];

/// Whether `head` ends on a word that needs what followed it.
fn dangles(head: &str) -> bool {
    let last = head.trim_end_matches(|c: char| !c.is_alphanumeric()).rsplit(|c: char| !c.is_alphanumeric()).next();
    last.is_some_and(|w| DANGLING.contains(&w.to_lowercase().as_str()))
}

/// Speech verbs that mark a trailing attribution.
#[rustfmt::skip]
const SPEECH_VERBS: &[&str] = &[
    "said", "says", "told", "added", "wrote", "noted", "explained", "stated", "reported", "according", "argued",
    "dijo", "afirmó", "dit", "sagte", "sagt",
];

/// Japanese and Chinese connectives, dropped with the comma after them.
#[rustfmt::skip]
const CJK_CONNECTIVES: &[&str] = &[
    "しかし", "また", "さらに", "一方", "そのため", "ただし", "なお", "そして", "だが", "でも", "実は", "つまり", "例えば",
    "特に", "まず", "次に", "最後に", "それでも", "ところが", "ちなみに", "したがって", "このため", "その結果",
    "但是", "然而", "此外", "另外", "因此", "所以", "而且", "同时", "不过", "其实", "总之", "例如", "首先", "其次",
    "最后", "并且", "可是", "因而",
];

/// Words in `text`: space-separated tokens with a letter or digit, CJK counted as about two characters a word.
pub fn word_count(text: &str) -> usize {
    text.split_whitespace()
        .map(|token| {
            let cjk = token.chars().filter(|&c| is_cjk(c)).count();
            let spaced = token.chars().any(|c| c.is_alphanumeric() && !is_cjk(c));
            cjk.div_ceil(2) + usize::from(spaced)
        })
        .sum()
}

/// The key point `sentence` makes, as short as the steps above can make it without changing what it says.
pub fn key_clause(sentence: &str) -> String {
    let original = sentence.trim();
    let cjk = original.chars().filter(|&c| is_cjk(c)).count() > original.chars().filter(|c| c.is_alphabetic()).count() / 2;
    let mut text = drop_asides(original);
    if cjk {
        text = drop_cjk_connective(&text);
        if word_count(&text) > DEFAULT_KEY_POINT_WORDS {
            text = cut(&text, &["；", ";"], false);
        }
    } else {
        text = drop_connectives(&text);
        text = drop_intro(&text, CONCESSIVE_INTROS);
        if word_count(&text) > DEFAULT_KEY_POINT_WORDS {
            text = drop_intro(&text, SCENE_INTROS);
        }
        text = drop_trailing_attribution(&text);
        if word_count(&text) > DEFAULT_KEY_POINT_WORDS {
            text = cut(&text, BOUNDARIES, false);
        }
        if word_count(&text) > MAX_KEY_POINT_WORDS {
            text = cut(&text, &[", "], true);
        }
    }
    let clause = finish(&text, original, cjk);
    let floor = MIN_CLAUSE_WORDS.min(word_count(original));
    if word_count(&clause) < floor || clause.chars().filter(|c| c.is_alphanumeric()).count() < 2 {
        original.to_string()
    } else {
        clause
    }
}

/// Whether the brackets and quotation marks of `text` all close within it.
fn balanced(text: &str) -> bool {
    let count = |c: char| text.chars().filter(|&x| x == c).count();
    count('"') % 2 == 0
        && [('(', ')'), ('[', ']'), ('“', '”'), ('«', '»'), ('「', '」'), ('（', '）')]
            .iter()
            .all(|&(open, close)| count(open) == count(close))
}

/// Removes `(…)`, `[…]`, `（…）` and `— … —` asides (not nested), keeping the text around them.
fn drop_asides(text: &str) -> String {
    let mut out = text.to_string();
    for (open, close) in [(" (", ")"), (" [", "]"), ("（", "）"), ("(", ")"), (" — ", " — "), (" – ", " – ")] {
        while let Some(start) = out.find(open) {
            let Some(len) = out[start + open.len()..].find(close) else { break };
            let end = start + open.len() + len + close.len();
            let inner = &out[start + open.len()..end - close.len()];
            if inner.contains(open.trim()) || start == 0 {
                break;
            }
            let keep_space = close.ends_with(' ') && !out[end..].starts_with([',', '.', ';']);
            out = format!("{}{}{}", &out[..start], if keep_space { " " } else { "" }, &out[end..]);
        }
    }
    out
}

fn drop_connectives(text: &str) -> String {
    let mut text = text.trim_start().to_string();
    // Twice, for "But, in fact, …".
    for _ in 0..2 {
        let mut dropped = false;
        for phrase in CONNECTIVES.iter().chain(BARE_CONNECTIVES) {
            let Some(rest) = text.get(..phrase.len()).filter(|p| p.to_lowercase() == *phrase).and(text.get(phrase.len()..))
            else {
                continue;
            };
            let with_comma = rest.starts_with(',');
            if with_comma || (BARE_CONNECTIVES.contains(phrase) && rest.starts_with(' ')) {
                text = rest.get(usize::from(with_comma)..).unwrap_or("").trim_start().to_string();
                dropped = true;
                break;
            }
        }
        if !dropped {
            break;
        }
    }
    text
}

/// Drops a leading phrase that starts with one of `intros` and ends at the first comma outside brackets.
fn drop_intro(text: &str, intros: &[&str]) -> String {
    let lower = text.to_lowercase();
    if !intros.iter().any(|i| lower.starts_with(i)) {
        return text.to_string();
    }
    let Some(comma) = text.match_indices(", ").map(|(i, _)| i).find(|&i| balanced(&text[..i])) else {
        return text.to_string();
    };
    let (intro, rest) = (&text[..comma], &text[comma + 2..]);
    if word_count(intro) <= MAX_INTRO_WORDS && word_count(rest) >= MIN_CLAUSE_WORDS && balanced(rest) {
        rest.to_string()
    } else {
        text.to_string()
    }
}

/// Cuts ", said Jane Doe, a beekeeper." and ", according to the report." from the end.
fn drop_trailing_attribution(text: &str) -> String {
    // From the end, so that only the attribution goes.
    for (at, _) in text.rmatch_indices(", ") {
        let (head, tail) = (&text[..at], &text[at + 2..]);
        let speech = tail.split(|c: char| !c.is_alphanumeric()).any(|w| SPEECH_VERBS.contains(&w.to_lowercase().as_str()));
        if speech && word_count(tail) <= 10 && word_count(head) >= MIN_CLAUSE_WORDS && balanced(head) && !dangles(head) {
            return head.to_string();
        }
    }
    text.to_string()
}

/// Cuts `text` at one of `boundaries` or before a participle (", ensuring …"): the longest prefix within
/// `DEFAULT_KEY_POINT_WORDS` words, else the shortest longer one, never leaving fewer than `MIN_CLAUSE_WORDS`, an open
/// bracket or quote, or a word that needs what follows. `plain_commas` also keeps out of lists ("a, b, c").
fn cut(text: &str, boundaries: &[&str], plain_commas: bool) -> String {
    let participles = text.match_indices(", ").map(|(i, _)| i).filter(|&i| is_participle(&text[i + 2..]));
    let subordinate = opens_subordinate(text);
    let mut cuts: Vec<(usize, usize)> = boundaries
        .iter()
        .flat_map(|b| text.match_indices(b).map(|(i, _)| i))
        .chain(participles)
        .filter(|&i| {
            let (before, after) = (&text[..i], &text[i..]);
            (!subordinate || reached_main_clause(before))
                && balanced(before)
                && !dangles(before)
                && !is_list_item(before, after)
                && !is_paired(before, after)
                && !(plain_commas && in_list(before, after))
        })
        .map(|i| (i, word_count(&text[..i])))
        .filter(|&(_, words)| words >= MIN_CLAUSE_WORDS)
        .collect();
    cuts.sort_unstable();
    let within = cuts.iter().rev().find(|&&(_, w)| w <= DEFAULT_KEY_POINT_WORDS);
    match within.or(cuts.first()) {
        Some(&(at, _)) => text[..at].to_string(),
        None => text.to_string(),
    }
}

/// Whether `rest` starts with an "-ing" word such as "ensuring" or "showcasing" (not "thing" or "spring").
fn is_participle(rest: &str) -> bool {
    let word: String = rest.chars().take_while(|c| c.is_alphabetic()).collect();
    word.chars().count() >= 7 && word.ends_with("ing") && word.chars().next().is_some_and(char::is_lowercase)
}

/// Whether a plain comma at the start of `after` sits in a list: the item before it is short and follows a comma,
/// or the two items after it are short ("apples, pears, and plums"; not "use, indoor or outdoor, and meet …").
fn in_list(before: &str, after: &str) -> bool {
    let short = |item: &str| word_count(item) <= 3;
    let mut next = after.get(2..).unwrap_or("").split(',');
    before.rsplit_once(',').is_some_and(|(_, item)| short(item))
        || (next.next().is_some_and(short) && next.next().is_some_and(short))
}

/// Whether a cut at ", and" would split a list ("apples, pears, and plums"): the item before is short.
fn is_list_item(before: &str, after: &str) -> bool {
    after.starts_with(", and ")
        && before.rsplit_once(',').is_some_and(|(_, item)| word_count(item) <= 3)
}

/// Whether a cut at ", but" would leave "not only …" without its second half.
fn is_paired(before: &str, after: &str) -> bool {
    let before = before.to_lowercase();
    after.starts_with(", but ") && (before.contains("not only") || before.contains("not just"))
}

fn drop_cjk_connective(text: &str) -> String {
    for c in CJK_CONNECTIVES {
        if let Some(rest) = text.strip_prefix(c) {
            if let Some(rest) = rest.strip_prefix(['、', '，', ',']) {
                return rest.trim_start().to_string();
            }
        }
    }
    text.to_string()
}

/// Tidies the ends: no dangling comma or dash, a capital where a connective was dropped, and a full stop where the
/// clause was cut short of the sentence's own.
fn finish(text: &str, original: &str, cjk: bool) -> String {
    let mut out = text.trim().trim_end_matches([',', ';', ':', '—', '–', '-', ' ', '、', '，', '；']).to_string();
    // Capitalised only where the start was dropped, and not a word like "iPhone".
    let mut chars = out.chars();
    if let (Some(first), second) = (chars.next(), chars.next()) {
        if first.is_lowercase() && !second.is_some_and(char::is_uppercase) && !original.starts_with(first) {
            out = first.to_uppercase().chain(out.chars().skip(1)).collect();
        }
    }
    let ended = out.trim_end_matches(|c: char| "\"'”’»)]」』）".contains(c)).ends_with(['.', '!', '?', '…', '。', '！', '？']);
    if !ended && out != original {
        out.push(if cjk { '。' } else { '.' });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_sentence_is_cut_to_its_main_clause() {
        let sentence = "The city council approved a new budget for public transport on Tuesday, which will add forty \
                        buses to the fleet and extend night service to the outer suburbs by next spring.";
        assert_eq!(key_clause(sentence), "The city council approved a new budget for public transport on Tuesday.");
    }

    #[test]
    fn leading_connectives_and_asides_go() {
        assert_eq!(
            key_clause("However, the new vaccine (approved in March) cut hospital admissions by half."),
            "The new vaccine cut hospital admissions by half."
        );
        assert_eq!(
            key_clause("Ultimately, the river — swollen by a week of rain — burst its banks near the old mill."),
            "The river burst its banks near the old mill."
        );
        assert_eq!(key_clause("And the farmers kept planting wheat every year."), "The farmers kept planting wheat every year.");
    }

    #[test]
    fn concessions_and_attributions_go_but_conditions_stay() {
        assert_eq!(
            key_clause("Although sales fell in the spring, the company still reported a record profit for the year."),
            "The company still reported a record profit for the year."
        );
        assert_eq!(
            key_clause("Honeybee colonies are collapsing faster than beekeepers can rebuild them, said one researcher."),
            "Honeybee colonies are collapsing faster than beekeepers can rebuild them."
        );
        let conditional = "If the dam fails, the whole valley floods within hours.";
        assert_eq!(key_clause(conditional), conditional);
    }

    #[test]
    fn short_sentences_and_lists_are_left_whole() {
        let short = "Prices rose by three percent in May.";
        assert_eq!(key_clause(short), short);
        let list = "The market sells apples, pears, and plums from the farms in the valley to restaurants across the \
                    region every single morning.";
        assert!(key_clause(list).contains("apples, pears, and plums"), "{}", key_clause(list));
        let relative = "Skarholm survived the review because small fishing boats still use it when their electronics \
                        fail, which, according to the society's records, happened at least nine times last winter.";
        assert_eq!(
            key_clause(relative),
            "Skarholm survived the review because small fishing boats still use it when their electronics fail."
        );
        let cords = "Make sure extension cords are properly rated for their intended use, indoor or outdoor, and meet or \
                     exceed the power needs of the appliance or device being used.";
        assert_eq!(key_clause(cords), "Make sure extension cords are properly rated for their intended use.");
        let market = "The regolith binder uses a parsing module and machine learning to tune its composition in real \
                      time, ensuring consistent material performance.";
        assert_eq!(
            key_clause(market),
            "The regolith binder uses a parsing module and machine learning to tune its composition in real time."
        );
        let opening = "Using consumer protection, market rules and innovation principles, the regulator has been far \
                       more careful in its approach to digital currencies than most of its neighbours over the past \
                       ten years.";
        assert!(key_clause(opening).contains("the regulator has been"), "{}", key_clause(opening));
        let paired = "Meditation can change not only the mind of a person who practises it every day, but also the \
                      body and the way it responds to stress.";
        assert!(key_clause(paired).contains("but also"), "{}", key_clause(paired));
        let aside = "Average global crop yields for maize, or corn, may see a decrease of a quarter by late century \
                     if current trends continue.";
        assert!(key_clause(aside).contains("may see a decrease"), "{}", key_clause(aside));
    }

    #[test]
    fn no_cut_leaves_an_open_quote_or_too_little() {
        let quoted = "\"We will rebuild the bridge, and we will do it before winter comes,\" the mayor told a crowd \
                      of several hundred people gathered outside the town hall.";
        assert!(balanced(&key_clause(quoted)), "{}", key_clause(quoted));
        let tiny = "It rained, which nobody in the village of Ashford had expected after the driest spring in fifty \
                    years of records.";
        assert!(word_count(&key_clause(tiny)) >= MIN_CLAUSE_WORDS, "{}", key_clause(tiny));
    }

    #[test]
    fn japanese_and_chinese_lose_their_connectives_and_asides() {
        assert_eq!(key_clause("しかし、蜜蜂の数（特に都市部）は急速に減っている。"), "蜜蜂の数は急速に減っている。");
        assert_eq!(key_clause("但是，蜜蜂的数量正在迅速减少。"), "蜜蜂的数量正在迅速减少。");
        assert_eq!(word_count("蜜蜂の数は急速に減っている。"), 7);
    }
}
