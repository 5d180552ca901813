//! Decodes a page's bytes to text by its byte-order mark or declared charset, for the CLI
//! (in the browser, pages arrive already decoded).

use encoding_rs::Encoding;

use crate::error::GlossError;

/// How far into the document a `<meta charset>` is looked for, as browsers do.
const SNIFF_BYTES: usize = 1024;

/// The page's text. Fails clearly on bytes that are not text in the declared (or default UTF-8)
/// encoding, rather than guessing.
pub fn decode(bytes: &[u8]) -> Result<String, GlossError> {
    if bytes.contains(&0) {
        return Err(GlossError::Invalid("the input is binary, not an HTML page".into()));
    }
    if let Some((encoding, skip)) = Encoding::for_bom(bytes) {
        return decode_as(encoding, &bytes[skip..]);
    }
    // Valid UTF-8 with non-ASCII text is practically never a legacy encoding, and pages saved
    // again as UTF-8 often keep their old `<meta charset>`: UTF-8 wins then.
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_string());
    }
    match declared(bytes) {
        Some(encoding) => decode_as(encoding, bytes),
        None => Err(GlossError::Invalid("the input is not UTF-8 and declares no charset (add <meta charset=…>)".into())),
    }
}

fn decode_as(encoding: &'static Encoding, bytes: &[u8]) -> Result<String, GlossError> {
    let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(GlossError::Invalid(format!("the input is not valid {}", encoding.name())));
    }
    Ok(text.into_owned())
}

/// The charset a `<meta charset=…>` or `<meta http-equiv=Content-Type content="…; charset=…">`
/// near the top declares.
fn declared(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(SNIFF_BYTES)];
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    let at = head.find("charset=")?;
    let value = head[at + "charset=".len()..].trim_start_matches(['"', '\'', ' ']);
    let end = value.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == ':' || c == '.'))?;
    Encoding::for_label(&value.as_bytes()[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_by_default_and_with_bom() {
        assert_eq!(decode("<p>héllo</p>".as_bytes()).as_deref(), Ok("<p>héllo</p>"));
        assert_eq!(decode(b"\xEF\xBB\xBF<p>x</p>").as_deref(), Ok("<p>x</p>"));
    }

    #[test]
    fn declared_legacy_charsets() {
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("<meta charset=\"Shift_JIS\"><p>日本語</p>");
        assert_eq!(decode(&sjis).as_deref(), Ok("<meta charset=\"Shift_JIS\"><p>日本語</p>"));
        let (gbk, _, _) = encoding_rs::GBK.encode("<meta http-equiv=Content-Type content='text/html; charset=gbk'><p>中文</p>");
        assert!(decode(&gbk).is_ok_and(|t| t.contains("中文")));
        let latin = b"<meta charset=windows-1252><p>caf\xe9</p>";
        assert_eq!(decode(latin).as_deref(), Ok("<meta charset=windows-1252><p>café</p>"));
    }

    #[test]
    fn a_page_resaved_as_utf8_with_its_old_declaration_still_reads() {
        let page = "<meta charset=gbk><p>中文</p>";
        assert_eq!(decode(page.as_bytes()).as_deref(), Ok(page));
    }

    #[test]
    fn undeclared_non_utf8_and_binary_are_refused() {
        assert!(matches!(decode(b"<p>caf\xe9</p>"), Err(GlossError::Invalid(_))));
        assert!(matches!(decode(b"\x89PNG\r\n\x1a\n\0\0\0"), Err(GlossError::Invalid(_))));
    }
}
