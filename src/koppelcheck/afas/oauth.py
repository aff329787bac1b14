"""AFAS OAuth client credentials: fetch an access token, then probe with ``Bearer``.

The customer generates a client id and secret on the App Connector (authentication type Hybrid
or OAuth); a server-to-server partner uses the client-credentials flow at ``<base>/oauth/token``.
Client authentication goes in the form body first and, where AFAS refuses that, as HTTP Basic
(AFAS accepts both, Basic from Profit 9; ``facts``). The OAuth protocol itself is Authlib's
(``AsyncOAuth2Client``); every byte still goes through koppelcheck's own ``httpx`` client
(:func:`koppelcheck.http.through`), so TLS, proxies, no redirects and the time budget hold.
"""

from __future__ import annotations

import asyncio
import base64
import warnings
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

import httpx

from koppelcheck.afas import facts
from koppelcheck.afas.client import trace_id_of
from koppelcheck.credentials import clean_pasted, keyring_account
from koppelcheck.errors import AfasHttpError, InputError, OAuthRefused, ProtocolError, RemoteError
from koppelcheck.http import USER_AGENT, remote_error_from, through
from koppelcheck.i18n import Text
from koppelcheck.jsontypes import JSONObject
from koppelcheck.secret import Secret, remember, server_text

CLIENT_ID_FIELD = "client_id"
_MAX_CLIENT_ID = 200


@dataclass(frozen=True)
class ClientCredentials:
    """An App Connector's OAuth client id (not secret: it goes on the form) and its secret."""

    client_id: str
    secret: Secret

    def __post_init__(self) -> None:
        # The HTTP Basic header's value, base64("id:secret"), is masked wherever it appears. Not
        # "id:secret" itself: every fragment of a remembered value is masked, and the client id
        # (not a secret) would then vanish from messages that name it.
        remember(self.basic_header)

    @property
    def basic_header(self) -> str:
        """base64 of ``id:secret``, as HTTP Basic client authentication sends it (a secret)."""
        pair = f"{self.client_id}:{self.secret.reveal()}"
        return base64.b64encode(pair.encode("utf-8")).decode("ascii")

    def secret_forms(self) -> tuple[str, ...]:
        """Every form of the secret a redactor must hide (their base64 is added by it)."""
        value = self.secret.reveal()
        return (value, self.basic_header, quote_plus(value))


def parse_client_id(raw: str, field: str = CLIENT_ID_FIELD) -> str:
    """A pasted client id, trimmed; InputError when it cannot be one."""
    cleaned = clean_pasted(raw, field)
    if len(cleaned) > _MAX_CLIENT_ID:
        raise InputError(
            field,
            Text("input.afas.client_id_length", count=len(cleaned)),
            Text("input.afas.client_id_only"),
        )
    if not cleaned.isascii() or not cleaned.isprintable():
        raise InputError(
            field, Text("input.afas.client_id_chars"), Text("input.afas.client_id_paste")
        )
    return cleaned


def client_credentials(
    client_id: str, secret: Secret, field: str = "client_secret"
) -> ClientCredentials:
    """Client credentials from a client id and a resolved secret (checked like a pasted token)."""
    value = clean_pasted(secret.reveal(), field)
    if not value.isascii() or not value.isprintable():
        raise InputError(field, Text("input.afas.client_secret_chars"))
    return ClientCredentials(parse_client_id(client_id), Secret(value, source=secret.source))


@dataclass(frozen=True)
class AccessToken:
    """What the token endpoint gave: the access token (a secret) and how it was obtained."""

    value: Secret
    expires_in: int | None
    client_auth: str
    """``client_secret_post`` or ``client_secret_basic``: what AFAS accepted."""
    trace_id: str | None = None

    def authorization(self) -> str:
        """The ``Authorization`` header value (a secret)."""
        return "Bearer " + self.value.reveal()


def client_secret_account(environment_number: str, client_id: str) -> str:
    """The keyring account of a client secret: ``afas:<environment>:oauth:<client id>``."""
    return keyring_account("afas", environment_number, "oauth", client_id)


CLIENT_SECRET_ENV = "KOPPELCHECK_AFAS_CLIENT_SECRET"
CLIENT_SECRET_FIELD = "client_secret_file"


def token_url(base_url: str) -> str:
    """``<base>/oauth/token``: ``--base-url`` moves it with the API."""
    return base_url.rstrip("/") + facts.OAUTH_TOKEN_PATH


async def fetch_access_token(
    http: httpx.AsyncClient, base_url: str, credentials: ClientCredentials
) -> AccessToken:
    """Run the client-credentials flow: body authentication, then HTTP Basic if that is refused.

    Raises :class:`OAuthRefused`, :class:`AfasHttpError` (another HTTP answer),
    :class:`ProtocolError` (not a token answer) or a transport error.
    """
    try:
        return await _fetch(http, base_url, credentials, facts.OAUTH_BODY_AUTH)
    except OAuthRefused as refused:
        if not refused.invalid_client:
            raise
    # AFAS: "client_secret (body; client_secret_basic from Profit 9)" (MIG §4.3).
    return await _fetch(http, base_url, credentials, facts.OAUTH_BASIC_AUTH)


