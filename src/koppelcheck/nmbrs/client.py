"""An async Nmbrs SOAP v3 client: zeep's compiled envelopes and types over an injected
``httpx.AsyncClient``.

Each call is sent with the envelope zeep builds for it and its answer read as zeep reads it, both
compiled from the bundled WSDLs ahead of time (:mod:`koppelcheck.nmbrs.compiled`); zeep itself
(:mod:`koppelcheck.nmbrs.zeep_layer`) is imported, and its WSDL parsed, only for a call or answer
the compiled form hands back. Calls go out as SOAP 1.1 over the caller's HTTP client (its
timeouts, limits and User-Agent stay as they are). Every failure is mapped here, once, into
:mod:`koppelcheck.errors`; no message or debug log ever carries the request body or the token.
"""

from __future__ import annotations

import logging
from types import ModuleType
from typing import TYPE_CHECKING

import httpx
from lxml import etree

from koppelcheck.errors import NmbrsFault, ProtocolError, ServiceUnavailable
from koppelcheck.http import (
    LIMIT_KEY_EXTENSION,
    PRIORITY_EXTENSION,
    looks_like_html,
    remote_error_from,
)
from koppelcheck.nmbrs import calls as calls_catalogue
from koppelcheck.nmbrs import compiled, faults
from koppelcheck.nmbrs.answers import SoapValue
from koppelcheck.nmbrs.calls import ENVIRONMENT_GET, NmbrsCall, find_call
from koppelcheck.nmbrs.compiled import HandBack, wsdl_path
from koppelcheck.retry import IDEMPOTENT_EXTENSION, RETRYABLE_STATUSES, attempts_of
from koppelcheck.secret import Secret, scrub_auth

if TYPE_CHECKING:
    from zeep.proxy import AsyncServiceProxy

__all__ = ["NmbrsClient", "check_answer", "to_plain", "wsdl_path"]

logger = logging.getLogger(__name__)

_SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"


def _safe_parser() -> etree.XMLParser:
    """A fresh parser per document (lxml parsers must not be shared between threads)."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _zeep() -> ModuleType:
    """The zeep layer, imported on first need (about 0.1 s with the ``requests`` zeep imports)."""
    from koppelcheck.nmbrs import zeep_layer

    return zeep_layer


def check_answer(response: httpx.Response, expected: str | None = None) -> etree._Element:
    """Raise NmbrsFault for a SOAP fault, ProtocolError for anything else that is not a SOAP answer.

    ``expected`` is the Clark name of the response element (``{ns}<Operation>Response``); an
    answer without it is refused, because zeep would silently read it as None. Returns the parsed
    envelope.
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
    return envelope


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
        # Every domain shares api.nmbrs.nl: limit calls in flight per domain, not per host.
        self._extensions = {LIMIT_KEY_EXTENSION: f"{self._base_url}|{domain}"}
        self._services: dict[str, AsyncServiceProxy] = {}

    def __repr__(self) -> str:
        return f"NmbrsClient(base_url={self._base_url!r}, username={self._username!r})"

    async def call(self, call: NmbrsCall, **params: object) -> SoapValue:
        """Run one operation with ``params`` named exactly as ``call.params``; return plain data.

        Returns lists, dicts, strings, numbers, dates or None (see :func:`to_plain`). Raises
        NmbrsFault, CallTimeout, TransportError or ProtocolError.
        """
        _check_params(call, params)
        operation = compiled.operation(call.service, call.operation)
        try:
            if operation is None:
                return await self._call_with_zeep(call, params)
            try:
                message, headers = operation.envelope(self._auth_values(call), params)
            except HandBack:
                return await self._call_with_zeep(call, params)
            address = f"{self._base_url}/{call.service}.asmx"
            response, envelope = await self._post_checked(address, message, headers)
            try:
                value = _read_compiled(operation, response, envelope)
            except HandBack:
                return self._read_with_zeep(call, response)
        except httpx.TransportError as exc:
            raise remote_error_from(exc, call.label, self._http.timeout.read) from exc
        plain = plain_of(value, call.operation)
        return [] if plain is None and operation.returns_array else plain

    async def _call_with_zeep(self, call: NmbrsCall, params: dict[str, object]) -> SoapValue:
        zeep_layer = _zeep()
        operation = self._service(call.service)[call.operation]
        try:
            result = await operation(**params, _soapheaders=self._auth_header(call))
        except (*zeep_layer.ERRORS, etree.XMLSyntaxError) as exc:
            raise ProtocolError(f"{call.label}: answer does not match the WSDL") from exc
        return self._plain_result(call, result)

    def _read_with_zeep(self, call: NmbrsCall, response: httpx.Response) -> SoapValue:
        zeep_layer = _zeep()
        try:
            result = zeep_layer.read_answer(self._service(call.service), call.operation, response)
        except (*zeep_layer.ERRORS, etree.XMLSyntaxError) as exc:
            raise ProtocolError(f"{call.label}: answer does not match the WSDL") from exc
        return self._plain_result(call, result)

    def _plain_result(self, call: NmbrsCall, result: object) -> SoapValue:
        plain = to_plain(result, call.operation)
        returns_array = _zeep().returns_array(call.service, call.namespace, call.operation)
        return [] if plain is None and returns_array else plain

    def _service(self, service: str) -> AsyncServiceProxy:
        if service not in self._services:
            self._services[service] = _zeep().service_proxy(
                service,
                calls_catalogue.NAMESPACE_TEMPLATE.format(service=service),
                f"{self._base_url}/{service}.asmx",
                self._post,
            )
        return self._services[service]

    async def _post(
        self, address: str, message: bytes | str, headers: dict[str, str]
    ) -> httpx.Response:
        return (await self._post_checked(address, message, headers))[0]

    async def _post_checked(
        self, address: str, message: bytes | str, headers: dict[str, str]
    ) -> tuple[httpx.Response, etree._Element]:
        """POST the envelope, then refuse any answer that is not a fault-free SOAP envelope."""
        if logger.isEnabledFor(logging.DEBUG):
            text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
            logger.debug("POST %s\n%s", address, scrub_auth(text))
        extensions = {
            **self._extensions,
            IDEMPOTENT_EXTENSION: _is_read(headers),
            PRIORITY_EXTENSION: 0 if _on_chain(headers) else 1,
        }
        response = await self._http.post(
            address, content=message, headers=headers, extensions=extensions
        )
        logger.debug(
            "HTTP %d from %s (%d bytes)", response.status_code, address, len(response.content)
        )
        return response, check_answer(response, _expected_response(headers))

    def _auth_values(self, call: NmbrsCall) -> dict[str, str]:
        header = {"Username": self._username, "Token": self._token.reveal()}
        return header if call == ENVIRONMENT_GET else {**header, "Domain": self._domain}

    def _auth_header(self, call: NmbrsCall) -> dict[str, dict[str, str]]:
        name = "AuthHeader" if call == ENVIRONMENT_GET else "AuthHeaderWithDomain"
        return {name: self._auth_values(call)}


