//! Answers: the [`Reply`] every endpoint builds, and the JSON errors of the
//! accounts service and of the Web API.

use serde_json::{json, Value};

/// An answer, written by `tiny_http`.
pub(crate) struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

impl Reply {
    pub(crate) fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type", content_type.to_string())],
            body: body.into(),
        }
    }

    pub(crate) fn json(status: u16, value: &Value) -> Reply {
        Reply::new(status, "application/json", value.to_string())
    }

    pub(crate) fn text(status: u16, text: &str) -> Reply {
        Reply::new(status, "text/plain; charset=utf-8", text)
    }

    pub(crate) fn html(status: u16, html: String) -> Reply {
        Reply::new(status, "text/html; charset=utf-8", html)
    }

    pub(crate) fn no_content() -> Reply {
        Reply {
            status: 204,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub(crate) fn see_other(location: String) -> Reply {
        Reply {
            status: 303,
            headers: vec![("Location", location)],
            body: Vec::new(),
        }
    }

    pub(crate) fn header(mut self, name: &'static str, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }

    pub(crate) fn into_response(self) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
        let mut response = tiny_http::Response::from_data(self.body).with_status_code(self.status);
        for (name, value) in self.headers {
            if let Ok(header) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
                response.add_header(header);
            }
        }
        response
    }
}

/// What an endpoint gives: its answer, or (`Err`) the refusal it stopped at;
/// either is sent.
pub(crate) type Answer = Result<Reply, Reply>;

/// Accounts-service error: `{"error":..., "error_description":...}`.
pub(crate) fn oauth_error(status: u16, error: &str, description: &str) -> Reply {
    Reply::json(
        status,
        &json!({"error": error, "error_description": description}),
    )
    .header("Cache-Control", "no-store")
}

/// Web API error: `{"error":{"status":N,"message":...}}`.
pub(crate) fn api_error(status: u16, message: &str) -> Reply {
    Reply::json(
        status,
        &json!({"error": {"status": status, "message": message}}),
    )
}
