"""A deliberately misbehaving S3 listing for the report's tests (no signature checks):
python3 hostile_listing_server.py PORT_FILE MODE ROOT

Serves GET /BUCKET/KEY from files under ROOT (ROOT/KEY) and ListObjectsV2 on GET /BUCKET:
  repeat-token  every page is truncated and names the same continuation token
  empty-pages   every page is truncated, holds no key and names a new token
  scrambled     the prefix's keys in reverse order, each listed twice, two keys a page
  stall         reads every request and never answers (each held at most 600 s)
Writes the port it listens on to PORT_FILE, then serves until killed."""
import http.server
import os
import sys
import time
import urllib.parse
from xml.sax.saxutils import escape

MODE = sys.argv[2]
ROOT = sys.argv[3]


def keys_under(prefix):
    found = []
    for base, _, files in os.walk(ROOT):
        for name in files:
            key = os.path.relpath(os.path.join(base, name), ROOT)
            if key.startswith(prefix):
                found.append(key)
    return sorted(found)


def page(contents, truncated, token):
    items = "".join(
        f"<Contents><Key>{escape(k)}</Key><Size>{os.path.getsize(os.path.join(ROOT, k))}</Size>"
        f"<ETag>\"etag-{abs(hash(k))}\"</ETag></Contents>" for k in contents)
    next_token = f"<NextContinuationToken>{token}</NextContinuationToken>" if truncated else ""
    return (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            f"<Name>b</Name><KeyCount>{len(contents)}</KeyCount><IsTruncated>{'true' if truncated else 'false'}</IsTruncated>"
            f"{next_token}{items}</ListBucketResult>").encode()


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send(self, status, body, kind="application/xml"):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if MODE == "stall":
            time.sleep(600)
            return
        url = urllib.parse.urlsplit(self.path)
        parts = url.path.lstrip("/").split("/", 1)
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        if len(parts) == 2 and parts[1]:
            path = os.path.join(ROOT, urllib.parse.unquote(parts[1]))
            if not os.path.isfile(path):
                return self.send(404, b"<Error><Code>NoSuchKey</Code><Message>no</Message></Error>")
            with open(path, "rb") as f:
                return self.send(200, f.read(), "application/octet-stream")
        prefix = query.get("prefix", "")
        token = query.get("continuation-token")
        if MODE == "repeat-token":
            return self.send(200, page(keys_under(prefix)[:1], True, "same-token"))
        if MODE == "empty-pages":
            n = int(token or "0") + 1
            return self.send(200, page([], True, str(n)))
        listing = [k for k in reversed(keys_under(prefix)) for _ in (0, 1)]
        start = int(token or "0")
        chunk = listing[start:start + 2]
        more = start + 2 < len(listing)
        return self.send(200, page(chunk, more, str(start + 2)))

    def do_HEAD(self):
        self.send(200, b"")

    def do_PUT(self):
        self.send(200, b"")


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
server.serve_forever()
