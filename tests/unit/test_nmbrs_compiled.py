"""The compiled WSDLs (nmbrs/wsdl/compiled.json) against zeep itself.

The compiled form must be current (equal to a fresh build from the bundled WSDLs), must produce
byte for byte the envelope and headers zeep produces, and must read every answer it accepts to
exactly what zeep's parse gives (types, order, unknown elements); everything else it hands back
to zeep.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml import etree
from zeep.wsdl.utils import etree_to_string

from koppelcheck.nmbrs import calls, compiled
from koppelcheck.nmbrs.client import _read_compiled, _safe_parser, plain_of, to_plain
from koppelcheck.nmbrs.compile_wsdl import build, dumps
from koppelcheck.nmbrs.zeep_layer import (
    SETTINGS,
    OfflineTransport,
    load_document,
    read_answer,
    service_proxy,
)

EVERY_CALL = tuple(dict.fromkeys((*calls.ALL_CALLS, calls.ENVIRONMENT_GET, *calls.INVENTORY_CALLS)))
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"


def _ids(call: calls.NmbrsCall) -> str:
    return f"{call.service}.{call.operation}"


def test_the_shipped_file_is_a_fresh_build() -> None:
    """Rebuild it with ``python -m koppelcheck.nmbrs.compile_wsdl`` after changing a WSDL."""
    assert compiled.COMPILED_PATH.read_text(encoding="utf-8") == dumps(build())


def test_every_catalogue_call_is_compiled() -> None:
    for call in EVERY_CALL:
        operation = compiled.operation(call.service, call.operation)
        assert operation is not None, call.operation
        assert operation.envelope is not None


def test_a_file_built_from_other_wsdls_is_ignored(monkeypatch) -> None:
    compiled.compiled.cache_clear()
    compiled.operation.cache_clear()
    monkeypatch.setattr(compiled, "wsdl_digest", lambda: "0" * 64)
    try:
        assert compiled.compiled() is None
        assert compiled.operation("CompanyService", "List_GetAll") is None
    finally:
        compiled.compiled.cache_clear()
        compiled.operation.cache_clear()


@pytest.mark.parametrize("content", ["", "{", "[]", '{"format": 999}'])
def test_a_missing_or_damaged_file_is_ignored(monkeypatch, tmp_path, content) -> None:
    path = tmp_path / "compiled.json"
    if content:
        path.write_text(content)
    compiled.compiled.cache_clear()
    monkeypatch.setattr(compiled, "COMPILED_PATH", path)
    try:
        assert compiled.compiled() is None
    finally:
        compiled.compiled.cache_clear()


# ---------------------------------------------------------------- envelopes


def _zeep_envelope(
    call: calls.NmbrsCall, header: dict[str, str], params: dict[str, Any]
) -> tuple[bytes, dict[str, str]]:
    import zeep

    document = load_document(call.service)
    client = zeep.Client(document, transport=OfflineTransport(), settings=SETTINGS)
    binding = document.bindings[f"{{{call.namespace}}}{call.service}Soap"]
    name = "AuthHeader" if call == calls.ENVIRONMENT_GET else "AuthHeaderWithDomain"
    envelope, headers = binding._create(
        call.operation, (), {**params, "_soapheaders": {name: header}}, client=client
    )
    return etree_to_string(envelope), dict(headers)


def _header(call: calls.NmbrsCall, username: str, token: str, domain: str) -> dict[str, str]:
    header = {"Username": username, "Token": token}
    return header if call == calls.ENVIRONMENT_GET else {**header, "Domain": domain}


def _params(call: calls.NmbrsCall, number: int) -> dict[str, Any]:
    operation = compiled.operation(call.service, call.operation)
    assert operation is not None and operation._envelope is not None
    kinds = operation._envelope["kinds"]
    return {p.name: number if kinds[p.name] == "int" else f"w{number}" for p in call.params}


@pytest.mark.parametrize("call", EVERY_CALL, ids=_ids)
def test_envelope_equals_zeeps(call) -> None:
    header = _header(call, "salaris@voorbeeld.nl", "c0ffee", "voorbeeld")
    params = _params(call, 54613)
    operation = compiled.operation(call.service, call.operation)
    assert operation is not None
    assert operation.envelope(header, params) == _zeep_envelope(call, header, params)


_text = st.text(st.characters(codec="utf-8"), max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    call=st.sampled_from(EVERY_CALL),
    username=_text,
    token=_text,
    domain=_text,
    number=st.integers(-(2**31), 2**31 - 1),
)
@example(calls.LIST_GET_ALL, "a&b<c>d\"e'f", "tö]]>ken", "dömain", 0)
@example(calls.LIST_GET_ALL, "tab\there", "cr\rhere", "nl\nhere", 0)
def test_envelope_equals_zeeps_for_any_text(call, username, token, domain, number) -> None:
    """Any value the fast path accepts is written as zeep writes it; the rest go to zeep."""
    header = _header(call, username, token, domain)
    params = _params(call, number)
    operation = compiled.operation(call.service, call.operation)
    assert operation is not None
    try:
        ours = operation.envelope(header, params)
    except compiled.HandBack:
        return
    assert ours == _zeep_envelope(call, header, params)


@pytest.mark.parametrize("value", [True, 1.5, None, b"1", "12"])
def test_values_zeep_formats_itself_are_handed_back(value) -> None:
    operation = compiled.operation("CompanyService", "Company_GetCurrentPeriod")
    assert operation is not None
    with pytest.raises(compiled.HandBack):
        operation.envelope({"Username": "u", "Token": "t", "Domain": "d"}, {"CompanyId": value})


# ---------------------------------------------------------------- answers


def _spec(call: calls.NmbrsCall) -> tuple[compiled.Operation, list[Any]]:
    operation = compiled.operation(call.service, call.operation)
    assert operation is not None and operation._result is not None
    return operation, operation._result["field"]


_VALUES = {
    "str": st.sampled_from(["", " x ", "DEMO B.V.", "ü & <", "2026-11-M"]),
    "int": st.sampled_from(["0", "54613", " 7 ", "-1", "1_0", "x", "", "1.5"]),
    "bool": st.sampled_from(["true", "false", "1", "0", " true ", "True", "x", ""]),
    "decimal": st.sampled_from(["1.50", "0", "-3.25", " 2 ", "1e3", "NaN", "x", ""]),
    "datetime": st.sampled_from(
        [
            "2026-01-31T00:00:00",
            "2026-01-31",
            "2026-01-31 10:11:12",
            "2026-01-31T10:11:12Z",
            "2026-01-31T10:11:12.1234567",
            "0001-01-01T00:00:00",
            "2026-02-30T00:00:00",
            "2026-01-31T24:00:00",
            "2026-01-31T10:11:12+01:00",
            "x",
            "",
        ]  # fmt: skip
    ),
}


def _element(parent: etree._Element, namespace: str, localname: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{namespace}}}{localname}")


_FULL = {"str": "tekst", "int": "42", "bool": "true", "decimal": "12.50",
         "datetime": "2026-01-31T10:11:12"}  # fmt: skip


def _fill(parent, field, namespace, types, depth, draw) -> None:
    """Add ``field``'s elements to ``parent``: every field once (lists twice) when ``draw`` is
    None, else drawn: missing, nil, in any order, with unknown elements, odd values."""
    name, localname, max_occurs, kind, ref = field
    if draw is None:
        count = 1 if max_occurs == 1 else 2
    else:
        count = draw(st.integers(0, 1 if max_occurs == 1 else 3))
    for _ in range(count):
        element = _element(parent, namespace, localname)
        if draw is not None and draw(st.integers(0, 9)) == 0:
            element.set(f"{{{XSI}}}nil", "true")
            continue
        if kind != "complex":
            text = _FULL[kind] if draw is None else draw(_VALUES[kind])
            if text:
                element.text = text
            continue
        if depth > 3:
            continue
        fields = list(types[ref]["fields"])
        if draw is not None:
            fields = draw(st.permutations(fields))
            fields = fields[: draw(st.integers(0, len(fields)))]
        for sub in fields:
            _fill(element, sub, namespace, types, depth + 1, draw)
        if draw is not None and draw(st.booleans()):
            extra = draw(st.integers(0, len(element)))
            unknown = etree.Element(f"{{{namespace}}}Onbekend{extra}")
            if draw(st.booleans()):
                etree.SubElement(unknown, f"{{{namespace}}}Kind").text = "k"
            else:
                unknown.text = "u"
            element.insert(extra, unknown)


def _answer(call: calls.NmbrsCall, build_body) -> bytes:
    envelope = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"soap": SOAP, "xsi": XSI})
    body = etree.SubElement(envelope, f"{{{SOAP}}}Body")
    response = etree.SubElement(body, f"{{{call.namespace}}}{call.operation}Response")
    build_body(response)
    return etree.tostring(envelope, xml_declaration=True, encoding="utf-8")


def _both(call: calls.NmbrsCall, content: bytes) -> tuple[str | None, str]:
    """(our reading or None when handed back, zeep's reading), each as a repr."""
    address = f"https://api.nmbrs.nl/soap/v3/{call.service}.asmx"
    response = httpx.Response(
        200,
        content=content,
        headers={"content-type": "text/xml; charset=utf-8"},
        request=httpx.Request("POST", address),
    )

    async def never(*_: Any) -> httpx.Response:
        raise AssertionError("nothing is sent")

    proxy = service_proxy(call.service, call.namespace, address, never)
    try:
        theirs: Any = to_plain(read_answer(proxy, call.operation, response), call.operation)
    except (ArithmeticError, ValueError) as exc:  # zeep lets these through (bad decimal, a PI)
        theirs = exc
    operation = compiled.operation(call.service, call.operation)
    assert operation is not None
    envelope = etree.fromstring(content, _safe_parser())
    try:
        ours = plain_of(_read_compiled(operation, response, envelope), call.operation)
    except compiled.HandBack:
        return None, repr(theirs)
    return repr(ours), repr(theirs)


@pytest.mark.parametrize("call", EVERY_CALL, ids=_ids)
def test_a_full_answer_reads_as_zeep_reads_it(call) -> None:
    """Every field of the v2.1 type filled (lists with two items): read without zeep, equal."""
    operation, field = _spec(call)

    def body(response: etree._Element) -> None:
        _fill(response, field, call.namespace, operation._types, 0, None)

    content = _answer(call, body)
    ours, theirs = _both(call, content)
    assert ours is not None
    assert ours == theirs
    assert len(content) > 250  # really filled


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(call=st.sampled_from(EVERY_CALL), data=st.data())
def test_any_answer_reads_as_zeep_reads_it(call, data) -> None:
    """Fields missing, in any order, nil, unknown elements anywhere, values zeep cannot convert:
    whatever the compiled reader accepts, it reads exactly as zeep does."""
    operation, field = _spec(call)
    content = _answer(
        call,
        lambda response: _fill(response, field, call.namespace, operation._types, 0, data.draw),
    )
    ours, theirs = _both(call, content)
    if ours is not None:
        assert ours == theirs


@pytest.mark.parametrize(
    "inside",
    [
        "<!-- a comment --><List_GetAllResult/>",
        '<List_GetAllResult xsi:type="xsd:string">x</List_GetAllResult>',
        "<?pi x?><List_GetAllResult/>",
    ],
)
def test_answers_the_reader_does_not_model_are_read_by_zeep(inside) -> None:
    content = (
        f'<soap:Envelope xmlns:soap="{SOAP}" xmlns:xsi="{XSI}" '
        'xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body>'
        f'<List_GetAllResponse xmlns="{calls.LIST_GET_ALL.namespace}">{inside}'
        "</List_GetAllResponse></soap:Body></soap:Envelope>"
    ).encode()
    ours, theirs = _both(calls.LIST_GET_ALL, content)
    assert ours is None  # zeep reads it (or fails on it) exactly as before


def test_the_reader_gives_zeeps_types() -> None:
    call = calls.RUN_GET_LIST
    operation, field = _spec(call)

    def body(response: etree._Element) -> None:
        _fill(response, field, call.namespace, operation._types, 0, None)

    envelope = etree.fromstring(_answer(call, body), _safe_parser())
    runs = plain_of(operation.read(envelope), call.operation)
    kinds = {type(value) for run in runs for value in run.values()}
    assert kinds <= {int, str, bool, Decimal, datetime.datetime}
    assert int in kinds
