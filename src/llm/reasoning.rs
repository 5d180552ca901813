//! Removes reasoning text (`<think>…</think>`) that some models put inside their answer.

/// Returns `answer` without `<think>` blocks. An unclosed block (still streaming) hides
/// everything after its opening tag.
pub fn strip_think(answer: &str) -> std::borrow::Cow<'_, str> {
    if !answer.contains("<think>") {
        return std::borrow::Cow::Borrowed(answer);
    }
    let mut out = String::with_capacity(answer.len());
    let mut rest = answer;
    while let Some(start) = rest.find("<think>") {
        out.push_str(&rest[..start]);
        match rest[start..].find("</think>") {
            Some(end) => rest = &rest[start + end + "</think>".len()..],
            None => return std::borrow::Cow::Owned(out),
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_closed_and_open_blocks() {
        assert_eq!(strip_think("a<think>x</think>b<think>y</think>c"), "abc");
        assert_eq!(strip_think("<think>still thinking"), "");
        assert_eq!(strip_think("plain"), "plain");
    }
}
