"""httpcore's network layer on asyncio's own transports, for the direct (unproxied) routes.

httpcore's default backend goes through anyio, which on every request builds a dictionary of
socket attributes to answer "is this idle connection readable?" and wraps every read and write
in cancel scopes: about a tenth of a batch's CPU (docs/performance.md). This backend answers the
same questions from an :class:`asyncio.Protocol` that already knows (data or end-of-file has
arrived), and writes a request's head and body in one system call: httpcore writes them one
after the other without waiting in between, so they are gathered and sent when the answer is
first read (or when more than :data:`WRITE_GATHER_BYTES` wait).

It implements httpcore's public ``AsyncNetworkBackend``/``AsyncNetworkStream`` interfaces and
raises httpcore's own errors (``ConnectError``, ``ReadError``, ``WriteError``, the timeouts),
each chained to the OS or TLS error, exactly where the anyio backend raises them.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Iterable
from typing import Any, cast

import httpcore

WRITE_GATHER_BYTES = 64 * 1024
"""Request bytes held back to be sent with the next write (at most this many)."""
READ_BUFFER_BYTES = 256 * 1024
"""Answer bytes received ahead of the reader before the socket stops being read."""

SocketOption = (
    tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]
)


class _StreamProtocol(asyncio.Protocol):
    """Receives into a buffer; says when data, end-of-file or a lost connection arrived."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.eof = False
        self.lost: BaseException | None = None
        self.closed = False
        self.waiter: asyncio.Future[None] | None = None
        self.drained: asyncio.Future[None] | None = None
        self.read_paused = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A read-write transport (uvloop's are not subclasses of asyncio.Transport).
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) > READ_BUFFER_BYTES and not self.read_paused and self.transport:
            self.read_paused = True
            self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> None:
        self.eof = True
        self._wake()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.lost = exc
        self._wake()
        drained, self.drained = self.drained, None
        if drained is not None and not drained.done():
            drained.set_result(None)

    def pause_writing(self) -> None:
        if self.drained is None:
            self.drained = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        drained, self.drained = self.drained, None
        if drained is not None and not drained.done():
            drained.set_result(None)

    def _wake(self) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One TCP (or TLS) connection as httpcore reads and writes it."""

    def __init__(self, protocol: _StreamProtocol) -> None:
        self._protocol = protocol
        self._pending: list[bytes] = []
        self._pending_size = 0

    def _transport(self) -> asyncio.Transport:
        transport = self._protocol.transport
        assert transport is not None
        return transport

    def _flush(self) -> None:
        if self._pending:
            data = self._pending[0] if len(self._pending) == 1 else b"".join(self._pending)
            self._pending, self._pending_size = [], 0
            self._transport().write(data)

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        protocol = self._protocol
        if self._pending:
            if protocol.closed:
                raise httpcore.WriteError("the connection is closed") from protocol.lost
            self._flush()
        if not protocol.buffer and not protocol.eof and not protocol.closed:
            waiter = protocol.waiter = asyncio.get_running_loop().create_future()
            try:
                if timeout is None:
                    await waiter
                else:
                    async with asyncio.timeout(timeout):
                        await waiter
            except TimeoutError:
                raise httpcore.ReadTimeout("timed out") from None
            finally:
                if protocol.waiter is waiter:
                    protocol.waiter = None
        buffer = protocol.buffer
        if buffer:
            if len(buffer) <= max_bytes:
                data = bytes(buffer)
                buffer.clear()
            else:
                data = bytes(buffer[:max_bytes])
                del buffer[:max_bytes]
            if protocol.read_paused and len(buffer) < READ_BUFFER_BYTES // 2:
                protocol.read_paused = False
                if not protocol.closed:
                    self._transport().resume_reading()
            return data
        if protocol.lost is not None:
            raise httpcore.ReadError(str(protocol.lost) or type(protocol.lost).__name__) from (
                protocol.lost
            )
        return b""  # end of file, or closed: httpcore reads that as the server hanging up

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        protocol = self._protocol
        if protocol.closed or self._transport().is_closing():
            raise httpcore.WriteError("the connection is closed") from protocol.lost
        self._pending.append(buffer)
        self._pending_size += len(buffer)
        if self._pending_size < WRITE_GATHER_BYTES:
            return  # sent with the next write or before the answer is read
        self._flush()
        drained = protocol.drained
        if drained is not None:
            try:
                if timeout is None:
                    await asyncio.shield(drained)
                else:
                    async with asyncio.timeout(timeout):
                        await asyncio.shield(drained)
            except TimeoutError:
                raise httpcore.WriteTimeout("timed out") from None
            if protocol.closed and protocol.lost is not None:
                raise httpcore.WriteError(str(protocol.lost)) from protocol.lost

    async def aclose(self) -> None:
        self._pending, self._pending_size = [], 0
        transport = self._protocol.transport
        if transport is not None and not transport.is_closing():
            transport.close()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self._flush()
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                tls = await loop.start_tls(
                    self._transport(),
                    self._protocol,
                    ssl_context,
                    server_hostname=server_hostname,
                )
        except TimeoutError:
            await self.aclose()
            raise httpcore.ConnectTimeout("TLS handshake timed out") from None
        except (OSError, ssl.SSLError, ConnectionError) as exc:
            await self.aclose()
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        if tls is None:  # the connection was closed during the handshake
            raise httpcore.ConnectError("the connection closed during the TLS handshake")
        self._protocol.transport = tls
        return self

    def get_extra_info(self, info: str) -> Any:
        protocol = self._protocol
        if info == "is_readable":  # an idle connection with data or EOF waiting is finished
            return bool(protocol.buffer) or protocol.eof or protocol.closed
        transport = protocol.transport
        if transport is None:
            return None
        if info == "ssl_object":
            return transport.get_extra_info("ssl_object")
        if info == "client_addr":
            return transport.get_extra_info("sockname")
        if info == "server_addr":
            return transport.get_extra_info("peername")
        if info == "socket":
            return transport.get_extra_info("socket")
        return None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """Opens :class:`AsyncioStream` connections with ``loop.create_connection``."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        local = (local_address, 0) if local_address else None
        try:
            async with asyncio.timeout(timeout):
                transport, protocol = await loop.create_connection(
                    _StreamProtocol, host, port, local_addr=local
                )
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"no connection to {host}:{port} in time") from None
        except OSError as exc:
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        sock = transport.get_extra_info("socket")
        if sock is not None:
            for option in socket_options or ():
                sock.setsockopt(*option)
            if sock.family in (socket.AF_INET, socket.AF_INET6):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return AsyncioStream(protocol)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("koppelcheck does not connect through Unix sockets")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
