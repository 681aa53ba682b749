#!/usr/bin/env python3
"""A misbehaving HTTP proxy on 127.0.0.1, for the faults a real proxy will not produce on demand.

    hostile_proxy.py MODE

Prints `PORT <n>` on stdout once it listens. Every connection gets MODE:

    refuse    answers CONNECT with 403 Forbidden (what a proxy's access rules do)
    stall     reads the request and never answers (held at most 120 s)
    garbage   answers with bytes that are not HTTP, then closes
    close     closes the connection as soon as the request is read

Each request line it reads is appended to stderr, so a test can see that it was asked.
"""
import asyncio
import sys

MAX_WAIT = 120.0


async def handle(reader, writer, mode):
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), MAX_WAIT)
        print(head.split(b"\r\n", 1)[0].decode("latin-1"), file=sys.stderr, flush=True)
        if mode == "refuse":
            body = b"Forbidden by the proxy's rules\n"
            writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
                         b"Connection: close\r\n\r\n%s" % (len(body), body))
        elif mode == "stall":
            await asyncio.sleep(MAX_WAIT)
        elif mode == "garbage":
            writer.write(b"\x16\x03\x01\x00\xffnot an HTTP answer at all\x00\x01\x02\r\n\r\n")
        await writer.drain()
    except (asyncio.IncompleteReadError, asyncio.TimeoutError, ConnectionError, asyncio.LimitOverrunError):
        pass
    finally:
        writer.close()


async def main():
    mode = sys.argv[1]
    if mode not in ("refuse", "stall", "garbage", "close"):
        raise SystemExit(f"hostile_proxy.py: unknown mode {mode}")
    server = await asyncio.start_server(lambda r, w: handle(r, w, mode), "127.0.0.1", 0)
    print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
