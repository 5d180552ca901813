//! Decodes a streamed LLM response, from raw bytes, into text, reasoning, usage and end events.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::GlossError;
use crate::llm::http_error::map_stream_error;
use crate::llm::wire::Wire;

/// What the decoder found in the stream, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum StreamEvent {
    /// Visible answer text, to append.
    Text { text: String },
    /// Thinking/reasoning text, to append; never part of the answer.
    Reasoning { text: String },
    /// Token counts so far (cumulative: the latest event replaces earlier ones).
    Usage { input_tokens: Option<u64>, output_tokens: Option<u64> },
    /// The wire's end marker was seen; nothing after it is decoded.
    Done { stop_reason: Option<String> },
}

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
    done: bool,
    failed: Option<GlossError>,
    /// Anthropic `message_delta.stop_reason` / OpenAI `finish_reason`, reported with `Done`.
    stop_reason: Option<String>,
    usage: Seen,
    /// The last usage reported, so unchanged running counts (Gemini repeats them) are not re-sent.
    usage_sent: Option<Seen>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Seen {
    input: Option<u64>,
    output: Option<u64>,
}

impl StreamDecoder {
    pub fn new(wire: Wire) -> Self {
        StreamDecoder {
            wire,
            lines: LineSplitter::default(),
            sse: SseParser::default(),
            done: false,
            failed: None,
            stop_reason: None,
            usage: Seen::default(),
            usage_sent: None,
        }
    }

    /// Feed raw bytes exactly as they came off the network (may split anywhere, including inside
    /// a UTF-8 character or a CRLF pair).
    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<StreamEvent>, GlossError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let mut out = Vec::new();
        let mut rest = bytes;
        while !self.done {
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
        if self.done {
            Ok(out)
        } else {
            Err(self.fail(GlossError::StreamCut))
        }
    }

    /// Whether the end marker has been seen.
    pub fn is_done(&self) -> bool {
        self.done
    }

    fn fail(&mut self, e: GlossError) -> GlossError {
        self.failed = Some(e.clone());
        e
    }

    fn flush(&mut self, out: &mut Vec<StreamEvent>) -> Result<(), GlossError> {
        if self.done {
            return Ok(());
        }
        if let Some(line) = self.lines.take_rest()? {
            self.on_line(&line, out)?;
        }
        // The SSE spec drops an event that lacks its blank line at EOF; providers do end
        // streams that way, and the event is complete, so dispatch it.
        if !self.done && self.wire != Wire::OllamaNative {
            if let Some(ev) = self.sse.dispatch() {
                self.on_event(&ev, out)?;
            }
        }
        Ok(())
    }

