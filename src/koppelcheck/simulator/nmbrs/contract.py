"""The simulator's own contract: the v3 WSDLs it serves, read into operations and types.

Everything the dispatcher knows about an operation (its service, parameter names and types, the
header it needs, its answer's type) comes from these files (``served/``, built by
:mod:`~koppelcheck.simulator.nmbrs.wsdlgen` from the real v2.1 WSDLs), never from the client's
call catalogue: a wrong name in the client cannot pass here by construction.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from importlib import resources
from typing import TypeAlias
from urllib.parse import urlsplit

from lxml import etree

XS = "http://www.w3.org/2001/XMLSchema"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
_WSDL = "http://schemas.xmlsoap.org/wsdl/"
_SOAP = "http://schemas.xmlsoap.org/wsdl/soap/"
_SOAP12 = "http://schemas.xmlsoap.org/wsdl/soap12/"
_SERVED = resources.files("koppelcheck.simulator.nmbrs") / "served"
_PLACEHOLDER = "http://127.0.0.1/soap/v3/"
NAMESPACE = "https://api.nmbrs.nl/soap/v3/{}"

Value: TypeAlias = (
    "Mapping[str, Value] | Sequence[Value] | str | int | float | Decimal | date | datetime | None"
)
"""A plain value the simulator answers with: a dict is a complex type, a list an array (see
:func:`render`); bool is an int."""
Fields: TypeAlias = "dict[str, Value]"
"""One complex value: element name → value."""


class ContractError(Exception):
    """An answer the served WSDL does not allow: a bug in the simulator, never sent."""


@dataclass(frozen=True)
class Field:
    """One element declaration: ``type`` is ``(namespace, local name)`` of its type."""

    name: str
    type: tuple[str, str]
    min_occurs: int
    repeated: bool
    nillable: bool


@dataclass(frozen=True)
class Operation:
    """One operation as the served WSDL declares it."""

    service: str
    name: str
    params: tuple[Field, ...]
    result: Field | None
    header: str
    """``AuthHeaderWithDomain`` or ``AuthHeader``."""

    @property
    def namespace(self) -> str:
        """The service's target namespace."""
        return NAMESPACE.format(self.service)


@dataclass(frozen=True)
class ServedService:
    """One served WSDL, parsed."""

    name: str
    wsdl: bytes
    operations: dict[str, Operation]
    types: dict[str, tuple[Field, ...]]
    """Complex types by local name, their base type's fields first."""

    @property
    def namespace(self) -> str:
        """The service's target namespace."""
        return NAMESPACE.format(self.name)

    def wsdl_for(self, host: str) -> bytes:
        """The WSDL with ``soap:address`` on the host (and port) the request came to, when that
        is a loopback address; otherwise on 127.0.0.1. Never on a production host."""
        return self.wsdl.replace(
            _PLACEHOLDER.encode(), f"http://{loopback_host(host)}/soap/v3/".encode()
        )


def loopback_host(host: str) -> str:
    """``host[:port]`` when the host is loopback (127.0.0.0/8, ::1, localhost), else
    ``127.0.0.1[:port]``."""
    parts = urlsplit("//" + host)
    try:
        port = parts.port
    except ValueError:
        port = None
    name = parts.hostname or ""
    try:
        loopback = name == "localhost" or ipaddress.ip_address(name).is_loopback
    except ValueError:
        loopback = False
    shown = (f"[{name}]" if ":" in name else name) if loopback else "127.0.0.1"
    return shown + (f":{port}" if port else "")


@functools.cache
def service_names() -> tuple[str, ...]:
    """Every service the simulator serves a WSDL for."""
    return tuple(
        sorted(p.name.removesuffix(".wsdl") for p in _SERVED.iterdir() if p.name.endswith(".wsdl"))
    )


@functools.cache
def served(service: str) -> ServedService:
    """The parsed served WSDL of ``service`` (read once per process)."""
    return parse_wsdl(service, (_SERVED / f"{service}.wsdl").read_bytes())


