"""A loopback stand-in for the credential endpoints the AWS credential chain reads, as their
variables intend (AWS_EC2_METADATA_SERVICE_ENDPOINT, AWS_CONTAINER_CREDENTIALS_FULL_URI,
AWS_ENDPOINT_URL_STS): EC2 instance metadata (IMDSv2), a container credentials endpoint and STS.

Usage: python3 credential_stand_in.py MODE KEY SECRET [AUTHORIZATION]
MODE: ok (good credentials, expiring in an hour), expired, huge (2 MiB answers), malformed,
stall (never answers). Prints "PORT n" once listening, then one line per request:
"REQUEST METHOD PATH token=... authorization=...".
"""
import datetime
import http.server
import json
import os
import sys
import time

MODE, KEY, SECRET = sys.argv[1], sys.argv[2], sys.argv[3]
AUTHORIZATION = sys.argv[4] if len(sys.argv) > 4 else None
TOKEN = "imds-session-token"
# The session token of the credentials given ("" for none: long-term keys, as an instance role's stand-in for a user).
SESSION = os.environ.get("STAND_IN_SESSION_TOKEN", "stand-in-session")
ROLE = "telemetry-operator"


def expiration():
    delta = datetime.timedelta(hours=-1 if MODE == "expired" else 1)
    return (datetime.datetime.now(datetime.timezone.utc) + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def credentials_json():
    document = {"Code": "Success", "AccessKeyId": KEY, "SecretAccessKey": SECRET, "Expiration": expiration()}
    if SESSION:
        document["Token"] = SESSION
    return json.dumps(document).encode()


def sts_xml():
    return (
        '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials>'
        f"<AccessKeyId>{KEY}</AccessKeyId><SecretAccessKey>{SECRET}</SecretAccessKey>"
        f"<SessionToken>stand-in-session</SessionToken><Expiration>{expiration()}</Expiration>"
        "</Credentials></AssumeRoleResult></AssumeRoleResponse>"
    ).encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body, content_type="application/json", document=False):
        if MODE == "stall":
            time.sleep(3600)
        if MODE == "huge":
            body = b"x" * (2 << 20)
        elif MODE == "malformed" and document:
            body = b"{not json <nor xml"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def note(self):
        print(
            f"REQUEST {self.command} {self.path} token={self.headers.get('X-aws-ec2-metadata-token')} "
            f"authorization={self.headers.get('Authorization')}",
            flush=True,
        )

    def do_PUT(self):
        self.note()
        if self.path == "/latest/api/token" and self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
            self.answer(200, TOKEN.encode(), "text/plain")
        else:
            self.answer(400, b"")

    def do_GET(self):
        self.note()
        if self.path.startswith("/latest/meta-data/"):
            if self.headers.get("X-aws-ec2-metadata-token") != TOKEN:
                return self.answer(401, b"")
            if self.path == "/latest/meta-data/iam/security-credentials/":
                return self.answer(200, (ROLE + "\n").encode(), "text/plain")
            if self.path == "/latest/meta-data/iam/security-credentials/" + ROLE:
                return self.answer(200, credentials_json(), document=True)
            return self.answer(404, b"")
        if self.path.startswith("/container/"):
            if AUTHORIZATION is not None and self.headers.get("Authorization") != AUTHORIZATION:
                return self.answer(401, b'{"message":"bad token"}')
            return self.answer(200, credentials_json(), document=True)
        self.answer(404, b"")

    def do_POST(self):
        self.note()
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(min(length, 1 << 20))
        self.answer(200, sts_xml(), "text/xml", document=True)


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(f"PORT {server.server_address[1]}", flush=True)
server.serve_forever()
