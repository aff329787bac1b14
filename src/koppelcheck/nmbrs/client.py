"""An async Nmbrs SOAP v3 client: zeep over an injected ``httpx.AsyncClient`` and bundled WSDLs.

zeep never fetches anything: the WSDLs ship in ``nmbrs/wsdl/`` and are parsed once per process
through a transport that refuses the network. Calls go out as SOAP 1.1 over the caller's HTTP
client (its timeouts, limits and User-Agent stay as they are). Every failure is mapped here, once,
into :mod:`koppelcheck.errors`; no message or debug log ever carries the request body or the token.
"""

from __future__ import annotations

import functools
import logging
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import zeep
import zeep.exceptions
from lxml import etree
from zeep.helpers import serialize_object
from zeep.proxy import AsyncServiceProxy
from zeep.transports import AsyncTransport, Transport
from zeep.wsdl import Document

from koppelcheck.errors import NmbrsFault, ProtocolError, ServiceUnavailable
from koppelcheck.http import (
    LIMIT_KEY_EXTENSION,
    PRIORITY_EXTENSION,
    looks_like_html,
    remote_error_from,
)
from koppelcheck.nmbrs import calls as calls_catalogue
from koppelcheck.nmbrs import faults
from koppelcheck.nmbrs.calls import ENVIRONMENT_GET, NAMESPACE_TEMPLATE, NmbrsCall, find_call
from koppelcheck.retry import IDEMPOTENT_EXTENSION, RETRYABLE_STATUSES, attempts_of
from koppelcheck.secret import Secret, scrub_auth

logger = logging.getLogger(__name__)

WSDL_DIR = Path(str(resources.files("koppelcheck.nmbrs") / "wsdl"))
SETTINGS = zeep.Settings(strict=False, forbid_external=True, xsd_ignore_sequence_order=True)
"""Lenient parsing: real servers add elements the bundled WSDL does not know, anywhere in a type
(``strict=False`` keeps them out of the way, ``xsd_ignore_sequence_order`` stops one in the middle
of a sequence from hiding the known elements after it). Well-formedness is checked beforehand."""


def _safe_parser() -> etree.XMLParser:
    """A fresh parser per document (lxml parsers must not be shared between threads)."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def wsdl_path(service: str) -> Path:
    """The bundled WSDL file of one service."""
    return WSDL_DIR / f"{service}.wsdl"


class _NoRemoteLoads:
    """Shared by both transports: set zeep's attributes without opening sessions, fetch nothing."""

    def _init_offline(self) -> None:
        self.cache = None
        self.load_timeout = None
        self.operation_timeout = None
        self.logger = logger
        self._close_session = False

    def _load_remote_data(self, url: str) -> bytes:
        raise zeep.exceptions.ExternalReferenceForbidden(url)


class _OfflineTransport(_NoRemoteLoads, Transport):
    """Loads only the bundled WSDL files; any other address is refused."""

    def __init__(self) -> None:  # no super().__init__: it would open a requests.Session
        self._init_offline()

    def load(self, url: str) -> bytes:
        """Read a bundled file; refuse everything else."""
        path = Path(url)
        if path.parent != WSDL_DIR or not path.is_file():
            raise zeep.exceptions.ExternalReferenceForbidden(url)
        return path.read_bytes()


@functools.cache
def load_document(service: str) -> Document:
    """Parse one bundled WSDL, once per process."""
    transport = _OfflineTransport()
    return Document(str(wsdl_path(service)), transport, settings=SETTINGS)  # type: ignore[arg-type]


class _InjectedTransport(_NoRemoteLoads, AsyncTransport):
    """zeep's async transport over the caller's ``httpx.AsyncClient``.

    Unlike ``AsyncTransport.__init__`` it leaves the client's headers alone and opens no sync
    client; unlike ``AsyncTransport.post`` it logs the request only with the token masked.
    """

    def __init__(self, http: httpx.AsyncClient, limit_key: str) -> None:  # no super().__init__
        self._init_offline()
        self.client = http
        self.wsdl_client = None
        # Every domain shares api.nmbrs.nl: limit calls in flight per domain, not per host.
        self._extensions = {LIMIT_KEY_EXTENSION: limit_key}

    async def aclose(self) -> None:
        """Leave the injected client open: its owner closes it."""

    async def post(self, address: str, message: bytes | str, headers: dict[str, str]) -> Any:
        """POST the envelope, then refuse any answer that is not a fault-free SOAP envelope."""
        if logger.isEnabledFor(logging.DEBUG):
            text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
            logger.debug("POST %s\n%s", address, scrub_auth(text))
        extensions = {
            **self._extensions,
            IDEMPOTENT_EXTENSION: _is_read(headers),
            PRIORITY_EXTENSION: 0 if _on_chain(headers) else 1,
        }
        response = await self.client.post(
            address, content=message, headers=headers, extensions=extensions
        )
        logger.debug(
            "HTTP %d from %s (%d bytes)", response.status_code, address, len(response.content)
        )
        check_answer(response, _expected_response(headers))
        return response


