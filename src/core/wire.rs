//! The wire as data: one [`RecordedExchange`] per request sent to Spotify
//! (method, URL, headers, body; status, headers, body; time taken), built by
//! the transport that sent it. The client secret never enters it: an
//! `Authorization: Basic` header is kept as `Basic base64(<id>:<client secret>)`
//! with the real client id, and a `client_secret` form field as a placeholder.
//! The learner's own tokens stay in full, as everywhere else.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use std::time::Duration;

/// What stands in a trace where the client secret was.
pub const SECRET_PLACEHOLDER: &str = "<client secret>";

/// A request as it went out, secret removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireRequest {
    /// `GET`, `POST`, `PUT`...
    pub method: String,
    /// The whole URL.
    pub url: String,
    /// Header names and values, in the order sent.
    pub headers: Vec<(String, String)>,
    /// The body as text (a form for the token endpoint; empty for the Web API).
    pub body: String,
}

/// An answer as it came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireAnswer {
    /// The status code.
    pub status: u16,
    /// Header names and values.
    pub headers: Vec<(String, String)>,
    /// The body as text (as far as the transport read it).
    pub body: String,
}

/// One try of one call: what was sent, and the answer or what happened
/// instead (a refused connection, a timeout).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedExchange {
    /// What was sent.
    pub request: WireRequest,
    /// What came back, or why nothing did.
    pub answer: Result<WireAnswer, String>,
    /// From sending to the end of the answer's body.
    pub elapsed: Duration,
}

impl WireRequest {
    /// A request with the secret taken out of `headers` and `body`.
    pub fn new<'a>(
        method: &str,
        url: &str,
        headers: impl IntoIterator<Item = (&'a str, &'a str)>,
        body: &str,
    ) -> WireRequest {
        WireRequest {
            method: method.to_string(),
            url: url.to_string(),
            headers: headers
                .into_iter()
                .map(|(name, value)| (name.to_string(), redact_header(name, value)))
                .collect(),
            body: redact_form(body),
        }
    }

    /// The value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }

    /// The client id of a `Basic` header, as recorded.
    pub fn basic_client_id(&self) -> Option<&str> {
        let value = self.header("authorization")?;
        value
            .strip_prefix("Basic base64(")?
            .strip_suffix(&format!(":{SECRET_PLACEHOLDER})"))
    }

    /// The fields of a form body, decoded.
    pub fn form(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(self.body.as_bytes())
            .into_owned()
            .collect()
    }

    /// The URL's path and query (`/api/token`, `/v1/me?x=1`).
    pub fn path_and_query(&self) -> String {
        url::Url::parse(&self.url).map_or_else(
            |_| self.url.clone(),
            |url| url[url::Position::BeforePath..url::Position::AfterQuery].to_string(),
        )
    }
}

impl WireAnswer {
    /// The value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

impl RecordedExchange {
    /// The status of the answer, if one came.
    pub fn status(&self) -> Option<u16> {
        self.answer.as_ref().ok().map(|a| a.status)
    }

    /// No answer, or an answer of 400 or more.
    pub fn failed(&self) -> bool {
        self.status().is_none_or(|status| status >= 400)
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// `Basic base64(id:secret)` becomes `Basic base64(id:<client secret>)`;
/// every other header is kept.
fn redact_header(name: &str, value: &str) -> String {
    if !name.eq_ignore_ascii_case("authorization") {
        return value.to_string();
    }
    let Some(encoded) = value.strip_prefix("Basic ") else {
        return value.to_string();
    };
    let id = STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|pair| pair.split_once(':').map(|(id, _)| id.to_string()));
    match id {
        Some(id) => format!("Basic base64({id}:{SECRET_PLACEHOLDER})"),
        None => format!("Basic base64({SECRET_PLACEHOLDER})"),
    }
}

/// A form's `client_secret` field (client authentication in the body, which
/// this project never sends, but a trace must not trust that) is replaced.
fn redact_form(body: &str) -> String {
    if !body.contains("client_secret") {
        return body.to_string();
    }
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .map(|(name, value)| match name.as_str() {
            "client_secret" => (name, SECRET_PLACEHOLDER.to_string()),
            _ => (name, value),
        })
        .collect();
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&fields)
        .finish()
}

/// The reason phrase of the statuses Spotify answers with.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        411 => "Length Required",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_never_enters_a_recorded_request() {
        let basic = format!("Basic {}", STANDARD.encode("my-id:CANARY-s3cr3t"));
        let request = WireRequest::new(
            "POST",
            "https://accounts.example/api/token",
            [
                ("Authorization", basic.as_str()),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            "grant_type=refresh_token&refresh_token=AQ1&client_secret=CANARY-s3cr3t",
        );
        let shown = format!("{request:?}");
        assert!(!shown.contains("CANARY"), "{shown}");
        assert!(!shown.contains(&STANDARD.encode("my-id:CANARY-s3cr3t")));
        assert_eq!(
            request.header("authorization"),
            Some("Basic base64(my-id:<client secret>)")
        );
        assert_eq!(request.basic_client_id(), Some("my-id"));
        assert!(request
            .form()
            .contains(&("refresh_token".into(), "AQ1".into())));
    }

    #[test]
    fn an_undecodable_basic_header_is_hidden_whole() {
        let request = WireRequest::new("POST", "u", [("authorization", "Basic %%%")], "");
        assert_eq!(
            request.header("Authorization"),
            Some("Basic base64(<client secret>)")
        );
        assert_eq!(request.basic_client_id(), None);
    }

    #[test]
    fn bearer_tokens_are_the_learners_and_stay() {
        let request = WireRequest::new(
            "GET",
            "https://api.example/v1/me?limit=5",
            [("Authorization", "Bearer BQabc")],
            "",
        );
        assert_eq!(request.header("AUTHORIZATION"), Some("Bearer BQabc"));
        assert_eq!(request.path_and_query(), "/v1/me?limit=5");
    }

    #[test]
    fn failure_is_no_answer_or_an_error_status() {
        let request = WireRequest::new("GET", "u", [], "");
        let with = |answer| RecordedExchange {
            request: request.clone(),
            answer,
            elapsed: Duration::ZERO,
        };
        let answer = |status| {
            Ok(WireAnswer {
                status,
                headers: vec![],
                body: String::new(),
            })
        };
        assert!(!with(answer(204)).failed());
        assert!(with(answer(400)).failed());
        assert!(with(Err("refused".into())).failed());
        assert_eq!(reason_phrase(429), "Too Many Requests");
    }
}
