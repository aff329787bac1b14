"""koppelcheck's exception tree. Third-party errors are mapped into it once, chained with ``from``.

::

    KoppelcheckError
     ├── InputError              bad flag, file or field: exit 2, nothing sent or written
     ├── MissingSettingError     a credential or required setting is missing: exit 3
     └── RemoteError             a remote call could not be completed or understood
          ├── TransportError     connection refused or reset, TLS, proxy
          │    └── CallTimeout   no answer within --timeout
          ├── ProtocolError      an answer we cannot parse (HTML, truncated XML/JSON, no fault code)
          ├── NmbrsFault         a SOAP fault from Nmbrs, with its numeric code when it has one
          └── AfasHttpError      a non-success answer from AFAS (status, message, log reference)
"""

from __future__ import annotations


class KoppelcheckError(Exception):
    """Base of every error koppelcheck raises on purpose."""


class InputError(KoppelcheckError):
    """Invalid user input. ``field`` names what was wrong, ``hint`` says what is expected."""

    def __init__(self, field: str, message: str, hint: str = "") -> None:
        super().__init__(f"{field}: {message}" + (f" ({hint})" if hint else ""))
        self.field = field
        self.message = message
        self.hint = hint


class MissingSettingError(KoppelcheckError):
    """A credential or required setting is missing and cannot be asked for."""

    def __init__(self, setting: str, ways: list[str]) -> None:
        super().__init__(f"{setting} is missing; give it by: " + "; ".join(ways))
        self.setting = setting
        self.ways = ways


class RemoteError(KoppelcheckError):
    """A remote call could not be completed, or its answer not understood."""


class TransportError(RemoteError):
    """The connection failed: refused, reset, TLS, proxy or DNS."""


class CallTimeout(TransportError):
    """No answer within the per-call timeout."""


class ProtocolError(RemoteError):
    """The answer arrived but is not what the protocol promises (HTML, truncated, no fault code)."""


class NmbrsFault(RemoteError):
    """A SOAP fault from Nmbrs. ``code`` is the 4-digit Nmbrs code, or None when none was found."""

    def __init__(self, code: int | None, title: str, http_status: int | None = None) -> None:
        label = f"{code}: {title}" if code is not None else title
        super().__init__(label)
        self.code = code
        self.title = title
        self.http_status = http_status


class AfasHttpError(RemoteError):
    """A non-success HTTP answer from AFAS Profit."""

    def __init__(
        self,
        status: int,
        message: str = "",
        profit_log_reference: str | None = None,
        retry_after: str | None = None,
    ) -> None:
        super().__init__(f"HTTP {status}" + (f": {message}" if message else ""))
        self.status = status
        self.message = message
        self.profit_log_reference = profit_log_reference
        self.retry_after = retry_after
