"""One-line reasons for what went wrong remotely, in the user's language.

The runner and the checks word every :class:`~koppelcheck.errors.RemoteError` here, so a reset
connection reads the same for Nmbrs and AFAS, and says how often it was tried.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

from koppelcheck.errors import (
    CallTimeout,
    ProtocolError,
    RemoteError,
    ServiceUnavailable,
    TransportError,
)
from koppelcheck.secret import Redactor

if TYPE_CHECKING:
    from koppelcheck.i18n import Translator

_MAX_REASON = 300


def describe_retry_after(retry_after: str | None, t: Translator) -> str:
    """When to try again, in words: from ``Retry-After`` (seconds or a date), or "later"."""
    if not retry_after:
        return t("core.retry.unknown")
    value = retry_after.strip()
    if value.isascii() and value.isdigit():
        # Fraction: a 400-digit value overflows a float; "²" passes isdigit() but not int().
        minutes = max(1, round(Fraction(int(value), 60)))
        return t("core.retry.seconds", seconds=value, minutes=minutes)
    return t("core.retry.date", date=value)


def _attempts(count: int, t: Translator) -> str:
    return t("core.error.attempts", attempts=count) if count > 1 else ""


def describe_remote_error(exc: RemoteError, t: Translator, redactor: Redactor | None = None) -> str:
    """The error as one line: a translated sentence for connection trouble, timeouts and
    unavailable services; otherwise the error's own first line, redacted and shortened."""
    if isinstance(exc, CallTimeout):
        seconds = f"{exc.seconds:g}" if exc.seconds else "?"
        return t("core.error.call_timeout", seconds=seconds, attempts=_attempts(exc.attempts, t))
    if isinstance(exc, TransportError):
        reason = t(f"core.transport.{exc.kind}")
        if exc.kind == "other":
            reason += ": " + _first_line(exc, redactor)
        return t("core.error.transport", reason=reason, attempts=_attempts(exc.attempts, t))
    if isinstance(exc, ServiceUnavailable):
        return t(
            "core.error.unavailable",
            status=exc.status,
            attempts=_attempts(exc.attempts, t),
            when=describe_retry_after(exc.retry_after, t),
        )
    if isinstance(exc, ProtocolError) and exc.kind in ("html", "unreadable"):
        return t(f"core.protocol.{exc.kind}", status=exc.status or "?", expected=exc.expected)
    return _first_line(exc, redactor)


def _first_line(exc: BaseException, redactor: Redactor | None) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return (redactor or Redactor()).redact(text)[:_MAX_REASON]
