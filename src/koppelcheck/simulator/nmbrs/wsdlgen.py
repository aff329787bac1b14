"""Build the simulator's own v3 WSDLs from the real v2.1 ones (run when the sources change).

    python -m koppelcheck.simulator.nmbrs.wsdlgen ../shared/reference/nmbrs-wsdl-v2.1

CompanyService and EmployeeService start from the real v2.1 captures
(``shared/reference/nmbrs-wsdl-v2.1/``, 98 and 191 operations) and receive only the v3 changes the
public record documents (``shared/reference/nmbrs-api.md``):

- the namespace ``https://api.nmbrs.nl/soap/v2.1/…`` becomes ``…/soap/v3/…`` (§1);
- every operation's header becomes ``AuthHeaderWithDomain`` (Username, Token, Domain) (§2);
- ``List_GetByCompany`` takes ``EmployeeType`` int instead of the ``active`` enum (§3, v3 peers);
- ``SVWSettings`` and ``EmployeeContract`` take the v3 (2020 WAB) fields. The reference says the
  fields changed (§3, SUP-2020) but not to what; the names are PY-NMBRS's data classes
  (``data_classes/employee.py`` ``SVW`` and ``Contract``), the types are a GUESS.

ReportService and DebtorService have no public WSDL at all (§7); they are written here from the
reference's §3 and §6 tables (``_HAND_WRITTEN``). Adding an operation to them is a data change.

The ``soap:address`` written here is a placeholder; the simulator replaces it with the host and
port each ``?WSDL`` request came to (never a production host).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from lxml import etree

OUT_DIR = Path(__file__).parent / "served"
PLACEHOLDER_ADDRESS = "http://127.0.0.1/soap/v3/{service}.asmx"

XS = "http://www.w3.org/2001/XMLSchema"
WSDL = "http://schemas.xmlsoap.org/wsdl/"
SOAP = "http://schemas.xmlsoap.org/wsdl/soap/"
SOAP12 = "http://schemas.xmlsoap.org/wsdl/soap12/"
_V21 = "https://api.nmbrs.nl/soap/v2.1/"
_V3 = "https://api.nmbrs.nl/soap/v3/"

# PY-NMBRS data_classes/employee.py class SVW (v1.0.13): the v3 SVW settings. Types: GUESS
# (ids, years and periods int; codes and descriptions string; the insurances boolean).
_SVW_V3: tuple[tuple[str, str, bool], ...] = (
    ("Id", "s:int", False),
    ("CreateDate", "s:dateTime", True),
    ("StartYear", "s:int", False),
    ("StartPeriod", "s:int", False),
    ("InfluenceObligedInsuranced", "s:string", False),
    ("Wao_Wia", "s:boolean", False),
    ("Ww", "s:boolean", False),
    ("Zw", "s:boolean", False),
    ("IncomeRelatedContributionZvw", "s:string", False),
    ("CodeZvw", "s:string", False),
    ("EmploymentType", "s:string", False),
    ("PhaseClassification", "s:string", False),
    ("EmploymentSequenceTaxId", "s:int", False),
    ("CAO", "tns:SVWCAO", False),
    ("RiskGroup", "tns:SVWRiskGroup", False),
    ("Sector", "tns:SVWSector", False),
    ("WageCostBenefit", "tns:SVWWageCostBenefit", False),
)
_SVW_PARTS = {
    "SVWCAO": (("CAOId", "s:int"), ("CAOCode", "s:string"), ("CAODescription", "s:string")),
    "SVWRiskGroup": (
        ("RiskGroupId", "s:int"),
        ("RiskGroupCode", "s:string"),
        ("RiskGroupDescription", "s:string"),
    ),
    "SVWSector": (
        ("SectorId", "s:int"),
        ("SectorCode", "s:string"),
        ("SectorDescription", "s:string"),
    ),
    "SVWWageCostBenefit": (
        ("WageCostBenefitCode", "s:string"),
        ("EndPeriod", "s:int"),
        ("EndYear", "s:int"),
    ),
}
# PY-NMBRS data_classes/employee.py class Contract: three fields after the v2.1 ones. Types: GUESS.
_CONTRACT_V3 = (
    ("PhaseClassification", "s:int", False),
    ("WrittenContract", "s:boolean", False),
    ("HoursPerWeek", "s:decimal", True),
)

# Services no public WSDL shows (reference §7), from the reference's tables. Per operation: the
# request's elements, the result's type, the header element. Types are the reference's words.
_HAND_WRITTEN: dict[str, dict[str, object]] = {
    "ReportService": {
        "types": {
            "BackgroundTaskResult": (
                ("TaskId", "s1:guid", 1),
                ("Status", "s:string", 0),
                ("Content", "s:string", 0),
            ),
        },
        "operations": {
            # §3: lower-camel names, PHP-MK only; medium confidence.
            "Reports_GetWageCodesByRunCompany_FilterByWageCode_Background": (
                (
                    ("companyId", "s:int"),
                    ("runId", "s:int"),
                    ("year", "s:int"),
                    ("wageCode", "s:int"),
                ),
                "s1:guid",
                "AuthHeaderWithDomain",
            ),
            # §6: TaskId guid in, {TaskId, Status, Content} out.
            "Reports_BackgroundTask_Result": (
                (("TaskId", "s1:guid"),),
                "tns:BackgroundTaskResult",
                "AuthHeaderWithDomain",
            ),
        },
    },
    "DebtorService": {
        "types": {
            # §3: "carries Domain and SubDomain"; the nesting is a GUESS.
            "Domain": (("Domain", "s:string", 0), ("SubDomain", "s:string", 0)),
            # §3 says only that List_GetAll "returns debtors"; the fields are the peer go-nmbrs's
            # (tim-online/go-nmbrs debtors/list.go @6bc4478: Id int, Number string, Name string).
            "Debtor": (("Id", "s:int", 1), ("Number", "s:string", 0), ("Name", "s:string", 0)),
            "ArrayOfDebtor": (("Debtor", "tns:Debtor", 0, "unbounded"),),
        },
        "operations": {
            "Environment_Get": ((), "tns:Domain", "AuthHeader"),
            # The login's debtors, for the REST readiness inventory (koppelcheck.nmbrs.rest).
            "List_GetAll": ((), "tns:ArrayOfDebtor", "AuthHeaderWithDomain"),
        },
    },
}


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def _element(
    parent: etree._Element,
    name: str,
    type_: str,
    *,
    min_occurs: int = 1,
    max_occurs: str = "1",
    nillable: bool = False,
) -> etree._Element:
    node = etree.SubElement(parent, _q(XS, "element"))
    node.set("minOccurs", str(min_occurs))
    node.set("maxOccurs", max_occurs)
    node.set("name", name)
    if nillable:
        node.set("nillable", "true")
    node.set("type", type_)
    return node


def _simple_min(type_: str) -> int:
    """.asmx writes minOccurs=1 for value types and 0 for strings and classes."""
    return 1 if type_ in ("s:int", "s:boolean", "s:decimal", "s:dateTime", "s1:guid") else 0


def _complex_type(schema: etree._Element, name: str) -> etree._Element:
    found = schema.find(f"{{{XS}}}complexType[@name='{name}']")
    if found is None:
        raise LookupError(name)
    return found


def _sequence_of(schema: etree._Element, name: str) -> etree._Element:
    sequence = _complex_type(schema, name).find(f"{{{XS}}}sequence")
    assert sequence is not None
    return sequence


def _v3_headers(root: etree._Element, schema: etree._Element) -> None:
    """Every operation's header part becomes AuthHeaderWithDomain (reference §2)."""
    if schema.find(f"{{{XS}}}element[@name='AuthHeaderWithDomain']") is None:
        anchor = _complex_type(schema, "AuthHeader")
        header_el = etree.Element(_q(XS, "element"), name="AuthHeaderWithDomain")
        header_el.set("type", "tns:AuthHeaderWithDomain")
        header_type = etree.Element(_q(XS, "complexType"), name="AuthHeaderWithDomain")
        content = etree.SubElement(header_type, _q(XS, "complexContent"), mixed="false")
        extension = etree.SubElement(content, _q(XS, "extension"), base="tns:AuthHeader")
        _element(
            etree.SubElement(extension, _q(XS, "sequence")), "Domain", "s:string", min_occurs=0
        )
        anchor.addnext(header_type)
        anchor.addnext(header_el)
    renamed: dict[str, str] = {}
    for message in root.findall(_q(WSDL, "message")):
        part = message.find(_q(WSDL, "part"))
        if part is not None and part.get("element") == "tns:AuthHeader":
            old = message.get("name", "")
            new = old.removesuffix("AuthHeader") + "AuthHeaderWithDomain"
            message.set("name", new)
            part.set("name", "AuthHeaderWithDomain")
            part.set("element", "tns:AuthHeaderWithDomain")
            renamed[f"tns:{old}"] = f"tns:{new}"
    for ns in (SOAP, SOAP12):
        for header in root.iter(_q(ns, "header")):
            if header.get("message") in renamed:
                header.set("message", renamed[header.get("message", "")])
                header.set("part", "AuthHeaderWithDomain")


