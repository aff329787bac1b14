"""A real loopback answer that waits for a starved event loop is read, not a timeout.

The server (its own thread) answers at once; the client's loop is then held for five times the
per-call budget. The per-call budget measures the service, so the call succeeds. A server that
never answers still ends as a timeout. No assertion is about how long anything took.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from koppelcheck.http import make_async_client

pytestmark = pytest.mark.integration
BUDGET_S = 0.3
BODY = b"<ok/>" * 2000  # several reads' worth


class OneShotServer:
    """Answers each connection's first request at once (or never, when ``hang``)."""

    def __init__(self, hang: bool = False) -> None:
        self.hang = hang
        self.asked = threading.Event()
        """Set when the request is in; the server then waits for ``starved`` before answering."""
        self.starved = threading.Event()
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen()
        self.port = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                self.asked.set()
                self.starved.wait(10)  # the answer arrives while the client's loop is held
                if self.hang:
                    time.sleep(5 * BUDGET_S + 2)
                    continue
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n"
                    + f"Content-Length: {len(BODY)}\r\n\r\n".encode()
                    + BODY
                )
                time.sleep(5 * BUDGET_S + 1)  # keep the connection open while the client reads

    def close(self) -> None:
        self._sock.close()


@pytest.fixture
def server() -> Iterator[OneShotServer]:
    served = OneShotServer()
    yield served
    served.close()


async def _call_while_starved(server: OneShotServer) -> httpx.Response:
    async with make_async_client(timeout_s=BUDGET_S, per_host_limit=4) as http:

        async def starve_once_asked() -> None:
            while not server.asked.is_set():
                await asyncio.sleep(0.001)
            server.starved.set()
            time.sleep(5 * BUDGET_S)  # the answer comes in meanwhile; the loop is held

        starver = asyncio.create_task(starve_once_asked())
        try:
            return await http.get(f"http://127.0.0.1:{server.port}/x")
        finally:
            starver.cancel()


def test_an_answer_waiting_for_a_starved_loop_is_read(server: OneShotServer) -> None:
    response = asyncio.run(_call_while_starved(server))
    assert response.status_code == 200 and response.content == BODY


def test_a_server_that_never_answers_still_times_out() -> None:
    hanging = OneShotServer(hang=True)
    try:
        with pytest.raises(httpx.ReadTimeout):
            asyncio.run(_call_while_starved(hanging))
    finally:
        hanging.close()
