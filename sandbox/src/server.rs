//! The HTTP/1.1 server: every accepted connection gets a thread of its own,
//! which reads its requests one after another (keep-alive), has the router
//! answer each and writes the answer with `tiny_http`'s response writer. Owning
//! the socket lets a fault close it with no answer at all
//! ([`crate::FaultKind::ConnectionReset`]).

use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::JoinHandle;

use tiny_http::{HTTPVersion, Header, Method, Response};

use crate::request::Incoming;
use crate::router;
use crate::shared::Shared;

/// The most of a request's body the handler gets; the rest is read and dropped.
const MAX_BODY: u64 = 1 << 20;
/// The longest request head read, and the most header lines in it.
const MAX_HEAD: usize = 64 * 1024;
const MAX_HEADERS: usize = 64;

/// Accept clients on `listener`, each served on its own thread, until `stopping`.
pub(crate) fn spawn(listener: TcpListener, shared: Arc<Shared>) -> io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("spotify-sandbox-accept".to_string())
        .spawn(move || {
            for stream in listener.incoming() {
                if shared.stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (Ok(peer), Ok(copy)) = (stream.peer_addr(), stream.try_clone()) else {
                    continue;
                };
                // Registered here, before the next accept, so that stopping (which
                // joins this thread, then closes every registered one) misses none.
                shared.conns().insert(peer, copy);
                let serving = Arc::clone(&shared);
                let spawned = std::thread::Builder::new()
                    .name("spotify-sandbox-connection".to_string())
                    .spawn(move || serve(&serving, stream, peer));
                if let Err(e) = spawned {
                    shared.conns().remove(&peer);
                    eprintln!("spotify-sandbox: could not serve a connection: {e}");
                }
            }
            // The listener drops here: the port is released.
        })
}

/// Answer the requests of one connection until either side closes it.
fn serve(shared: &Shared, stream: TcpStream, peer: SocketAddr) {
    let _ = stream.set_nodelay(true);
    let mut reader = BufReader::new(&stream);
    while let Ok(true) = exchange(shared, &mut reader, &stream) {}
    let _ = stream.shutdown(Shutdown::Both);
    shared.conns().remove(&peer);
}

/// Read one request and answer it; whether the connection stays open.
fn exchange(
    shared: &Shared,
    reader: &mut BufReader<&TcpStream>,
    mut stream: &TcpStream,
) -> io::Result<bool> {
    let head = read_head(reader)?;
    let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut slots);
    let version = match request.parse(&head) {
        Ok(httparse::Status::Complete(_)) => HTTPVersion(1, request.version.unwrap_or(1)),
        Err(httparse::Error::Version) => {
            let text = "This server only supports HTTP versions 1.0 and 1.1";
            let response = Response::from_string(text).with_status_code(505);
            return answer(stream, response, HTTPVersion(1, 1), &[], false);
        }
        _ => return answer(stream, Response::empty(400), HTTPVersion(1, 1), &[], false),
    };
    let (Some(Ok(method)), Some(url)) = (request.method.map(str::parse::<Method>), request.path)
    else {
        return answer(stream, Response::empty(400), version, &[], false);
    };
    let headers: Option<Vec<Header>> = request
        .headers
        .iter()
        .map(|h| Header::from_bytes(h.name.as_bytes(), h.value).ok())
        .collect();
    let Some(headers) = headers else {
        return answer(stream, Response::empty(400), version, &[], false);
    };
    let find = |name: &'static str| {
        let header = headers.iter().find(|h| h.field.equiv(name));
        header.map(|h| h.value.as_str().to_ascii_lowercase())
    };
    match find("Expect").as_deref() {
        None => {}
        Some("100-continue") => stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?,
        Some(_) => return answer(stream, Response::empty(417), version, &[], true),
    }
    // Transfer-Encoding is always chunked; without it, Content-Length (RFC 2616 4.4).
    let mut source: Box<dyn Read + '_> = if find("Transfer-Encoding").is_some() {
        Box::new(chunked_transfer::Decoder::new(&mut *reader))
    } else {
        let length = find("Content-Length").and_then(|v| v.parse().ok());
        Box::new((&mut *reader).take(length.unwrap_or(0)))
    };
    let mut body = Vec::new();
    let mut kept = source.by_ref().take(MAX_BODY);
    kept.read_to_end(&mut body)?;
    // Read no further than the body's end: a chunked decoder would wait for more.
    if kept.limit() == 0 {
        io::copy(&mut source, &mut io::sink())?;
    }
    // HTTP/1.0 closes unless asked to keep alive; HTTP/1.1 stays open unless asked to close.
    let connection = find("Connection").unwrap_or_default();
    let keep_alive = !(connection.contains("close") || connection.contains("upgrade"))
        && (connection.contains("keep-alive") || version == HTTPVersion(1, 1));
    let head = method == Method::Head;
    let Some(reply) = router::handle(shared, Incoming::read(method, url, &headers, body)) else {
        return Ok(false);
    };
    answer(stream, reply.into_response(), version, &headers, head)?;
    Ok(keep_alive)
}

/// Write `response` (no body when `no_body`); the connection then closes
/// unless the caller goes on.
fn answer<R: Read>(
    stream: &TcpStream,
    response: Response<R>,
    version: HTTPVersion,
    request_headers: &[Header],
    no_body: bool,
) -> io::Result<bool> {
    let mut writer = BufWriter::new(stream);
    response.raw_print(&mut writer, version, request_headers, no_body, None)?;
    writer.flush()?;
    Ok(false)
}

/// The request's head, through its empty line; an error at the end of the
/// stream or past [`MAX_HEAD`] bytes.
fn read_head(reader: &mut impl BufRead) -> io::Result<Vec<u8>> {
    let mut head = Vec::new();
    while !(head.ends_with(b"\r\n\r\n") || head.ends_with(b"\n\n")) {
        let room = (MAX_HEAD + 1).saturating_sub(head.len()) as u64;
        if reader.take(room).read_until(b'\n', &mut head)? == 0 || head.len() > MAX_HEAD {
            return Err(io::ErrorKind::InvalidData.into());
        }
    }
    Ok(head)
}
