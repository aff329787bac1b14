"""zeep over the bundled WSDLs and the caller's ``httpx.AsyncClient``.

Imported only when a call needs zeep itself: an operation or value that
:mod:`koppelcheck.nmbrs.compiled` does not cover, an answer its reader hands back, or a
compiled file that does not match the bundled WSDLs. Importing zeep (and the ``requests`` it
imports) and parsing the WSDLs costs about 0.2 s, which most runs no longer pay.

zeep never fetches anything: the WSDLs ship in ``nmbrs/wsdl/`` and are parsed once per process
through a transport that refuses the network.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import zeep
import zeep.exceptions
from zeep.helpers import serialize_object
from zeep.proxy import AsyncServiceProxy
from zeep.transports import AsyncTransport, Transport
from zeep.wsdl import Document

from koppelcheck.nmbrs.answers import SoapValue
from koppelcheck.nmbrs.compiled import WSDL_DIR, wsdl_path

logger = logging.getLogger("koppelcheck.nmbrs.client")

SETTINGS = zeep.Settings(strict=False, forbid_external=True, xsd_ignore_sequence_order=True)
"""Lenient parsing: real servers add elements the bundled WSDL does not know, anywhere in a type
(``strict=False`` keeps them out of the way, ``xsd_ignore_sequence_order`` stops one in the middle
of a sequence from hiding the known elements after it). Well-formedness is checked beforehand."""

ERRORS: tuple[type[Exception], ...] = (zeep.exceptions.Error, ArithmeticError)
"""What zeep raises for an answer that does not match the WSDL (a decimal it cannot read raises
``decimal.InvalidOperation``, which zeep lets through)."""

Post = Callable[[str, bytes | str, dict[str, str]], Awaitable[httpx.Response]]


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


class OfflineTransport(_NoRemoteLoads, Transport):
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
    transport = OfflineTransport()
    return Document(str(wsdl_path(service)), transport, settings=SETTINGS)  # type: ignore[arg-type]


class InjectedTransport(_NoRemoteLoads, AsyncTransport):
    """zeep's async transport over the client's own ``post`` (see ``NmbrsClient._post``).

    Unlike ``AsyncTransport.__init__`` it leaves the HTTP client's headers alone and opens no sync
    client; unlike ``AsyncTransport.post`` it logs the request only with the token masked.
    """

    def __init__(self, post: Post) -> None:  # no super().__init__
        self._init_offline()
        self._post = post
        self.wsdl_client = None

    async def aclose(self) -> None:
        """Leave the injected client open: its owner closes it."""

    async def post(
        self, address: str, message: bytes | str, headers: dict[str, str]
    ) -> httpx.Response:
        """POST the envelope through the client's checks."""
        return await self._post(address, message, headers)


class _Client(zeep.AsyncClient):
    """zeep 4.3's ``AsyncClient.create_service`` returns a sync proxy; this one is async."""

    def create_service(self, binding_name: str, address: str) -> AsyncServiceProxy:
        """Bind ``binding_name`` (a QName string) to ``address``."""
        try:
            binding = self.wsdl.bindings[binding_name]
        except KeyError as exc:
            raise ValueError(f"no binding {binding_name} in the bundled WSDL") from exc
        return AsyncServiceProxy(self, binding, address=address)


def service_proxy(service: str, namespace: str, address: str, post: Post) -> AsyncServiceProxy:
    """An async zeep proxy of one service that sends through ``post``."""
    client = _Client(load_document(service), transport=InjectedTransport(post), settings=SETTINGS)
    return client.create_service(f"{{{namespace}}}{service}Soap", address)


def read_answer(proxy: AsyncServiceProxy, operation: str, response: httpx.Response) -> object:
    """zeep's reading of an answer that was sent without zeep (see ``NmbrsClient.call``): its
    answer objects, opaque until :func:`serialize`."""
    client = proxy._client
    reply = client.transport.new_response(response)
    binding = proxy._binding
    return binding.process_reply(client, binding.get(operation), reply)


def serialize(result: object) -> SoapValue:
    """zeep's answer objects as dicts and lists."""
    return serialize_object(result, dict)


@functools.cache
def returns_array(service: str, namespace: str, operation: str) -> bool:
    """Whether the call answers an ``ArrayOf…`` (zeep reads an empty one as None)."""
    types = load_document(service).types
    response = types.get_element(f"{{{namespace}}}{operation}Response")
    [(_, result)] = response.type.elements
    return bool(result.type.name and result.type.name.startswith("ArrayOf"))
