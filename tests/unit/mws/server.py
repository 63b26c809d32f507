"""A scripted MWS stand-in on 127.0.0.1 for client tests.

Each request is recorded (bodies larger than ``KEEP_BODY`` only as size and MD5, so a big
upload is never held in memory) and answered with the next scripted ``Reply``.
"""

from __future__ import annotations

import base64
import hashlib
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

KEEP_BODY = 1024 * 1024
CHUNK = 256 * 1024


def md5_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    # Send the headers (with the full Content-Length) but only this many body bytes, then
    # drop the connection: a transfer cut short.
    cut_after: int | None = None
    # Close the connection without answering at all.
    reset: bool = False
    # Wait this long before answering (to trigger the client's timeout).
    delay: float = 0.0
    # Send the body with Transfer-Encoding: chunked instead of a Content-Length.
    chunked: bool = False


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes | None
    body_size: int
    body_md5: str

    @property
    def form(self) -> dict[str, str]:
        """The form body's parameters (XML operations and downloads)."""
        return dict(parse_qsl((self.body or b"").decode(), keep_blank_values=True))

    @property
    def params(self) -> dict[str, str]:
        """Signed parameters, wherever the request carried them."""
        return self.query or self.form


class ScriptedServer:
    def __init__(self) -> None:
        self.replies: deque[Reply | Callable[[Received], Reply]] = deque()
        self.received: list[Received] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt: str, *args: object) -> None:
                """Keep the test output quiet."""

            def do_POST(self) -> None:
                server._handle(self)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        # A short poll interval keeps shutdown (once per test) from costing half a second.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def reply(self, *replies: Reply | Callable[[Received], Reply]) -> None:
        self.replies.extend(replies)

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _read_body(self, handler: BaseHTTPRequestHandler) -> tuple[bytes | None, int, str]:
        length = int(handler.headers.get("Content-Length") or 0)
        md5 = hashlib.md5(usedforsecurity=False)
        kept = bytearray() if length <= KEEP_BODY else None
        left = length
        while left:
            chunk = handler.rfile.read(min(CHUNK, left))
            if not chunk:
                break
            md5.update(chunk)
            if kept is not None:
                kept += chunk
            left -= len(chunk)
        digest = base64.b64encode(md5.digest()).decode()
        return (bytes(kept) if kept is not None else None), length - left, digest

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        body, size, digest = self._read_body(handler)
        request = Received(
            method=handler.command,
            path=parts.path,
            query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers=dict(handler.headers.items()),
            body=body,
            body_size=size,
            body_md5=digest,
        )
        self.received.append(request)
        scripted = self.replies.popleft() if self.replies else Reply(500, b"no reply scripted")
        reply = scripted(request) if callable(scripted) else scripted
        if reply.delay:
            time.sleep(reply.delay)
        if reply.reset:
            handler.connection.shutdown(socket.SHUT_RDWR)
            handler.close_connection = True
            return
        handler.send_response_only(reply.status)
        headers = {"Date": formatdate(usegmt=True), "Content-Type": "text/xml", **reply.headers}
        for name, value in headers.items():
            handler.send_header(name, value)
        if reply.chunked:
            handler.send_header("Transfer-Encoding", "chunked")
        else:
            handler.send_header("Content-Length", str(len(reply.body)))
        handler.end_headers()
        body = reply.body if reply.cut_after is None else reply.body[: reply.cut_after]
        if reply.chunked:
            for start in range(0, len(body), CHUNK):
                piece = body[start : start + CHUNK]
                handler.wfile.write(f"{len(piece):X}\r\n".encode() + piece + b"\r\n")
            handler.wfile.write(b"0\r\n\r\n")
        else:
            handler.wfile.write(body)
        handler.wfile.flush()
        if reply.cut_after is not None:
            handler.connection.shutdown(socket.SHUT_RDWR)
            handler.close_connection = True


def generated_bytes(size: int, seed: int = 7) -> Iterator[bytes]:
    """Deterministic incompressible-looking bytes in chunks, without holding them all."""
    block = hashlib.sha256(str(seed).encode()).digest() * (CHUNK // 32)
    left = size
    counter = 0
    while left > 0:
        piece = bytes([counter % 251]) + block[1 : min(CHUNK, left)]
        counter += 1
        left -= len(piece)
        yield piece
