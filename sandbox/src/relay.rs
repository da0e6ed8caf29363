//! A byte relay in front of `tiny_http`: it owns the public port and copies bytes
//! both ways without looking at them. It exists so that a worker can close a
//! client's connection with no answer at all ([`crate::FaultKind::ConnectionReset`]),
//! which `tiny_http` alone cannot do (it always writes a response).

use std::collections::HashMap;
use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

/// The open client connections, keyed by the address `tiny_http` sees as the
/// request's remote address (the relay's upstream socket).
#[derive(Default)]
pub(crate) struct Conns(Mutex<HashMap<SocketAddr, Conn>>);

impl Conns {
    fn lock(&self) -> MutexGuard<'_, HashMap<SocketAddr, Conn>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One relayed connection: the client's socket and ours to `tiny_http`.
pub(crate) struct Conn {
    client: TcpStream,
    upstream: TcpStream,
}

impl Conn {
    fn close(&self) {
        let _ = self.client.shutdown(Shutdown::Both);
        let _ = self.upstream.shutdown(Shutdown::Both);
    }
}

/// Accept clients on `listener` and relay each to `upstream` on its own threads.
pub(crate) fn spawn(
    listener: TcpListener,
    upstream: SocketAddr,
    conns: Arc<Conns>,
    stopping: Arc<AtomicBool>,
) -> io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("spotify-sandbox-relay".to_string())
        .spawn(move || {
            for client in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                if let Err(e) = relay_one(client, upstream, &conns) {
                    eprintln!("spotify-sandbox: could not relay a connection: {e}");
                }
            }
            // The listener drops here: the port is released.
        })
}

fn relay_one(client: TcpStream, upstream: SocketAddr, conns: &Arc<Conns>) -> io::Result<()> {
    let up = TcpStream::connect(upstream)?;
    let _ = client.set_nodelay(true);
    let _ = up.set_nodelay(true);
    let key = up.local_addr()?;
    conns.lock().insert(
        key,
        Conn {
            client: client.try_clone()?,
            upstream: up.try_clone()?,
        },
    );
    let (mut client_read, mut up_write) = (client.try_clone()?, up.try_clone()?);
    std::thread::Builder::new()
        .name("spotify-sandbox-relay-in".to_string())
        .spawn(move || {
            let _ = io::copy(&mut client_read, &mut up_write);
            let _ = up_write.shutdown(Shutdown::Write);
        })?;
    let (mut up_read, mut client_write) = (up, client);
    let conns = Arc::clone(conns);
    std::thread::Builder::new()
        .name("spotify-sandbox-relay-out".to_string())
        .spawn(move || {
            let _ = io::copy(&mut up_read, &mut client_write);
            let _ = client_write.shutdown(Shutdown::Both);
            let _ = up_read.shutdown(Shutdown::Both);
            conns.lock().remove(&key);
        })?;
    Ok(())
}

/// Close the client connection whose request `tiny_http` saw coming from `remote`,
/// without sending anything more. Returns whether such a connection was found.
pub(crate) fn reset(conns: &Conns, remote: Option<&SocketAddr>) -> bool {
    let Some(remote) = remote else { return false };
    match conns.lock().get(remote) {
        Some(conn) => {
            conn.close();
            true
        }
        None => false,
    }
}

/// Close every relayed connection (on stop).
pub(crate) fn close_all(conns: &Conns) {
    for conn in conns.lock().values() {
        conn.close();
    }
}
