"""A small AFAS Profit REST client over an injected ``httpx.AsyncClient``.

It reads ``/metainfo`` and probes GetConnectors with ``skip=0&take=1``. A probe returns only
whether rows came back and how many, never the rows: they hold employee data. Every failure
is mapped once into :mod:`koppelcheck.errors`.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol
from urllib.parse import quote

import httpx

from koppelcheck.afas.facts import TRACE_HEADER
from koppelcheck.errors import AfasHttpError, ProtocolError
from koppelcheck.http import looks_like_html, remote_error_from
from koppelcheck.jsontypes import JSON, JSONObject
from koppelcheck.secret import SERVER_TEXT_LIMIT, server_text

if TYPE_CHECKING:
    from koppelcheck.afas.token import AfasToken


@dataclass(frozen=True)
class ConnectorInfo:
    """One connector as ``/metainfo`` lists it."""

    id: str
    description: str = ""


@dataclass(frozen=True)
class MetaInfo:
    """What ``GET /metainfo`` tells about the token's App Connector.

    ``get_connectors`` is None when the answer has no ``getConnectors`` key at all (then nothing
    can be concluded from it); an empty tuple means the App Connector lists none.
    """

    get_connectors: tuple[ConnectorInfo, ...] | None
    update_connectors: tuple[ConnectorInfo, ...] = ()
    envid: str = ""
    app_name: str = ""
    group: str = ""
    token_expiry: str = ""

    def get_connector_ids(self) -> tuple[str, ...]:
        """The listed GetConnector ids (empty when unknown)."""
        return tuple(c.id for c in self.get_connectors or ())


@dataclass(frozen=True)
class ConnectorProbe:
    """The answer to ``GET /connectors/<id>?skip=0&take=1``: a count, never the rows."""

    connector_id: str
    row_count: int

    @property
    def has_rows(self) -> bool:
        """Whether any row came back."""
        return self.row_count > 0


class Authorizer(Protocol):
    """Gives the ``Authorization`` header: an :class:`AfasToken` (``AfasToken …``) or an OAuth
    access token source (``Bearer …``, awaited because it is fetched once on first use)."""

    def authorization(self) -> str | Awaitable[str]: ...


class AfasClient:
    """Talks to one AFAS environment with one credential. The HTTP client is passed in."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        token: AfasToken | Authorizer,
        *,
        accept_language: str | None = None,
    ) -> None:
        self._http = http
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._accept_language = accept_language

    async def get_metainfo(self) -> MetaInfo:
        """``GET /metainfo``: the App Connector's connectors and its ``info`` block."""
        body = await self._get_json("/metainfo", {})
        if not isinstance(body, dict):
            raise ProtocolError("metainfo: expected a JSON object")
        info = _object(body, "info")
        return MetaInfo(
            get_connectors=_connectors(body, "getConnectors"),
            update_connectors=_connectors(body, "updateConnectors") or (),
            envid=_one_line(info.get("envid") or ""),
            app_name=_one_line(info.get("appName") or ""),
            group=_one_line(info.get("group") or ""),
            token_expiry=_one_line(info.get("tokenExpiry") or ""),
        )

    async def probe_connector(self, connector_id: str) -> ConnectorProbe:
        """``GET /connectors/<id>?skip=0&take=1``: how many rows came back (0 or 1)."""
        path = "/connectors/" + quote(connector_id, safe="")
        body = await self._get_json(path, {"skip": "0", "take": "1"})
        rows = body.get("rows") if isinstance(body, dict) else None
        if not isinstance(rows, list):
            raise ProtocolError(f"connector {connector_id}: the answer has no rows list")
        return ConnectorProbe(connector_id, len(rows))

    async def _get_json(self, path: str, params: dict[str, str]) -> JSON:
        authorization = self._token.authorization()
        if inspect.isawaitable(authorization):
            authorization = await authorization
        headers = {"Authorization": authorization, "Accept": "application/json"}
        if self._accept_language:
            headers["Accept-Language"] = self._accept_language
        try:
            response = await self._http.get(self.base_url + path, params=params, headers=headers)
        except httpx.HTTPError as exc:
            raise remote_error_from(exc, f"AFAS {path}", self._http.timeout.read) from exc
        if response.status_code != 200:
            raise _http_error(response)
        try:
            return _json_body(response)
        except ProtocolError as exc:
            exc.trace_id = trace_id_of(response)
            raise


def _object(body: JSONObject, key: str) -> JSONObject:
    value = body.get(key)
    return value if isinstance(value, dict) else {}


def _connectors(body: JSONObject, key: str) -> tuple[ConnectorInfo, ...] | None:
    items = body.get(key)
    if items is None:
        return None
    if not isinstance(items, list):
        raise ProtocolError(f"metainfo: {key} is not a list")
    return tuple(
        ConnectorInfo(_one_line(item.get("id", "")), _one_line(item.get("description") or ""))
        for item in items
        if isinstance(item, dict) and item.get("id")
    )


def _json_body(response: httpx.Response) -> JSON:
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        body: JSON = json.loads(response.content)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
        status = response.status_code
        if looks_like_html(response):
            raise ProtocolError(
                f"HTTP {status}: the answer is an HTML page, not JSON", "html", status, "JSON"
            ) from None
        raise ProtocolError(
            f"HTTP {status}: the answer is not valid JSON ({kind or 'no content type'})",
            "unreadable",
            status,
            "JSON",
        ) from None
    return body


def _http_error(response: httpx.Response) -> AfasHttpError | ProtocolError:
    """Map a non-200 answer: 401/403 (empty body), 500 JSON, 503 with Retry-After, or other."""
    status = response.status_code
    retry_after = response.headers.get("retry-after")
    trace = trace_id_of(response)
    if not response.content.strip():
        return AfasHttpError(status, retry_after=retry_after, trace_id=trace)
    try:
        body = _json_body(response)
    except ProtocolError as exc:
        if status == 503:  # maintenance or a gateway's page: still "come back later"
            return AfasHttpError(status, retry_after=retry_after, trace_id=trace)
        # An HTML page on another error is a proxy or a wrong host, not AFAS's JSON error.
        exc.trace_id = trace
        return exc
    if not isinstance(body, dict):
        return AfasHttpError(status, retry_after=retry_after, trace_id=trace)
    error = _object(body, "error")
    message = body.get("externalMessage") or body.get("message") or error.get("message") or ""
    if retry_after is None and body.get("retry_after") is not None:
        retry_after = _one_line(body["retry_after"])
    reference = body.get("profitLogReference")
    return AfasHttpError(
        status,
        _one_line(message),
        _one_line(reference) if reference else None,
        retry_after,
        trace_id=trace,
    )


def trace_id_of(response: httpx.Response) -> str | None:
    """AFAS's ``X-Trace-Identifier`` (Profit 7, every call that reaches the application layer), as
    one short line, or None."""
    value = response.headers.get(TRACE_HEADER)
    return _one_line(value, 100) if value and value.strip() else None


def _one_line(value: object, limit: int = SERVER_TEXT_LIMIT) -> str:
    """A server's text as one inert line of at most ``limit`` characters, secrets masked before
    it is shortened (it ends up in a report): :func:`koppelcheck.secret.server_text`."""
    return server_text(value, limit)
