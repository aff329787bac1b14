"""koppelcheck.aionet: httpcore's network layer on asyncio transports, over real loopback TCP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from koppelcheck.aionet import AsyncioBackend
from koppelcheck.http import make_async_client

BODY = b"<answer/>"


class _Server(asyncio.Protocol):
    """Answers each request (head and body) with BODY; closes after ``answers`` of them."""

    def __init__(self, served: list[bytes], answers: int) -> None:
        self._served = served
        self._answers = answers
        self._buffer = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while b"\r\n\r\n" in self._buffer:
            head, _, rest = self._buffer.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            if len(rest) < length:
                return
            self._served.append(rest[:length])
            self._buffer = rest[length:]
            self._transport.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n"
                + f"Content-Length: {len(BODY)}\r\n\r\n".encode()
                + BODY
            )
            self._answers -= 1
            if self._answers == 0:
                self._transport.close()
                return


@asynccontextmanager
async def _serving(answers_per_connection: int) -> AsyncIterator[tuple[str, list[bytes]]]:
    served: list[bytes] = []
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: _Server(served, answers_per_connection), "127.0.0.1", 0
    )
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/soap", served
    finally:
        server.close()
        await server.wait_closed()


def _counting_connects(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    opened: list[str] = []
    connect = AsyncioBackend.connect_tcp

    async def counted(self: AsyncioBackend, host: str, port: int, **kwargs: object):  # type: ignore[no-untyped-def]
        opened.append(f"{host}:{port}")
        return await connect(self, host, port, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(AsyncioBackend, "connect_tcp", counted)
    return opened


def test_direct_calls_run_on_the_asyncio_backend_and_reuse_the_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    opened = _counting_connects(monkeypatch)

    async def main() -> list[bytes]:
        async with _serving(answers_per_connection=0) as (url, served):
            async with make_async_client(timeout_s=10, per_host_limit=1) as client:
                for n in range(3):
                    response = await client.post(url, content=b"request %d" % n)
                    assert response.status_code == 200 and response.content == BODY
            return served

    assert asyncio.run(main()) == [b"request 0", b"request 1", b"request 2"]
    assert len(opened) == 1  # one connection, kept alive for all three


def test_a_connection_the_server_closed_while_idle_is_replaced_not_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    opened = _counting_connects(monkeypatch)

    async def main() -> list[bytes]:
        async with _serving(answers_per_connection=1) as (url, served):
            async with make_async_client(timeout_s=10, per_host_limit=1) as client:
                for n in range(2):
                    response = await client.post(url, content=b"request %d" % n)
                    assert response.content == BODY
                    await asyncio.sleep(0.05)  # the server's close reaches the idle connection
            return served

    assert asyncio.run(main()) == [b"request 0", b"request 1"]
    assert len(opened) == 2


def test_a_refused_connection_is_httpx_connect_error_with_the_os_error_as_cause() -> None:
    async def main() -> BaseException:
        async with _serving(answers_per_connection=1) as (url, _served):
            pass  # closed: nothing listens on that port now
        async with make_async_client(timeout_s=5, per_host_limit=1) as client:
            with pytest.raises(httpx.ConnectError) as info:
                await client.get(url)
        return info.value

    error = asyncio.run(main())
    cause: BaseException | None = error
    while cause is not None and not isinstance(cause, OSError):
        cause = cause.__cause__ or cause.__context__
    assert isinstance(cause, OSError)
