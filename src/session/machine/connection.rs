//! Test connection: the model list, then what the server says it can do with the model.

use super::*;

impl Core {
    /// Test connection: the cheapest authenticated call, the model list.
    pub(super) fn test_connection(&mut self, msg: Id, settings: Value, now: u64, out: &mut Vec<Effect>) {
        let settings: Settings = match serde_json::from_value::<Settings>(settings) {
            Ok(s) => s.migrate(),
            Err(e) => return reply_error(msg, &GlossError::Invalid(format!("settings: {e}")), out),
        };
        let endpoint = match Endpoint::from_settings(&settings) {
            Ok(Some(e)) => e,
            Ok(None) => return reply_error(msg, &GlossError::MissingKey, out),
            Err(e) => return reply_error(msg, &e, out),
        };
        let mut call = call_with(&endpoint, endpoint.models_request(), &settings, 0);
        call.first_byte_timeout_ms = CONNECTION_TIMEOUT_MS;
        call.stall_timeout_ms = CONNECTION_TIMEOUT_MS;
        let id = self.pool.add(Owner { port: 0, run: 0 }, Purpose::Connection { msg }, call, Reader::Body(Vec::new()));
        self.connections.insert(msg, (endpoint, Box::new(settings)));
        self.pool.open(id, now, out);
    }

    /// The model list came: the report, once the server has said what it can do with the
    /// model (asked afresh: Test connection is how a reader refreshes what Gloss knows).
    pub(super) fn connection_done(&mut self, msg: Id, news: News, now: u64, out: &mut Vec<Effect>) {
        let Some((endpoint, settings)) = self.connections.remove(&msg) else { return };
        let body = match news {
            News::Ended { req } => match req.reader {
                Reader::Body(body) => String::from_utf8_lossy(&body).into_owned(),
                _ => return,
            },
            News::Failed { error, .. } => return reply_error(msg, &error, out),
            _ => return,
        };
        let report = match parse_models(&endpoint, &body) {
            Ok(report) => report,
            Err(e) => return reply_error(msg, &e, out),
        };
        let key = caps_key(&endpoint);
        match endpoint.probe() {
            None => Self::reply_report(msg, report, &settings, None, out),
            // OpenRouter's model list is its probe: nothing more to ask.
            Some(probe) if probe.request == endpoint.models_request() => {
                let caps = endpoint.read_probe(probe.kind, &body);
                crate::session::probe::remember(&key, caps.clone(), &mut self.store, &mut self.pool, out, now);
                Self::reply_report(msg, report, &settings, caps, out);
            }
            Some(probe) => {
                let waiter = Waiter::Connection { msg, report, settings: settings.clone() };
                self.probes.ask(key, probe, &endpoint, &settings, waiter, &mut self.pool, out, now);
            }
        }
    }

    /// Test connection's answer: the model list's report with the context Gloss will use.
    pub(super) fn reply_report(msg: Id, mut report: crate::llm::ConnectionReport, settings: &Settings, caps: Option<crate::models::Caps>, out: &mut Vec<Effect>) {
        let mut table = settings.model_table();
        if let Some(caps) = caps {
            table = table.with_server(&report.model, caps);
        }
        report.context = Some(table.context(&report.model));
        out.push(Effect::Reply { msg, value: json!({"ok": true, "report": report}) });
    }
}


pub(super) fn reply_error(msg: Id, error: &GlossError, out: &mut Vec<Effect>) {
    out.push(Effect::Reply { msg, value: json!({"ok": false, "error": error.info()}) });
}