def _read_compiled(
    operation: compiled.Operation, response: httpx.Response, envelope: etree._Element
) -> compiled.Serialised:
    """The compiled reader, only where zeep's ``process_reply`` would go straight to the body."""
    if response.status_code != 200 or etree.QName(envelope).namespace != _SOAP11:
        raise HandBack("not a plain SOAP 1.1 answer")
    media_type = response.headers.get("content-type", "text/xml").split(";")[0].strip().lower()
    if media_type == "multipart/related" or envelope.getroottree().docinfo.doctype:
        raise HandBack("multipart or DOCTYPE")
    return operation.read(envelope)


def _check_params(call: NmbrsCall, params: dict[str, object]) -> None:
    expected = [p.name for p in call.params]
    if sorted(params) != sorted(expected):
        raise ValueError(f"{call.operation} takes {expected}, got {sorted(params)}")


def to_plain(result: object, operation: str) -> SoapValue:
    """zeep's answer as plain Python, without the ``<Operation>Result`` wrapper.

    ``ArrayOfX`` wrappers become lists; elements the WSDL does not know are kept under their local
    name (their text, or a dict of their children).
    """
    return plain_of(_zeep().serialize(result), operation)


def plain_of(value: compiled.Serialised, operation: str) -> SoapValue:
    """:func:`to_plain` of an answer already serialised to dicts and lists (by zeep, or by the
    compiled reader as zeep would)."""
    if isinstance(value, dict) and f"{operation}Result" in value:
        value = value[f"{operation}Result"]
    return _plain(value)


def _plain(value: SoapValue) -> SoapValue:
    if isinstance(value, dict):
        unknown = value.pop("_raw_elements", None) or ()
        plain = {key: _plain(item) for key, item in value.items()}
        plain.update(_raw(element) for element in unknown)
        only = list(plain.values())
        return only[0] if len(only) == 1 and isinstance(only[0], list) else plain
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _raw(element: etree._Element) -> tuple[str, SoapValue]:
    name = etree.QName(element).localname
    if len(element):
        return name, dict(_raw(child) for child in element)
    return name, element.text
