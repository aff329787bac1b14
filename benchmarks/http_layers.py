"""Client CPU per HTTP call, layer by layer: ``python benchmarks/http_layers.py [CALLS]``.

A minimal keep-alive HTTP/1.1 server runs in its own process (so its CPU is not counted); the
client POSTs ``CALLS`` small SOAP-sized requests, 8 in flight, and reports the CPU time of its
own process per call (user + system, µs) for:

- bare httpx (``httpx.AsyncClient()`` with its defaults);
- bare httpx with ``trust_env=False`` and our limits;
- the same on :mod:`koppelcheck.aionet` (asyncio's transports instead of anyio's);
- koppelcheck's client (:func:`koppelcheck.http.make_async_client`): per-key slots and the
  Nmbrs rate window, the service-time budget, the answer-size cap and the retry loop;

Each variant runs 3 times; the median is printed, with min and max.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import resource
import statistics
import subprocess
import sys
from collections.abc import Awaitable, Callable

BODY = b"<soap:Envelope>" + b"x" * 2000 + b"</soap:Envelope>"
ANSWER = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=utf-8\r\n"
    + f"Content-Length: {len(BODY)}\r\n\r\n".encode()
    + BODY
)
IN_FLIGHT = 8

SERVER = r"""
import asyncio, sys
ANSWER = {answer!r}

class Http(asyncio.Protocol):
    def connection_made(self, transport):
        self.t, self.buf = transport, b""
    def data_received(self, data):
        self.buf += data
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buf[:end].lower()
            i = head.find(b"content-length:")
            stop = head.find(b"\r\n", i)
            n = int(head[i + 15 : stop if stop > 0 else None]) if i >= 0 else 0
            if len(self.buf) < end + 4 + n:
                return
            self.buf = self.buf[end + 4 + n:]
            self.t.write(ANSWER)

async def main():
    server = await asyncio.get_running_loop().create_server(Http, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)

asyncio.run(main())
""".replace("{answer!r}", repr(ANSWER))


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _drive(send: Callable[[], Awaitable[object]], calls: int) -> float:
    """µs of this process's CPU per call, ``IN_FLIGHT`` at a time."""
    left = calls

    async def worker() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            await send()

    await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))  # warm: connections, imports
    left = calls
    before = _cpu()
    await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))
    return (_cpu() - before) * 1e6 / calls


async def _variants(url: str, calls: int) -> dict[str, float]:
    import httpx

    import koppelcheck
    import koppelcheck.http

    with contextlib.suppress(ImportError):  # not in older code (PYTHONPATH=<older src>)
        import koppelcheck.aionet  # noqa: F401
    from koppelcheck.http import LIMIT_KEY_EXTENSION, PRIORITY_EXTENSION, make_async_client
    from koppelcheck.retry import IDEMPOTENT_EXTENSION

    headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": "x"}
    results: dict[str, float] = {}

    async with httpx.AsyncClient() as bare:
        results["bare httpx"] = await _drive(
            lambda: bare.post(url, content=BODY, headers=headers), calls
        )
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=64)
    async with httpx.AsyncClient(trust_env=False, limits=limits) as lean:
        results["bare httpx, trust_env=False"] = await _drive(
            lambda: lean.post(url, content=BODY, headers=headers), calls
        )
    # The Nmbrs rate window (120 starts a second per domain) would make this a test of patience:
    # a batch's domains stay under it (8 in flight at 100 ms is 80 a second).
    koppelcheck.http.NMBRS_CALLS_PER_S = 10**6
    if hasattr(koppelcheck, "aionet"):
        from koppelcheck.aionet import AsyncioBackend

        async with httpx.AsyncClient(trust_env=False, limits=limits) as native:
            native._transport._pool._network_backend = AsyncioBackend()  # type: ignore[attr-defined]  # noqa: SLF001
            results["bare httpx, trust_env=False, asyncio backend"] = await _drive(
                lambda: native.post(url, content=BODY, headers=headers), calls
            )
    extensions = {LIMIT_KEY_EXTENSION: "domain", PRIORITY_EXTENSION: 1, IDEMPOTENT_EXTENSION: True}
    async with make_async_client(timeout_s=30, per_host_limit=IN_FLIGHT) as ours:
        results["koppelcheck client (Nmbrs call)"] = await _drive(
            lambda: ours.post(url, content=BODY, headers=headers, extensions=extensions), calls
        )
    async with make_async_client(timeout_s=30, per_host_limit=IN_FLIGHT) as ours:
        results["koppelcheck client (plain POST, no retry)"] = await _drive(
            lambda: ours.post(url, content=BODY, headers=headers), calls
        )
    return results


def main() -> int:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 1500
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert server.stdout is not None and server.stdin is not None
    url = f"http://127.0.0.1:{server.stdout.readline().strip()}/soap"
    os.environ.pop("HTTP_PROXY", None)
    try:
        runs = [asyncio.run(_variants(url, calls)) for _ in range(3)]
        if importlib.util.find_spec("uvloop"):
            import uvloop

            for run in runs:
                with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
                    found = runner.run(_variants(url, calls))
                run.update({f"{name}, uvloop": value for name, value in found.items()})
    finally:
        server.stdin.close()
        server.wait()
    for name in runs[0]:
        samples = [run[name] for run in runs]
        print(
            f"{name:45} {min(samples):6.0f} / {statistics.median(samples):6.0f} /"
            f" {max(samples):6.0f} µs CPU per call"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
