"""koppelcheck's exception tree: every exception class of the package, drawn once.

Third-party errors are mapped into it once, chained with ``from``. Every error koppelcheck raises on
purpose is a :class:`KoppelcheckError` defined in this module (older import paths such as
``koppelcheck.bundle.verify.BundleInvalidError`` still work); ``cli.common.handle_errors`` turns it
into a message and the contract's exit code. ``tests/unit/test_error_tree.py`` fails when a class
of the package is missing here or drawn under the wrong parent.

::

    KoppelcheckError
     ├── InputError                 bad flag, file or field: exit 2, nothing sent or written
     │    └── BundleUnreadableError  a bundle file that cannot be read or is no flattened JWS
     ├── MissingSettingError        a credential or required setting is missing: exit 3
     ├── KeyringUnavailableError    the OS keyring failed or did not answer in time
     ├── BundleInvalidError         bad signature, tampered, wrong key or bad payload: exit 1
     ├── BundleRefusedError         no bundle is written while a check failed or errored
     └── RemoteError                a remote call could not be completed or understood
          ├── TransportError        connection refused or reset, TLS, proxy
          │    └── CallTimeout      no complete answer within --timeout
          ├── ServiceUnavailable    HTTP 502/503/504, with Retry-After when the server gave one
          ├── ProtocolError         an answer we cannot parse (HTML, cut-off XML/JSON, no fault)
          ├── NmbrsFault            a SOAP fault from Nmbrs, with its numeric code when it has one
          ├── AfasHttpError         a non-success answer from AFAS (status, message, log reference)
          └── OAuthRefused          AFAS's token endpoint refused the client (invalid_client, ...)

Internal signals, on purpose not KoppelcheckError: each is caught where it is raised (or turned
into one of the errors above) and never reaches a user as such::

    SystemExit
     └── Terminated                 files: SIGTERM/SIGHUP during a write, exit 128 + the signal
    ValueError
     ├── Invalid                    registration.validators: one form value, becomes InputError
     ├── SettingInvalid             systems.interface: a setting's rule refused a form value,
     │                              becomes that rule's InputError on the form key
     └── TooDeep                    tomlinput: a TOML file nested too deep, becomes InputError
    Exception
     ├── RetryableAnswer            retry: a 502/503/504 worth asking again, inside the retry loop
     ├── IdentityRefusal            nmbrs.rest.probe: the identity service said no (a check result)
     ├── Fault                      simulator.nmbrs.codec: a SOAP fault the simulator answers
     ├── BadRequest                 simulator.nmbrs.codec: an HTTP error the simulator answers
     ├── ContractError              simulator.nmbrs.contract: an answer its own WSDL forbids (a bug)
     ├── HandBack                   nmbrs.compiled: a call or answer for zeep, not the compiled form
     └── Unsupported                nmbrs.compile_wsdl: a type the compiled reader leaves to zeep
"""

from __future__ import annotations

from collections.abc import Sequence

from koppelcheck.afas import facts
from koppelcheck.i18n import Text, Translator, render


class KoppelcheckError(Exception):
    """Base of every error koppelcheck raises on purpose."""


class InputError(KoppelcheckError):
    """Invalid user input. ``field`` names what was wrong, ``hint`` says what is expected.

    ``message`` and ``hint`` are catalogue texts: a :class:`~koppelcheck.i18n.Text` (key and
    parameters) where the raiser has no language at hand, which the CLI renders in ``--lang``
    (:meth:`said`); ``.message`` and ``.hint`` hold them rendered in the default language.
    """

    def __init__(self, field: str | Text, message: str | Text, hint: str | Text = "") -> None:
        self.field = str(field)  # a key (``domain``), or a label (a batch employer) rendered
        self.field_text = field
        self.texts = (message, hint)
        self.message = str(message)
        self.hint = str(hint)
        super().__init__(f"{field}: {self.message}" + (f" ({self.hint})" if self.hint else ""))

    def said(self, t: Translator | None = None) -> tuple[str, str]:
        """Message and hint in ``t``'s language."""
        message, hint = self.texts
        return str(render(message, t)), str(render(hint, t))

    def named(self, t: Translator | None = None) -> str:
        """The field: a key as it is, a label (``werkgever x (regel 3)``) in ``t``'s language."""
        return str(render(self.field_text, t))


