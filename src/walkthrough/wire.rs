//! The wire view of `--http` and the notebooks: each recorded exchange as
//! HTTP/1.1 text, the `curl` command that sends the same request again, and
//! the same as a collapsible HTML block. What came from outside (headers,
//! bodies) is printed through `printable`, JSON indented.

use super::diagram::SequenceDiagram;
use crate::core::error::printable;
use crate::core::wire::{reason_phrase, RecordedExchange, WireAnswer, WireRequest};
use crate::html::escape;
use crate::http::TraceSink;
use std::fmt::Write;
use std::sync::{Arc, Mutex};

/// The variable a printed `curl` reads the secret from.
pub const SECRET_VARIABLE: &str = "SPOTIFY_CLIENT_SECRET";

/// Lines of a non-JSON body shown before the rest is left out.
const MAX_BODY_LINES: usize = 40;

/// The request and its answer as HTTP/1.1 text, then the `curl` that repeats it.
pub fn exchange_text(exchange: &RecordedExchange) -> String {
    let mut out = request_text(&exchange.request);
    if !exchange.request.body.is_empty() {
        out.push('\n');
    }
    match &exchange.answer {
        Ok(answer) => out.push_str(&answer_text(answer, exchange.elapsed.as_millis())),
        Err(why) => {
            let _ = writeln!(
                out,
                "(no answer after {} ms: {})",
                exchange.elapsed.as_millis(),
                printable(why, 300)
            );
        }
    }
    let _ = writeln!(
        out,
        "\nThe same request with curl:\n{}",
        curl(&exchange.request)
    );
    out
}

/// The request line, the headers, a blank line and the body.
pub fn request_text(request: &WireRequest) -> String {
    let mut out = format!(
        "{} {} HTTP/1.1\n",
        request.method,
        printable(&request.path_and_query(), 2000)
    );
    if request.header("host").is_none() {
        if let Some(host) = host_of(&request.url) {
            let _ = writeln!(out, "Host: {host}");
        }
    }
    for (name, value) in &request.headers {
        let _ = writeln!(out, "{name}: {}", printable(value, 2000));
    }
    out.push('\n');
    if !request.body.is_empty() {
        let _ = writeln!(out, "{}", printable(&request.body, 4000));
    }
    out
}

/// The status line (with the time taken), the headers, a blank line and the body.
pub fn answer_text(answer: &WireAnswer, millis: u128) -> String {
    let mut out = format!(
        "HTTP/1.1 {} {}    ({millis} ms)\n",
        answer.status,
        reason_phrase(answer.status)
    );
    for (name, value) in &answer.headers {
        let _ = writeln!(out, "{}: {}", printable(name, 100), printable(value, 300));
    }
    out.push('\n');
    out.push_str(&body_text(&answer.body));
    out
}

/// JSON indented; anything else line by line, escaped and cut.
fn body_text(body: &str) -> String {
    if body.is_empty() {
        return String::new();
    }
    let json = serde_json::from_str::<serde_json::Value>(body);
    if let Some(pretty) = json
        .ok()
        .and_then(|j| serde_json::to_string_pretty(&j).ok())
    {
        return pretty + "\n";
    }
    let mut out = String::new();
    let lines: Vec<&str> = body.lines().collect();
    for line in lines.iter().take(MAX_BODY_LINES) {
        let _ = writeln!(out, "{}", printable(line, 300));
    }
    if lines.len() > MAX_BODY_LINES {
        let _ = writeln!(out, "({} more lines)", lines.len() - MAX_BODY_LINES);
    }
    out
}

/// `host[:port]` of `url`.
fn host_of(url: &str) -> Option<String> {
    let url = url::Url::parse(url).ok()?;
    let port = url.port().map(|port| format!(":{port}"));
    Some(format!("{}{}", url.host_str()?, port.unwrap_or_default()))
}

/// A `curl` command sending `request` again: a `Basic` header becomes
/// `-u "<id>:$SPOTIFY_CLIENT_SECRET"`, so the line can be pasted into a
/// shell where the variable is set; headers curl adds itself are left out.
pub fn curl(request: &WireRequest) -> String {
    let mut parts = vec![format!(
        "curl -sS -X {} {}",
        request.method,
        single_quoted(&request.url)
    )];
    for (name, value) in &request.headers {
        let lower = name.to_ascii_lowercase();
        if matches!(
            lower.as_str(),
            "host" | "user-agent" | "accept" | "content-length"
        ) {
            continue;
        }
        if lower == "authorization" && value.starts_with("Basic ") {
            let id = request.basic_client_id();
            let id = id.map_or("$SPOTIFY_CLIENT_ID".into(), double_quoted_inner);
            parts.push(format!("-u \"{id}:${SECRET_VARIABLE}\""));
            continue;
        }
        parts.push(format!("-H {}", single_quoted(&format!("{name}: {value}"))));
    }
    if !request.body.is_empty() {
        parts.push(format!("--data-raw {}", single_quoted(&request.body)));
    } else if request.method != "GET" {
        // Spotify answers 411 to a PUT or POST without a length.
        parts.push("-H 'Content-Length: 0'".into());
    }
    parts.join(" \\\n  ")
}

