//! Decodes a streamed LLM response, from raw bytes, into text, reasoning, usage and end events:
//! lines and SSE events here, their meaning in the wire's own module.

use crate::error::GlossError;
use crate::llm::errors::map_stream_error;
use crate::llm::event::{Failed, Reading, StreamEvent};
use crate::llm::redact::redact_error;
use crate::llm::sse::{LineSplitter, SseEvent, SseParser};
use crate::llm::wire::Wire;
use crate::llm::{anthropic, gemini, ollama, openai};

/// Incremental decoder for one response stream.
///
/// After an `Err` the decoder is dead: every later call returns the same error. When one `push`
/// holds both text and an error, the error wins and that push's text is dropped — the request
/// failed, and the caller stops reading.
#[derive(Debug)]
pub struct StreamDecoder {
    wire: Wire,
    lines: LineSplitter,
    sse: SseParser,
    reading: Reading,
    failed: Option<GlossError>,
    /// The request's key, redacted (with anything key-like) from every error the stream carries.
    secret: String,
}

impl StreamDecoder {
    pub fn new(wire: Wire) -> Self {
        StreamDecoder { wire, lines: LineSplitter::default(), sse: SseParser::default(), reading: Reading::default(), failed: None, secret: String::new() }
    }

    /// The decoder for a request that carried this key (`HttpRequest::secret`), so that an error
    /// event quoting it cannot bring it to the panel. Key-like text is redacted either way.
    pub fn with_secret(mut self, secret: &str) -> Self {
        self.secret = secret.to_string();
        self
    }

    /// Feed raw bytes exactly as they came off the network (may split anywhere, including inside
    /// a UTF-8 character or a CRLF pair).
    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<StreamEvent>, GlossError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let mut out = Vec::new();
        let mut rest = bytes;
        while !self.reading.done {
            let line = match self.lines.next_line(&mut rest) {
                Ok(Some(line)) => line,
                Ok(None) => break,
                Err(e) => return Err(self.fail(e)),
            };
            if let Err(e) = self.on_line(&line, &mut out) {
                return Err(self.fail(e));
            }
        }
        Ok(out)
    }

    /// The connection closed. Decodes a last line or event that had no terminator, then returns
    /// `Err(StreamCut)` if the wire's end marker was never seen (or those leftovers are a
    /// truncated JSON/UTF-8 sequence).
    pub fn finish(&mut self) -> Result<Vec<StreamEvent>, GlossError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let mut out = Vec::new();
        if let Err(e) = self.flush(&mut out) {
            // The leftovers had no terminator: if they do not decode, the stream was cut inside
            // them (retryable), which is not the same as the provider sending garbage.
            let e = match e {
                GlossError::BadResponse(_) => GlossError::StreamCut,
                other => other,
            };
            return Err(self.fail(e));
        }
        if self.reading.done {
            Ok(out)
        } else {
            Err(self.fail(GlossError::StreamCut))
        }
    }

    /// Whether the end marker has been seen.
    pub fn is_done(&self) -> bool {
        self.reading.done
    }

    fn fail(&mut self, e: GlossError) -> GlossError {
        let e = redact_error(e, &self.secret);
        self.failed = Some(e.clone());
        e
    }

    fn flush(&mut self, out: &mut Vec<StreamEvent>) -> Result<(), GlossError> {
        if self.reading.done {
            return Ok(());
        }
        if let Some(line) = self.lines.take_rest()? {
            self.on_line(&line, out)?;
        }
        // The SSE spec drops an event that lacks its blank line at EOF; providers do end
        // streams that way, and the event is complete, so dispatch it.
        if !self.reading.done && self.wire != Wire::OllamaNative {
            if let Some(ev) = self.sse.dispatch() {
                self.on_event(&ev, out)?;
            }
        }
        Ok(())
    }

    fn on_line(&mut self, line: &str, out: &mut Vec<StreamEvent>) -> Result<(), GlossError> {
        if self.wire == Wire::OllamaNative {
            return ollama::on_line(line, &mut self.reading, out).map_err(mapped);
        }
        match self.sse.line(line) {
            Some(ev) => self.on_event(&ev, out),
            None => Ok(()),
        }
    }

    fn on_event(&mut self, ev: &SseEvent, out: &mut Vec<StreamEvent>) -> Result<(), GlossError> {
        // An empty `data:` carries nothing to decode (keep-alive filler).
        if ev.data.trim().is_empty() {
            return Ok(());
        }
        let r = &mut self.reading;
        match self.wire {
            Wire::Anthropic => anthropic::on_event(ev, r, out),
            Wire::OpenAi => openai::on_event(ev, r, out),
            Wire::Gemini => gemini::on_event(ev, r, out),
            Wire::OllamaNative => Ok(()),
        }
        .map_err(mapped)
    }
}

