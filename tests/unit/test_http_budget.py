"""The per-call budget of koppelcheck's HTTP client: drips and hangs end in time, retries fit in
it, and queueing for a free slot does not eat it. An in-memory transport; no network."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from koppelcheck.errors import CallTimeout, TransportError
from koppelcheck.http import make_async_client, remote_error_from, shared_or_own_client
from koppelcheck.retry import IDEMPOTENT_EXTENSION, RetryPolicy, attempts_of

FAST = RetryPolicy(initial_backoff_s=0.01, max_backoff_s=0.02, jitter_s=0.01, min_attempt_s=0.01)
URL = "https://nmbrs.example/soap/v3/EmployeeService.asmx"


class Drip(httpx.AsyncByteStream):
    """A body that arrives a byte at a time, ``pause_s`` apart."""

    def __init__(self, pause_s: float, size: int = 100) -> None:
        self.pause_s, self.size = pause_s, size

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in range(self.size):
            await asyncio.sleep(self.pause_s)
            yield b"x"


def client_with(handler, timeout_s: float = 0.3, per_host: int = 5) -> httpx.AsyncClient:
    return make_async_client(
        timeout_s=timeout_s,
        per_host_limit=per_host,
        transport=httpx.MockTransport(handler),
        retry_policy=FAST,
    )


async def test_a_drip_ends_as_a_timeout_within_the_budget() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=Drip(0.05))

    async with client_with(handler) as http:
        started = time.perf_counter()
        with pytest.raises(httpx.ReadTimeout) as info:
            await http.get(URL)
        elapsed = time.perf_counter() - started
    assert elapsed < 0.6  # 100 bytes at 0.05 s would take 5 s
    error = remote_error_from(info.value, "Children_Get", 0.3)
    assert isinstance(error, CallTimeout) and error.seconds == 0.3


async def test_retries_share_one_budget() -> None:
    calls = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.2)
        raise httpx.ReadError("reset", request=request)

    async with client_with(handler, timeout_s=0.3) as http:
        started = time.perf_counter()
        with pytest.raises((httpx.ReadError, httpx.ReadTimeout)):
            await http.get(URL)
        elapsed = time.perf_counter() - started
    assert calls >= 2  # it did retry
    # Three attempts of 0.2 s would take 0.6 s; one shared 0.3 s budget cuts the second short.
    assert elapsed < 0.45


async def test_a_read_marked_not_idempotent_is_sent_once() -> None:
    calls = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        raise httpx.ReadError("reset", request=request)

    async with client_with(handler) as http:
        with pytest.raises(httpx.ReadError):
            await http.post(URL, content=b"<x/>", extensions={IDEMPOTENT_EXTENSION: False})
    assert calls == 1


async def test_an_idempotent_post_is_retried_and_counted() -> None:
    answers = iter([httpx.ReadError("reset"), None])

    async def handler(request: httpx.Request) -> httpx.Response:
        error = next(answers)
        if error is not None:
            raise error
        return httpx.Response(200, text="<ok/>")

    async with client_with(handler) as http:
        response = await http.post(URL, content=b"<x/>", extensions={IDEMPOTENT_EXTENSION: True})
    assert response.status_code == 200 and attempts_of(response) == 2


async def test_waiting_for_a_free_slot_does_not_count_against_the_budget() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.2)
        return httpx.Response(200)

    async with client_with(handler, timeout_s=0.3, per_host=1) as http:
        answers = await asyncio.gather(*(http.get(URL) for _ in range(3)))
    assert [a.status_code for a in answers] == [200, 200, 200]  # 0.6 s in all, 0.2 s each


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (httpx.ConnectError("refused"), "refused"),
        (httpx.ReadError("reset"), "reset"),
        (httpx.RemoteProtocolError("closed early"), "incomplete"),
        (httpx.ProxyError("403"), "proxy"),
        (httpx.DecodingError("bad gzip"), "other"),
    ],
)
def test_httpx_errors_map_to_one_kind_each(error: Exception, kind: str) -> None:
    mapped = remote_error_from(error, "List_GetAll", 30)
    assert isinstance(mapped, TransportError) and mapped.kind == kind
    assert "List_GetAll" in str(mapped)


def test_a_certificate_error_is_the_tls_kind() -> None:
    import ssl

    error = httpx.ConnectError("failed")
    error.__cause__ = ssl.SSLCertVerificationError("certificate verify failed")
    assert remote_error_from(error, "metainfo", 30).kind == "tls"


def test_the_rate_window_holds_the_call_over_the_limit_until_the_second_is_over() -> None:
    """Nmbrs' fair use is a rate (nmbrs-api.md §5): the next start waits, the others do not."""
    import asyncio

    from koppelcheck.http import _RateWindow

    async def main() -> tuple[bool, bool]:
        window = _RateWindow(3)
        for _ in range(3):
            await asyncio.wait_for(window.wait(), 5)  # under the limit: at once
        fourth = asyncio.create_task(window.wait())
        for _ in range(10):
            await asyncio.sleep(0)
        held = not fourth.done()
        await fourth
        return held, fourth.done()

    assert asyncio.run(main()) == (True, True)


def test_a_free_slot_goes_to_a_chain_call_first_then_in_order_of_arrival() -> None:
    import asyncio

    from koppelcheck.http import _Slots

    async def main() -> list[str]:
        slots = _Slots(1)
        served: list[str] = []
        release = asyncio.Event()

        async def call(name: str, priority: int) -> None:
            await slots.acquire(priority)
            try:
                served.append(name)
                if name == "first":
                    await release.wait()
            finally:
                slots.release()

        first = asyncio.create_task(call("first", 1))
        await asyncio.sleep(0)
        waiting = [asyncio.create_task(call(n, p)) for n, p in [("a", 1), ("b", 1), ("chain", 0)]]
        cancelled = asyncio.create_task(call("cancelled", 0))
        await asyncio.sleep(0)
        cancelled.cancel()
        release.set()
        await asyncio.gather(first, *waiting, return_exceptions=True)
        return served

    assert asyncio.run(main()) == ["first", "chain", "a", "b"]


def test_a_run_borrows_a_shared_client_and_closes_only_its_own() -> None:
    """A batch's client stays open for the next employer; a run's own client is closed, also
    when the run fails."""

    async def scenario() -> tuple[bool, bool]:
        shared = make_async_client(timeout_s=1, per_host_limit=1)
        async with shared_or_own_client(shared, timeout_s=1, per_host_limit=1) as client:
            assert client is shared
        own: list[httpx.AsyncClient] = []
        with pytest.raises(RuntimeError):
            async with shared_or_own_client(None, timeout_s=1, per_host_limit=1) as client:
                own.append(client)
                raise RuntimeError("a run that fails")
        shared_open = not shared.is_closed
        await shared.aclose()
        return shared_open, own[0].is_closed

    assert asyncio.run(scenario()) == (True, True)
