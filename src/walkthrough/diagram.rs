//! The run that just happened as a sequence diagram: lanes for the browser,
//! the app, Spotify's accounts service and the Web API, one arrow per
//! message labelled with what it carried (long values shortened, the secret
//! never: it is not in a recorded exchange). A failed answer is drawn in red
//! and nothing after it. As text for the terminal, as SVG for a notebook.

use crate::core::error::printable;
use crate::core::wire::{reason_phrase, RecordedExchange};
use crate::html::escape;
use std::fmt::Write;

/// Who sends and receives; declared in the lanes' order, left to right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// The learner's browser.
    Browser,
    /// This program (or the notebook).
    App,
    /// `accounts.spotify.com`.
    Accounts,
    /// `api.spotify.com`.
    WebApi,
}

const LANES: [Lane; 4] = [Lane::Browser, Lane::App, Lane::Accounts, Lane::WebApi];

impl Lane {
    fn name(self) -> &'static str {
        match self {
            Lane::Browser => "Browser",
            Lane::App => "App",
            Lane::Accounts => "Spotify accounts",
            Lane::WebApi => "Spotify Web API",
        }
    }
}

/// One message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrow {
    /// The sender.
    pub from: Lane,
    /// The receiver.
    pub to: Lane,
    /// What it carried, shortened.
    pub label: String,
    /// A failing answer (drawn in red; nothing is drawn after it).
    pub failed: bool,
}

/// The messages of one run, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SequenceDiagram {
    arrows: Vec<Arrow>,
}

/// Characters of a value kept before `…`.
const KEPT: usize = 4;
/// Characters of a label kept before `…`.
const MAX_LABEL: usize = 72;

impl SequenceDiagram {
    /// Adds an arrow, unless one failed (then nothing more is drawn).
    fn push(&mut self, from: Lane, to: Lane, label: String, failed: bool) {
        if self.arrows.iter().any(|a| a.failed) {
            return;
        }
        self.arrows.push(Arrow {
            from,
            to,
            label: cut(&printable(&label, 400), MAX_LABEL),
            failed,
        });
    }

    /// Step 1: the app hands the browser the authorize URL, which the
    /// browser sends to the accounts service.
    pub fn authorize(&mut self, authorize_url: &str) {
        let Ok(url) = url::Url::parse(authorize_url) else {
            return;
        };
        self.push(
            Lane::App,
            Lane::Browser,
            "open the authorize URL".into(),
            false,
        );
        let query = shortened_query(&url, &["client_id", "state"], true);
        self.push(
            Lane::Browser,
            Lane::Accounts,
            format!("GET {}?{query}", url.path()),
            false,
        );
    }

    /// The consent's answer: a `302` to the redirect URI, which the browser
    /// follows to the app (or the learner pastes).
    pub fn redirect(&mut self, redirected_url: &str) {
        let Ok(url) = url::Url::parse(redirected_url) else {
            return;
        };
        let refused = url.query_pairs().any(|(name, _)| name == "error");
        let query = shortened_query(&url, &["code", "error", "state"], false);
        self.push(
            Lane::Accounts,
            Lane::Browser,
            format!("302 Location: …{}?{query}", url.path()),
            false,
        );
        self.push(
            Lane::Browser,
            Lane::App,
            format!("GET {}?{query}", url.path()),
            refused,
        );
    }

    /// One recorded exchange: the request, then its answer.
    pub fn exchange(&mut self, exchange: &RecordedExchange) {
        let request = &exchange.request;
        let path = request.path_and_query();
        let server = if path.starts_with("/api/token") {
            Lane::Accounts
        } else {
            Lane::WebApi
        };
        let mut label = format!("{} {}", request.method, cut(&path, 40));
        if let Some((_, grant)) = request.form().into_iter().find(|(n, _)| n == "grant_type") {
            let _ = write!(label, " grant_type={grant}");
        }
        self.push(Lane::App, server, label, false);
        let answer = match &exchange.answer {
            Ok(answer) => format!("{} {}", answer.status, summary(answer.status, &answer.body)),
            Err(why) => format!("no answer: {why}"),
        };
        self.push(server, Lane::App, answer, exchange.failed());
    }