def _v3_employee_changes(schema: etree._Element) -> None:
    request = schema.find(f"{{{XS}}}element[@name='List_GetByCompany']")
    assert request is not None
    active = request.find(f".//{{{XS}}}element[@name='active']")
    assert active is not None
    active.set("name", "EmployeeType")
    active.set("type", "s:int")

    svw = _sequence_of(schema, "SVWSettings")
    for child in list(svw):
        svw.remove(child)
    for name, type_, nillable in _SVW_V3:
        _element(svw, name, type_, min_occurs=_simple_min(type_), nillable=nillable)
    anchor = _complex_type(schema, "SVWSettings")
    for type_name, fields in reversed(_SVW_PARTS.items()):
        part = etree.Element(_q(XS, "complexType"), name=type_name)
        sequence = etree.SubElement(part, _q(XS, "sequence"))
        for name, type_ in fields:
            _element(sequence, name, type_, min_occurs=_simple_min(type_))
        anchor.addnext(part)

    contract = _sequence_of(schema, "EmployeeContract")
    for name, type_, nillable in _CONTRACT_V3:
        _element(contract, name, type_, nillable=nillable)


def from_v21(service: str, source: bytes) -> bytes:
    """The v3 WSDL the simulator serves, from the real v2.1 one."""
    root = etree.fromstring(source.replace(_V21.encode(), _V3.encode()))
    schema = root.find(f"{_q(WSDL, 'types')}/{_q(XS, 'schema')}[@targetNamespace='{_V3}{service}']")
    assert schema is not None
    _v3_headers(root, schema)
    if service == "EmployeeService":
        _v3_employee_changes(schema)
    for address in (*root.iter(_q(SOAP, "address")), *root.iter(_q(SOAP12, "address"))):
        address.set("location", PLACEHOLDER_ADDRESS.format(service=service))
    _comment(
        root, service, f"the real v2.1 WSDL (shared/reference/nmbrs-wsdl-v2.1/{service}.v2.1.wsdl)"
    )
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8"))


