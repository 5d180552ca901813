//! RFC 4180 CSV, as far as a glossary needs it: records of quoted or plain fields, each record
//! with the line it starts on (a quoted field may span lines), and records written back with
//! CRLF line ends and quotes only where a field needs them.

use serde::Serialize;

/// Why a CSV file could not be read; `line` is where the record at fault starts (1-based).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct CsvError {
    pub line: usize,
    /// `unclosed_quote`, `stray_quote`, or one of the glossary's row codes.
    pub code: String,
    /// The other line a `duplicate` row names.
    pub other_line: Option<usize>,
}

impl CsvError {
    pub fn at(line: usize, code: &str) -> Self {
        CsvError { line, code: code.to_string(), other_line: None }
    }
}

/// One record and the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub line: usize,
    pub fields: Vec<String>,
}

/// Reads every record of `text` (a leading byte-order mark is skipped; CRLF, LF and CR all end a
/// record). Blank lines are records of one empty field, left to the caller to skip.
pub fn records(text: &str) -> Result<Vec<Record>, CsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut start = 1;
    // Whether the current field was quoted, and whether its closing quote has come.
    let (mut quoted, mut closed) = (false, false);
    let mut at_field_start = true;
    while let Some(c) = chars.next() {
        if quoted && !closed {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => closed = true,
                '\r' | '\n' => {
                    field.push(c);
                    if c == '\r' && chars.peek() == Some(&'\n') {
                        chars.next();
                        field.push('\n');
                    }
                    line += 1;
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            ',' => {
                fields.push(std::mem::take(&mut field));
                (quoted, closed, at_field_start) = (false, false, true);
            }
            '\r' | '\n' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                fields.push(std::mem::take(&mut field));
                out.push(Record { line: start, fields: std::mem::take(&mut fields) });
                line += 1;
                start = line;
                (quoted, closed, at_field_start) = (false, false, true);
            }
            '"' if at_field_start && field.trim().is_empty() => {
                // Spaces before an opening quote are not part of the field.
                field.clear();
                (quoted, at_field_start) = (true, false);
            }
            '"' => return Err(CsvError::at(start, "stray_quote")),
            c if closed && !c.is_whitespace() => return Err(CsvError::at(start, "stray_quote")),
            _ if closed => {}
            c => {
                field.push(c);
                if !c.is_whitespace() {
                    at_field_start = false;
                }
            }
        }
    }
    if quoted && !closed {
        return Err(CsvError::at(start, "unclosed_quote"));
    }
    if !fields.is_empty() || !field.is_empty() {
        fields.push(field);
        out.push(Record { line: start, fields });
    }
    Ok(out)
}

/// One field as CSV: quoted when it holds a comma, a quote, a line break, or spaces at an end
/// (which a reader would otherwise trim).
pub fn field(value: &str) -> String {
    let needs = value.contains([',', '"', '\r', '\n']) || value.starts_with(char::is_whitespace) || value.ends_with(char::is_whitespace);
    if needs { format!("\"{}\"", value.replace('"', "\"\"")) } else { value.to_string() }
}

/// Records as CSV, each ended by CRLF.
pub fn write<'a>(rows: impl IntoIterator<Item = &'a [String]>) -> String {
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row.iter().map(|f| field(f)).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str) -> Vec<Vec<String>> {
        records(text).unwrap_or_else(|e| panic!("{e:?}")).into_iter().map(|r| r.fields).collect()
    }

    #[test]
    fn plain_and_quoted_fields() {
        assert_eq!(fields("a,b\r\nc,d\n"), [["a", "b"], ["c", "d"]]);
        assert_eq!(fields("\"a, with comma\",\"say \"\"hi\"\"\""), [["a, with comma", "say \"hi\""]]);
        assert_eq!(fields("\u{feff}x,y"), [["x", "y"]], "a byte-order mark is not part of the first field");
        assert_eq!(fields("a,\r\n,\r\n"), [vec!["a", ""], vec!["", ""]]);
        assert_eq!(fields("  \"q\"  ,b"), [["q", "b"]], "spaces around a quoted field are not its own");
    }

    #[test]
    fn a_quoted_line_break_is_in_the_field_and_lines_are_counted_through_it() {
        let rs = records("term,rendering\n\"two\nlines\",x\r\n\"three\r\n\r\nlines\",y\nlast,z").unwrap_or_default();
        let at: Vec<(usize, &str)> = rs.iter().map(|r| (r.line, r.fields[0].as_str())).collect();
        assert_eq!(at, [(1, "term"), (2, "two\nlines"), (4, "three\r\n\r\nlines"), (7, "last")]);
    }

    #[test]
    fn bad_quotes_name_the_line_their_record_starts_on() {
        assert_eq!(records("a,b\nc,\"open\nstill open"), Err(CsvError::at(2, "unclosed_quote")));
        assert_eq!(records("a,b\nc,d\"e\n"), Err(CsvError::at(2, "stray_quote")));
        assert_eq!(records("a,b\n\"c\"d,e\n"), Err(CsvError::at(2, "stray_quote")));
    }

    #[test]
    fn written_records_read_back_the_same() {
        let rows: Vec<Vec<String>> = [
            ["term", "rendering"],
            ["plain", "also plain"],
            ["a, comma", "a \"quote\""],
            ["a\nline break", "crlf\r\ninside"],
            [" spaced ", ""],
            ["日本語", "にほんご"],
        ]
        .iter()
        .map(|r| r.iter().map(|s| s.to_string()).collect())
        .collect();
        let text = write(rows.iter().map(Vec::as_slice));
        assert!(text.ends_with("\r\n") && text.contains("\"a, comma\",\"a \"\"quote\"\"\"\r\n"), "{text}");
        assert_eq!(fields(&text), rows);
    }
}
