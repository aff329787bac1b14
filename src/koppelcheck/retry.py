"""Bounded retries for idempotent reads: backoff with jitter, ``Retry-After`` honoured.

One remote call gets one time budget (``--timeout``), counted from the moment its first attempt
is sent. Every attempt, every pause between attempts and the reading of every answer fit in it,
so a hanging or dripping server ends as a timeout after ``--timeout`` seconds, not later.

What is retried, and why (docs/security.md, "Faults"):

- only requests marked idempotent (GET, and the Nmbrs reads; never the call that starts a
  background report);
- a lost connection (refused, reset, closed mid-answer) and a timeout while budget remains;
- HTTP 502, 503 and 504, after ``Retry-After`` when it fits in the budget.

Never retried: any answer that says something about the setup. HTTP 500 (Nmbrs faults 1001 and
1002 come as 500, AFAS's "niet geautoriseerd" too), 401, 403, 404, a TLS certificate that does
not verify, a proxy that refuses.
"""

from __future__ import annotations

import asyncio
import random
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx


RETRYABLE_STATUSES = frozenset({502, 503, 504})
ATTEMPTS = "koppelcheck_attempts"
"""Where the number of attempts is left: an attribute of the last exception, or a key in the last
response's ``extensions``; read it with :func:`attempts_of`."""
IDEMPOTENT_EXTENSION = "koppelcheck.idempotent"
"""An httpx request extension (never sent): True when the request may be sent again."""


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to try one idempotent read again."""

    max_attempts: int = 3
    initial_backoff_s: float = 0.25
    max_backoff_s: float = 2.0
    jitter_s: float = 0.25
    """A random 0..jitter_s is added to each pause, so parallel checks do not retry in step."""
    min_attempt_s: float = 0.25
    """No attempt is started with less than this left of the budget."""

    def backoff_s(self, failed_attempts: int) -> float:
        """The pause after ``failed_attempts`` failures: exponential, capped, plus jitter."""
        base = self.initial_backoff_s * 2.0 ** (failed_attempts - 1)
        return min(self.max_backoff_s, base) + random.uniform(0, self.jitter_s)  # noqa: S311


DEFAULT_POLICY = RetryPolicy()
NO_RETRIES = RetryPolicy(max_attempts=1)


class RetryableAnswer(Exception):
    """An answer worth asking again (502/503/504); carries the response for the last attempt."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


def is_idempotent(request: httpx.Request) -> bool:
    """Whether ``request`` may be sent again: its extension says so, else GET and HEAD."""
    marked = request.extensions.get(IDEMPOTENT_EXTENSION)
    if marked is not None:
        return bool(marked)
    return request.method in ("GET", "HEAD")


MAX_RETRY_AFTER_S = 10**9
"""A ``Retry-After`` of more seconds than this (about 31 years) is read as this many: a header of
5,000 digits is past ``int()``'s digit limit, and no budget waits that long anyway."""


def retry_after_seconds(value: str | None) -> int | None:
    """``Retry-After`` as delta-seconds (at most :data:`MAX_RETRY_AFTER_S`), or None when it is
    absent or not a number of seconds. Total: any text gives an answer, never an exception."""
    if not value:
        return None
    text = value.strip()
    if not (text.isascii() and text.isdigit()):  # "²" is a digit to isdigit(), not to int()
        return None
    digits = text.lstrip("0") or "0"
    if len(digits) > len(str(MAX_RETRY_AFTER_S)):
        return MAX_RETRY_AFTER_S
    return min(int(digits), MAX_RETRY_AFTER_S)


def retry_after_s(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` in seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); None if absent
    or unreadable. Total, like :func:`retry_after_seconds`."""
    if not value:
        return None
    seconds = retry_after_seconds(value)
    if seconds is not None:
        return float(seconds)
    text = value.strip()
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    try:
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
    except (TypeError, ValueError, OverflowError):
        return None


def _worth_retrying(exc: BaseException) -> bool:
    import httpx  # not at the top: explain.py imports this module on the CLI's start-up path

    if isinstance(exc, RetryableAnswer):
        return True
    if isinstance(exc, httpx.ProxyError | httpx.UnsupportedProtocol | httpx.LocalProtocolError):
        return False
    if not isinstance(exc, httpx.TransportError):
        return False
    # A certificate that does not verify will not verify next time.
    return not caused_by(exc, ssl.SSLCertVerificationError)


def caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    """Whether ``exc`` or anything in its chain of causes is a ``kind``."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, kind):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


async def send_with_retries(
    attempt: Callable[[], Awaitable[httpx.Response]],
    *,
    remaining_s: Callable[[], float],
    policy: RetryPolicy = DEFAULT_POLICY,
) -> httpx.Response:
    """Run ``attempt`` until it answers something not worth retrying, or the policy or the budget
    says stop. ``remaining_s`` tells how much of the call's budget is left.

    ``attempt`` returns the response, or raises :class:`RetryableAnswer` or an httpx error. When
    the retries run out on a retryable answer, that last answer is returned for the caller to
    judge (AFAS's 503 says when to come back); on an exception, the last exception is raised.

    A plain loop: it replaced tenacity, whose per-call machinery (a retry state object, its
    statistics, ``inspect`` on every attempt) cost more CPU than the rest of the client's own
    layers together, for three rules that read more plainly here (docs/performance.md).
    """
    attempts = 0
    while True:
        attempts += 1
        try:
            response = await attempt()
        except Exception as exc:
            setattr(exc, ATTEMPTS, attempts)
            answer = exc.response if isinstance(exc, RetryableAnswer) else None
            if answer is not None:
                answer.extensions[ATTEMPTS] = attempts
            if not _worth_retrying(exc):
                raise
            wait = _pause_s(answer, attempts, policy)
            if attempts >= policy.max_attempts or wait + policy.min_attempt_s > remaining_s():
                if answer is not None:
                    return answer
                raise
            await asyncio.sleep(wait)
            continue
        response.extensions[ATTEMPTS] = attempts
        return response


def _pause_s(answer: httpx.Response | None, failed: int, policy: RetryPolicy) -> float:
    """The pause before the next attempt: the answer's ``Retry-After``, else the backoff."""
    if answer is not None:
        wait = retry_after_s(answer.headers.get("retry-after"))
        if wait is not None:
            return wait
    return policy.backoff_s(failed)


def attempts_of(thing: object) -> int:
    """How many attempts led to this exception or response (1 when it was not retried)."""
    extensions = getattr(thing, "extensions", None)
    if isinstance(extensions, dict) and ATTEMPTS in extensions:
        return int(extensions[ATTEMPTS])
    return int(getattr(thing, ATTEMPTS, 1))