/// A wire's reason to stop, as the error the reader sees.
fn mapped(failed: Failed) -> GlossError {
    match failed {
        Failed::Provider(payload) => map_stream_error(&payload),
        Failed::Unreadable(e) => e,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Everything a stream produced, folded the way a caller would.
    #[derive(Debug, Default, PartialEq)]
    pub(crate) struct Folded {
        pub(crate) text: String,
        pub(crate) reasoning: String,
        pub(crate) usage: Option<(Option<u64>, Option<u64>)>,
        pub(crate) done: Option<Option<String>>,
    }

    pub(crate) fn fold(events: &[StreamEvent]) -> Folded {
        let mut f = Folded::default();
        for e in events {
            match e {
                StreamEvent::Text { text } => f.text.push_str(text),
                StreamEvent::Reasoning { text } => f.reasoning.push_str(text),
                StreamEvent::Usage { input_tokens, output_tokens } => {
                    f.usage = Some((*input_tokens, *output_tokens))
                }
                StreamEvent::Done { stop_reason } => f.done = Some(stop_reason.clone()),
            }
        }
        f
    }

    /// Feeds the pieces, then finishes; panics on any error.
    pub(crate) fn decode(wire: Wire, pieces: &[&[u8]]) -> Vec<StreamEvent> {
        let mut d = StreamDecoder::new(wire);
        let mut all = Vec::new();
        for p in pieces {
            all.extend(d.push(p).unwrap());
        }
        all.extend(d.finish().unwrap());
        all
    }

    pub(crate) fn decode_str(wire: Wire, s: &str) -> Vec<StreamEvent> {
        decode(wire, &[s.as_bytes()])
    }

    /// Feeds pieces and returns the first error (from push or finish).
    pub(crate) fn decode_err(wire: Wire, pieces: &[&[u8]]) -> GlossError {
        let mut d = StreamDecoder::new(wire);
        for p in pieces {
            if let Err(e) = d.push(p) {
                return e;
            }
        }
        d.finish().unwrap_err()
    }

    pub(crate) const ANTHROPIC: &str = "event: message_start\n\
data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01X\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":21,\"output_tokens\":1}}}\n\
\n\
event: content_block_start\n\
data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\
\n\
event: ping\n\
data: {\"type\":\"ping\"}\n\
\n\
event: content_block_delta\n\
data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Sky is \"}}\n\
\n\
event: content_block_delta\n\
data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"blue.\"}}\n\
\n\
event: content_block_stop\n\
data: {\"type\":\"content_block_stop\",\"index\":0}\n\
\n\
event: message_delta\n\
data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":5}}\n\
\n\
event: message_stop\n\
data: {\"type\":\"message_stop\"}\n\
\n";

    pub(crate) const OPENAI: &str = "data: {\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"created\":1730000000,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}],\"usage\":null}\n\
\n\
data: {\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"created\":1730000000,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Sky is\"},\"finish_reason\":null}],\"usage\":null}\n\
\n\
data: {\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"created\":1730000000,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" blue.\"},\"finish_reason\":null}],\"usage\":null}\n\
\n\
data: {\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"created\":1730000000,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":null}\n\
\n\
data: {\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"created\":1730000000,\"model\":\"gpt-4o-mini\",\"choices\":[],\"usage\":{\"prompt_tokens\":14,\"completion_tokens\":4,\"total_tokens\":18}}\n\
\n\
data: [DONE]\n\
\n";

    pub(crate) const GEMINI: &str = "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Sky is\"}],\"role\":\"model\"},\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":6,\"totalTokenCount\":6},\"modelVersion\":\"gemini-2.5-flash\"}\r\n\
\r\n\
data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\" blue.\"}],\"role\":\"model\"},\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":6,\"candidatesTokenCount\":4,\"totalTokenCount\":10},\"modelVersion\":\"gemini-2.5-flash\"}\r\n\
\r\n";

    pub(crate) const OLLAMA: &str = "{\"model\":\"llama3.2\",\"created_at\":\"2026-01-01T10:00:00.1Z\",\"message\":{\"role\":\"assistant\",\"content\":\"Sky\"},\"done\":false}\n\
{\"model\":\"llama3.2\",\"created_at\":\"2026-01-01T10:00:00.2Z\",\"message\":{\"role\":\"assistant\",\"content\":\" is blue.\"},\"done\":false}\n\
{\"model\":\"llama3.2\",\"created_at\":\"2026-01-01T10:00:00.3Z\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,\"done_reason\":\"stop\",\"total_duration\":912000000,\"load_duration\":1200000,\"prompt_eval_count\":26,\"prompt_eval_duration\":120000000,\"eval_count\":4,\"eval_duration\":80000000}\n";

    pub(crate) fn expected(usage: (u64, u64), stop: &str) -> Folded {
        Folded {
            text: "Sky is blue.".into(),
            reasoning: String::new(),
            usage: Some((Some(usage.0), Some(usage.1))),
            done: Some(Some(stop.into())),
        }
    }

    /// Splits `stream` at every index into two pushes, and also feeds it byte by byte; every
    /// variant must decode to the same result as the whole stream.
    pub(crate) fn assert_split_invariant(wire: Wire, stream: &str, want: &Folded) {
        let bytes = stream.as_bytes();
        for i in 0..=bytes.len() {
            let (a, b) = bytes.split_at(i);
            assert_eq!(&fold(&decode(wire, &[a, b])), want, "split at {i}");
        }
        let singles: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(&fold(&decode(wire, &singles)), want, "byte by byte");
    }

    // ---- happy paths ----

    #[test]
    fn is_done_follows_end_marker() {
        let mut d = StreamDecoder::new(Wire::OpenAi);
        d.push(b"data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n").unwrap();
        assert!(!d.is_done());
        d.push(b"data: [DONE]\n\n").unwrap();
        assert!(d.is_done());
    }

    #[test]
    fn separate_pushes_keep_order() {
        let mut d = StreamDecoder::new(Wire::OpenAi);
        let a = d.push(b"data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n").unwrap();
        let b = d.push(b"data: {\"choices\":[{\"delta\":{\"content\":\"b\"}}]}\n\n").unwrap();
        assert_eq!(a, vec![StreamEvent::Text { text: "a".into() }]);
        assert_eq!(b, vec![StreamEvent::Text { text: "b".into() }]);
    }

    // ---- chunking ----

    #[test]
    fn multibyte_text_any_split_decodes_the_same() {
        let stream = "data: {\"choices\":[{\"delta\":{\"content\":\"日本語 🦀\"}}]}\r\n\r\n\
data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\r\n\r\ndata: [DONE]\r\n\r\n";
        let want = Folded {
            text: "日本語 🦀".into(),
            done: Some(Some("stop".into())),
            ..Folded::default()
        };
        assert_split_invariant(Wire::OpenAi, stream, &want);
    }

    #[test]
    fn emoji_split_inside_its_bytes() {
        let crab = "🦀".as_bytes(); // 4 bytes
        let (head, tail) = crab.split_at(2);
        let mut first = b"data: {\"choices\":[{\"delta\":{\"content\":\"".to_vec();
        first.extend_from_slice(head);
        let mut second = tail.to_vec();
        second.extend_from_slice(b"\"}}]}\n\ndata: [DONE]\n\n");
        let mut d = StreamDecoder::new(Wire::OpenAi);
        assert_eq!(d.push(&first).unwrap(), vec![]);
        assert_eq!(
            d.push(&second).unwrap(),
            vec![StreamEvent::Text { text: "🦀".into() }, StreamEvent::Done { stop_reason: None }]
        );
    }

    #[test]
    fn japanese_split_inside_a_character() {
        let stream = "{\"message\":{\"content\":\"日本語\"},\"done\":false}\n{\"done\":true}\n";
        let bytes = stream.as_bytes();
        // One byte into the 3-byte 日.
        let cut = stream.find('日').unwrap() + 1;
        let events = decode(Wire::OllamaNative, &[&bytes[..cut], &bytes[cut..]]);
        assert_eq!(fold(&events).text, "日本語");
    }

    // ---- SSE framing quirks ----

    #[test]
    fn keep_alive_comments_are_ignored() {
        let stream = ": OPENROUTER PROCESSING\n\n: keep-alive\n\
data: {\"choices\":[{\"delta\":{\"content\":\"Sky\"}}]}\n\n: ping - 2026-01-01 10:00:00\n\ndata: [DONE]\n\n";
        let events = decode_str(Wire::OpenAi, stream);
        assert_eq!(
            events,
            vec![StreamEvent::Text { text: "Sky".into() }, StreamEvent::Done { stop_reason: None }]
        );
    }

    #[test]
    fn crlf_line_ends() {
        let stream = "event: content_block_delta\r\ndata: {\"type\":\"content_block_delta\",\"delta\":{\"type\":\"text_delta\",\"text\":\"hi\"}}\r\n\r\nevent: message_stop\r\ndata: {\"type\":\"message_stop\"}\r\n\r\n";
        let f = fold(&decode_str(Wire::Anthropic, stream));
        assert_eq!(f.text, "hi");
        assert_eq!(f.done, Some(None));
    }

    #[test]
    fn lone_cr_line_ends() {
        let stream = "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"hi\"}]},\"finishReason\":\"STOP\"}]}\r\r";
        let f = fold(&decode_str(Wire::Gemini, stream));
        assert_eq!(f.text, "hi");
        assert_eq!(f.done, Some(Some("STOP".into())));
    }

    #[test]
    fn cr_at_end_of_push_and_lf_at_start_of_next_is_one_line_end() {
        // Were the split CRLF read as two line ends, the `\n` would be a blank line dispatching
        // the half JSON of the first `data:` line alone: BadResponse instead of the text.
        let mut d = StreamDecoder::new(Wire::OpenAi);
        let mut events = d.push(b"data: {\"choices\":[{\"delta\":{\"content\":\r").unwrap();
        events.extend(d.push(b"\ndata: \"a\"}}]}\r").unwrap());
        events.extend(d.push(b"\n\r").unwrap());
        events.extend(d.push(b"\ndata: [DONE]\r\n\r\n").unwrap());
        assert_eq!(
            events,
            vec![StreamEvent::Text { text: "a".into() }, StreamEvent::Done { stop_reason: None }]
        );
    }

    #[test]
    fn multiple_data_lines_are_joined_with_newline() {
        // Pretty-printed JSON across data lines must parse once joined (a `\n` is whitespace).
        let stream =
            "data: {\"choices\":[{\"delta\":\ndata: {\"content\":\"x\"}}]}\n\ndata: [DONE]\n\n";
        assert_eq!(fold(&decode_str(Wire::OpenAi, stream)).text, "x");
    }

    #[test]
    fn leading_bom_is_ignored() {
        let stream =
            "\u{feff}data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\ndata: [DONE]\n\n";
        assert_eq!(fold(&decode_str(Wire::OpenAi, stream)).text, "x");
    }

    #[test]
    fn final_event_without_blank_line_is_flushed_on_finish() {
        let mut d = StreamDecoder::new(Wire::OpenAi);
        let pushed = d
            .push(b"data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\ndata: [DONE]")
            .unwrap();
        assert_eq!(pushed, vec![StreamEvent::Text { text: "x".into() }]);
        assert_eq!(d.finish().unwrap(), vec![StreamEvent::Done { stop_reason: None }]);
    }

    #[test]
    fn final_anthropic_event_with_newline_but_no_blank_line_is_flushed() {
        let mut d = StreamDecoder::new(Wire::Anthropic);
        d.push(b"event: message_stop\ndata: {\"type\":\"message_stop\"}\n").unwrap();
        assert!(!d.is_done());
        assert_eq!(d.finish().unwrap(), vec![StreamEvent::Done { stop_reason: None }]);
    }

    #[test]
    fn empty_data_event_is_ignored() {
        let stream = "data:\n\ndata: [DONE]\n\n";
        assert_eq!(decode_str(Wire::OpenAi, stream), vec![StreamEvent::Done { stop_reason: None }]);
    }

    // ---- end markers, events after Done, cut streams ----

    #[test]
    fn done_sentinel_without_finish_reason() {
        let events = decode_str(Wire::OpenAi, "data: [DONE]\n\n");
        assert_eq!(events, vec![StreamEvent::Done { stop_reason: None }]);
    }

    #[test]
    fn message_stop_ends_anthropic_stream() {
        let mut d = StreamDecoder::new(Wire::Anthropic);
        let events = d.push(b"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n").unwrap();
        assert_eq!(events, vec![StreamEvent::Done { stop_reason: None }]);
        assert!(d.is_done());
    }

    #[test]
    fn events_after_done_are_ignored() {
        let stream = "data: [DONE]\n\ndata: {\"choices\":[{\"delta\":{\"content\":\"late\"}}]}\n\ndata: not json\n\n";
        let mut d = StreamDecoder::new(Wire::OpenAi);
        assert_eq!(
            d.push(stream.as_bytes()).unwrap(),
            vec![StreamEvent::Done { stop_reason: None }]
        );
        assert_eq!(
            d.push(b"data: {\"choices\":[{\"delta\":{\"content\":\"later\"}}]}\n\n").unwrap(),
            vec![]
        );
        assert_eq!(d.finish().unwrap(), vec![]);
    }

    #[test]
    fn errors_are_sticky() {
        let mut d = StreamDecoder::new(Wire::OpenAi);
        assert_eq!(d.finish(), Err(GlossError::StreamCut));
        assert_eq!(d.push(b"data: [DONE]\n\n"), Err(GlossError::StreamCut));
        assert_eq!(d.finish(), Err(GlossError::StreamCut));
    }

    // ---- in-stream errors ----

    #[test]
    fn finish_reason_error_without_error_object_is_server() {
        let stream = "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"error\"}]}\n\n";
        assert_eq!(decode_err(Wire::OpenAi, &[stream.as_bytes()]).code(), "server");
    }

    // ---- quirks of content and usage ----

    #[test]
    fn both_reasoning_fields_are_not_doubled() {
        let stream = "data: {\"choices\":[{\"delta\":{\"reasoning_content\":\"R\",\"reasoning\":\"R\"}}]}\n\ndata: [DONE]\n\n";
        assert_eq!(fold(&decode_str(Wire::OpenAi, stream)).reasoning, "R");
    }

    // ---- malformed input ----

    #[test]
    fn malformed_json_in_data_is_bad_response() {
        let stream = "data: {\"choices\":[{\"delta\":{\"content\":\"x\"\n\n";
        assert_eq!(decode_err(Wire::OpenAi, &[stream.as_bytes()]).code(), "bad_response");
    }

    #[test]
    fn malformed_json_in_anthropic_event_is_bad_response() {
        let stream = "event: content_block_delta\ndata: not json\n\n";
        assert_eq!(decode_err(Wire::Anthropic, &[stream.as_bytes()]).code(), "bad_response");
    }

    #[test]
    fn malformed_ndjson_line_is_bad_response() {
        assert_eq!(decode_err(Wire::OllamaNative, &[b"{\"done\":tru\n"]).code(), "bad_response");
    }

    #[test]
    fn invalid_utf8_is_bad_response() {
        let stream: &[u8] = b"data: {\"choices\":[{\"delta\":{\"content\":\"\xff\xfe\"}}]}\n\n";
        assert_eq!(decode_err(Wire::OpenAi, &[stream]).code(), "bad_response");
    }

    #[test]
    fn close_inside_a_utf8_character_is_stream_cut() {
        let crab = "🦀".as_bytes();
        let mut d = StreamDecoder::new(Wire::OllamaNative);
        assert_eq!(d.push(&crab[..2]).unwrap(), vec![]);
        assert_eq!(d.finish(), Err(GlossError::StreamCut));
    }

    #[test]
    fn close_inside_sse_json_is_stream_cut_not_bad_response() {
        let cut = ANTHROPIC.find("\"blue.\"").unwrap();
        let mut d = StreamDecoder::new(Wire::Anthropic);
        assert_eq!(fold(&d.push(&ANTHROPIC.as_bytes()[..cut]).unwrap()).text, "Sky is ");
        assert_eq!(d.finish(), Err(GlossError::StreamCut));
    }

    #[test]
    fn close_inside_ndjson_line_is_stream_cut_not_bad_response() {
        let mut d = StreamDecoder::new(Wire::OllamaNative);
        assert_eq!(d.push(b"{\"message\":{\"content\":\"Sk").unwrap(), vec![]);
        assert_eq!(d.finish(), Err(GlossError::StreamCut));
    }

    #[test]
    fn unterminated_error_event_at_close_is_still_the_error() {
        let stream = "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}";
        assert_eq!(decode_err(Wire::Anthropic, &[stream.as_bytes()]).code(), "overloaded");
    }

    // ---- serde shape crossing to JS ----

    #[test]
    fn events_serialize_camel_case_with_type_tag() {
        let e = StreamEvent::Usage { input_tokens: Some(1), output_tokens: None };
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"type":"usage","inputTokens":1,"outputTokens":null})
        );
        let d = StreamEvent::Done { stop_reason: Some("stop".into()) };
        assert_eq!(
            serde_json::to_value(&d).unwrap(),
            serde_json::json!({"type":"done","stopReason":"stop"})
        );
    }

    #[test]
    fn stream_errors_are_redacted_on_every_wire() {
        let key = "proxy-secret-0001";
        let cases: [(Wire, &str); 4] = [
            (Wire::Anthropic, "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"upstream said proxy-secret-0001\"}}\n\n"),
            (Wire::OpenAi, "data: {\"error\":{\"message\":\"key sk-live-abcdefghijklmnop is over its limit\",\"type\":\"server_error\"}}\n\n"),
            (Wire::Gemini, "data: {\"error\":{\"code\":500,\"message\":\"internal AIzaSyA-1234567890abcdefgh\",\"status\":\"INTERNAL\"}}\n\n"),
            (Wire::OllamaNative, "{\"error\":\"runner failed for proxy-secret-0001\"}\n"),
        ];
        for (wire, stream) in cases {
            let mut d = StreamDecoder::new(wire).with_secret(key);
            let e = d.push(stream.as_bytes()).err().or_else(|| d.finish().err());
            let text = e.map(|e| e.to_string()).unwrap_or_default();
            assert!(text.contains("[redacted]"), "{wire:?}: {text}");
            assert!(!text.contains("0001") && !text.contains("AIza") && !text.contains("sk-live"), "{wire:?}: {text}");
        }
    }

    #[test]
    fn wire_serializes_camel_case() {
        assert_eq!(serde_json::to_value(Wire::OpenAi).unwrap(), serde_json::json!("openAi"));
        assert_eq!(
            serde_json::from_value::<Wire>(serde_json::json!("ollamaNative")).unwrap(),
            Wire::OllamaNative
        );
    }
}
