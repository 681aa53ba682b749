#!/usr/bin/env python3
"""A fault-injecting HTTP/1.1 proxy on 127.0.0.1 in front of a real S3-compatible server.

    fault_proxy.py --upstream-port P [--port 0]

Prints `PORT <n>` on stdout once it listens. Each client connection carries one request
(the response always says `Connection: close`); requests are answered by a scripted
sequence of actions, one action per request whose method is in the script's `methods`:

    pass          forward, relay the answer
    503           answer 503 SlowDown (S3 XML) without forwarding
    500           answer 500 InternalError without forwarding
    429           answer 429 TooManyRequests without forwarding
    403denied     answer 403 AccessDenied (with a real `Date`) without forwarding
    403skew       answer 403 RequestTimeTooSkewed with a real `Date`, without forwarding
    skewcheck     like AWS: 403 RequestTimeTooSkewed when X-Amz-Date is > 15 min off, else pass
    drop-before   read the request, close the connection without forwarding
    drop-after    forward (the server stores the object), then close without answering
    stall         read the request, never answer (until the client gives up)
    stall-after   forward, then never answer
    delay:MS      wait MS ms, then forward
    hold          wait until POST /__fault__/release (at most 120 s), then forward
    slow:MS       forward, then wait MS ms before answering
    lose-first    the first request to each path: forward, then close without answering
                  (the answer is lost); later ones to the same path: pass
    body-stall    forward, then answer 200 with its head (Content-Length 100000) and no body
    body-drip     forward, then answer 200 (Content-Length 100000) one body byte a second
    big200        forward, then answer 200 with a 1 GiB body of zeros, streamed while the
                  client reads (`sent` in the log: body bytes written before it went away;
                  `ended` once it did)
    big500        answer 500 with a 1 GiB body of zeros without forwarding (streamed as big200)
    skew9999      answer 403 RequestTimeTooSkewed with `Date: Fri, 31 Dec 9999 23:59:59 GMT`
    escapes       answer 403 with terminal escape sequences in its Code and Message
    404           a request without a query string (an object, not a listing): answer 404
                  NoSuchKey without forwarding, as for an object deleted since it was listed;
                  any other request: pass

After the script the `default` action applies. Control (never forwarded, never counted):

    POST /__fault__/release lets every `hold` go on (until the next script)
    POST /__fault__/script  {"actions": [...], "default": "pass", "methods": ["PUT"],
                             "objects_only": false}
                            replaces the script and clears the log; with objects_only, a
                            request with a query string (a listing) passes without taking
                            an action of the script
    GET  /__fault__/log     {"requests": [{"n", "method", "path", "action", "status", "md5",
                                           "done", "head"}]}

`head` is the request line and headers as received; `md5` is the hex MD5 of the request body; `status` the status answered (null when none was);
`done` whether the action finished (a killed client may leave it false). Every wait is bounded
(120 s), so a forgotten stall never outlives a test by much.
"""
import argparse
import asyncio
import calendar
import email.utils
import hashlib
import json
import re
import sys
import time

MAX_WAIT = 120.0
state = {"actions": [], "default": "pass", "methods": ["PUT"], "objects_only": False, "log": [], "count": 0, "seen": set(), "released": None}


def s3_error(status, reason, code, message, extra_headers=()):
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message>"
        "<RequestId>fault-proxy</RequestId></Error>"
    ).encode()
    head = [
        f"HTTP/1.1 {status} {reason}",
        "Content-Type: application/xml",
        f"Content-Length: {len(body)}",
        f"Date: {email.utils.formatdate(usegmt=True)}",
        "Connection: close",
        *extra_headers,
    ]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


CANNED = {
    "503": lambda: s3_error(503, "Slow Down", "SlowDown", "Please reduce your request rate."),
    "500": lambda: s3_error(500, "Internal Server Error", "InternalError", "We encountered an internal error."),
    "429": lambda: s3_error(429, "Too Many Requests", "TooManyRequests", "Too many requests."),
    "403denied": lambda: s3_error(403, "Forbidden", "AccessDenied", "Access Denied"),
    "404": lambda: s3_error(404, "Not Found", "NoSuchKey", "The specified key does not exist."),
    "403skew": lambda: s3_error(
        403, "Forbidden", "RequestTimeTooSkewed",
        "The difference between the request time and the current time is too large."),
    "escapes": lambda: s3_error(
        403, "Forbidden", "Access\x1b[2J\x1b[31mDenied",
        "Denied\x1b]0;pwned\x07 \x1b[1A\x9b2K\u202eevil\rover"),
}


def skew9999():
    answer = CANNED["403skew"]()
    head, _, body = answer.partition(b"\r\n\r\n")
    head = re.sub(rb"\r\nDate: [^\r]*", b"\r\nDate: Fri, 31 Dec 9999 23:59:59 GMT", head)
    return head + b"\r\n\r\n" + body


async def stream_answer(writer, entry, action):
    """The 200 of body-stall, body-drip and big200 (the store already has the object), the 500 of big500."""
    length = (1 << 30) if action in ("big200", "big500") else 100000
    status_line = b"HTTP/1.1 500 Internal Server Error" if action == "big500" else b"HTTP/1.1 200 OK"
    writer.write(
        status_line + b"\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n"
        + f"Date: {email.utils.formatdate(usegmt=True)}\r\nContent-Length: {length}\r\n\r\n".encode())
    await writer.drain()
    entry["status"] = 500 if action == "big500" else 200
    entry["sent"] = 0
    deadline = time.time() + MAX_WAIT
    if action == "body-stall":
        await asyncio.sleep(MAX_WAIT)
        return
    chunk = b"\0" * (64 << 10) if action in ("big200", "big500") else b"\0"
    try:
        while entry["sent"] < length and time.time() < deadline:
            writer.write(chunk)
            await asyncio.wait_for(writer.drain(), MAX_WAIT)
            entry["sent"] += len(chunk)
            if action == "body-drip":
                await asyncio.sleep(1)
    finally:
        entry["ended"] = True


