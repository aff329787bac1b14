"""The simulator's own contract against the client's: every difference is listed on purpose.

The simulator serves WSDLs built from the real v2.1 WSDLs (``simulator/nmbrs/served``); koppelcheck
ships its own (``nmbrs/wsdl``). Neither is built from the other, so a wrong parameter name in the
client shows up here as a difference instead of passing by construction.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from koppelcheck.nmbrs import calls
from koppelcheck.simulator.nmbrs import contract, wsdlgen
from koppelcheck.simulator.nmbrs.contract import ServedService, parse_wsdl, served, service_names
from koppelcheck.simulator.nmbrs.data import HANDLERS

ROOT = Path(__file__).parents[2]
CLIENT_WSDL = ROOT / "src" / "koppelcheck" / "nmbrs" / "wsdl"
V21 = ROOT.parent / "shared" / "reference" / "nmbrs-wsdl-v2.1"
XS = "http://www.w3.org/2001/XMLSchema"


def client_contract(service: str) -> ServedService:
    """The client's bundled WSDL read by the same reader as the simulator's."""
    return parse_wsdl(service, (CLIENT_WSDL / f"{service}.wsdl").read_bytes())


def shape(service: ServedService, type_: tuple[str, str], seen: tuple[str, ...] = ()) -> object:
    """A comparable description of a type: its fields, recursively, or the simple type's name."""
    fields = service.types.get(type_[1]) if type_[0] == service.namespace else None
    if fields is None or type_[1] in seen:
        return type_[1]
    return tuple(
        (f.name, f.min_occurs, f.repeated, f.nillable, shape(service, f.type, (*seen, type_[1])))
        for f in fields
    )


def differences() -> dict[str, str]:
    """Where the two differ (``Service.Operation part``) and how."""
    found: dict[str, str] = {}
    for service in ("CompanyService", "EmployeeService", "ReportService", "DebtorService"):
        ours, theirs = client_contract(service), served(service)
        for name, op in ours.operations.items():
            sim_op = theirs.operations.get(name)
            if sim_op is None:
                found[f"{service}.{name}"] = "not served"
                continue
            client_params = [(p.name, p.type[1]) for p in op.params]
            sim_params = [(p.name, p.type[1]) for p in sim_op.params]
            if client_params != sim_params:
                found[f"{service}.{name} params"] = f"client {client_params} sim {sim_params}"
            if op.header != sim_op.header:
                found[f"{service}.{name} header"] = f"client {op.header} sim {sim_op.header}"
            assert op.result is not None and sim_op.result is not None
            a, b = shape(ours, op.result.type), shape(theirs, sim_op.result.type)
            if a != b:
                found[f"{service}.{name} result"] = _first_difference(a, b)
    return found


def _first_difference(a: object, b: object, path: str = "") -> str:
    if isinstance(a, tuple) and isinstance(b, tuple):
        names_a = [x[0] for x in a]
        names_b = [x[0] for x in b]
        if names_a != names_b:
            return f"{path or '/'} client {names_a} sim {names_b}"
        for x, y in zip(a, b, strict=True):
            if x[:4] != y[:4]:
                return f"{path}/{x[0]} occurs/nillable client {x[1:4]} sim {y[1:4]}"
            if x[4] != y[4]:
                return _first_difference(x[4], y[4], f"{path}/{x[0]}")
    return f"{path} client {a} sim {b}"


# Every difference between the client's WSDLs and the simulator's, each on purpose.
KNOWN_DIFFERENCES: dict[str, str] = {
    "EmployeeService.Contract_GetCurrentPeriod result": (
        "the simulator adds the v3 (2020 WAB) contract fields PhaseClassification, WrittenContract,"
        " HoursPerWeek (PY-NMBRS's Contract); the client's WSDL keeps the v2.1 fields and its"
        " parser keeps unknown elements, so either shape reads"
    ),
    "EmployeeService.SVW_GetCurrent result": (
        "the simulator serves the v3 SVW shape (CAO, RiskGroup, Sector, WageCostBenefit, StartYear,"
        " ... from PY-NMBRS's SVW); the client only needs the call to answer, not its fields"
    ),
    "ReportService.Reports_GetWageCodesByRunCompany_FilterByWageCode_Background result": (
        "the simulator types the TaskId as the .asmx guid (s1:guid, as GO-LEAP reads it); the"
        " client reads it as a string, which accepts the same text"
    ),
    "ReportService.Reports_BackgroundTask_Result params": (
        "TaskId is a guid in the simulator (reference §6); the client sends the GUID text it got"
    ),
    "ReportService.Reports_BackgroundTask_Result result": (
        "TaskId guid, minOccurs 1 in the simulator (.asmx writes value types with minOccurs 1)"
    ),
}


def test_every_difference_is_listed_on_purpose() -> None:
    found = differences()
    assert list(found) == list(KNOWN_DIFFERENCES), found


def test_client_parameter_names_agree_with_the_served_contract() -> None:
    """The catalogue's names (calls.py) exist, exactly cased, in the simulator's contract."""
    for call in (*calls.ALL_CALLS, calls.ENVIRONMENT_GET):
        op = served(call.service).operations[call.operation]
        assert [p.name for p in call.params] == [p.name for p in op.params], call.operation


def test_served_wsdls_are_current() -> None:
    if not V21.is_dir():
        pytest.skip("the v2.1 reference WSDLs are not beside the repository")
    for service, body in wsdlgen.build(V21).items():
        assert (contract._SERVED / f"{service}.wsdl").read_bytes() == body, service


def test_served_wsdls_declare_the_real_v21_operations() -> None:
    assert len(served("CompanyService").operations) == 98
    assert len(served("EmployeeService").operations) == 191
    assert set(service_names()) == {
        "CompanyService",
        "EmployeeService",
        "ReportService",
        "DebtorService",
    }


def test_every_handler_answers_a_served_operation() -> None:
    for service, operation in HANDLERS:
        assert operation in served(service).operations, (service, operation)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1:8123", "http://127.0.0.1:8123/soap/v3/"),
        ("localhost:9000", "http://localhost:9000/soap/v3/"),
        ("[::1]:9000", "http://[::1]:9000/soap/v3/"),
        ("api.nmbrs.nl", "http://127.0.0.1/soap/v3/"),
        ("api.nmbrs.nl:443", "http://127.0.0.1:443/soap/v3/"),
        ("10.1.2.3:80", "http://127.0.0.1:80/soap/v3/"),
        ("", "http://127.0.0.1/soap/v3/"),
    ],
)
def test_no_served_wsdl_names_a_non_loopback_host(host, expected) -> None:
    from koppelcheck.simulator.nmbrs import make_nmbrs_simulator
    from koppelcheck.simulator.server import SimRequest

    sim = make_nmbrs_simulator("healthy")
    for service in service_names():
        body = sim.handle(
            SimRequest("GET", f"/soap/v3/{service}.asmx", {"wsdl": [""]}, {"host": host})
        ).body
        locations = {
            node.get("location")
            for node in etree.fromstring(body).iter()
            if isinstance(node.tag, str) and node.get("location") is not None
        }
        assert locations == {f"{expected}{service}.asmx"}
        assert b"nmbrs.nl/soap/v3/" + service.encode() + b".asmx" not in body