def check_answer(response: httpx.Response, expected: str | None = None) -> None:
    """Raise NmbrsFault for a SOAP fault, ProtocolError for anything else that is not a SOAP answer.

    ``expected`` is the Clark name of the response element (``{ns}<Operation>Response``); an
    answer without it is refused, because zeep would silently read it as None.
    """
    status = response.status_code
    unavailable = status in RETRYABLE_STATUSES
    try:
        if looks_like_html(response):
            raise ProtocolError(
                f"HTTP {status}: answer is an HTML page, not SOAP", "html", status, "SOAP"
            )
        envelope = _envelope(response)
    except ProtocolError:
        if unavailable:  # a gateway's or load balancer's page: "come back later"
            raise ServiceUnavailable(
                status, response.headers.get("retry-after"), attempts_of(response)
            ) from None
        raise
    text = faults.fault_text(envelope)
    if text is not None:
        code, title = faults.parse_fault_text(text)
        raise NmbrsFault(code, title, status)
    if unavailable:
        raise ServiceUnavailable(status, response.headers.get("retry-after"), attempts_of(response))
    if not response.is_success:
        raise ProtocolError(f"HTTP {status} without a SOAP fault")
    if expected is not None:
        _check_body(envelope, expected)


def _envelope(response: httpx.Response) -> etree._Element:
    status = response.status_code
    try:
        envelope = etree.fromstring(response.content, _safe_parser())
    except etree.XMLSyntaxError as exc:
        raise ProtocolError(
            f"HTTP {status}: answer is truncated or not XML", "unreadable", status, "SOAP"
        ) from exc
    name = etree.QName(envelope)
    if name.namespace not in faults.ENVELOPE_NAMESPACES or name.localname != "Envelope":
        raise ProtocolError(f"HTTP {status}: answer is XML but not a SOAP envelope")
    return envelope


def _check_body(envelope: etree._Element, expected: str) -> None:
    body = envelope.find(f"{{{etree.QName(envelope).namespace}}}Body")
    first = next((c for c in body if isinstance(c.tag, str)), None) if body is not None else None
    if first is None or first.tag != expected:
        found = etree.QName(first).localname if first is not None else "nothing"
        raise ProtocolError(
            f"answer holds {found}, not {etree.QName(expected).localname} in the v3 namespace"
        )


def _expected_response(headers: dict[str, str]) -> str | None:
    """``{ns}<Operation>Response`` from the SOAPAction we send (namespace + "/" + operation)."""
    namespace, _, operation = headers.get("SOAPAction", "").strip('"').rpartition("/")
    return f"{{{namespace}}}{operation}Response" if namespace and operation else None


_CHAIN = frozenset(
    c.operation
    for c in (
        calls_catalogue.LIST_GET_ALL,
        calls_catalogue.COMPANY_GET_CURRENT_PERIOD,
        calls_catalogue.RUN_GET_LIST,
        calls_catalogue.WAGE_CODES_BACKGROUND,
        calls_catalogue.BACKGROUND_TASK_RESULT,
    )
)
"""The dependency chain of a check: every other call waits for one of these, so they go first."""


def _on_chain(headers: dict[str, str]) -> bool:
    return headers.get("SOAPAction", "").strip('"').rpartition("/")[2] in _CHAIN


def _is_read(headers: dict[str, str]) -> bool:
    """Whether the operation named in SOAPAction may be sent again (all but a task starter)."""
    namespace, _, operation = headers.get("SOAPAction", "").strip('"').rpartition("/")
    try:
        return find_call(namespace.rpartition("/")[2], operation).idempotent
    except KeyError:
        return False


