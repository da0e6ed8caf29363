//! [`Incoming`]: a request as the server read it, the only view of a request the
//! endpoints get.

use tiny_http::{Header, Method};
use url::Url;

use crate::util::lookup;

/// A request: method, path, query, `Authorization` header and body.
pub(crate) struct Incoming {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) authorization: Option<String>,
    /// Every header's name, lower case, in the order received.
    pub(crate) header_names: Vec<String>,
    pub(crate) body: Vec<u8>,
}

/// What the sandbox last received on a path: enough for a test to compare a
/// printed request with the one that arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedRequest {
    /// `GET`, `POST`...
    pub method: String,
    /// Header names, lower case, in the order received.
    pub header_names: Vec<String>,
    /// The form fields of the body (none for a body that is not a form).
    pub form: Vec<(String, String)>,
}

impl Incoming {
    /// The request of `method` on `url` with `headers` and `body`; `None` when
    /// its URL does not parse.
    pub(crate) fn read(
        method: Method,
        url: &str,
        headers: &[Header],
        body: Vec<u8>,
    ) -> Option<Incoming> {
        let parsed = Url::parse(&format!("http://sandbox{url}")).ok()?;
        Some(Incoming {
            method,
            path: parsed.path().to_string(),
            query: parsed.query_pairs().into_owned().collect(),
            authorization: headers
                .iter()
                .find(|h| h.field.equiv("Authorization"))
                .map(|h| h.value.as_str().to_string()),
            header_names: headers
                .iter()
                .map(|h| h.field.as_str().as_str().to_ascii_lowercase())
                .collect(),
            body,
        })
    }

    /// A query parameter.
    pub(crate) fn query(&self, name: &str) -> Option<&str> {
        lookup(&self.query, name)
    }

    /// What a test may look at afterwards.
    pub(crate) fn received(&self) -> ReceivedRequest {
        ReceivedRequest {
            method: self.method.as_str().to_string(),
            header_names: self.header_names.clone(),
            form: self.form(),
        }
    }

    /// The body as `application/x-www-form-urlencoded` pairs.
    pub(crate) fn form(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(&self.body)
            .into_owned()
            .collect()
    }
}