    /// The diagram as monospaced text, one label line and one arrow line per message.
    pub fn text(&self) -> String {
        const WIDTH: usize = 22;
        let column = |lane: Lane| 2 + lane as usize * WIDTH;
        let total = column(Lane::WebApi) + 2;
        let bars = || {
            let mut line = vec![' '; total];
            for lane in LANES {
                line[column(lane)] = '|';
            }
            line
        };
        let mut out = String::new();
        let mut header = String::new();
        for lane in LANES {
            let _ = write!(header, "{:<WIDTH$}", lane.name());
        }
        let _ = writeln!(out, "{}", header.trim_end());
        let _ = writeln!(out, "{}", bars().iter().collect::<String>().trim_end());
        for arrow in &self.arrows {
            let (left, right) = {
                let (a, b) = (column(arrow.from), column(arrow.to));
                (a.min(b), a.max(b))
            };
            let mut label_line: Vec<char> = bars();
            let label: Vec<char> = if arrow.failed {
                format!("{}  ✗ FAILED", arrow.label).chars().collect()
            } else {
                arrow.label.chars().collect()
            };
            let start = left + 2;
            label_line.resize(label_line.len().max(start + label.len()), ' ');
            label_line[start..start + label.len()].copy_from_slice(&label);
            let mut arrow_line = bars();
            for cell in arrow_line.iter_mut().take(right).skip(left + 1) {
                *cell = '-';
            }
            if arrow.to as usize > arrow.from as usize {
                arrow_line[right - 1] = '>';
            } else {
                arrow_line[left + 1] = '<';
            }
            let _ = writeln!(out, "{}", label_line.iter().collect::<String>().trim_end());
            let _ = writeln!(out, "{}", arrow_line.iter().collect::<String>().trim_end());
        }
        out
    }

    /// The diagram as a standalone SVG image.
    pub fn svg(&self) -> String {
        const LANE_WIDTH: usize = 230;
        const ROW: usize = 46;
        const TOP: usize = 60;
        let x = |lane: Lane| 115 + lane as usize * LANE_WIDTH;
        let width = LANE_WIDTH * LANES.len();
        let height = TOP + ROW * self.arrows.len() + 30;
        let mut out = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"monospace\" font-size=\"12\">\n"
        );
        out.push_str("<defs><marker id=\"head\" markerWidth=\"10\" markerHeight=\"8\" refX=\"9\" refY=\"4\" orient=\"auto\"><path d=\"M0,0 L10,4 L0,8 z\" fill=\"context-stroke\"/></marker></defs>\n");
        for lane in LANES {
            let cx = x(lane);
            let _ = writeln!(
                out,
                "<rect x=\"{}\" y=\"8\" width=\"180\" height=\"28\" rx=\"4\" fill=\"#eef3f8\" stroke=\"#34495e\"/><text x=\"{cx}\" y=\"27\" text-anchor=\"middle\" font-weight=\"bold\">{}</text><line x1=\"{cx}\" y1=\"36\" x2=\"{cx}\" y2=\"{}\" stroke=\"#95a5a6\" stroke-dasharray=\"4 4\"/>",
                cx - 90,
                escape(lane.name()),
                height - 10
            );
        }
        for (row, arrow) in self.arrows.iter().enumerate() {
            let y = TOP + ROW * row + 20;
            let (x1, x2) = (x(arrow.from), x(arrow.to));
            let colour = if arrow.failed { "#c0392b" } else { "#1f2d3d" };
            let _ = writeln!(
                out,
                "<g class=\"{}\"><text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{colour}\">{}</text><line x1=\"{x1}\" y1=\"{y}\" x2=\"{x2}\" y2=\"{y}\" stroke=\"{colour}\" stroke-width=\"1.5\" marker-end=\"url(#head)\"/></g>",
                if arrow.failed { "arrow failed" } else { "arrow" },
                x1.min(x2) + x1.abs_diff(x2) / 2,
                y - 7,
                escape(&arrow.label)
            );
        }
        out.push_str("</svg>\n");
        out
    }
}

/// `text`, at most `max` characters, `…` where it was cut.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The query parameters `names` of `url`, each value shortened to its first
/// characters (`state=Wnh6…`); with `hide_first`, the first one's value is
/// left out entirely (`client_id=…`).
fn shortened_query(url: &url::Url, names: &[&str], hide_first: bool) -> String {
    let mut parts = Vec::new();
    for (index, name) in names.iter().enumerate() {
        if let Some((_, value)) = url.query_pairs().find(|(n, _)| n == name) {
            let shown = if hide_first && index == 0 {
                "…".to_string()
            } else {
                cut(&value, KEPT + 1)
            };
            parts.push(format!("{name}={shown}"));
        }
    }
    parts.join("&")
}