def _oauth_client_class() -> Any:  # authlib ships no types: its client is an edge
    """Authlib's client, imported when a token is fetched: authlib costs 0.15 s, and the checklist
    and credentials commands read client ids from this module without fetching anything."""
    with warnings.catch_warnings():
        # Authlib 1.7+ announces a move to the "httpx2" package; httpx is what koppelcheck uses.
        warnings.simplefilter("ignore", DeprecationWarning)
        from authlib.integrations.httpx_client import AsyncOAuth2Client  # lazy: see above

    return AsyncOAuth2Client


async def _fetch(
    http: httpx.AsyncClient, base_url: str, credentials: ClientCredentials, method: str
) -> AccessToken:
    from authlib.integrations.base_client import OAuthError  # lazy: see _oauth_client_class

    answers: list[httpx.Response] = []

    def keep(response: httpx.Response) -> httpx.Response:
        answers.append(response)
        return response

    oauth = _oauth_client_class()(
        client_id=credentials.client_id,
        client_secret=credentials.secret.reveal(),
        token_endpoint_auth_method=method,
        transport=through(http),
        timeout=http.timeout,
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
    )
    oauth.register_compliance_hook("access_token_response", keep)
    try:
        async with oauth:
            token = await oauth.fetch_token(token_url(base_url), grant_type=facts.OAUTH_GRANT_TYPE)
    except OAuthError as exc:
        answer = answers[-1] if answers else None
        raise OAuthRefused(
            answer.status_code if answer is not None else 0,
            _one_line(exc.error or "unknown"),
            _one_line(exc.description or ""),
            trace_id=trace_id_of(answer) if answer is not None else None,
            client_auth=method,
        ) from None
    except httpx.HTTPStatusError as exc:
        raise _status_error(exc.response, method) from None
    except httpx.HTTPError as exc:
        raise remote_error_from(exc, "AFAS /oauth/token", http.timeout.read) from exc
    except (ValueError, TypeError, OverflowError, UnicodeError, RecursionError):
        # Not JSON, or a JSON object Authlib cannot take as a token (an expires_in list, ...).
        answer = answers[-1] if answers else None
        status = answer.status_code if answer is not None else None
        error = ProtocolError(
            f"HTTP {status}: the token endpoint's answer is not a JSON object",
            "unreadable",
            status,
            "JSON",
        )
        error.trace_id = trace_id_of(answer) if answer is not None else None
        raise error from None
    trace = trace_id_of(answers[-1]) if answers else None
    try:
        return _access_token(token, method, trace)
    except ProtocolError as exc:
        exc.trace_id = trace
        raise


def _status_error(response: httpx.Response, method: str) -> RemoteError:
    trace = trace_id_of(response)
    if response.status_code == 401 and response.headers.get("www-authenticate"):
        # AFAS: invalid_client is 401 with WWW-Authenticate for Basic authentication (MIG §4.3).
        return OAuthRefused(401, facts.OAUTH_INVALID_CLIENT, trace_id=trace, client_auth=method)
    return AfasHttpError(
        response.status_code, retry_after=response.headers.get("retry-after"), trace_id=trace
    )


def _access_token(token: JSONObject, method: str, trace: str | None) -> AccessToken:
    value = token.get("access_token")
    kind = str(token.get("token_type") or "")
    if not isinstance(value, str) or not value.strip():
        raise ProtocolError("the token endpoint's answer has no access_token", "other")
    secret = Secret(value.strip(), source="oauth")
    if kind.lower() != "bearer":
        raise ProtocolError(
            f"the token endpoint gave token_type {_one_line(kind or '-', 20)!r}, not Bearer"
        )
    expires = token.get("expires_in")
    expires_in = (
        int(expires) if isinstance(expires, int | float | str) and _is_int(expires) else None
    )
    return AccessToken(secret, expires_in, method, trace)


def _is_int(value: object) -> bool:
    try:
        int(str(value))
    except ValueError:
        return False
    return True


def _one_line(value: object, limit: int = 200) -> str:
    """A server's text as one inert line, secrets masked (``secret.server_text``)."""
    return server_text(value, limit)


class SharedAccessToken:
    """The access token, fetched once per run on first use; every probe awaits the same one."""

    def __init__(
        self, http: httpx.AsyncClient, base_url: str, credentials: ClientCredentials
    ) -> None:
        self._http = http
        self._base_url = base_url
        self.credentials = credentials
        self._task: asyncio.Future[AccessToken] | None = None

    async def get(self) -> AccessToken:
        """The access token; a failure is raised to every caller alike."""
        if self._task is None:
            self._task = asyncio.ensure_future(
                fetch_access_token(self._http, self._base_url, self.credentials)
            )
            self._task.add_done_callback(lambda f: f.cancelled() or f.exception())
        return await asyncio.shield(self._task)

    async def authorization(self) -> str:
        """``Bearer <access token>`` for :class:`koppelcheck.afas.client.AfasClient`."""
        return (await self.get()).authorization()
