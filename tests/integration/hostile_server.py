"""A hostile server on loopback: a simulator's answers, except for the requests it picks, which
get a hostile answer written straight to the socket (a huge or endless body, a gzip bomb, any
header, any text). Used by the regression tests of the hostile-answer defects and by
``benchmarks/hostile_memory.py``."""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from koppelcheck.simulator.server import LOOPBACK, SimRequest


@dataclass
class Hostile:
    """A hostile answer. ``body`` is bytes, or a callable giving chunks (an endless iterator is
    fine: it is written until the client hangs up). ``length`` is the Content-Length to send
    (None: no Content-Length, the body ends when the connection closes)."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | Callable[[], Iterable[bytes]] = b""
    length: int | None | bool = True
    """True: the length of ``body`` (bytes only); an int: that; None: none, close to end."""


Picker = Callable[[SimRequest], Hostile | None]


def endless(chunk: bytes = b"x" * 65536) -> Callable[[], Iterator[bytes]]:
    """A body that never ends."""

    def chunks() -> Iterator[bytes]:
        while True:
            yield chunk

    return chunks


def repeated(total: int, chunk: bytes = b"x" * 65536) -> Callable[[], Iterator[bytes]]:
    """``total`` bytes of ``chunk`` repeated, produced as they are sent (never held whole)."""

    def chunks() -> Iterator[bytes]:
        left = total
        while left > 0:
            piece = chunk[:left]
            left -= len(piece)
            yield piece

    return chunks


def gzip_bomb(unpacked: int) -> bytes:
    """A gzip stream of ``unpacked`` zero bytes (about 1/1000 of that size)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    zeros = bytes(1 << 20)
    parts = [packer.compress(zeros) for _ in range(unpacked >> 20)]
    parts.append(packer.flush())
    data = b"".join(parts)
    return data


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet: request lines may hold tokens."""

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
        hostile = self.server.pick(request)
        try:
            if hostile is None:
                self._genuine(request)
            else:
                self.server.hostile_hits += 1
                self._hostile(hostile)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _genuine(self, request: SimRequest) -> None:
        response = self.server.app.handle(request)
        self.send_response(response.status)
        for name, value in {"Content-Length": str(len(response.body)), **response.headers}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(response.body)
        self.wfile.flush()

    def _hostile(self, hostile: Hostile) -> None:
        self.wfile.write(f"HTTP/1.1 {hostile.status} Hostile\r\n".encode())
        headers = dict(hostile.headers)
        if hostile.length is True and isinstance(hostile.body, bytes):
            headers["Content-Length"] = str(len(hostile.body))
        elif isinstance(hostile.length, int) and hostile.length is not True:
            headers["Content-Length"] = str(hostile.length)
        headers["Connection"] = "close"
        self.close_connection = True
        for name, value in headers.items():
            # Raw, as a hostile server may send them (latin-1 octets, any length).
            self.wfile.write(f"{name}: {value}\r\n".encode("latin-1", "replace"))
        self.wfile.write(b"\r\n")
        chunks = [hostile.body] if isinstance(hostile.body, bytes) else hostile.body()
        for chunk in chunks:
            if self.server.stopping.is_set():
                return
            self.wfile.write(chunk)
        self.wfile.flush()

    do_GET = do_POST = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, app: Any, pick: Picker) -> None:
        self.app = app
        self.pick = pick
        self.hostile_hits = 0
        self.stopping = threading.Event()
        super().__init__((LOOPBACK, 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up on a hostile answer is the point, not an error."""


class HostileServer:
    """``with HostileServer(simulator, pick) as server: server.base_url``. ``pick(request)``
    returns a :class:`Hostile` for the requests to attack, None for a genuine answer."""

    def __init__(self, app: Any, pick: Picker) -> None:
        self._server = _Server(app, pick)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def hostile_hits(self) -> int:
        return self._server.hostile_hits

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stopping.set()
        self._server.shutdown()
        self._server.server_close()
