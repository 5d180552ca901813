//! The line splitter and `text/event-stream` parser under every SSE wire (Anthropic, OpenAI,
//! Gemini); Ollama's NDJSON uses the splitter alone.

use crate::error::GlossError;

/// Cuts bytes into lines ended by `\n`, `\r\n` or `\r`, across pushes. Line ends are ASCII and
/// never occur inside a multi-byte UTF-8 sequence, so each complete line can be decoded alone.
#[derive(Debug, Default)]
pub(crate) struct LineSplitter {
    buf: Vec<u8>,
    /// The last line ended with `\r`; a `\n` opening the next push belongs to that same ending.
    skip_lf: bool,
    /// Whether a line was produced yet (a BOM is only stripped from the first).
    started: bool,
}

impl LineSplitter {
    /// Takes bytes from `input` up to and including the next line end; `None` once `input` is
    /// used up without completing a line (the partial line stays buffered).
    pub(crate) fn next_line(&mut self, input: &mut &[u8]) -> Result<Option<String>, GlossError> {
        if self.skip_lf {
            match input.split_first() {
                None => return Ok(None),
                Some((b'\n', tail)) => *input = tail,
                Some(_) => {}
            }
            self.skip_lf = false;
        }
        let Some(pos) = input.iter().position(|&b| b == b'\n' || b == b'\r') else {
            self.buf.extend_from_slice(input);
            *input = &[];
            return Ok(None);
        };
        let Some((line, tail)) = input.split_at_checked(pos) else { return Ok(None) };
        self.buf.extend_from_slice(line);
        let Some((&end, after)) = tail.split_first() else { return Ok(None) };
        self.skip_lf = end == b'\r';
        *input = after;
        self.take_line().map(Some)
    }

    /// The unterminated last line at end of stream, if any.
    pub(crate) fn take_rest(&mut self) -> Result<Option<String>, GlossError> {
        if self.buf.is_empty() {
            return Ok(None);
        }
        self.take_line().map(Some)
    }

    fn take_line(&mut self) -> Result<String, GlossError> {
        let bytes = std::mem::take(&mut self.buf);
        let mut line = String::from_utf8(bytes)
            .map_err(|_| GlossError::BadResponse("response stream is not valid UTF-8".into()))?;
        if !self.started {
            self.started = true;
            if let Some(rest) = line.strip_prefix('\u{feff}') {
                line = rest.to_string();
            }
        }
        Ok(line)
    }
}

/// One dispatched SSE event; `event` is empty when the stream named none ("message").
#[derive(Debug, Default, PartialEq)]
pub(crate) struct SseEvent {
    pub(crate) event: String,
    pub(crate) data: String,
}

/// The field-handling half of the WHATWG `text/event-stream` parser.
#[derive(Debug, Default)]
pub(crate) struct SseParser {
    event: String,
    /// `None` until a `data` field arrives: an event without one is not dispatched.
    data: Option<String>,
}

impl SseParser {
    pub(crate) fn line(&mut self, line: &str) -> Option<SseEvent> {
        if line.is_empty() {
            return self.dispatch();
        }
        // Comments: `: keep-alive`, `: OPENROUTER PROCESSING`, `: ping - <time>`.
        if line.starts_with(':') {
            return None;
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "event" => self.event = value.to_string(),
            "data" => match &mut self.data {
                Some(d) => {
                    d.push('\n');
                    d.push_str(value);
                }
                None => self.data = Some(value.to_string()),
            },
            // `id`, `retry` and unknown fields do not matter for a one-shot fetch.
            _ => {}
        }
        None
    }

    pub(crate) fn dispatch(&mut self) -> Option<SseEvent> {
        let event = std::mem::take(&mut self.event);
        self.data.take().map(|data| SseEvent { event, data })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split_lines(pieces: &[&[u8]]) -> Vec<String> {
        let mut splitter = LineSplitter::default();
        let mut lines = Vec::new();
        for p in pieces {
            let mut rest = *p;
            while let Some(line) = splitter.next_line(&mut rest).unwrap() {
                lines.push(line);
            }
        }
        lines.extend(splitter.take_rest().unwrap());
        lines
    }

    #[test]
    fn line_splitter_accepts_all_three_line_ends() {
        assert_eq!(split_lines(&[b"a\r\nb\rc\nd\r\n\r\ne"]), vec!["a", "b", "c", "d", "", "e"]);
    }

    #[test]
    fn line_splitter_any_split_gives_the_same_lines() {
        let bytes: &[u8] = b"a\r\nb\rc\n\r\r\n\nd";
        let want = vec!["a", "b", "c", "", "", "", "d"];
        for i in 0..=bytes.len() {
            let (x, y) = bytes.split_at(i);
            assert_eq!(split_lines(&[x, y]), want, "split at {i}");
        }
    }

    #[test]
    fn line_splitter_keeps_cr_flag_across_empty_push() {
        assert_eq!(split_lines(&[b"a\r", b"", b"\nb\n"]), vec!["a", "b"]);
    }

    #[test]
    fn sse_parser_joins_data_lines_and_strips_one_space() {
        let mut p = SseParser::default();
        assert_eq!(p.line("event: e"), None);
        assert_eq!(p.line("data:  two spaces"), None);
        assert_eq!(p.line("data:nospace"), None);
        assert_eq!(
            p.line(""),
            Some(SseEvent { event: "e".into(), data: " two spaces\nnospace".into() })
        );
    }

    #[test]
    fn sse_event_without_data_is_not_dispatched() {
        let mut p = SseParser::default();
        assert_eq!(p.line("event: lonely"), None);
        assert_eq!(p.line(""), None);
        // The name does not leak into the next event.
        assert_eq!(p.line("data: x"), None);
        assert_eq!(p.line(""), Some(SseEvent { event: String::new(), data: "x".into() }));
    }
}
