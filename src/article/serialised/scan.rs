//! Scanning the serialisation's text: where raw text ends (a script's through the tokenizer's
//! escaped states), and character references decoded as the tokenizer decodes them.

use std::borrow::Cow;

use memchr::{memchr, memchr2, memmem};

/// Whether `bytes[at..]` is the tag `<name` or `</name` (`slash`) followed by what ends a tag name.
pub(super) fn tag_at(bytes: &[u8], at: usize, slash: bool, name: &str) -> bool {
    let open = if slash { 2 } else { 1 };
    let after = at + open + name.len();
    bytes.get(at + open - 1) == Some(if slash { &b'/' } else { &b'<' })
        && bytes.get(at + open..after).is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()))
        && bytes.get(after).is_some_and(|&b| is_space(b) || b == b'/' || b == b'>')
}

/// Where raw text from `start` ends: its element's end tag.
pub(super) fn raw_end(bytes: &[u8], start: usize, name: &str) -> Option<usize> {
    let mut from = start;
    loop {
        let at = from + memmem::find(&bytes[from..], b"</")?;
        if tag_at(bytes, at, true, name) {
            return Some(at);
        }
        from = at + 2;
    }
}

/// Where a script's text from `start` ends, through the tokenizer's escaped states: after a
/// `<!--`, a `<script>` makes the next `</script>` text, until a `-->`.
pub(super) fn script_end(bytes: &[u8], start: usize) -> Option<usize> {
    #[derive(PartialEq)]
    enum State {
        Data,
        Escaped,
        DoubleEscaped,
    }
    let mut state = State::Data;
    let mut at = start;
    loop {
        at += memchr2(b'<', b'-', &bytes[at..])?;
        let rest = &bytes[at..];
        match state {
            State::Data if rest.starts_with(b"<!--") => {
                state = State::Escaped;
                // The `--` of `<!--` may be the start of a `-->`.
                at += 2;
                continue;
            }
            State::Escaped | State::DoubleEscaped if rest.starts_with(b"-->") => {
                state = State::Data;
                at += 3;
                continue;
            }
            State::Data | State::Escaped if tag_at(bytes, at, true, "script") => return Some(at),
            State::Escaped if tag_at(bytes, at, false, "script") => state = State::DoubleEscaped,
            State::DoubleEscaped if tag_at(bytes, at, true, "script") => state = State::Escaped,
            _ => {}
        }
        at += 1;
    }
}

pub(super) fn ascii_lower(name: &str) -> Cow<'_, str> {
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(name.to_ascii_lowercase())
    } else {
        Cow::Borrowed(name)
    }
}

/// `text` with its character references replaced as the parser's tokenizer replaces them (in
/// an attribute's value, `attribute`: there a legacy name followed by a letter, a digit or `=`
/// stays as written). The serialiser writes only `&amp;`, `&lt;`, `&gt;`, `&quot;` and `&nbsp;`;
/// the rest is for a `<noscript>`, whose text is the page's source.
pub(super) fn decode(text: &str, attribute: bool) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let Some(mut at) = memchr(b'&', bytes) else { return Cow::Borrowed(text) };
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    loop {
        out.push_str(&text[done..at]);
        let (replacement, used) = reference(&bytes[at + 1..], attribute);
        match replacement {
            Some((first, second)) => {
                out.push(first);
                out.extend(second);
                done = at + 1 + used;
            }
            None => {
                out.push('&');
                done = at + 1;
            }
        }
        match memchr(b'&', &bytes[done..]) {
            Some(next) => at = done + next,
            None => {
                out.push_str(&text[done..]);
                return Cow::Owned(out);
            }
        }
    }
}

/// The character reference after an `&`: what it stands for and how many bytes it took, or
/// `None` when the `&` is text.
pub(super) fn reference(rest: &[u8], attribute: bool) -> (Option<(char, Option<char>)>, usize) {
    for (name, c) in [(&b"amp;"[..], '&'), (b"lt;", '<'), (b"gt;", '>'), (b"quot;", '"'), (b"nbsp;", '\u{a0}')] {
        if rest.starts_with(name) {
            return (Some((c, None)), name.len());
        }
    }
    match rest.first() {
        Some(b'#') => numeric(rest),
        Some(c) if c.is_ascii_alphanumeric() => named(rest, attribute),
        _ => (None, 0),
    }
}

pub(super) fn numeric(rest: &[u8]) -> (Option<(char, Option<char>)>, usize) {
    let hex = matches!(rest.get(1), Some(b'x' | b'X'));
    let start = if hex { 2 } else { 1 };
    let base = if hex { 16 } else { 10 };
    let mut value: u32 = 0;
    let mut too_big = false;
    let mut end = start;
    while let Some(digit) = rest.get(end).and_then(|&b| char::from(b).to_digit(base)) {
        value = value.wrapping_mul(base);
        too_big |= value > 0x10ffff;
        value = value.wrapping_add(digit);
        end += 1;
    }
    if end == start {
        return (None, 0);
    }
    if rest.get(end) == Some(&b';') {
        end += 1;
    }
    let c = match value {
        _ if too_big || value > 0x10ffff => '\u{fffd}',
        0 | 0xd800..=0xdfff => '\u{fffd}',
        0x80..=0x9f => html5ever::data::C1_REPLACEMENTS[(value - 0x80) as usize].unwrap_or_else(|| char::from_u32(value).unwrap_or('\u{fffd}')),
        _ => char::from_u32(value).unwrap_or('\u{fffd}'),
    };
    (Some((c, None)), end)
}

/// A named reference: the longest name in the table that the text begins with.
pub(super) fn named(rest: &[u8], attribute: bool) -> (Option<(char, Option<char>)>, usize) {
    let mut matched = None;
    let mut len = 0;
    while len < rest.len() {
        len += 1;
        // Names are ASCII: a longer prefix than any name stops the search anyway.
        let Ok(prefix) = std::str::from_utf8(&rest[..len]) else { break };
        match html5ever::data::NAMED_ENTITIES.get(prefix) {
            Some(&(first, second)) => {
                if first != 0 {
                    matched = Some((len, first, second));
                }
            }
            None => break,
        }
    }
    let Some((len, first, second)) = matched else { return (None, 0) };
    let next = rest.get(len).copied();
    if rest[len - 1] != b';' && attribute && next.is_some_and(|b| b == b'=' || b.is_ascii_alphanumeric()) {
        return (None, 0);
    }
    let first = char::from_u32(first).unwrap_or('\u{fffd}');
    let second = (second != 0).then(|| char::from_u32(second)).flatten();
    (Some((first, second)), len)
}

pub(super) const fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0c')
}

pub(super) fn all_space(text: &str) -> bool {
    text.bytes().all(is_space)
}
