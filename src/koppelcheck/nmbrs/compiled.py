"""The bundled WSDLs, compiled by zeep ahead of time: envelopes to fill in, answer types to read.

zeep stays the SOAP layer: ``nmbrs/wsdl/compiled.json`` is what zeep builds from the bundled
WSDLs (``python -m koppelcheck.nmbrs.compile_wsdl``), stored so that a run neither imports zeep
nor parses a WSDL before its first call, and does not serialise and parse every call from
scratch. The file is package data (never written at run time, so there is no cache another user
could plant); it records a SHA-256 of the WSDLs it was built from, and when that does not match
the bundled WSDLs the client ignores it and uses zeep for every call. Tests check that the file
equals a fresh build and that what it produces equals zeep's own envelopes and parse.

Everything here hands back to zeep rather than guess: a value that is not a plain ``str`` or
``int`` or holds a character zeep would refuse or encode, an answer with a comment, an entity,
an ``xsi:type``, a SOAP header or anything else the reader does not model, a simple value zeep
would fail to convert. Such calls are read by zeep, exactly as before.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
import re
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import TypeAlias, TypedDict, cast

from lxml import etree

from koppelcheck.jsontypes import JSON

WSDL_DIR = Path(str(resources.files("koppelcheck.nmbrs") / "wsdl"))
COMPILED_PATH = WSDL_DIR / "compiled.json"
FORMAT = 1
SLOT = "KOPPELCHECKSLOT{}X"
"""The marker zeep serialises in each value's place when the file is built."""

Field: TypeAlias = "tuple[str, str, int, str, str | None]"
"""One field of a result type: (name zeep gives it, element local name, maxOccurs with -1 for
unbounded, kind, referenced type key or None). A JSON array in the file, so a list once loaded."""


class Envelope(TypedDict):
    """A request zeep would send, cut where its values go (``parts`` is one longer than
    ``slots``), the kind of each parameter, and its HTTP headers."""

    parts: list[str]
    slots: list[str]
    kinds: dict[str, str]
    headers: dict[str, str]


class Result(TypedDict):
    """The ``<Operation>Result`` field and whether its type is an ``ArrayOf…``."""

    field: Field
    returns_array: bool


class OperationSpec(TypedDict):
    """One operation; either part is None where zeep does the work."""

    envelope: Envelope | None
    result: Result | None


class TypeSpec(TypedDict):
    """One named complex type: its fields in sequence order."""

    fields: list[Field]


class CompiledFile(TypedDict):
    """``compiled.json`` as :mod:`koppelcheck.nmbrs.compile_wsdl` writes it."""

    format: int
    wsdl_sha256: str
    operations: dict[str, OperationSpec]
    types: dict[str, TypeSpec]


Simple: TypeAlias = "str | int | bool | Decimal | datetime.datetime | None"
"""One simple value as zeep converts it."""
Serialised: TypeAlias = "Simple | etree._Element | list[Serialised] | dict[str, Serialised]"
"""An answer as zeep's ``serialize_object`` gives it: unknown elements stay lxml elements
(under ``_raw_elements``)."""

_XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
_UNSAFE_TEXT = re.compile("[\x00-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters lxml refuses or writes as a character reference: left to zeep."""


class HandBack(Exception):
    """This call or answer is not one the compiled form covers exactly: use zeep."""


def wsdl_path(service: str) -> Path:
    """The bundled WSDL file of one service."""
    return WSDL_DIR / f"{service}.wsdl"


def wsdl_digest() -> str:
    """SHA-256 over the bundled WSDLs (name and content), the compiled file's key."""
    digest = hashlib.sha256()
    for path in sorted(WSDL_DIR.glob("*.wsdl")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@functools.cache
def compiled() -> CompiledFile | None:
    """The compiled file, or None when it is missing, unreadable or built from other WSDLs."""
    try:
        data: JSON = json.loads(COMPILED_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None
    if data.get("wsdl_sha256") != wsdl_digest():
        return None
    return cast("CompiledFile", data)  # package data, and built from exactly these WSDLs


def _escape(value: str) -> str:
    if _UNSAFE_TEXT.search(value):
        raise HandBack("a character zeep would refuse or encode")
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _text(value: object, kind: str) -> str:
    if kind == "str" and type(value) is str:
        return _escape(value)
    if kind == "int" and type(value) is int:
        return str(value)
    raise HandBack("a value zeep formats itself")


class Operation:
    """One compiled operation: its envelope and the reader of its answer."""

    def __init__(self, key: str, spec: OperationSpec, types: dict[str, TypeSpec]) -> None:
        self.key = key
        self._envelope = spec["envelope"]
        self._result = spec["result"]
        self._types = types
        self.returns_array = bool(self._result and self._result["returns_array"])

    def envelope(
        self, header: dict[str, str], params: dict[str, object]
    ) -> tuple[bytes, dict[str, str]]:
        """The request zeep would send, and its HTTP headers. Raises HandBack."""
        if self._envelope is None:
            raise HandBack("no compiled envelope")
        kinds = self._envelope["kinds"]
        values = []
        for slot in self._envelope["slots"]:
            if slot in kinds:
                values.append(_text(params[slot], kinds[slot]))
            elif slot in header:
                values.append(_text(header[slot], "str"))
            else:
                raise HandBack(f"no value for {slot}")
        parts = self._envelope["parts"]
        text = "".join(part + value for part, value in zip(parts, values, strict=False))
        return (text + parts[-1]).encode("utf-8"), dict(self._envelope["headers"])

    def read(self, envelope: etree._Element) -> Serialised:
        """The answer as zeep's ``serialize_object`` gives it (``<Operation>Result`` unwrapped
        by zeep). Raises HandBack for anything the reader does not model."""
        if self._result is None:
            raise HandBack("no compiled answer type")
        namespace = etree.QName(envelope).namespace
        body = None
        for child in envelope:
            if not isinstance(child.tag, str):
                raise HandBack("a comment or instruction in the envelope")
            if child.tag == f"{{{namespace}}}Body":
                body = child
            else:
                raise HandBack("a SOAP header or other envelope child")
        if body is None or len(body) != 1:
            raise HandBack("not exactly one body element")
        response = body[0]
        for node in response.iter():
            if not isinstance(node.tag, str):
                raise HandBack("a comment, instruction or entity in the answer")
        if _XSI_TYPE in response.attrib:
            raise HandBack("xsi:type")
        if len(response) == 0 and not response.attrib:
            return None
        name, localname, max_occurs, kind, ref = self._result["field"]
        matches = [child for child in response if _local(child.tag) == localname]
        if len(matches) != len(response) or (max_occurs != -1 and len(matches) > max_occurs):
            raise HandBack("unknown elements beside the result")  # zeep would not unwrap it
        value = self._field(matches, max_occurs, kind, ref)
        fields = self._types[ref]["fields"] if kind == "complex" and ref is not None else []
        if isinstance(value, dict) and len(fields) == 1:
            # zeep returns the only element of a one-element result type (an ArrayOf…'s list),
            # dropping the wrapper and any unknown elements beside it
            value = value[fields[0][0]]
        return value

    def _field(
        self, matches: list[etree._Element], max_occurs: int, kind: str, ref: str | None
    ) -> Serialised:
        if max_occurs != -1:
            matches = matches[:max_occurs]
        values = [self._value(element, kind, ref) for element in matches]
        if max_occurs == 1:
            return values[0] if values else None
        return values

    def _value(self, element: etree._Element, kind: str, ref: str | None) -> Serialised:
        if _XSI_TYPE in element.attrib:
            raise HandBack("xsi:type")
        if kind != "complex" or ref is None:  # a complex field always names its type
            return _simple(element.text, kind)
        children = list(element)
        if not children and not element.attrib:
            return None
        by_name: dict[str, list[etree._Element]] = {}
        for child in children:
            by_name.setdefault(_local(child.tag), []).append(child)
        result: dict[str, Serialised] = {}
        for name, localname, max_occurs, sub_kind, sub_ref in self._types[ref]["fields"]:
            # zeep (xsd_ignore_sequence_order): the leftmost elements of that local name
            matches = by_name.pop(localname, None)
            if not matches:
                result[name] = None if max_occurs == 1 else []
                continue
            if max_occurs != -1 and len(matches) > max_occurs:
                by_name[localname] = matches[max_occurs:]
                matches = matches[:max_occurs]
            result[name] = self._field(matches, max_occurs, sub_kind, sub_ref)
        if by_name:  # what no field took, in document order: zeep's _raw_elements
            left = {id(child) for group in by_name.values() for child in group}
            result["_raw_elements"] = [child for child in children if id(child) in left]
        return result


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _collapse(text: str) -> str:
    return re.sub(r"[\n\r\t ]", " ", text).strip()


def _simple(text: str | None, kind: str) -> Simple:
    """zeep's conversion of one simple value (zeep.xsd.types.builtins), or HandBack where zeep
    would log a failed conversion and answer None."""
    if text is None:
        return None
    try:
        if kind == "str":
            return text
        if kind == "int":
            return int(text)
        if kind == "bool":
            return _collapse(text) in ("true", "1")
        if kind == "decimal":
            return Decimal(_collapse(text))
        if kind == "datetime":
            return _datetime(_collapse(text))
    except (TypeError, ValueError, ArithmeticError) as exc:
        raise HandBack("a value zeep would not convert") from exc
    raise HandBack(f"kind {kind}")


_PLAIN_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")


def _datetime(value: str) -> datetime.datetime:
    if _PLAIN_DATETIME.fullmatch(value):  # what Nmbrs sends: isodate gives this naive datetime
        return datetime.datetime(
            int(value[0:4]), int(value[5:7]), int(value[8:10]),
            int(value[11:13]), int(value[14:16]), int(value[17:19]),
        )  # fmt: skip
    import isodate  # zeep's own date parser, for every other form

    if len(value) == 10:
        value += "T00:00:00"
    elif (len(value) == 19 or len(value) == 26) and value[10] == " ":
        value = "T".join(value.split(" "))
    parsed: datetime.datetime = isodate.parse_datetime(value)  # isodate is untyped
    return parsed


@functools.cache
def operation(service: str, name: str) -> Operation | None:
    """The compiled operation, or None (no compiled file, or not in it)."""
    data = compiled()
    if data is None:
        return None
    spec = data["operations"].get(f"{service}/{name}")
    return Operation(f"{service}/{name}", spec, data["types"]) if spec else None