    fn on_line(&mut self, line: &str, out: &mut Vec<StreamEvent>) -> Result<(), GlossError> {
        if self.wire == Wire::OllamaNative {
            return self.on_ollama(line, out);
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
        match self.wire {
            Wire::Anthropic => self.on_anthropic(ev, out),
            Wire::OpenAi => self.on_openai(ev, out),
            Wire::Gemini => self.on_gemini(ev, out),
            Wire::OllamaNative => Ok(()),
        }
    }

    fn on_anthropic(
        &mut self,
        ev: &SseEvent,
        out: &mut Vec<StreamEvent>,
    ) -> Result<(), GlossError> {
        let v = parse_json(&ev.data)?;
        // The JSON `type` equals the event name; prefer it, so proxies that drop `event:` work.
        let kind = v.get("type").and_then(Value::as_str).unwrap_or(ev.event.as_str());
        match kind {
            "message_start" => {
                // input_tokens are final here; output_tokens is only a placeholder.
                let input = v.pointer("/message/usage/input_tokens").and_then(Value::as_u64);
                self.update_usage(input, None, out);
            }
            "content_block_start" => {
                // Blocks normally start empty, but any initial text belongs to the answer.
                let block = v.get("content_block");
                match block.and_then(|b| b.get("type")).and_then(Value::as_str) {
                    Some("text") => emit_text(out, str_at(block, "text"), false),
                    Some("thinking") => emit_text(out, str_at(block, "thinking"), true),
                    _ => {}
                }
            }
            "content_block_delta" => {
                let delta = v.get("delta");
                match delta.and_then(|d| d.get("type")).and_then(Value::as_str) {
                    Some("text_delta") => emit_text(out, str_at(delta, "text"), false),
                    Some("thinking_delta") => emit_text(out, str_at(delta, "thinking"), true),
                    _ => {}
                }
            }
            "message_delta" => {
                if let Some(r) = v.pointer("/delta/stop_reason").and_then(Value::as_str) {
                    self.stop_reason = Some(r.to_string());
                }
                if let Some(u) = v.get("usage") {
                    let input = u.get("input_tokens").and_then(Value::as_u64);
                    let output = u.get("output_tokens").and_then(Value::as_u64);
                    self.update_usage(input, output, out);
                }
            }
            "message_stop" => self.end(out),
            "error" => return Err(map_stream_error(&v)),
            // `ping`, `content_block_stop` and event types added later.
            _ => {}
        }
        Ok(())
    }

    fn on_openai(&mut self, ev: &SseEvent, out: &mut Vec<StreamEvent>) -> Result<(), GlossError> {
        if ev.data.trim() == "[DONE]" {
            self.end(out);
            return Ok(());
        }
        let v = parse_json(&ev.data)?;
        // openai-node throws on any chunk carrying `error`; some servers name the event instead.
        if has_error(&v) || ev.event == "error" {
            return Err(map_stream_error(&v));
        }
        // Usage-only chunks have `choices: []`.
        if let Some(choice) = v.get("choices").and_then(Value::as_array).and_then(|c| c.first()) {
            let delta = choice.get("delta");
            // DeepSeek says `reasoning_content`, OpenRouter/Ollama `reasoning`; take one so a
            // server that sends both does not double the text.
            let reasoning = str_at(delta, "reasoning_content")
                .filter(|s| !s.is_empty())
                .or_else(|| str_at(delta, "reasoning"));
            emit_text(out, reasoning, true);
            emit_text(out, str_at(delta, "content"), false);
            match choice.get("finish_reason").and_then(Value::as_str) {
                // OpenRouter marks a mid-stream failure this way, normally with a top-level error.
                Some("error") => return Err(map_stream_error(&v)),
                Some(r) => self.stop_reason = Some(r.to_string()),
                None => {}
            }
        }
        if let Some(u) = v.get("usage").filter(|u| u.is_object()) {
            let input = u.get("prompt_tokens").and_then(Value::as_u64);
            let output = u.get("completion_tokens").and_then(Value::as_u64);
            self.update_usage(input, output, out);
        }
        Ok(())
    }

    fn on_gemini(&mut self, ev: &SseEvent, out: &mut Vec<StreamEvent>) -> Result<(), GlossError> {
        let v = parse_json(&ev.data)?;
        if has_error(&v) || ev.event == "error" {
            return Err(map_stream_error(&v));
        }
        let candidate = v.get("candidates").and_then(Value::as_array).and_then(|c| c.first());
        // A candidate may lack `content` (e.g. a SAFETY stop).
        let parts = candidate.and_then(|c| c.pointer("/content/parts")).and_then(Value::as_array);
        for part in parts.into_iter().flatten() {
            let thought = part.get("thought").and_then(Value::as_bool).unwrap_or(false);
            emit_text(out, str_at(Some(part), "text"), thought);
        }
        if let Some(u) = v.get("usageMetadata") {
            let input = u.get("promptTokenCount").and_then(Value::as_u64);
            let output = u.get("candidatesTokenCount").and_then(Value::as_u64);
            self.update_usage(input, output, out);
        }
        let finish = candidate.and_then(|c| c.get("finishReason")).and_then(Value::as_str);
        // A blocked prompt comes back as HTTP 200 with no candidates and a block reason; that is
        // a complete (empty) answer, not a cut stream, so report it as the stop reason.
        let blocked = match candidate {
            None => v.pointer("/promptFeedback/blockReason").and_then(Value::as_str),
            Some(_) => None,
        };
        if let Some(reason) = finish.or(blocked) {
            self.stop_reason = Some(reason.to_string());
            self.end(out);
        }
        Ok(())
    }

    fn on_ollama(&mut self, line: &str, out: &mut Vec<StreamEvent>) -> Result<(), GlossError> {
        if line.trim().is_empty() {
            return Ok(());
        }
        let v = parse_json(line)?;
        if has_error(&v) {
            return Err(map_stream_error(&v));
        }
        let message = v.get("message");
        emit_text(out, str_at(message, "thinking"), true);
        emit_text(out, str_at(message, "content"), false);
        // `/api/generate` puts the same fields at the top level.
        emit_text(out, str_at(Some(&v), "thinking"), true);
        emit_text(out, str_at(Some(&v), "response"), false);
        if v.get("done").and_then(Value::as_bool) == Some(true) {
            let input = v.get("prompt_eval_count").and_then(Value::as_u64);
            let output = v.get("eval_count").and_then(Value::as_u64);
            self.update_usage(input, output, out);
            self.stop_reason = v.get("done_reason").and_then(Value::as_str).map(str::to_string);
            self.end(out);
        }
        Ok(())
    }

    fn update_usage(
        &mut self,
        input: Option<u64>,
        output: Option<u64>,
        out: &mut Vec<StreamEvent>,
    ) {
        self.usage =
            Seen { input: input.or(self.usage.input), output: output.or(self.usage.output) };
        let empty = self.usage == Seen::default();
        if !empty && self.usage_sent != Some(self.usage) {
            self.usage_sent = Some(self.usage);
            out.push(StreamEvent::Usage {
                input_tokens: self.usage.input,
                output_tokens: self.usage.output,
            });
        }
    }

    fn end(&mut self, out: &mut Vec<StreamEvent>) {
        self.done = true;
        out.push(StreamEvent::Done { stop_reason: self.stop_reason.clone() });
    }
}

/// Appends text, merging with a directly preceding event of the same kind. Empty text is noise.
fn emit_text(out: &mut Vec<StreamEvent>, text: Option<&str>, reasoning: bool) {
    let Some(text) = text.filter(|t| !t.is_empty()) else { return };
    match out.last_mut() {
        Some(StreamEvent::Text { text: prev }) if !reasoning => prev.push_str(text),
        Some(StreamEvent::Reasoning { text: prev }) if reasoning => prev.push_str(text),
        _ if reasoning => out.push(StreamEvent::Reasoning { text: text.to_string() }),
        _ => out.push(StreamEvent::Text { text: text.to_string() }),
    }
}

fn str_at<'v>(v: Option<&'v Value>, key: &str) -> Option<&'v str> {
    v.and_then(|v| v.get(key)).and_then(Value::as_str)
}