def hand_written(service: str) -> bytes:
    """The v3 WSDL of a service no public WSDL shows, from ``_HAND_WRITTEN``."""
    spec = _HAND_WRITTEN[service]
    tns = _V3 + service
    nsmap = {
        "wsdl": WSDL,
        "s": XS,
        "soap": SOAP,
        "soap12": SOAP12,
        "tns": tns,
        "s1": "http://microsoft.com/wsdl/types/",
    }
    root = etree.Element(_q(WSDL, "definitions"), nsmap=nsmap, targetNamespace=tns)
    types = etree.SubElement(root, _q(WSDL, "types"))
    schema = etree.SubElement(
        types, _q(XS, "schema"), elementFormDefault="qualified", targetNamespace=tns
    )
    etree.SubElement(schema, _q(XS, "import"), namespace="http://microsoft.com/wsdl/types/")
    operations: dict[str, tuple[tuple[tuple[str, str], ...], str, str]] = spec["operations"]  # type: ignore[assignment]
    for name, (params, result, _) in operations.items():
        request = etree.SubElement(schema, _q(XS, "element"), name=name)
        sequence = etree.SubElement(
            etree.SubElement(request, _q(XS, "complexType")), _q(XS, "sequence")
        )
        for param, type_ in params:
            _element(sequence, param, type_, min_occurs=_simple_min(type_))
        response = etree.SubElement(schema, _q(XS, "element"), name=f"{name}Response")
        sequence = etree.SubElement(
            etree.SubElement(response, _q(XS, "complexType")), _q(XS, "sequence")
        )
        _element(sequence, f"{name}Result", result, min_occurs=_simple_min(result))
    type_specs: dict[str, tuple[tuple[Any, ...], ...]] = spec["types"]  # type: ignore[assignment]
    for type_name, fields in type_specs.items():
        node = etree.SubElement(schema, _q(XS, "complexType"), name=type_name)
        sequence = etree.SubElement(node, _q(XS, "sequence"))
        for field, type_, min_occurs, *repeat in fields:
            # An optional fourth member "unbounded" makes an ArrayOf… item (nillable, as .asmx).
            _element(
                sequence,
                field,
                type_,
                min_occurs=min_occurs,
                max_occurs=repeat[0] if repeat else "1",
                nillable=bool(repeat),
            )
    for header in ("AuthHeader", "AuthHeaderWithDomain"):
        etree.SubElement(schema, _q(XS, "element"), name=header, type=f"tns:{header}")
    auth = etree.SubElement(schema, _q(XS, "complexType"), name="AuthHeader")
    sequence = etree.SubElement(auth, _q(XS, "sequence"))
    _element(sequence, "Username", "s:string", min_occurs=0)
    _element(sequence, "Token", "s:string", min_occurs=0)
    with_domain = etree.SubElement(schema, _q(XS, "complexType"), name="AuthHeaderWithDomain")
    content = etree.SubElement(with_domain, _q(XS, "complexContent"), mixed="false")
    extension = etree.SubElement(content, _q(XS, "extension"), base="tns:AuthHeader")
    _element(etree.SubElement(extension, _q(XS, "sequence")), "Domain", "s:string", min_occurs=0)
    guid_schema = etree.SubElement(
        types,
        _q(XS, "schema"),
        elementFormDefault="qualified",
        targetNamespace="http://microsoft.com/wsdl/types/",
    )
    guid = etree.SubElement(guid_schema, _q(XS, "simpleType"), name="guid")
    restriction = etree.SubElement(guid, _q(XS, "restriction"), base="s:string")
    etree.SubElement(
        restriction,
        _q(XS, "pattern"),
        value="[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
    )

    for name, (_, _, header) in operations.items():
        for suffix, part, element in (
            ("SoapIn", "parameters", name),
            ("SoapOut", "parameters", f"{name}Response"),
            (header, header, header),
        ):
            message = etree.SubElement(root, _q(WSDL, "message"), name=f"{name}{suffix}")
            etree.SubElement(message, _q(WSDL, "part"), name=part, element=f"tns:{element}")
    port_type = etree.SubElement(root, _q(WSDL, "portType"), name=f"{service}Soap")
    for name in operations:
        operation = etree.SubElement(port_type, _q(WSDL, "operation"), name=name)
        etree.SubElement(operation, _q(WSDL, "input"), message=f"tns:{name}SoapIn")
        etree.SubElement(operation, _q(WSDL, "output"), message=f"tns:{name}SoapOut")
    for binding_name, ns in ((f"{service}Soap", SOAP), (f"{service}Soap12", SOAP12)):
        binding = etree.SubElement(
            root, _q(WSDL, "binding"), name=binding_name, type=f"tns:{service}Soap"
        )
        etree.SubElement(
            binding, _q(ns, "binding"), transport="http://schemas.xmlsoap.org/soap/http"
        )
        for name, (_, _, header) in operations.items():
            operation = etree.SubElement(binding, _q(WSDL, "operation"), name=name)
            etree.SubElement(
                operation, _q(ns, "operation"), soapAction=f"{tns}/{name}", style="document"
            )
            in_ = etree.SubElement(operation, _q(WSDL, "input"))
            etree.SubElement(in_, _q(ns, "body"), use="literal")
            etree.SubElement(
                in_, _q(ns, "header"), message=f"tns:{name}{header}", part=header, use="literal"
            )
            out = etree.SubElement(operation, _q(WSDL, "output"))
            etree.SubElement(out, _q(ns, "body"), use="literal")
    svc = etree.SubElement(root, _q(WSDL, "service"), name=service)
    for binding_name, ns in ((f"{service}Soap", SOAP), (f"{service}Soap12", SOAP12)):
        port = etree.SubElement(
            svc, _q(WSDL, "port"), name=binding_name, binding=f"tns:{binding_name}"
        )
        etree.SubElement(
            port, _q(ns, "address"), location=PLACEHOLDER_ADDRESS.format(service=service)
        )
    _comment(root, service, "the reference's tables (shared/reference/nmbrs-api.md §3, §6)")
    etree.indent(root, space="  ")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8"))


def _comment(root: etree._Element, service: str, origin: str) -> None:
    root.addprevious(
        etree.Comment(
            f"\n  The koppelcheck Nmbrs simulator's own v3 {service}:"
            " NOT a file published by Nmbrs.\n"
            f"  Generated by koppelcheck.simulator.nmbrs.wsdlgen from {origin},\n"
            "  with the v3 changes the reference documents. Do not edit; regenerate.\n"
        )
    )


def build(v21_dir: Path) -> dict[str, bytes]:
    """Every served WSDL by service name."""
    built = {
        service: from_v21(service, (v21_dir / f"{service}.v2.1.wsdl").read_bytes())
        for service in ("CompanyService", "EmployeeService")
    }
    built.update({service: hand_written(service) for service in _HAND_WRITTEN})
    return built


def main(argv: list[str]) -> int:
    """Write the served WSDLs from the v2.1 directory given (default: ``../shared/...``)."""
    source = Path(argv[0]) if argv else Path("../shared/reference/nmbrs-wsdl-v2.1")
    OUT_DIR.mkdir(exist_ok=True)
    for service, body in build(source).items():
        (OUT_DIR / f"{service}.wsdl").write_bytes(body)
        print(f"{OUT_DIR / service}.wsdl: {len(body)} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
