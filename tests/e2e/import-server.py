"""A small HTTP(S) server for the import tests, standard library only.

    import-server.py PORT DATADIR LOG [CERT KEY]

Listens on 127.0.0.1:PORT (TLS when CERT and KEY are given) and appends one line per request to LOG:
"METHOD PATH AUTH" where AUTH is the Authorization header or "-". Paths:

    /data/NAME           the file DATADIR/NAME, Content-Type from its extension
    /as/TYPE/feed?f=NAME the file, with Content-Type TYPE (csv, json, ndjson, plain): the path has no
                         extension, so the type decides the format
    /flaky/NAME          500 to the first request for NAME, the file after that
    /droponce/NAME       the first time: half the file, then the connection is closed; then the file
    /stall               the headers and a few bytes, then nothing for a minute
    /big?n=BYTES         BYTES of CSV (a header, then bad records), chunked, without a Content-Length
    /bigcl?n=BYTES       a Content-Length of BYTES, then the same data
    /auth/NAME           the file with "Authorization: Basic dTpw" (u:p) or "Bearer s3cret", else 401
    /redirect/NAME       302 to /data/NAME
    /tohttp/NAME         302 to http://127.0.0.1:$HTTP_PORT/data/NAME, to test a downgrade from https
    anything else        404
"""
import http.server
import os
import ssl
import sys
import threading
import time
import urllib.parse

PORT, DATADIR, LOG = int(sys.argv[1]), sys.argv[2], sys.argv[3]
CERT, KEY = (sys.argv[4], sys.argv[5]) if len(sys.argv) > 5 else (None, None)
TYPES = {"csv": "text/csv", "json": "application/json", "ndjson": "application/x-ndjson", "plain": "text/plain"}
seen = set()
lock = threading.Lock()


def first_time(key):
    with lock:
        if key in seen:
            return False
        seen.add(key)
        return True


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send_body(self, status, body, ctype="text/plain", length=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)

    def send_file(self, name, ctype=None):
        path = os.path.join(DATADIR, os.path.basename(name))
        if not os.path.isfile(path):
            return self.send_body(404, b"no such file\n")
        with open(path, "rb") as f:
            body = f.read()
        ext = name.rsplit(".", 1)[-1]
        self.send_body(200, body, ctype or TYPES.get(ext, "application/octet-stream"))

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        parts = url.path.strip("/").split("/")
        auth = self.headers.get("Authorization", "-")
        with lock, open(LOG, "a") as log:
            log.write("GET %s %s\n" % (self.path, auth))
        kind, name = parts[0], "/".join(parts[1:])
        if kind == "data":
            return self.send_file(name)
        if kind == "as" and len(parts) == 3:
            return self.send_file(query.get("f", [""])[0], TYPES.get(parts[1], parts[1]))
        if kind == "flaky":
            if first_time(self.path):
                return self.send_body(500, b"try again\n")
            return self.send_file(name)
        if kind == "droponce":
            if first_time(self.path):
                with open(os.path.join(DATADIR, os.path.basename(name)), "rb") as f:
                    body = f.read()
                self.send_response(200)
                self.send_header("Content-Type", "text/csv")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            return self.send_file(name)
        if kind == "stall":
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b"reference,channel,instrument,customer,requester,requester_kind,jurisdiction\n")
            self.wfile.flush()
            time.sleep(60)
            return
        if kind in ("big", "bigcl"):
            n = int(query.get("n", ["1000000"])[0])
            line = b"x" * 99 + b"\n"
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            if kind == "bigcl":
                self.send_header("Content-Length", str(n))
            else:
                self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            head = b"reference,channel,instrument,customer,requester,requester_kind,jurisdiction\n"
            sent = 0
            try:
                while sent < n:
                    chunk = (head if sent == 0 else b"") + line * min(1000, (n - sent) // len(line) + 1)
                    chunk = chunk[: n - sent]
                    if kind == "bigcl":
                        self.wfile.write(chunk)
                    else:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    sent += len(chunk)
                if kind == "big":
                    self.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                pass
            self.close_connection = True
            return
        if kind == "auth":
            if auth in ("Basic dTpw", "Bearer s3cret"):
                return self.send_file(name)
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="intake"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if kind in ("redirect", "tohttp"):
            if kind == "redirect":
                where = "/data/" + name
            else:
                where = "http://127.0.0.1:%s/data/%s" % (os.environ.get("HTTP_PORT", "1"), name)
            self.send_response(302)
            self.send_header("Location", where)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_body(404, b"not found\n")


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # clients that hang up or refuse the certificate are part of the tests


server = Server(("127.0.0.1", PORT), Handler)
if CERT:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(CERT, KEY)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
server.serve_forever()
