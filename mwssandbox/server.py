"""The sandbox's HTTP server: threaded, streaming in both directions, one log line per request.

Bodies never sit whole in memory: a feed is written to a temporary file while its MD5 is
computed, and a report is sent chunk by chunk as it is generated. ``running_sandbox`` starts a
sandbox on a free loopback port for tests and scripts; ``python manage.py mws_sandbox`` runs one
until stopped.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import socket
import struct
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mwssandbox import authpage, control
from mwssandbox.authpage import AuthPages
from mwssandbox.clock import Clock, SystemClock
from mwssandbox.config import SandboxConfig, load_config
from mwssandbox.control import Control
from mwssandbox.errors import MWSError, invalid_value
from mwssandbox.faults import FaultInjector
from mwssandbox.front_door import ApiRequest, ApiResponse, FrontDoor
from mwssandbox.state import SandboxState

log = logging.getLogger("mwssandbox")

CHUNK = 1024 * 1024
MAX_FEED_BYTES = 2**31 - 1  # "max size < 2 GiB (2^31 bytes)" (Feeds_SubmitFeed)
_QUERY = re.compile(r"\?[^\s'\"]*")


class _Body:
    """The request body, read lazily, either Content-Length delimited or chunked."""

    def __init__(self, handler: BaseHTTPRequestHandler) -> None:
        self._rfile = handler.rfile
        encoding = (handler.headers.get("Transfer-Encoding") or "").lower()
        self._chunked = "chunked" in encoding
        length = handler.headers.get("Content-Length")
        try:
            self._length = int(length) if length is not None and not self._chunked else 0
        except ValueError:
            self._length = -1
        self.consumed = not self._chunked and self._length == 0

    def read_all(self, limit: int) -> bytes:
        return b"".join(self._pieces(limit))

    def save(self, directory: Path) -> tuple[Path, int, str]:
        digest = hashlib.md5()  # noqa: S324 - MWS's Content-MD5, not a security use
        size = 0
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - the file outlives this call
            dir=directory, prefix="feed-", suffix=".bin", delete=False
        )
        path = Path(handle.name)
        try:
            with handle:
                for piece in self._pieces(MAX_FEED_BYTES):
                    digest.update(piece)
                    handle.write(piece)
                    size += len(piece)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return path, size, base64.b64encode(digest.digest()).decode("ascii")

    def _pieces(self, limit: int) -> Iterator[bytes]:
        if self._length < 0:
            raise invalid_value("Content-Length", "header", "It must be a whole number.")
        if self._chunked:
            yield from self._chunks(limit)
        else:
            if self._length > limit:
                raise _too_large(limit)
            remaining = self._length
            while remaining:
                piece = self._rfile.read(min(CHUNK, remaining))
                if not piece:
                    raise _disconnected()
                remaining -= len(piece)
                yield piece
        self.consumed = True

    def _chunks(self, limit: int) -> Iterator[bytes]:
        total = 0
        while True:
            line = self._rfile.readline(1024)
            if not line:
                raise _disconnected()
            try:
                size = int(line.split(b";")[0].strip(), 16)
            except ValueError:
                raise _disconnected() from None
            if size == 0:
                while self._rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers carry nothing MWS used
                return
            total += size
            if total > limit:
                raise _too_large(limit)
            remaining = size
            while remaining:
                piece = self._rfile.read(min(CHUNK, remaining))
                if not piece:
                    raise _disconnected()
                remaining -= len(piece)
                yield piece
            self._rfile.readline(16)


def _too_large(limit: int) -> MWSError:
    return MWSError("InvalidParameterValue", f"The request is larger than {limit} bytes.")


def _disconnected() -> MWSError:
    return MWSError("InputStreamDisconnected", "The input stream was disconnected.")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SandboxServer
    _skew = 0.0

    # --- http.server hooks --------------------------------------------------------------------

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in separate writes; with Nagle's algorithm and the client's
        # delayed ACK every keep-alive response would wait about 40 ms for the second one.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def version_string(self) -> str:
        return "Server"  # what MWS sent

    def date_time_string(self, timestamp: float | None = None) -> str:
        now = self.server.state.clock.time() if timestamp is None else timestamp
        return formatdate(now + self._skew, usegmt=True)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Replaced by one line per request written once the response is complete."""

    def log_message(self, format: str, *args: Any) -> None:
        # http.server reports malformed requests here with the raw request line; the query
        # string of an MWS call carries the signature and the MWS Auth Token, so it is cut off.
        log.warning("%s %s", self.client_address[0], _QUERY.sub("?…", format % args))

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    # MWS took GET and POST; any other method gets a clear 405 rather than the standard
    # library's bare 501 page.
    def do_PUT(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    # --- Routing ------------------------------------------------------------------------------

    def _dispatch(self) -> None:
        started = time.perf_counter()
        self._skew = 0.0
        target = urlsplit(self.path)
        path = target.path or "/"
        body = _Body(self)
        action = seller = code = None
        sent = 0
        try:
            if path.startswith(control.PREFIX):
                status, sent = self._control(path, body)
            elif path.startswith(authpage.PREFIXES):
                status, sent = self._page(body)
            elif self.command in ("GET", "POST"):
                response = self.server.front_door.handle(
                    ApiRequest(self.command, path, target.query, self.headers, body)
                )
                action, seller, code = response.action, response.seller_id, response.code
                if response.faults.fired:
                    # Injected faults show in the log, or a reset would look like a clean 200.
                    code = "+".join([code or "-", *response.faults.fired])
                status = response.status
                sent = self._api(response, body)
            else:
                status, sent = self._json(
                    405, {"error": f"{self.command} is not allowed: MWS takes GET or POST"}, body
                )
        except (BrokenPipeError, ConnectionResetError):
            status = 499  # the client went away mid-response
            self.close_connection = True
        elapsed = (time.perf_counter() - started) * 1000
        log.info(
            '%s "%s %s" %s %s %s %s %dB %.1fms',
            self.client_address[0],
            self.command,
            path,
            status,
            action or "-",
            seller or "-",
            code or "-",
            sent,
            elapsed,
        )

    def _finish_body(self, body: _Body) -> None:
        """An unread body would be taken for the next request: close the connection instead."""
        if not body.consumed:
            self.close_connection = True

    def _control(self, path: str, body: _Body) -> tuple[int, int]:
        raw = body.read_all(1024 * 1024) if self.command == "POST" else b""
        status, payload = self.server.control.handle(self.command, path, raw)
        return self._json(status, payload, body)

    def _json(self, status: int, payload: Any, body: _Body) -> tuple[int, int]:
        data = json.dumps(payload, indent=2).encode()
        self._finish_body(body)
        self._head(status, [("Content-Type", "application/json")], len(data))
        self.wfile.write(data)
        return status, len(data)

    def _page(self, body: _Body) -> tuple[int, int]:
        raw = body.read_all(64 * 1024) if self.command == "POST" else b""
        page = self.server.pages.handle(self.command, self.path, self.headers.get("Cookie"), raw)
        self._head(page.status, page.headers, len(page.body))
        self.wfile.write(page.body)
        return page.status, len(page.body)

    def _head(self, status: int, headers: list[tuple[str, str]], length: int) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(length))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()

    # --- MWS answers --------------------------------------------------------------------------

    def _api(self, response: ApiResponse, body: _Body) -> int:
        faults = response.faults
        self._skew = faults.skew
        self._finish_body(body)
        if faults.reset:
            self._reset()
            return 0
        headers = list(response.headers)
        if response.download is None:
            self._head(response.status, headers, len(response.body))
            return self._write(iter([response.body]), len(response.body), faults.truncate)
        assert response.download_digest is not None
        length, md5 = response.download_digest
        if faults.wrong_md5:
            md5 = base64.b64encode(hashlib.md5(md5.encode()).digest()).decode()  # noqa: S324
        headers += [("Content-Type", response.download.content_type), ("Content-MD5", md5)]
        self._head(200, headers, length)
        return self._write(response.download.chunks(), length, faults.truncate)

    def _write(self, chunks: Iterator[bytes], length: int, truncate: float | None) -> int:
        budget = length if truncate is None else int(length * truncate)
        sent = 0
        for chunk in chunks:
            if sent + len(chunk) > budget:
                self.wfile.write(chunk[: budget - sent])
                sent = budget
                break
            self.wfile.write(chunk)
            sent += len(chunk)
        if sent < length:
            self.close_connection = True  # the peer must see the body end early
        return sent

    def _reset(self) -> None:
        """Drop the connection with a TCP reset after the call was processed."""
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        state: SandboxState,
        faults: FaultInjector,
    ) -> None:
        self.state = state
        self.faults = faults
        self.front_door = FrontDoor(state, faults)
        self.pages = AuthPages(state.accounts, show_demo_logins=state.config.show_demo_logins)
        self.control = Control(state, faults)
        super().__init__(address, _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


def build_server(
    config: SandboxConfig,
    address: tuple[str, int],
    *,
    workdir: Path,
    clock: Clock | None = None,
    time_scale: float = 1.0,
    seed: int = 0,
) -> SandboxServer:
    state = SandboxState(
        config, clock=clock or SystemClock(), workdir=workdir, time_scale=time_scale, seed=seed
    )
    faults = FaultInjector(config.fault_rules(), seed=seed)
    return SandboxServer(address, state, faults)


@dataclass
class RunningSandbox:
    server: SandboxServer

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def config(self) -> SandboxConfig:
        return self.server.state.config

    @property
    def state(self) -> SandboxState:
        return self.server.state

    @property
    def faults(self) -> FaultInjector:
        return self.server.faults


@contextmanager
def running_sandbox(
    config: Mapping[str, Any] | str | Path | SandboxConfig | None = None,
    *,
    time_scale: float = 1.0,
    seed: int = 0,
    clock: Clock | None = None,
) -> Iterator[RunningSandbox]:
    """A sandbox serving on 127.0.0.1 at a free port until the block ends.

    ``config`` is a mapping in the config-file shape, a path to a JSON or TOML file, a loaded
    config, or None for the default config.
    """
    loaded = config if isinstance(config, SandboxConfig) else load_config(config)
    with tempfile.TemporaryDirectory(prefix="mws-sandbox-") as workdir:
        server = build_server(
            loaded,
            ("127.0.0.1", 0),
            workdir=Path(workdir),
            clock=clock,
            time_scale=time_scale,
            seed=seed,
        )
        # A short poll interval keeps shutdown quick, which tests starting many sandboxes feel.
        thread = threading.Thread(
            target=server.serve_forever, args=(0.05,), name="mws-sandbox", daemon=True
        )
        thread.start()
        try:
            yield RunningSandbox(server)
        finally:
            server.shutdown()
            server.server_close()
            thread.join()
