"""A small threaded HTTP server on loopback that hands each request to a simulator's ``handle``.

Simulators are plain objects with ``handle(SimRequest) -> SimResponse``; they know nothing of
sockets, so they are tested without one. The server adds the per-call latency and carries out the
transport-level faults a response may ask for (a delay, a slow drip, a reset connection).
"""

from __future__ import annotations

import socket
import struct
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class SimRequest:
    """One HTTP request as a simulator sees it. Header names are lower-case."""

    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]
    body: bytes = b""

    def header(self, name: str, default: str = "") -> str:
        """A header's value, looked up case-insensitively."""
        return self.headers.get(name.lower(), default)


@dataclass
class SimResponse:
    """What to answer. ``delay_s`` waits before answering, ``drip_s`` sends the body a few bytes
    at a time with that pause between pieces, ``reset`` drops the connection without an answer,
    ``truncate_at`` sends only that many bytes of the body (Content-Length still promises all of
    it) and then closes the connection."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    drip_s: float = 0.0
    reset: bool = False
    truncate_at: int | None = None


class Simulator(Protocol):
    """Anything that answers requests."""

    def handle(self, request: SimRequest) -> SimResponse:
        """Answer one request."""
        ...


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Send headers and body in one segment, without Nagle: otherwise every answer waits ~40 ms
    # for a delayed ACK on loopback.
    disable_nagle_algorithm = True
    wbufsize = 64 * 1024
    server: _SimHTTPServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        """Stay quiet: simulators must not write request lines (they may hold tokens) to stderr."""

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        request = SimRequest(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        if self.server.latency_s:
            time.sleep(self.server.latency_s)
        response = self.server.app.handle(request)
        if response.delay_s and self.server.stopping.wait(response.delay_s):
            response.reset = True  # the server is stopping: give up on a hanging answer
        if response.reset:
            self._reset()
            return
        self.send_response(response.status)
        headers = {"Content-Length": str(len(response.body)), **response.headers}
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command == "HEAD":
            return
        body = response.body
        if response.truncate_at is not None:
            body = body[: response.truncate_at]
            self.close_connection = True
        if response.drip_s:
            for start in range(0, len(body), 16):
                self.wfile.write(body[start : start + 16])
                self.wfile.flush()
                if self.server.stopping.wait(response.drip_s):
                    self.close_connection = True
                    return
        else:
            self.wfile.write(body)
        self.wfile.flush()

    def _reset(self) -> None:
        # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = _serve


class _SimHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, app: Simulator, port: int, latency_s: float) -> None:
        self.app = app
        self.latency_s = latency_s
        self.stopping = threading.Event()
        """Set when the server stops, so a hanging or dripping answer ends at once."""
        super().__init__((LOOPBACK, port), _Handler)

    def handle_error(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: object
    ) -> None:
        """A client that hung up (a timeout, a reset) is normal here; anything else is reported."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class SimulatorServer:
    """Serves a simulator on 127.0.0.1 in a background thread. Use as a context manager.

    ``port=0`` picks a free port; :attr:`base_url` tells where it listens.
    """

    def __init__(self, app: Simulator, port: int = 0, latency_ms: int = 0) -> None:
        self.app = app
        self._server = _SimHTTPServer(app, port, latency_ms / 1000)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The port it listens on."""
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://{LOOPBACK}:{self.port}"

    def start(self) -> SimulatorServer:
        """Start serving in a daemon thread."""
        # Poll for stop() every 20 ms, not socketserver's 0.5 s: tests start and stop hundreds.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted (for ``koppelcheck simulate``)."""
        self._server.serve_forever()

    def stop(self) -> None:
        """Stop serving and close the socket; hanging and dripping answers end at once."""
        self._server.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
