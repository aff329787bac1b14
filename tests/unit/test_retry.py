"""Bounded retries: what is retried, how often, how long, and what is never sent twice."""

from __future__ import annotations

import asyncio
import ssl
from datetime import UTC, datetime

import httpx
import pytest

from koppelcheck.retry import (
    IDEMPOTENT_EXTENSION,
    RetryableAnswer,
    RetryPolicy,
    attempts_of,
    is_idempotent,
    retry_after_s,
    send_with_retries,
)

FAST = RetryPolicy(initial_backoff_s=0.001, max_backoff_s=0.002, jitter_s=0.001, min_attempt_s=0)
REQUEST = httpx.Request("GET", "https://example.invalid/x")


class Script:
    """Plays a list of outcomes, one per attempt: an exception to raise or a status to answer."""

    def __init__(self, *outcomes: BaseException | int, headers: dict[str, str] | None = None):
        self.outcomes = list(outcomes)
        self.calls = 0
        self.headers = headers or {}

    async def __call__(self) -> httpx.Response:
        outcome = self.outcomes[min(self.calls, len(self.outcomes) - 1)]
        self.calls += 1
        if isinstance(outcome, BaseException):
            raise outcome
        response = httpx.Response(outcome, headers=self.headers, request=REQUEST)
        if outcome in (502, 503, 504):
            raise RetryableAnswer(response)
        return response


def plenty() -> float:
    return 60.0


async def test_a_reset_then_an_answer_is_one_retry() -> None:
    script = Script(httpx.ReadError("reset"), 200)
    response = await send_with_retries(script, remaining_s=plenty, policy=FAST)
    assert response.status_code == 200 and script.calls == 2
    assert attempts_of(response) == 2


async def test_a_lasting_reset_stops_after_max_attempts_with_the_last_error() -> None:
    script = Script(httpx.ReadError("reset"))
    with pytest.raises(httpx.ReadError) as info:
        await send_with_retries(script, remaining_s=plenty, policy=FAST)
    assert script.calls == 3 and attempts_of(info.value) == 3


@pytest.mark.parametrize("status", [200, 401, 403, 404, 500])
async def test_an_answer_that_says_something_is_never_retried(status: int) -> None:
    script = Script(status)
    response = await send_with_retries(script, remaining_s=plenty, policy=FAST)
    assert response.status_code == status and script.calls == 1


@pytest.mark.parametrize(
    "error",
    [
        httpx.ProxyError("403 from proxy"),
        httpx.UnsupportedProtocol("ftp"),
        httpx.ConnectError("verify failed"),
    ],
)
async def test_proxy_and_certificate_refusals_are_not_retried(error: Exception) -> None:
    if isinstance(error, httpx.ConnectError):
        error.__cause__ = ssl.SSLCertVerificationError("certificate verify failed")
    script = Script(error)
    with pytest.raises(type(error)):
        await send_with_retries(script, remaining_s=plenty, policy=FAST)
    assert script.calls == 1


async def test_503_retries_then_gives_the_last_answer_back() -> None:
    script = Script(503)
    response = await send_with_retries(script, remaining_s=plenty, policy=FAST)
    assert response.status_code == 503 and script.calls == 3
    assert attempts_of(response) == 3


async def test_retry_after_that_does_not_fit_the_budget_is_not_waited_for() -> None:
    script = Script(503, 200, headers={"Retry-After": "120"})
    loop = asyncio.get_running_loop()
    started = loop.time()
    response = await send_with_retries(script, remaining_s=lambda: 5.0, policy=FAST)
    assert response.status_code == 503 and script.calls == 1
    assert loop.time() - started < 1


async def test_retry_after_that_fits_is_waited_for() -> None:
    script = Script(503, 200, headers={"Retry-After": "0"})
    response = await send_with_retries(script, remaining_s=plenty, policy=FAST)
    assert response.status_code == 200 and script.calls == 2


async def test_no_retry_when_the_budget_is_spent() -> None:
    script = Script(httpx.ReadError("reset"), 200)
    policy = RetryPolicy(initial_backoff_s=1, jitter_s=0, min_attempt_s=0.5)
    with pytest.raises(httpx.ReadError):
        await send_with_retries(script, remaining_s=lambda: 1.2, policy=policy)
    assert script.calls == 1


def test_backoff_grows_is_capped_and_jittered() -> None:
    policy = RetryPolicy(initial_backoff_s=0.25, max_backoff_s=1.0, jitter_s=0.25)
    for failures, low in ((1, 0.25), (2, 0.5), (3, 1.0), (6, 1.0)):
        pauses = {policy.backoff_s(failures) for _ in range(20)}
        assert all(low <= p <= low + 0.25 for p in pauses)
        assert len(pauses) > 1  # jitter: parallel checks do not retry in step


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        (" 7 ", 7.0),
        ("Sat, 21 Nov 2026 12:02:00 GMT", 120.0),
        ("Sat, 21 Nov 2026 11:00:00 GMT", 0.0),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_in_seconds(value: str | None, expected: float | None) -> None:
    now = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    assert retry_after_s(value, now) == expected


@pytest.mark.parametrize(
    ("method", "marked", "expected"),
    [
        ("GET", None, True),
        ("HEAD", None, True),
        ("POST", None, False),
        ("POST", True, True),
        ("GET", False, False),
    ],
)
def test_idempotent_by_method_unless_marked(method: str, marked: bool | None, expected) -> None:
    extensions = {} if marked is None else {IDEMPOTENT_EXTENSION: marked}
    request = httpx.Request(method, "https://example.invalid/", extensions=extensions)
    assert is_idempotent(request) is expected
