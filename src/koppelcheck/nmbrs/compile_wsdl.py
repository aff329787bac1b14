"""Compile the bundled WSDLs with zeep into ``nmbrs/wsdl/compiled.json`` (build time only).

``python -m koppelcheck.nmbrs.compile_wsdl`` rewrites the file; a test checks that the shipped
file equals what this module builds from the bundled WSDLs and the installed zeep, and that
envelopes and answers read through it equal zeep's own (tests/unit/test_nmbrs_compiled.py).

Per operation the file holds what zeep would do on every call, done once:

- ``envelope``: the request zeep serialises, cut at the places where the header and parameter
  values go (zeep serialised it with a marker in each place);
- ``headers``: the HTTP headers zeep sends with it (SOAPAction, Content-Type);
- ``result``: the XSD type of ``<Operation>Result`` as a tree of fields zeep's parser would fill,
  or null when the type uses a construct the fast reader does not handle (then zeep reads it).
"""

from __future__ import annotations

import hashlib
import json
import sys

from zeep import Client
from zeep.wsdl.utils import etree_to_string
from zeep.xsd import ComplexType, Element, Sequence
from zeep.xsd.types import builtins

from koppelcheck.nmbrs import calls as catalogue
from koppelcheck.nmbrs.compiled import (
    COMPILED_PATH,
    FORMAT,
    SLOT,
    CompiledFile,
    Envelope,
    Field,
    OperationSpec,
    Result,
    TypeSpec,
    wsdl_digest,
)
from koppelcheck.nmbrs.zeep_layer import SETTINGS, OfflineTransport, load_document

_LEAVES: tuple[tuple[type, str], ...] = (
    (builtins.Boolean, "bool"),
    (builtins.Integer, "int"),  # before Decimal: Integer subclasses it
    (builtins.Decimal, "decimal"),
    (builtins.DateTime, "datetime"),
    (builtins.String, "str"),
)
"""zeep builtin types the fast reader converts exactly as zeep does; any other is not compiled."""

_PARAM_KINDS = {"str", "int"}
"""Parameter types whose value the fast path formats exactly as zeep (others go through zeep)."""


class Unsupported(Exception):
    """A construct the fast reader does not handle; that operation's answers go through zeep."""


def _leaf_kind(xsd_type: object) -> str | None:
    for cls, kind in _LEAVES:
        if isinstance(xsd_type, cls):
            return kind
    return None


class _Types:
    """Named complex types, compiled once each."""

    def __init__(self) -> None:
        self.types: dict[str, TypeSpec | None] = {}

    def field(self, name: str, element: object) -> Field:
        if not isinstance(element, Element) or element.default is not None:
            raise Unsupported(f"{name}: not a plain element")
        max_occurs = -1 if element.max_occurs == "unbounded" else int(element.max_occurs)
        kind = _leaf_kind(element.type)
        if kind is not None:
            return (name, element.qname.localname, max_occurs, kind, None)
        return (name, element.qname.localname, max_occurs, "complex", self.complex(element.type))

    def complex(self, xsd_type: object) -> str:
        if not isinstance(xsd_type, ComplexType) or xsd_type.qname is None:
            raise Unsupported(f"{xsd_type!r}: not a named complex type")
        key = str(xsd_type.qname.text)
        if key in self.types:
            return key
        self.types[key] = None  # recursion guard
        if xsd_type.attributes or getattr(xsd_type, "_array_type", None):
            raise Unsupported(f"{key}: attributes or a SOAP-encoded array")
        nested = xsd_type.elements_nested
        if nested and (len(nested) != 1 or not _plain_sequence(nested[0][1])):
            raise Unsupported(f"{key}: not one plain sequence")
        fields = [self.field(name, element) for name, element in xsd_type.elements]
        self.types[key] = {"fields": fields}
        return key


def _plain_sequence(indicator: object) -> bool:
    """A sequence, occurring once, of elements or of such sequences."""
    if not isinstance(indicator, Sequence) or indicator.accepts_multiple:
        return False
    return all(
        isinstance(child, Element) or _plain_sequence(child)
        for _, child in indicator.elements_nested
    )


def _result(call: catalogue.NmbrsCall, types: _Types) -> Result | None:
    response = load_document(call.service).types.get_element(
        f"{{{call.namespace}}}{call.operation}Response"
    )
    try:
        if response.type.attributes or len(response.type.elements) != 1:
            raise Unsupported("response wrapper")
        name, element = response.type.elements[0]
        field = types.field(name, element)
    except Unsupported:
        return None
    result_type = element.type
    returns_array = bool(result_type.name and result_type.name.startswith("ArrayOf"))
    return {"field": field, "returns_array": returns_array}


def _envelope(call: catalogue.NmbrsCall, header: str) -> Envelope | None:
    """zeep's request with a marker in each value's place, cut at the markers."""
    document = load_document(call.service)
    client = Client(document, transport=OfflineTransport(), settings=SETTINGS)
    binding = document.bindings[f"{{{call.namespace}}}{call.service}Soap"]
    operation = binding.get(call.operation)
    slots: list[str] = []

    def mark(name: str) -> str:
        slots.append(name)
        return SLOT.format(len(slots) - 1)

    kinds = {}
    for param in call.params:
        [(_, element)] = [(n, e) for n, e in operation.input.body.type.elements if n == param.name]
        kind = _leaf_kind(element.type)
        if kind not in _PARAM_KINDS:
            return None
        kinds[param.name] = kind
    auth = {"Username": mark("Username"), "Token": mark("Token")}
    if header == "AuthHeaderWithDomain":
        auth["Domain"] = mark("Domain")
    params = {p.name: mark(p.name) for p in call.params}
    envelope, http_headers = binding._create(  # type: ignore[attr-defined]
        call.operation, (), {**params, "_soapheaders": {header: auth}}, client=client
    )
    text = etree_to_string(envelope).decode("utf-8")
    parts = [text]
    for index in range(len(slots)):
        head, marker, tail = parts[-1].partition(SLOT.format(index))
        if not marker or SLOT.format(index) in tail:
            return None  # zeep did not place the value once, as text: leave it to zeep
        parts[-1:] = [head, tail]
    return {
        "parts": parts,
        "slots": slots,
        "kinds": kinds,
        "headers": dict(http_headers),
    }


def build() -> CompiledFile:
    """The compiled form of every catalogue call, from the bundled WSDLs and installed zeep."""
    types = _Types()
    operations: dict[str, OperationSpec] = {}
    every = (*catalogue.ALL_CALLS, catalogue.ENVIRONMENT_GET, *catalogue.INVENTORY_CALLS)
    for call in dict.fromkeys(every):
        header = "AuthHeader" if call == catalogue.ENVIRONMENT_GET else "AuthHeaderWithDomain"
        operations[f"{call.service}/{call.operation}"] = {
            "envelope": _envelope(call, header),
            "result": _result(call, types),
        }
    return {
        "format": FORMAT,
        "wsdl_sha256": wsdl_digest(),
        "operations": operations,
        "types": {key: spec for key, spec in types.types.items() if spec is not None},
    }


def dumps(compiled: CompiledFile) -> str:
    """The file's text: stable, so that the currency test can compare it."""
    return json.dumps(compiled, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> int:
    """Write ``nmbrs/wsdl/compiled.json``."""
    text = dumps(build())
    COMPILED_PATH.write_text(text, encoding="utf-8")
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    print(COMPILED_PATH, len(text), digest)  # a maintainer's script: the file, its size and hash
    return 0


if __name__ == "__main__":
    sys.exit(main())
