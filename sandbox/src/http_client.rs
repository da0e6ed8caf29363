//! The few HTTP requests the consent helper sends to the sandbox itself: plain
//! HTTP/1.0 over `std::net` (no client library, so the sandbox adds no TLS
//! stack to a notebook's build), heads parsed with `httparse`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use url::Url;

/// A whole answer is a page or a redirect: a few kB.
const MAX_ANSWER_BYTES: u64 = 1024 * 1024;
const TIME_LIMIT: Duration = Duration::from_secs(30);

/// An answer: status, `Location` (when given) and body.
pub(crate) struct Answer {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
}

/// `GET url`, tried up to three times: a read may be sent again, and a busy
/// machine (thousands of logins at once in a benchmark) can drop one.
pub(crate) fn get(url: &Url) -> Result<Answer, String> {
    // The last try's error when all three fail.
    send("GET", url, None)
        .or_else(|_| send("GET", url, None))
        .or_else(|_| send("GET", url, None))
}

/// Sends `method url` (with a form `body` for a POST) and reads the whole answer.
/// HTTP/1.0 asks the server to close after answering and never to chunk; a
/// body shorter than its `Content-Length` is an error, never a short page.
pub(crate) fn send(method: &str, url: &Url, form: Option<&str>) -> Result<Answer, String> {
    if url.scheme() != "http" {
        return Err(format!("{url}: the sandbox speaks plain http"));
    }
    let host = url.host_str().ok_or_else(|| format!("{url}: no host"))?;
    let port = url.port_or_known_default().unwrap_or(80);
    let mut stream = TcpStream::connect((host.trim_matches(['[', ']']), port))
        .map_err(|e| format!("could not connect to {host}:{port}: {e}"))?;
    stream
        .set_read_timeout(Some(TIME_LIMIT))
        .and_then(|()| stream.set_write_timeout(Some(TIME_LIMIT)))
        .map_err(|e| format!("could not set a time limit: {e}"))?;
    let target = &url[url::Position::BeforePath..url::Position::AfterQuery];
    let mut request = format!("{method} {target} HTTP/1.0\r\nHost: {host}:{port}\r\n");
    if let Some(body) = form {
        request += &format!(
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
    } else {
        request += "\r\n";
    }
    stream
        .write_all(request.as_bytes())
        .map_err(|e| format!("could not send {method} {url}: {e}"))?;
    let mut raw = Vec::new();
    stream
        .take(MAX_ANSWER_BYTES)
        .read_to_end(&mut raw)
        .map_err(|e| format!("could not read the answer of {url}: {e}"))?;
    parse(&raw).map_err(|e| format!("{url} answered something that is not HTTP: {e}"))
}

fn parse(raw: &[u8]) -> Result<Answer, String> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut response = httparse::Response::new(&mut headers);
    let head_len = match response.parse(raw) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Err("the head is cut short".into()),
        Err(e) => return Err(e.to_string()),
    };
    let header = |name: &str| {
        response
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).into_owned())
    };
    let body = &raw[head_len..];
    if let Some(length) = header("content-length") {
        let length: usize = length
            .trim()
            .parse()
            .map_err(|_| format!("a Content-Length that is not a number: {length:?}"))?;
        if body.len() < length {
            return Err(format!(
                "the body is cut short ({} of {length} bytes)",
                body.len()
            ));
        }
    }
    Ok(Answer {
        status: response.code.unwrap_or(0),
        location: header("location"),
        body: String::from_utf8_lossy(body).into_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_status_location_and_body() {
        let answer =
            parse(b"HTTP/1.0 303 See Other\r\nlocation: http://x/cb?code=1\r\n\r\nbye").unwrap();
        assert_eq!(answer.status, 303);
        assert_eq!(answer.location.as_deref(), Some("http://x/cb?code=1"));
        assert_eq!(answer.body, "bye");
        assert!(parse(b"garbage\r\n\r\n").is_err());
        let cut = parse(b"HTTP/1.0 200 OK\r\nContent-Length: 10\r\n\r\nabc");
        assert!(cut.is_err_and(|e| e.contains("cut short")));
        assert!(parse(b"HTTP/1.0 200 OK\r\n").is_err());
    }
}