async def read_request(reader):
    """(head bytes, body bytes) of one request, or None at EOF."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    body = await reader.readexactly(length) if length else b""
    return head, body


def with_connection_close(head):
    lines = [l for l in head.split(b"\r\n") if l and not l.lower().startswith(b"connection:")]
    return b"\r\n".join(lines + [b"Connection: close"]) + b"\r\n\r\n"


async def forward(upstream_port, head, body):
    """Sends the request upstream on a fresh connection; returns the raw answer (head + body)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", upstream_port)
    try:
        writer.write(with_connection_close(head) + body)
        await writer.drain()
        return await asyncio.wait_for(reader.read(-1), MAX_WAIT)
    finally:
        writer.close()


def status_of(response):
    match = re.match(rb"HTTP/1\.[01] (\d{3})", response)
    return int(match.group(1)) if match else None


def response_with_connection_close(response):
    split = response.find(b"\r\n\r\n")
    if split < 0:
        return response
    return with_connection_close(response[:split]) + response[split + 4:]


def amz_date_skew(head):
    match = re.search(rb"\r\nx-amz-date:\s*(\d{8}T\d{6}Z)", head, re.IGNORECASE)
    if not match:
        return 0.0
    signed = calendar.timegm(time.strptime(match.group(1).decode(), "%Y%m%dT%H%M%SZ"))
    return abs(signed - time.time())


async def hold(reader, seconds):
    """Waits until the client closes the connection or `seconds` pass."""
    try:
        await asyncio.wait_for(reader.read(-1), seconds)
    except (asyncio.TimeoutError, ConnectionError):
        pass


async def control(writer, method, path, body):
    if method == "POST" and path == "/__fault__/script":
        script = json.loads(body or b"{}")
        state["actions"] = list(script.get("actions", []))
        state["default"] = script.get("default", "pass")
        state["methods"] = script.get("methods", ["PUT"])
        state["objects_only"] = bool(script.get("objects_only", False))
        state["log"] = []
        state["seen"] = set()
        state["released"] = asyncio.Event()
        payload = b'{"ok":true}'
    elif method == "POST" and path == "/__fault__/release":
        state["released"].set()
        payload = b'{"ok":true}'
    else:
        payload = json.dumps({"requests": state["log"]}).encode()
    writer.write(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
        + f"Content-Length: {len(payload)}\r\n\r\n".encode() + payload)
    await writer.drain()


async def handle(reader, writer, upstream_port):
    try:
        request = await read_request(reader)
        if request is None:
            return
        head, body = request
        request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        method, path = request_line.split(" ")[0], request_line.split(" ")[1]
        if path.startswith("/__fault__/"):
            await control(writer, method, path, body)
            return
        if method in state["methods"] and not (state["objects_only"] and "?" in path):
            action = state["actions"].pop(0) if state["actions"] else state["default"]
        else:
            action = "pass"
        if action == "skewcheck":
            action = "403skew" if amz_date_skew(head) > 15 * 60 else "pass"
        if action == "404" and "?" in path:
            action = "pass"
        if action == "lose-first":
            key = path.split("?")[0]
            action = "pass" if key in state["seen"] else "drop-after"
            state["seen"].add(key)
        state["count"] += 1
        match = re.search(rb"\r\nif-none-match:\s*([^\r]*)", head, re.IGNORECASE)
        entry = {"n": state["count"], "method": method, "path": path, "action": action, "status": None,
                 "md5": hashlib.md5(body).hexdigest(), "done": False,
                 "if_none_match": match.group(1).decode("latin-1").strip() if match else None,
                 "head": head.decode("latin-1")}
        state["log"].append(entry)

        if action in CANNED:
            answer = CANNED[action]()
        elif action == "skew9999":
            answer = skew9999()
        elif action == "big500":
            await stream_answer(writer, entry, action)
            answer = None
        elif action == "drop-before":
            answer = None
        elif action == "stall":
            await hold(reader, MAX_WAIT)
            answer = None
        else:
            if action.startswith("delay:"):
                await asyncio.sleep(int(action.split(":")[1]) / 1000)
            if action == "hold":
                try:
                    await asyncio.wait_for(state["released"].wait(), MAX_WAIT)
                except asyncio.TimeoutError:
                    pass
            answer = await forward(upstream_port, head, body)
            entry["status"] = status_of(answer)  # what the server said, answered or not
            if action == "drop-after":
                answer = None
            elif action == "stall-after":
                await hold(reader, MAX_WAIT)
                answer = None
            elif action.startswith("slow:"):
                await asyncio.sleep(int(action.split(":")[1]) / 1000)
            elif action in ("body-stall", "body-drip", "big200"):
                entry["upstream_status"] = entry["status"]
                await stream_answer(writer, entry, action)
                answer = None
        if answer is not None:
            entry["status"] = status_of(answer)
            writer.write(response_with_connection_close(answer))
            await writer.drain()
        entry["done"] = True
    except (ConnectionError, asyncio.IncompleteReadError, asyncio.TimeoutError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


async def main():
    state["released"] = asyncio.Event()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--upstream-port", type=int, required=True)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = await asyncio.start_server(
        lambda r, w: handle(r, w, args.upstream_port), "127.0.0.1", args.port, reuse_address=True)
    port = server.sockets[0].getsockname()[1]
    print(f"PORT {port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