/// An answer's body in a few words: `{access_token, refresh_token, expires_in: 3600}`,
/// the error of an error body, or the reason phrase of an empty one.
fn summary(status: u16, body: &str) -> String {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(body) else {
        return if body.trim().is_empty() {
            reason_phrase(status).to_string()
        } else {
            reason_phrase(status).to_string() + " (not JSON)"
        };
    };
    match map.get("error") {
        Some(serde_json::Value::String(error)) => {
            let description = map
                .get("error_description")
                .and_then(|d| d.as_str())
                .unwrap_or_default();
            return format!("{{error: {error}, {}}}", cut(description, 40));
        }
        Some(serde_json::Value::Object(error)) => {
            let message = error
                .get("message")
                .and_then(|m| m.as_str())
                .unwrap_or_default();
            return format!("{{error: {}}}", cut(message, 50));
        }
        _ => {}
    }
    let shown: Vec<_> = map
        .iter()
        .filter(|(key, _)| key.as_str() != "token_type" && key.as_str() != "scope")
        .collect();
    let keys: Vec<String> = shown
        .iter()
        .take(4)
        .map(|(key, value)| match (key.as_str(), *value) {
            ("expires_in", serde_json::Value::Number(n)) => format!("expires_in: {n}"),
            _ => cut(key, 20),
        })
        .collect();
    let more = if shown.len() > keys.len() {
        ", …"
    } else {
        ""
    };
    format!("{{{}{more}}}", keys.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::wire::{WireAnswer, WireRequest};
    use std::time::Duration;

    fn token_exchange(grant: &str, status: u16, body: &str) -> RecordedExchange {
        RecordedExchange {
            request: WireRequest::new(
                "POST",
                "https://accounts.example/api/token",
                [],
                &format!("grant_type={grant}&code=AQ"),
            ),
            answer: Ok(WireAnswer {
                status,
                headers: vec![],
                body: body.into(),
            }),
            elapsed: Duration::from_millis(3),
        }
    }

    fn whole_run() -> SequenceDiagram {
        let mut diagram = SequenceDiagram::default();
        diagram.authorize("https://accounts.example/authorize?client_id=abcdef&response_type=code&state=Wnh6xyz&redirect_uri=x");
        diagram.redirect("http://127.0.0.1:8888/callback?code=AQXhqevmKiUn&state=Wnh6xyz");
        diagram.exchange(&token_exchange(
            "authorization_code",
            200,
            r#"{"access_token":"BQ","token_type":"Bearer","scope":"a","expires_in":3600,"refresh_token":"AQ"}"#,
        ));
        diagram
    }

    #[test]
    fn labels_say_what_each_message_carried() {
        let labels: Vec<String> = whole_run().arrows.iter().map(|a| a.label.clone()).collect();
        assert_eq!(
            labels,
            [
                "open the authorize URL",
                "GET /authorize?client_id=…&state=Wnh6…",
                "302 Location: …/callback?code=AQXh…&state=Wnh6…",
                "GET /callback?code=AQXh…&state=Wnh6…",
                "POST /api/token grant_type=authorization_code",
                "200 {access_token, expires_in: 3600, refresh_token}",
            ]
        );
    }

    #[test]
    fn a_failed_answer_is_red_and_ends_the_diagram() {
        let mut diagram = whole_run();
        diagram.exchange(&token_exchange(
            "refresh_token",
            400,
            r#"{"error":"invalid_client","error_description":"Invalid client secret"}"#,
        ));
        diagram.exchange(&token_exchange("refresh_token", 200, "{}"));
        let last = diagram.arrows.last().unwrap();
        assert!(last.failed);
        assert_eq!(
            last.label,
            "400 {error: invalid_client, Invalid client secret}"
        );
        assert_eq!(diagram.arrows.len(), 8);
        let svg = diagram.svg();
        assert_eq!(svg.matches("class=\"arrow failed\"").count(), 1);
        assert!(diagram.text().contains("✗ FAILED"));
    }

    #[test]
    fn svg_escapes_labels_and_text_has_a_line_pair_per_arrow() {
        let mut diagram = SequenceDiagram::default();
        diagram.redirect("http://127.0.0.1:8888/callback?error=<b>&state=x");
        let svg = diagram.svg();
        assert!(svg.starts_with("<svg ") && svg.trim_end().ends_with("</svg>"));
        assert!(!svg.contains("<b>"));
        let text = whole_run().text();
        assert_eq!(text.lines().count(), 2 + 2 * 6);
        assert!(text.contains("|<----"), "{text}");
        assert!(text.contains("---->|"), "{text}");
    }
}