fn has_error(v: &Value) -> bool {
    v.get("error").is_some_and(|e| !e.is_null())
}

fn parse_json(data: &str) -> Result<Value, GlossError> {
    serde_json::from_str(data)
        .map_err(|e| GlossError::BadResponse(format!("malformed JSON in stream: {e}")))
}

/// Cuts bytes into lines ended by `\n`, `\r\n` or `\r`, across pushes. Line ends are ASCII and
/// never occur inside a multi-byte UTF-8 sequence, so each complete line can be decoded alone.
#[derive(Debug, Default)]
struct LineSplitter {
    buf: Vec<u8>,
    /// The last line ended with `\r`; a `\n` opening the next push belongs to that same ending.
    skip_lf: bool,
    /// Whether a line was produced yet (a BOM is only stripped from the first).
    started: bool,
}

impl LineSplitter {
    /// Takes bytes from `input` up to and including the next line end; `None` once `input` is
    /// used up without completing a line (the partial line stays buffered).
    fn next_line(&mut self, input: &mut &[u8]) -> Result<Option<String>, GlossError> {
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
    fn take_rest(&mut self) -> Result<Option<String>, GlossError> {
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
struct SseEvent {
    event: String,
    data: String,
}

/// The field-handling half of the WHATWG `text/event-stream` parser.
#[derive(Debug, Default)]
struct SseParser {
    event: String,
    /// `None` until a `data` field arrives: an event without one is not dispatched.
    data: Option<String>,
}

impl SseParser {
    fn line(&mut self, line: &str) -> Option<SseEvent> {
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

    fn dispatch(&mut self) -> Option<SseEvent> {
        let event = std::mem::take(&mut self.event);
        self.data.take().map(|data| SseEvent { event, data })
    }
}

/// Token counts reported by the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
}

impl Usage {
    pub fn absorb(&mut self, event: &StreamEvent) {
        if let StreamEvent::Usage { input_tokens, output_tokens } = event {
            self.input_tokens = input_tokens.or(self.input_tokens);
            self.output_tokens = output_tokens.or(self.output_tokens);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Everything a stream produced, folded the way a caller would.
    #[derive(Debug, Default, PartialEq)]
    struct Folded {
        text: String,
        reasoning: String,
        usage: Option<(Option<u64>, Option<u64>)>,
        done: Option<Option<String>>,
    }

    fn fold(events: &[StreamEvent]) -> Folded {
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
    fn decode(wire: Wire, pieces: &[&[u8]]) -> Vec<StreamEvent> {
        let mut d = StreamDecoder::new(wire);
        let mut all = Vec::new();
        for p in pieces {
            all.extend(d.push(p).unwrap());
        }
        all.extend(d.finish().unwrap());
        all
    }

    fn decode_str(wire: Wire, s: &str) -> Vec<StreamEvent> {
        decode(wire, &[s.as_bytes()])
    }

    /// Feeds pieces and returns the first error (from push or finish).
    fn decode_err(wire: Wire, pieces: &[&[u8]]) -> GlossError {
        let mut d = StreamDecoder::new(wire);
        for p in pieces {
            if let Err(e) = d.push(p) {
                return e;
            }
        }
        d.finish().unwrap_err()
    }

    const ANTHROPIC: &str = "event: message_start\n\
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

    const OPENAI: &str = "data: {\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"created\":1730000000,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}],\"usage\":null}\n\
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

    const GEMINI: &str = "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Sky is\"}],\"role\":\"model\"},\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":6,\"totalTokenCount\":6},\"modelVersion\":\"gemini-2.5-flash\"}\r\n\
\r\n\
data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\" blue.\"}],\"role\":\"model\"},\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":6,\"candidatesTokenCount\":4,\"totalTokenCount\":10},\"modelVersion\":\"gemini-2.5-flash\"}\r\n\
\r\n";

    const OLLAMA: &str = "{\"model\":\"llama3.2\",\"created_at\":\"2026-01-01T10:00:00.1Z\",\"message\":{\"role\":\"assistant\",\"content\":\"Sky\"},\"done\":false}\n\
{\"model\":\"llama3.2\",\"created_at\":\"2026-01-01T10:00:00.2Z\",\"message\":{\"role\":\"assistant\",\"content\":\" is blue.\"},\"done\":false}\n\
{\"model\":\"llama3.2\",\"created_at\":\"2026-01-01T10:00:00.3Z\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,\"done_reason\":\"stop\",\"total_duration\":912000000,\"load_duration\":1200000,\"prompt_eval_count\":26,\"prompt_eval_duration\":120000000,\"eval_count\":4,\"eval_duration\":80000000}\n";

    fn expected(usage: (u64, u64), stop: &str) -> Folded {
        Folded {
            text: "Sky is blue.".into(),
            reasoning: String::new(),
            usage: Some((Some(usage.0), Some(usage.1))),
            done: Some(Some(stop.into())),
        }
    }

    /// Splits `stream` at every index into two pushes, and also feeds it byte by byte; every
    /// variant must decode to the same result as the whole stream.
    fn assert_split_invariant(wire: Wire, stream: &str, want: &Folded) {
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
    fn anthropic_happy_path() {
        let events = decode_str(Wire::Anthropic, ANTHROPIC);
        assert_eq!(
            events,
            vec![
                StreamEvent::Usage { input_tokens: Some(21), output_tokens: None },
                StreamEvent::Text { text: "Sky is blue.".into() },
                StreamEvent::Usage { input_tokens: Some(21), output_tokens: Some(5) },
                StreamEvent::Done { stop_reason: Some("end_turn".into()) },
            ]
        );
    }

    #[test]
    fn openai_happy_path() {
        let events = decode_str(Wire::OpenAi, OPENAI);
        assert_eq!(
            events,
            vec![
                StreamEvent::Text { text: "Sky is blue.".into() },
                StreamEvent::Usage { input_tokens: Some(14), output_tokens: Some(4) },
                StreamEvent::Done { stop_reason: Some("stop".into()) },
            ]
        );
    }

    #[test]
    fn gemini_happy_path() {
        let events = decode_str(Wire::Gemini, GEMINI);
        assert_eq!(
            events,
            vec![
                StreamEvent::Text { text: "Sky is".into() },
                StreamEvent::Usage { input_tokens: Some(6), output_tokens: None },
                StreamEvent::Text { text: " blue.".into() },
                StreamEvent::Usage { input_tokens: Some(6), output_tokens: Some(4) },
                StreamEvent::Done { stop_reason: Some("STOP".into()) },
            ]
        );
    }

    #[test]
    fn ollama_happy_path() {
        let events = decode_str(Wire::OllamaNative, OLLAMA);
        assert_eq!(
            events,
            vec![
                StreamEvent::Text { text: "Sky is blue.".into() },
                StreamEvent::Usage { input_tokens: Some(26), output_tokens: Some(4) },
                StreamEvent::Done { stop_reason: Some("stop".into()) },
            ]
        );
    }

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
    fn anthropic_any_split_decodes_the_same() {
        assert_split_invariant(Wire::Anthropic, ANTHROPIC, &expected((21, 5), "end_turn"));
    }

    #[test]
    fn openai_any_split_decodes_the_same() {
        assert_split_invariant(Wire::OpenAi, OPENAI, &expected((14, 4), "stop"));
    }

    #[test]
    fn gemini_crlf_any_split_decodes_the_same() {
        assert_split_invariant(Wire::Gemini, GEMINI, &expected((6, 4), "STOP"));
    }

    #[test]
    fn ollama_any_split_decodes_the_same() {
        assert_split_invariant(Wire::OllamaNative, OLLAMA, &expected((26, 4), "stop"));
    }

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
    fn multiple_data_lines_are_joined_with_newline() {
        // Pretty-printed JSON across data lines must parse once joined (a `\n` is whitespace).
        let stream =
            "data: {\"choices\":[{\"delta\":\ndata: {\"content\":\"x\"}}]}\n\ndata: [DONE]\n\n";
        assert_eq!(fold(&decode_str(Wire::OpenAi, stream)).text, "x");
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
    fn ollama_final_line_without_newline_is_flushed() {
        let stream = "{\"message\":{\"content\":\"x\"},\"done\":false}\n{\"done\":true,\"done_reason\":\"length\"}";
        let f = fold(&decode_str(Wire::OllamaNative, stream));
        assert_eq!(f.text, "x");
        assert_eq!(f.done, Some(Some("length".into())));
    }

    #[test]
    fn ollama_blank_lines_are_ignored() {
        let stream =
            "\n{\"message\":{\"content\":\"x\"},\"done\":false}\n\r\n  \n{\"done\":true}\n";
        assert_eq!(fold(&decode_str(Wire::OllamaNative, stream)).text, "x");
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
    fn gemini_chunks_after_finish_reason_are_ignored() {
        let stream = format!("{GEMINI}data: {{\"candidates\":[{{\"content\":{{\"parts\":[{{\"text\":\"more\"}}]}}}}]}}\n\n");
        assert_eq!(fold(&decode_str(Wire::Gemini, &stream)).text, "Sky is blue.");
    }

    #[test]
    fn openai_cut_before_done_is_stream_cut_after_partial_text() {
        let mut d = StreamDecoder::new(Wire::OpenAi);
        let partial =
            d.push(b"data: {\"choices\":[{\"delta\":{\"content\":\"Sky\"}}]}\n\n").unwrap();
        assert_eq!(partial, vec![StreamEvent::Text { text: "Sky".into() }]);
        assert_eq!(d.finish(), Err(GlossError::StreamCut));
        assert!(!d.is_done());
    }

    #[test]
    fn openai_finish_reason_without_done_sentinel_is_stream_cut() {
        let stream = "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n";
        assert_eq!(decode_err(Wire::OpenAi, &[stream.as_bytes()]), GlossError::StreamCut);
    }

    #[test]
    fn llama_cpp_empty_stream_is_stream_cut() {
        assert_eq!(decode_err(Wire::OpenAi, &[]), GlossError::StreamCut);
    }

    #[test]
    fn anthropic_cut_after_message_delta_is_stream_cut() {
        let cut = ANTHROPIC.find("event: message_stop").unwrap();
        let mut d = StreamDecoder::new(Wire::Anthropic);
        let events = d.push(&ANTHROPIC.as_bytes()[..cut]).unwrap();
        assert_eq!(fold(&events).text, "Sky is blue.");
        assert_eq!(d.finish(), Err(GlossError::StreamCut));
    }

    #[test]
    fn gemini_cut_before_finish_reason_is_stream_cut() {
        let first_event_end = GEMINI.find("\r\n\r\n").unwrap() + 4;
        let mut d = StreamDecoder::new(Wire::Gemini);
        assert_eq!(fold(&d.push(&GEMINI.as_bytes()[..first_event_end]).unwrap()).text, "Sky is");
        assert_eq!(d.finish(), Err(GlossError::StreamCut));
    }

    #[test]
    fn ollama_cut_before_done_is_stream_cut() {
        let cut = OLLAMA
            .find("{\"model\":\"llama3.2\",\"created_at\":\"2026-01-01T10:00:00.3Z\"")
            .unwrap();
        let mut d = StreamDecoder::new(Wire::OllamaNative);
        assert_eq!(fold(&d.push(&OLLAMA.as_bytes()[..cut]).unwrap()).text, "Sky is blue.");
        assert_eq!(d.finish(), Err(GlossError::StreamCut));
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
    fn anthropic_overloaded_error_event() {
        let stream = "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";
        assert_eq!(
            decode_err(Wire::Anthropic, &[stream.as_bytes()]),
            GlossError::Overloaded { detail: "Overloaded".into(), retry_after_ms: None }
        );
    }

    #[test]
    fn anthropic_rate_limit_error_event() {
        let stream = "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"Rate limited\"}}\n\n";
        assert_eq!(decode_err(Wire::Anthropic, &[stream.as_bytes()]).code(), "rate_limited");
    }

    #[test]
    fn anthropic_api_error_event_is_server_500() {
        let stream = "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"Internal server error\"}}\n\n";
        assert_eq!(
            decode_err(Wire::Anthropic, &[stream.as_bytes()]),
            GlossError::Server {
                status: 500,
                detail: "Internal server error".into(),
                retry_after_ms: None
            }
        );
    }

    #[test]
    fn anthropic_error_after_text_keeps_earlier_text() {
        let mut d = StreamDecoder::new(Wire::Anthropic);
        let text = d
            .push(b"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Sky\"}}\n\n")
            .unwrap();
        assert_eq!(text, vec![StreamEvent::Text { text: "Sky".into() }]);
        let err = d.push(b"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n");
        assert_eq!(err.unwrap_err().code(), "overloaded");
    }

    #[test]
    fn openai_top_level_error_chunk() {
        let stream = "data: {\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n";
        assert_eq!(
            decode_err(Wire::OpenAi, &[stream.as_bytes()]),
            GlossError::Server {
                status: 500,
                detail: "The server had an error".into(),
                retry_after_ms: None
            }
        );
    }

    #[test]
    fn openrouter_mid_stream_error_with_finish_reason_error() {
        let stream = ": OPENROUTER PROCESSING\n\n\
data: {\"id\":\"gen-1\",\"object\":\"chat.completion.chunk\",\"created\":1730000000,\"model\":\"openai/gpt-4o-mini\",\"provider\":\"OpenAI\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Sky is blue.\"},\"finish_reason\":null}]}\n\n";
        let error = "data: {\"id\":\"gen-1\",\"object\":\"chat.completion.chunk\",\"created\":1730000000,\"model\":\"openai/gpt-4o-mini\",\"provider\":\"OpenAI\",\"error\":{\"code\":502,\"message\":\"Provider disconnected unexpectedly\"},\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},\"finish_reason\":\"error\"}]}\n\n";
        let mut d = StreamDecoder::new(Wire::OpenAi);
        assert_eq!(fold(&d.push(stream.as_bytes()).unwrap()).text, "Sky is blue.");
        assert_eq!(
            d.push(error.as_bytes()),
            Err(GlossError::Server {
                status: 502,
                detail: "Provider disconnected unexpectedly".into(),
                retry_after_ms: None
            })
        );
    }

    #[test]
    fn finish_reason_error_without_error_object_is_server() {
        let stream = "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"error\"}]}\n\n";
        assert_eq!(decode_err(Wire::OpenAi, &[stream.as_bytes()]).code(), "server");
    }

    #[test]
    fn openai_insufficient_quota_in_stream_is_quota() {
        let stream = "data: {\"error\":{\"message\":\"You exceeded your current quota\",\"type\":\"insufficient_quota\",\"param\":null,\"code\":\"insufficient_quota\"}}\n\n";
        assert_eq!(decode_err(Wire::OpenAi, &[stream.as_bytes()]).code(), "quota");
    }

    #[test]
    fn gemini_resource_exhausted_in_stream() {
        let stream = "data: {\"error\":{\"code\":429,\"message\":\"Resource has been exhausted\",\"status\":\"RESOURCE_EXHAUSTED\"}}\r\n\r\n";
        assert_eq!(
            decode_err(Wire::Gemini, &[stream.as_bytes()]),
            GlossError::RateLimited {
                detail: "Resource has been exhausted".into(),
                retry_after_ms: None
            }
        );
    }

    #[test]
    fn gemini_unavailable_in_stream_is_overloaded() {
        let stream = "data: {\"error\":{\"code\":503,\"message\":\"The model is overloaded.\",\"status\":\"UNAVAILABLE\"}}\n\n";
        assert_eq!(decode_err(Wire::Gemini, &[stream.as_bytes()]).code(), "overloaded");
    }

    #[test]
    fn ollama_error_line_in_stream() {
        let stream = "{\"message\":{\"content\":\"Sky\"},\"done\":false}\n{\"error\":\"an error was encountered while running the model: unexpected EOF\"}\n";
        let e = decode_err(Wire::OllamaNative, &[stream.as_bytes()]);
        assert_eq!(
            e,
            GlossError::Server {
                status: 500,
                detail: "an error was encountered while running the model: unexpected EOF".into(),
                retry_after_ms: None
            }
        );
    }

    // ---- quirks of content and usage ----

    #[test]
    fn openai_usage_only_chunk_with_empty_choices() {
        let stream = "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":14,\"completion_tokens\":4,\"total_tokens\":18}}\n\ndata: [DONE]\n\n";
        assert_eq!(
            decode_str(Wire::OpenAi, stream),
            vec![
                StreamEvent::Usage { input_tokens: Some(14), output_tokens: Some(4) },
                StreamEvent::Done { stop_reason: None }
            ]
        );
    }

    #[test]
    fn openai_null_and_absent_content_and_obfuscation_are_ignored() {
        let stream = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":null},\"finish_reason\":null}],\"usage\":null,\"obfuscation\":\"a1b2\"}\n\n\
data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"},\"finish_reason\":null}],\"obfuscation\":\"zz\"}\n\n\
data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ok\"}}]}\n\ndata: [DONE]\n\n";
        assert_eq!(
            decode_str(Wire::OpenAi, stream),
            vec![StreamEvent::Text { text: "ok".into() }, StreamEvent::Done { stop_reason: None }]
        );
    }

    #[test]
    fn deepseek_reasoning_content_is_reasoning() {
        let stream = "data: {\"choices\":[{\"delta\":{\"reasoning_content\":\"Think.\",\"content\":null}}]}\n\n\
data: {\"choices\":[{\"delta\":{\"reasoning_content\":null,\"content\":\"Answer.\"}}]}\n\ndata: [DONE]\n\n";
        assert_eq!(
            decode_str(Wire::OpenAi, stream),
            vec![
                StreamEvent::Reasoning { text: "Think.".into() },
                StreamEvent::Text { text: "Answer.".into() },
                StreamEvent::Done { stop_reason: None }
            ]
        );
    }

    #[test]
    fn openrouter_reasoning_field_is_reasoning() {
        let stream = "data: {\"choices\":[{\"delta\":{\"reasoning\":\"Hmm\",\"reasoning_details\":[{\"type\":\"reasoning.text\",\"text\":\"Hmm\"}]}}]}\n\ndata: [DONE]\n\n";
        let f = fold(&decode_str(Wire::OpenAi, stream));
        assert_eq!(f.reasoning, "Hmm");
        assert_eq!(f.text, "");
    }

    #[test]
    fn both_reasoning_fields_are_not_doubled() {
        let stream = "data: {\"choices\":[{\"delta\":{\"reasoning_content\":\"R\",\"reasoning\":\"R\"}}]}\n\ndata: [DONE]\n\n";
        assert_eq!(fold(&decode_str(Wire::OpenAi, stream)).reasoning, "R");
    }

    #[test]
    fn anthropic_thinking_delta_is_reasoning() {
        let stream = "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\"}}\n\n\
event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"Let me see.\"}}\n\n\
event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":\"EqQB\"}}\n\n\
event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"Blue.\"}}\n\n\
event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
        assert_eq!(
            decode_str(Wire::Anthropic, stream),
            vec![
                StreamEvent::Reasoning { text: "Let me see.".into() },
                StreamEvent::Text { text: "Blue.".into() },
                StreamEvent::Done { stop_reason: None }
            ]
        );
    }

    #[test]
    fn anthropic_unknown_events_are_ignored() {
        let stream = "event: future_thing\ndata: {\"type\":\"future_thing\",\"x\":1}\n\n\
event: ping\ndata: {\"type\":\"ping\"}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
        assert_eq!(
            decode_str(Wire::Anthropic, stream),
            vec![StreamEvent::Done { stop_reason: None }]
        );
    }

    #[test]
    fn anthropic_message_delta_usage_is_cumulative_latest_wins() {
        let stream = "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":null},\"usage\":{\"output_tokens\":3}}\n\n\
event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"max_tokens\"},\"usage\":{\"output_tokens\":9}}\n\n\
event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
        let f = fold(&decode_str(Wire::Anthropic, stream));
        assert_eq!(f.usage, Some((None, Some(9))));
        assert_eq!(f.done, Some(Some("max_tokens".into())));
    }

    #[test]
    fn gemini_thought_parts_are_reasoning() {
        let stream = "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Thinking...\",\"thought\":true},{\"text\":\"Answer\"}]},\"finishReason\":\"STOP\"}]}\n\n";
        assert_eq!(
            decode_str(Wire::Gemini, stream),
            vec![
                StreamEvent::Reasoning { text: "Thinking...".into() },
                StreamEvent::Text { text: "Answer".into() },
                StreamEvent::Done { stop_reason: Some("STOP".into()) }
            ]
        );
    }

    #[test]
    fn gemini_candidate_without_content_still_finishes() {
        let stream = "data: {\"candidates\":[{\"finishReason\":\"SAFETY\",\"index\":0}]}\n\n";
        assert_eq!(
            decode_str(Wire::Gemini, stream),
            vec![StreamEvent::Done { stop_reason: Some("SAFETY".into()) }]
        );
    }

    #[test]
    fn gemini_blocked_prompt_is_done_with_block_reason() {
        let stream = "data: {\"promptFeedback\":{\"blockReason\":\"PROHIBITED_CONTENT\"},\"usageMetadata\":{\"promptTokenCount\":7,\"totalTokenCount\":7}}\n\n";
        assert_eq!(
            decode_str(Wire::Gemini, stream),
            vec![
                StreamEvent::Usage { input_tokens: Some(7), output_tokens: None },
                StreamEvent::Done { stop_reason: Some("PROHIBITED_CONTENT".into()) }
            ]
        );
    }

    #[test]
    fn gemini_repeated_usage_is_sent_once() {
        let stream = "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"a\"}]}}],\"usageMetadata\":{\"promptTokenCount\":6}}\n\n\
data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"b\"}]}}],\"usageMetadata\":{\"promptTokenCount\":6}}\n\n\
data: {\"candidates\":[{\"finishReason\":\"STOP\"}]}\n\n";
        let usages = decode_str(Wire::Gemini, stream)
            .into_iter()
            .filter(|e| matches!(e, StreamEvent::Usage { .. }))
            .count();
        assert_eq!(usages, 1);
    }

    #[test]
    fn ollama_thinking_is_reasoning() {
        let stream = "{\"message\":{\"role\":\"assistant\",\"content\":\"\",\"thinking\":\"Hmm.\"},\"done\":false}\n\
{\"message\":{\"role\":\"assistant\",\"content\":\"Blue.\"},\"done\":false}\n{\"done\":true,\"done_reason\":\"stop\"}\n";
        assert_eq!(
            decode_str(Wire::OllamaNative, stream),
            vec![
                StreamEvent::Reasoning { text: "Hmm.".into() },
                StreamEvent::Text { text: "Blue.".into() },
                StreamEvent::Done { stop_reason: Some("stop".into()) }
            ]
        );
    }

    #[test]
    fn ollama_generate_response_field_is_text() {
        let stream = "{\"response\":\"Sky\",\"done\":false}\n{\"response\":\"\",\"done\":true}\n";
        assert_eq!(fold(&decode_str(Wire::OllamaNative, stream)).text, "Sky");
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
    fn wire_serializes_camel_case() {
        assert_eq!(serde_json::to_value(Wire::OpenAi).unwrap(), serde_json::json!("openAi"));
        assert_eq!(
            serde_json::from_value::<Wire>(serde_json::json!("ollamaNative")).unwrap(),
            Wire::OllamaNative
        );
    }
}
