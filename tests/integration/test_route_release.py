"""A batch's finished routes (an AFAS environment that is done) release their connections."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from koppelcheck import http as http_module
from koppelcheck.http import make_async_client

pytestmark = pytest.mark.integration


def _server(close: bool) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - the http.server name
            self.send_response(200)
            self.send_header("Content-Length", "2")
            if close:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}).start()
    return server


@pytest.fixture
def servers() -> Iterator[dict[str, str]]:
    started = {"done": _server(close=True), "busy": _server(close=False), "new": _server(False)}
    yield {name: f"http://127.0.0.1:{s.server_address[1]}/" for name, s in started.items()}
    for server in started.values():
        server.shutdown()
        server.server_close()


def test_spent_routes_are_released_and_live_ones_kept(
    servers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(http_module, "ROUTE_SWEEP_S", 0.0)

    def ports(routes: dict[tuple[str | None, str], object]) -> set[str]:
        return {key[1].split(":")[2].split("|")[0] for key in routes}

    def port(name: str) -> str:
        return servers[name].split(":")[2].rstrip("/")

    async def run() -> list[set[str]]:
        seen = []
        async with make_async_client(timeout_s=5, per_host_limit=5) as client:
            for name in ("done", "busy", "new", "done"):
                assert (await client.get(servers[name])).status_code == 200
                seen.append(ports(client._transport._inner._routes))  # type: ignore[attr-defined]
        return seen

    after_done, after_busy, after_new, done_again = asyncio.run(run())
    assert after_done == {port("done")}
    # The closed route is released at the next request; the live one is kept.
    assert after_busy == {port("busy")}
    assert after_new == {port("busy"), port("new")}
    assert port("done") in done_again  # a released route comes back when used again