def parse_wsdl(service: str, body: bytes) -> ServedService:
    """Operations and types of an .asmx-style WSDL (document/literal, one schema)."""
    root = etree.fromstring(body)
    tns = root.get("targetNamespace", "")
    schema = root.find(f"{{{_WSDL}}}types/{{{XS}}}schema[@targetNamespace='{tns}']")
    if schema is None:
        raise LookupError(f"{service}: no schema for {tns}")
    raw_types = {
        t.get("name", ""): t for t in schema.findall(f"{{{XS}}}complexType") if t.get("name")
    }
    types: dict[str, tuple[Field, ...]] = {}

    def fields_of(node: etree._Element, owner: str) -> tuple[Field, ...]:
        found: list[Field] = []
        for ext in node.findall(f"{{{XS}}}complexContent/{{{XS}}}extension"):
            base = _qname(ext, ext.get("base", ""))[1]
            found += fields_of(raw_types[base], base)
            found += [field_of(e, owner) for e in ext.findall(f"{{{XS}}}sequence/{{{XS}}}element")]
        found += [field_of(e, owner) for e in node.findall(f"{{{XS}}}sequence/{{{XS}}}element")]
        return tuple(found)

    def field_of(node: etree._Element, owner: str) -> Field:
        inline = node.find(f"{{{XS}}}complexType")
        if inline is None:
            type_ = _qname(node, node.get("type", ""))
        else:  # an anonymous type: known by its place
            type_ = (tns, f"{owner}/{node.get('name', '')}")
            types[type_[1]] = fields_of(inline, type_[1])
        return Field(
            name=node.get("name", ""),
            type=type_,
            min_occurs=int(node.get("minOccurs", "1")),
            repeated=node.get("maxOccurs", "1") not in ("0", "1"),
            nillable=node.get("nillable") == "true",
        )

    for name, node in raw_types.items():
        types[name] = fields_of(node, name)
    elements = {e.get("name", ""): e for e in schema.findall(f"{{{XS}}}element")}
    headers = _header_parts(root)
    operations: dict[str, Operation] = {}
    port_type = root.find(f"{{{_WSDL}}}portType")
    assert port_type is not None
    for op in port_type.findall(f"{{{_WSDL}}}operation"):
        name = op.get("name", "")
        request = elements[name].find(f"{{{XS}}}complexType")
        response = elements[f"{name}Response"].find(f"{{{XS}}}complexType")
        params = fields_of(request, name) if request is not None else ()
        result = fields_of(response, f"{name}Response") if response is not None else ()
        operations[name] = Operation(
            service, name, params, result[0] if result else None, headers.get(name, "")
        )
    return ServedService(service, body, operations, types)


def _header_parts(root: etree._Element) -> dict[str, str]:
    """The header element each operation's SOAP 1.1 binding asks for."""
    messages = {
        m.get("name"): m.find(f"{{{_WSDL}}}part") for m in root.findall(f"{{{_WSDL}}}message")
    }
    binding = next(
        b for b in root.findall(f"{{{_WSDL}}}binding") if b.find(f"{{{_SOAP}}}binding") is not None
    )
    found: dict[str, str] = {}
    for op in binding.findall(f"{{{_WSDL}}}operation"):
        header = op.find(f"{{{_WSDL}}}input/{{{_SOAP}}}header")
        if header is not None:
            part = messages[header.get("message", "").split(":")[-1]]
            if part is not None:
                found[op.get("name", "")] = part.get("element", "").split(":")[-1]
    return found


def _qname(node: etree._Element, value: str) -> tuple[str, str]:
    prefix, _, local = value.rpartition(":")
    return (node.nsmap.get(prefix or None) or "", local)


# --------------------------------------------------------------------------- answers


def render(service: ServedService, parent: etree._Element, field: Field, value: Value) -> None:
    """Append ``value`` as ``field`` under ``parent``, in the declared order. A dict is a complex
    value; a list is the items of an ``ArrayOf…`` type (its one repeated element) or of a repeated
    field. Raises :class:`ContractError` for an element the type does not declare or a required
    one that is missing."""
    ns = service.namespace
    if field.repeated and isinstance(value, list):
        for item in value:
            render(service, parent, Field(field.name, field.type, 1, False, field.nillable), item)
        return
    if value is None:
        if field.nillable:
            etree.SubElement(parent, f"{{{ns}}}{field.name}").set(f"{{{XSI}}}nil", "true")
            return
        if field.min_occurs == 0:
            return
        raise ContractError(f"{field.name} is required")
    node = etree.SubElement(parent, f"{{{ns}}}{field.name}")
    fields = service.types.get(field.type[1]) if field.type[0] == ns else None
    if fields is None:
        if isinstance(value, dict | list):
            raise ContractError(f"{field.name} is a simple type")
        node.text = text(value)
        return
    if isinstance(value, list):
        repeated = [f for f in fields if f.repeated]
        if len(repeated) != 1:
            raise ContractError(f"{field.name}: a list for a type that is not an array")
        value = {repeated[0].name: value}
    if not isinstance(value, dict):
        raise ContractError(f"{field.name} is a complex type")
    unknown = set(value) - {f.name for f in fields}
    if unknown:
        raise ContractError(f"{field.type[1]} declares no {', '.join(sorted(unknown))}")
    for child in fields:
        if child.name not in value and not (child.repeated or child.min_occurs == 0):
            raise ContractError(f"{field.type[1]}/{child.name} is missing")
        render(service, node, child, value.get(child.name))


def text(value: Value) -> str:
    """A simple value as XML Schema text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)