/// `text` in single quotes for a POSIX shell.
fn single_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// `text` made safe inside double quotes.
fn double_quoted_inner(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if matches!(c, '"' | '$' | '`' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Step 1: the request line the browser will send for the authorize URL.
pub fn browser_request(authorize_url: &str) -> String {
    let request = WireRequest::new("GET", authorize_url, [], "");
    format!("The browser will send:\n{}", request_text(&request))
}

/// The exchange as an HTML `<details>` block: the summary line, then the
/// text of [`exchange_text`].
pub fn exchange_html(exchange: &RecordedExchange) -> String {
    let outcome = match &exchange.answer {
        Ok(answer) => format!("{} {}", answer.status, reason_phrase(answer.status)),
        Err(_) => "no answer".into(),
    };
    let colour = if exchange.failed() {
        " style=\"color:#c0392b\""
    } else {
        ""
    };
    format!(
        "<details><summary{colour}><code>{} {}</code> → {} ({} ms)</summary><pre>{}</pre></details>",
        escape(&exchange.request.method),
        escape(&exchange.request.path_and_query()),
        escape(&outcome),
        exchange.elapsed.as_millis(),
        escape(&exchange_text(exchange))
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    use std::time::Duration;

    fn refresh() -> RecordedExchange {
        let basic = format!("Basic {}", STANDARD.encode("abc123:CANARY"));
        RecordedExchange {
            request: WireRequest::new(
                "POST",
                "http://127.0.0.1:8899/api/token",
                [
                    ("Content-Type", "application/x-www-form-urlencoded"),
                    ("Authorization", basic.as_str()),
                ],
                "grant_type=refresh_token&refresh_token=AQ'x",
            ),
            answer: Ok(WireAnswer {
                status: 200,
                headers: vec![("content-type".into(), "application/json".into())],
                body: r#"{"access_token":"BQ1","expires_in":3600}"#.into(),
            }),
            elapsed: Duration::from_millis(12),
        }
    }

    #[test]
    fn http_text_shows_request_line_headers_and_indented_json() {
        let text = exchange_text(&refresh());
        assert!(text.starts_with("POST /api/token HTTP/1.1\nHost: 127.0.0.1:8899\n"));
        assert!(text.contains("Authorization: Basic base64(abc123:<client secret>)"));
        assert!(text.contains("\n\ngrant_type=refresh_token&refresh_token=AQ'x\n"));
        assert!(text.contains("HTTP/1.1 200 OK    (12 ms)"));
        assert!(text.contains("{\n  \"access_token\": \"BQ1\",\n"));
        assert!(!text.contains("CANARY"));
    }

    #[test]
    fn curl_reads_the_secret_from_the_environment() {
        let curl = curl(&refresh().request);
        assert!(
            curl.contains("-u \"abc123:$SPOTIFY_CLIENT_SECRET\""),
            "{curl}"
        );
        assert!(curl.contains("--data-raw 'grant_type=refresh_token&refresh_token=AQ'\\''x'"));
        assert!(curl.contains("-H 'Content-Type: application/x-www-form-urlencoded'"));
        assert!(!curl.contains("CANARY"));
    }

    #[test]
    fn a_bodiless_put_gets_a_length_and_hostile_bodies_are_escaped() {
        let put = WireRequest::new(
            "PUT",
            "https://api.example/v1/me/player/pause",
            [("Authorization", "Bearer BQ")],
            "",
        );
        assert!(curl(&put).ends_with("-H 'Content-Length: 0'"));
        let answer = WireAnswer {
            status: 502,
            headers: vec![("x-evil".into(), "a\x1b[2Jb".into())],
            body: "line\x1b[31m".into(),
        };
        let text = answer_text(&answer, 1);
        assert!(!text.contains('\x1b'), "{text:?}");
    }

    #[test]
    fn the_html_block_is_escaped() {
        let mut exchange = refresh();
        exchange.answer = Ok(WireAnswer {
            status: 400,
            headers: vec![],
            body: "<script>".into(),
        });
        let html = exchange_html(&exchange);
        assert!(html.starts_with("<details>"));
        assert!(html.contains("&lt;script&gt;") && !html.contains("<script>"));
        assert!(html.contains("color:#c0392b"));
    }
}

/// How a [`WireView`] shows each exchange as it happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Show {
    /// Not at all (only the diagram is kept).
    Nothing,
    /// `--http`: HTTP/1.1 text and the `curl` line, on stdout.
    Text,
    /// A notebook: a collapsible HTML block under the cell.
    Html,
}

/// The wire of one run: each exchange shown as it happens, and the
/// run kept as a [`SequenceDiagram`] for the end.
#[derive(Debug, Clone)]
pub struct WireView {
    diagram: Arc<Mutex<SequenceDiagram>>,
    show: Show,
}

impl WireView {
    /// A view showing each exchange as `show` says.
    pub fn new(show: Show) -> WireView {
        WireView {
            diagram: Arc::default(),
            show,
        }
    }

    /// The sink for [`crate::SpotifyAuth::set_trace`].
    pub fn sink(&self) -> TraceSink {
        let view = self.clone();
        Arc::new(move |exchange: &RecordedExchange| {
            match view.show {
                Show::Nothing => {}
                Show::Text => println!(
                    "\n---- on the wire (--http) ----\n{}------------------------------\n",
                    exchange_text(exchange)
                ),
                Show::Html => println!(
                    "EVCXR_BEGIN_CONTENT text/html\n{}\nEVCXR_END_CONTENT",
                    exchange_html(exchange)
                ),
            }
            view.with_diagram(|diagram| diagram.exchange(exchange));
        })
    }

    /// Step 1's URL, which the browser opens.
    pub fn authorize(&self, authorize_url: &str) {
        self.with_diagram(|diagram| diagram.authorize(authorize_url));
    }

    /// The address the browser was sent back to.
    pub fn redirect(&self, redirected_url: &str) {
        self.with_diagram(|diagram| diagram.redirect(redirected_url));
    }

    /// The run so far.
    pub fn diagram(&self) -> SequenceDiagram {
        self.diagram
            .lock()
            .map(|diagram| diagram.clone())
            .unwrap_or_default()
    }

    fn with_diagram(&self, change: impl FnOnce(&mut SequenceDiagram)) {
        if let Ok(mut diagram) = self.diagram.lock() {
            change(&mut diagram);
        }
    }
}
