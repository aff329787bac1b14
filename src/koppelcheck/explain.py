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
from koppelcheck.i18n import MessageList
from koppelcheck.retry import retry_after_seconds
from koppelcheck.secret import Redactor, server_text

if TYPE_CHECKING:
    from koppelcheck.i18n import Translator

_MAX_REASON = 300


def describe_retry_after(retry_after: str | None, t: Translator) -> str:
    """When to try again, in words: from ``Retry-After`` (seconds or a date), or "later"."""
    if not retry_after:
        return t("core.retry.unknown")
    seconds = retry_after_seconds(retry_after)
    if seconds is not None:
        minutes = max(1, round(Fraction(seconds, 60)))
        return t("core.retry.seconds", seconds=seconds, minutes=minutes)
    return t("core.retry.date", date=server_text(retry_after, 80))


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
        if exc.kind == "other":  # the parts keep their keys in the JSON report
            reason = MessageList(": ", [reason, _first_line(exc, redactor)])
        return t("core.error.transport", reason=reason, attempts=_attempts(exc.attempts, t))
    if isinstance(exc, ServiceUnavailable):
        return t(
            "core.error.unavailable",
            status=exc.status,
            attempts=_attempts(exc.attempts, t),
            when=describe_retry_after(exc.retry_after, t),
        )
    if isinstance(exc, ProtocolError) and exc.kind in ("html", "unreadable", "too_large"):
        return t(f"core.protocol.{exc.kind}", status=exc.status or "?", expected=exc.expected)
    return _first_line(exc, redactor)


def _first_line(exc: BaseException, redactor: Redactor | None) -> str:
    """The exception's first line as :func:`~koppelcheck.secret.server_text` makes it."""
    try:
        text = str(exc)
    except Exception:  # noqa: BLE001 - a message that cannot be made is no reason to crash
        text = ""
    text = text.splitlines()[0] if text.strip() else type(exc).__name__
    return server_text(text, _MAX_REASON, redactor)
