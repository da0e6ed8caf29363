"""A TLS-terminating stand-in for accounts.spotify.com / api.spotify.com, for
scripts/bench-https.sh (standard library only).

    python3 https_standin.py UPSTREAM CERT KEY

Serves HTTPS on 127.0.0.1 (a free port, printed as `PORT=N` on stdout once it
listens) and forwards every request, method, path, headers and body as they
are, to UPSTREAM (the sandbox, `http://127.0.0.1:P`); the answer comes back as
it is, redirects included (never followed). One thread per connection; one
upstream connection per request (loopback: about 0.1 ms). Stops on SIGTERM.
"""
import http.client
import http.server
import signal
import ssl
import sys
import urllib.parse

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection", "te"}


def main():
    upstream, cert, key = sys.argv[1:4]
    target = urllib.parse.urlsplit(upstream)

    class Forward(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out as separate writes: without TCP_NODELAY the
        # second waits for the client's delayed ACK (~40 ms), which then
        # dominates every row.
        disable_nagle_algorithm = True

        def log_message(self, *args):
            pass

        def forward(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            upstream_conn = http.client.HTTPConnection(target.hostname, target.port, timeout=15)
            try:
                upstream_conn.request(self.command, self.path, body=body, headers=headers)
                answer = upstream_conn.getresponse()
                data = answer.read()
                self.send_response_only(answer.status, answer.reason)
                for k, v in answer.getheaders():
                    if k.lower() not in HOP_BY_HOP and k.lower() != "content-length":
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            finally:
                upstream_conn.close()

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = forward

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Forward)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"PORT={server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
