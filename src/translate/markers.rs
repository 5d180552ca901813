//! Finds the block markers in a translation answer however a model wrote them (`[[2]]`,
//! `[[2]]:`, `**[[2]]**`, `[2]`, mid-line `[[2]]`), in the text a reader would see: reasoning
//! (`<think>…`) and code fences taken out.

/// A marker found in the answer: its number, where it starts and where its block's text starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marker {
    pub number: usize,
    pub start: usize,
    pub text_start: usize,
}

/// The answer without reasoning (`<think>…</think>`, or all of an unclosed one).
pub fn visible(answer: &str) -> std::borrow::Cow<'_, str> {
    crate::llm::reasoning::strip_think(answer)
}

/// A code-fence line (code blocks are never sent for translation, so a fence is only ever the
/// model wrapping its answer): no marker is looked for in it, and it is no block's text.
fn is_fence(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with("```") || t.starts_with("~~~")
}

/// `text` without its code-fence lines.
pub fn without_fences(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("```") && !text.contains("~~~") {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(text.split_inclusive('\n').filter(|line| !is_fence(line)).collect())
}

/// Every marker in `text`, in order: any variant at the start of a line, and `[[n]]` anywhere
/// (a model may run blocks together on one line).
pub fn find(text: &str) -> Vec<Marker> {
    let mut out = Vec::new();
    let end = scan(text, 0, &mut out);
    line_markers(&text[end..], end, &mut out);
    out
}

/// The markers of the complete lines of `text` from byte `from` (a line start), appended to
/// `out`; returns where the first line still without its end starts. Lets a streaming reader
/// scan each line once.
pub fn scan(text: &str, from: usize, out: &mut Vec<Marker>) -> usize {
    let mut at = from;
    for line in text.get(from..).unwrap_or("").split_inclusive('\n') {
        if !line.ends_with('\n') {
            break;
        }
        line_markers(line, at, out);
        at += line.len();
    }
    at
}

/// The markers of one line that starts at byte `offset` of the answer.
pub fn line_markers(line: &str, offset: usize, out: &mut Vec<Marker>) {
    if is_fence(line) {
        return;
    }
    let mut from = 0;
    if let Some((number, text_start)) = at_line_start(line) {
        out.push(Marker { number, start: offset, text_start: offset + text_start });
        from = text_start;
    }
    while let Some(found) = line[from..].find("[[") {
        let at = from + found;
        match double(&line[at..]) {
            Some((number, len)) => {
                let text_start = at + len + spaces(&line[at + len..]);
                out.push(Marker { number, start: offset + at, text_start: offset + text_start });
                from = text_start;
            }
            None => from = at + 2,
        }
    }
}

/// A marker at the start of `line` (after spaces, a list bullet, `#`s or `**`), in any of the
/// forms models write: (number, byte offset of the text after it).
pub fn at_line_start(line: &str) -> Option<(usize, usize)> {
    let mut rest = line.trim_start();
    for lead in ["- ", "* "] {
        rest = rest.strip_prefix(lead).unwrap_or(rest);
    }
    rest = rest.trim_start_matches('#').trim_start();
    let bold = rest.starts_with("**") || rest.starts_with("__");
    if bold {
        rest = &rest[2..];
    }
    let (number, len) = double(rest).or_else(|| single(rest))?;
    rest = &rest[len..];
    // `**[[2]]**:`, `**[[2]]:**`, `[[2]]:`, `[2].`, `[[2]] -`
    if bold {
        rest = rest.strip_prefix("**").or_else(|| rest.strip_prefix("__")).unwrap_or(rest);
    }
    rest = rest.strip_prefix([':', '：', '.', ')']).unwrap_or(rest);
    if bold {
        rest = rest.strip_prefix("**").or_else(|| rest.strip_prefix("__")).unwrap_or(rest);
    }
    if let Some(after) = rest.trim_start_matches([' ', '\t']).strip_prefix(['-', '–', '—']) {
        if after.starts_with([' ', '\t']) {
            rest = after;
        }
    }
    let text_start = line.len() - rest.len();
    Some((number, text_start + spaces(rest)))
}

/// `[[n]]` (spaces allowed inside) at the start of `s`: (n, bytes).
fn double(s: &str) -> Option<(usize, usize)> {
    let inner = s.strip_prefix("[[")?;
    let (number, used) = number(inner)?;
    let after = inner[used..].strip_prefix("]]")?;
    Some((number, s.len() - after.len()))
}

/// `[n]` or `【n】` at the start of `s`, not a link's text (`[1](…)`): (n, bytes).
fn single(s: &str) -> Option<(usize, usize)> {
    let (inner, close) = match s.strip_prefix('[') {
        Some(inner) => (inner, ']'),
        None => (s.strip_prefix('【')?, '】'),
    };
    let (number, used) = number(inner)?;
    let after = inner[used..].strip_prefix(close)?;
    if after.starts_with(['(', '[']) {
        return None;
    }
    Some((number, s.len() - after.len()))
}

/// 1 to 4 digits, spaces around allowed: (number, bytes).
fn number(s: &str) -> Option<(usize, usize)> {
    let lead = s.len() - s.trim_start_matches(' ').len();
    let digits = s[lead..].chars().take_while(char::is_ascii_digit).count();
    if !(1..=4).contains(&digits) {
        return None;
    }
    let n = s[lead..lead + digits].parse().ok()?;
    let rest = &s[lead + digits..];
    Some((n, s.len() - rest.trim_start_matches(' ').len()))
}

fn spaces(s: &str) -> usize {
    s.len() - s.trim_start_matches([' ', '\t']).len()
}

/// How many bytes at the end of `text` may be the start of a marker still arriving (`[`,
/// `[[1`, `**[[12]`): held back from the block shown while it streams.
pub fn unfinished_tail(text: &str) -> usize {
    let Some(open) = text.rfind(['[', '【']) else { return 0 };
    let mut start = open;
    while start > 0 && text[..start].ends_with(['[', '*']) {
        start -= 1;
    }
    let tail = &text[open..];
    let ok = tail.chars().all(|c| c.is_ascii_digit() || " []【*".contains(c)) && !tail.ends_with("]]");
    if ok && tail.len() <= 10 {
        text.len() - start
    } else {
        0
    }
}

/// A one-block answer without its preamble: a first paragraph that ends with a colon
/// ("Voici la traduction :") when more follows.
pub fn without_preamble(text: &str) -> &str {
    let text = text.trim();
    if let Some((first, rest)) = text.split_once("\n\n") {
        let first = first.trim();
        if !first.contains('\n') && first.ends_with([':', '：']) && first.chars().count() <= 80 && !rest.trim().is_empty() {
            return rest.trim();
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(text: &str) -> Vec<(usize, &str)> {
        let found = find(text);
        found
            .iter()
            .enumerate()
            .map(|(i, m)| (m.number, text[m.text_start..found.get(i + 1).map_or(text.len(), |n| n.start)].trim()))
            .collect()
    }

    #[test]
    fn every_variant_of_a_marker_is_found() {
        let text = "[[1]] Un.\n[[2]]: Deux.\n**[[3]]** Trois.\n**[[4]]:** Quatre.\n[5] Cinq.\n[6]. Six.\n  - [[7]] - Sept.\n[[ 8 ]]Huit.\n## [[9]] Neuf\n【10】 Dix.\n";
        assert_eq!(
            numbers(text),
            [(1, "Un."), (2, "Deux."), (3, "Trois."), (4, "Quatre."), (5, "Cinq."), (6, "Six."), (7, "Sept."), (8, "Huit."), (9, "Neuf"), (10, "Dix.")]
        );
    }

    #[test]
    fn blocks_run_together_on_one_line_are_split() {
        assert_eq!(numbers("[[1]] Un. [[2]] Deux. [[3]]Trois."), [(1, "Un."), (2, "Deux."), (3, "Trois.")]);
    }

    #[test]
    fn links_and_citations_are_not_markers() {
        assert!(find("[1](https://example.com) is a link\n").is_empty());
        assert!(find("See [1] in the middle\n").is_empty(), "a single bracket counts only at a line start");
        assert!(find("[[x]] [[12345]]\n").is_empty());
    }

    #[test]
    fn reasoning_and_fences_are_not_read() {
        let v = visible("<think>[[1]] draft</think>```markdown\n[[1]] Un.\n```\n");
        assert_eq!(find(&v).len(), 1);
        assert_eq!(without_fences(&v), "[[1]] Un.\n");
        assert!(find("```[[1]] in a fence\n").is_empty());
    }

    #[test]
    fn scanning_line_by_line_finds_what_one_pass_finds() {
        let text = "x\n[[1]] Un. [[2]] Deux.\n**[[3]]** Trois\n[[4]] Qua";
        let mut out = Vec::new();
        let mut at = 0;
        for end in 0..=text.len() {
            at = scan(&text[..end], at, &mut out);
        }
        line_markers(&text[at..], at, &mut out);
        assert_eq!(out, find(text));
    }

    #[test]
    fn an_unfinished_marker_is_held_back() {
        assert_eq!(unfinished_tail("Un. [["), 2);
        assert_eq!(unfinished_tail("Un. **[[1"), 5);
        assert_eq!(unfinished_tail("Un. [[1]]"), 0);
        assert_eq!(unfinished_tail("Un [lien](https://x)"), 0);
        assert_eq!(without_preamble("Voici la traduction :\n\nBonjour."), "Bonjour.");
        assert_eq!(without_preamble("Il a dit :"), "Il a dit :");
    }
}