class _Client(zeep.AsyncClient):
    """zeep 4.3's ``AsyncClient.create_service`` returns a sync proxy; this one is async."""

    def create_service(self, binding_name: str, address: str) -> AsyncServiceProxy:
        """Bind ``binding_name`` (a QName string) to ``address``."""
        try:
            binding = self.wsdl.bindings[binding_name]
        except KeyError as exc:
            raise ValueError(f"no binding {binding_name} in the bundled WSDL") from exc
        return AsyncServiceProxy(self, binding, address=address)


class NmbrsClient:
    """Calls Nmbrs SOAP v3 operations from the catalogue in :mod:`koppelcheck.nmbrs.calls`."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        base_url: str,
        username: str,
        token: Secret,
        domain: str,
    ) -> None:
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._username = username
        self._token = token
        self._domain = domain
        self._limit_key = f"{self._base_url}|{domain}"
        self._services: dict[str, AsyncServiceProxy] = {}

    def __repr__(self) -> str:
        return f"NmbrsClient(base_url={self._base_url!r}, username={self._username!r})"

    async def call(self, call: NmbrsCall, **params: Any) -> Any:
        """Run one operation with ``params`` named exactly as ``call.params``; return plain data.

        Returns lists, dicts, strings, numbers, dates or None (see :func:`to_plain`). Raises
        NmbrsFault, CallTimeout, TransportError or ProtocolError.
        """
        _check_params(call, params)
        operation = self._service(call.service)[call.operation]
        try:
            result = await operation(**params, _soapheaders=self._auth_header(call))
        except httpx.TransportError as exc:
            raise remote_error_from(exc, call.label, self._http.timeout.read) from exc
        except (zeep.exceptions.Error, etree.XMLSyntaxError) as exc:
            raise ProtocolError(f"{call.label}: answer does not match the WSDL") from exc
        plain = to_plain(result, call.operation)
        return [] if plain is None and _returns_array(call) else plain

    def _service(self, service: str) -> AsyncServiceProxy:
        if service not in self._services:
            client = _Client(
                load_document(service),
                transport=_InjectedTransport(self._http, self._limit_key),
                settings=SETTINGS,
            )
            binding = f"{{{NAMESPACE_TEMPLATE.format(service=service)}}}{service}Soap"
            address = f"{self._base_url}/{service}.asmx"
            self._services[service] = client.create_service(binding, address)
        return self._services[service]

    def _auth_header(self, call: NmbrsCall) -> dict[str, dict[str, str]]:
        header = {"Username": self._username, "Token": self._token.reveal()}
        if call == ENVIRONMENT_GET:
            return {"AuthHeader": header}
        return {"AuthHeaderWithDomain": {**header, "Domain": self._domain}}


@functools.cache
def _returns_array(call: NmbrsCall) -> bool:
    """Whether the call answers an ``ArrayOf…`` (zeep reads an empty one as None)."""
    types = load_document(call.service).types
    response = types.get_element(f"{{{call.namespace}}}{call.operation}Response")
    [(_, result)] = response.type.elements
    return bool(result.type.name and result.type.name.startswith("ArrayOf"))


def _check_params(call: NmbrsCall, params: dict[str, Any]) -> None:
    expected = [p.name for p in call.params]
    if sorted(params) != sorted(expected):
        raise ValueError(f"{call.operation} takes {expected}, got {sorted(params)}")


def to_plain(result: Any, operation: str) -> Any:
    """zeep's answer as plain Python, without the ``<Operation>Result`` wrapper.

    ``ArrayOfX`` wrappers become lists; elements the WSDL does not know are kept under their local
    name (their text, or a dict of their children).
    """
    value = serialize_object(result, dict)
    if isinstance(value, dict) and f"{operation}Result" in value:
        value = value[f"{operation}Result"]
    return _plain(value)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        unknown = value.pop("_raw_elements", None) or ()
        plain = {key: _plain(item) for key, item in value.items()}
        plain.update(_raw(element) for element in unknown)
        only = list(plain.values())
        return only[0] if len(only) == 1 and isinstance(only[0], list) else plain
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _raw(element: etree._Element) -> tuple[str, Any]:
    name = etree.QName(element).localname
    if len(element):
        return name, dict(_raw(child) for child in element)
    return name, element.text