class MissingSettingError(KoppelcheckError):
    """A credential or required setting is missing and cannot be asked for."""

    def __init__(self, setting: str | Text, ways: Sequence[str | Text]) -> None:
        self.texts: list[str | Text] = [setting, *ways]
        self.setting = str(setting)
        self.ways = [str(way) for way in ways]
        super().__init__(f"{self.setting}: " + "; ".join(self.ways))

    def said(self, t: Translator | None = None) -> tuple[str, list[str]]:
        """The setting and the ways to give it, in ``t``'s language."""
        setting, *ways = (str(render(text, t)) for text in self.texts)
        return setting, ways


class RemoteError(KoppelcheckError):
    """A remote call could not be completed, or its answer not understood."""

    trace_id: str | None = None
    """The server's trace identifier for its support (AFAS's ``X-Trace-Identifier``), if any."""


class TransportError(RemoteError):
    """The connection failed. ``kind`` is one of :data:`TRANSPORT_KINDS`; ``attempts`` counts the
    tries made (retries included)."""

    def __init__(self, message: str, kind: str = "other", attempts: int = 1) -> None:
        super().__init__(message)
        self.kind = kind if kind in TRANSPORT_KINDS else "other"
        self.attempts = attempts


TRANSPORT_KINDS = ("refused", "reset", "incomplete", "tls", "proxy", "other")
"""How a connection can fail, each with its own message in the catalogues (core.transport.*)."""


class CallTimeout(TransportError):
    """No complete answer within ``seconds`` (the per-call ``--timeout``, retries included)."""

    def __init__(self, message: str, seconds: float | None = None, attempts: int = 1) -> None:
        super().__init__(message, "other", attempts)
        self.seconds = seconds


class ServiceUnavailable(RemoteError):
    """HTTP 502, 503 or 504 without an answer from the API itself (a gateway, maintenance)."""

    def __init__(self, status: int, retry_after: str | None = None, attempts: int = 1) -> None:
        super().__init__(f"HTTP {status}: service unavailable")
        self.status = status
        self.retry_after = retry_after
        self.attempts = attempts


class ProtocolError(RemoteError):
    """The answer arrived but is not what the protocol promises (HTML, truncated, no fault code).

    ``kind`` is ``html`` (a web page instead of ``expected``), ``unreadable`` (cut off or not
    ``expected`` at all) or ``other`` (the message says what); ``status`` is the HTTP status.
    """

    def __init__(
        self, message: str, kind: str = "other", status: int | None = None, expected: str = ""
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status
        self.expected = expected


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
        *,
        trace_id: str | None = None,
    ) -> None:
        super().__init__(f"HTTP {status}" + (f": {message}" if message else ""))
        self.status = status
        self.message = message
        self.profit_log_reference = profit_log_reference
        self.retry_after = retry_after
        self.trace_id = trace_id
        """AFAS's ``X-Trace-Identifier`` answer header (Profit 7), for AFAS support."""


class OAuthRefused(RemoteError):
    """The token endpoint refused the client: ``invalid_client`` (400, or 401 with
    ``WWW-Authenticate``), or another OAuth error code."""

    def __init__(
        self,
        status: int,
        error: str,
        description: str = "",
        *,
        trace_id: str | None = None,
        client_auth: str = "",
    ) -> None:
        super().__init__(f"HTTP {status}: {error}")
        self.status = status
        self.error = error
        self.description = description
        self.trace_id = trace_id
        self.client_auth = client_auth

    @property
    def invalid_client(self) -> bool:
        """Whether AFAS says the client id or secret is wrong."""
        return self.error == facts.OAUTH_INVALID_CLIENT


# --- local resources -------------------------------------------------------------------------


class KeyringUnavailableError(KoppelcheckError):
    """The keyring could not be used: ``reason`` is ``time-out`` or the error's type name.

    ``backend`` names the backend (a dotted class name). Never carries secret text.
    """

    def __init__(self, reason: str, backend: str = "") -> None:
        super().__init__(f"{backend or 'keyring'}: {reason}")
        self.reason = reason
        self.backend = backend

    @property
    def timed_out(self) -> bool:
        """Whether the keyring did not answer in time (rather than answering with an error)."""
        return self.reason == "time-out"


# --- the registration bundle -------------------------------------------------------------------


class BundleUnreadableError(InputError):
    """The file cannot be read, or is not a flattened JWS at all (exit 2)."""


class BundleInvalidError(KoppelcheckError):
    """The bundle is not valid: bad signature, tampered, wrong key or bad payload (exit 1)."""


class BundleRefusedError(KoppelcheckError):
    """A bundle is only written when no check failed or errored; ``checks`` names those that did."""

    def __init__(self, message: str, checks: list[str]) -> None:
        super().__init__(message)
        self.checks = checks
