"""A faithful local Nmbrs SOAP v3, as a pure ``handle(SimRequest) -> SimResponse`` object.

It follows the public record (``shared/reference/nmbrs-api.md``), not our client:

- ``POST .../<Service>.asmx`` (matched on the last path segment, case-insensitive) in SOAP 1.1
  (``text/xml``, dispatched on the ``SOAPAction`` header, which is required) or SOAP 1.2
  (``application/soap+xml``, dispatched on the body element); ``GET ...?WSDL`` serves the bundled
  WSDL.
- Faults as .asmx sends them: HTTP 500, ``soap:Server`` (1.2: ``soap:Receiver``) and the text
  ``System.Web.Services.Protocols.SoapException: Server was unable to process request. ---> NNNN:
  Title`` with an empty detail (reference §4, the wording is [INFERRED] there).
- Checks in this order: authentication (1001), subscription (1004), the Template User's switch for
  the call (1002), then the data (1003 company, 2003 employee, 2019 task). The real order is
  undocumented (reference §4); this is the plausible reading the reference suggests.
- Successful answers carry every element of the v2.1 WSDL types, plus elements the WSDL does not
  know (``Company/LegalForm`` at the end, ``RunInfo/RunType`` mid-sequence), as newer servers do.
"""

from __future__ import annotations

import collections
import threading
import tomllib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from lxml import etree

from koppelcheck.errors import InputError
from koppelcheck.nmbrs.calls import (
    ALL_CALLS,
    ENVIRONMENT_GET,
    INVENTORY_CALLS,
    SERVICES,
    NmbrsCall,
)
from koppelcheck.simulator.faults import (
    FaultInjector,
    FaultRule,
    faulty_response,
    parse_fault_rules,
)
from koppelcheck.simulator.scenario_files import read_scenario
from koppelcheck.simulator.server import SimRequest, SimResponse

NMBRS_SCENARIOS: tuple[str, ...] = (
    "healthy",
    "calls-inactive",
    "bad-token",
    "slow",
    "discovery-inactive",
    "faults",
    "flaky",
)
_WSDL_DIR = resources.files("koppelcheck.nmbrs") / "wsdl"

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_XSD = "http://www.w3.org/2001/XMLSchema"
_NAMESPACE = "https://api.nmbrs.nl/soap/v3/{}"
_CALLS = {(c.service, c.operation): c for c in (*ALL_CALLS, ENVIRONMENT_GET, *INVENTORY_CALLS)}
_QUALIFIED = {"DebtorService.List_GetAll"}
"""Operations whose name another service shares: switched and handled as ``Service.Operation``."""


def _switch(call: NmbrsCall) -> str:
    """The name of ``call``'s switch in the simulated Template User (and in ``inactive``)."""
    qualified = f"{call.service}.{call.operation}"
    return qualified if qualified in _QUALIFIED else call.operation


def _safe_parser() -> etree.XMLParser:
    """A fresh parser per document (lxml parsers must not be shared between threads)."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


_NO_ACTION = (
    "Unable to handle request without a valid action parameter. Please supply a valid soap action."
)


# --------------------------------------------------------------------------- scenario data


@dataclass(frozen=True)
class NmbrsEmployee:
    """An employee as List_GetByCompany shows it."""

    id: int
    number: int
    display_name: str


@dataclass(frozen=True)
class NmbrsRun:
    """A payroll run of a company."""

    id: int
    number: int
    year: int
    period_start: int
    period_end: int


@dataclass(frozen=True)
class NmbrsCompany:
    """A company with its current period (``yyyy-pp-type``, e.g. ``2026-11-M``)."""

    id: int
    number: int
    name: str
    current_period: str
    employees: tuple[NmbrsEmployee, ...] = ()
    runs: tuple[NmbrsRun, ...] = ()

    @property
    def period_type(self) -> str:
        """``M`` (monthly), ``W4`` (four-weekly) or ``W1`` (weekly)."""
        return self.current_period.split("-")[2]


@dataclass(frozen=True)
class NmbrsDebtor:
    """A debtor (an employer in an accountant environment) and the IDs of its companies."""

    id: int
    number: str
    name: str
    company_ids: tuple[int, ...]


@dataclass
class NmbrsScenario:
    """One simulated Nmbrs environment. The credentials in the bundled scenarios are demo values.

    ``token`` is what the administrator copied (what a demo client sends); ``server_token`` is the
    token Nmbrs knows, the same unless the scenario is about a token copied wrong.
    """

    name: str
    description: str
    username: str
    token: str
    domain: str
    companies: tuple[NmbrsCompany, ...]
    inactive: frozenset[str] = frozenset()
    subscription_valid: bool = True
    latency_ms: int = 0
    """Per-call delay; ``SimulatorServer(sim, latency_ms=scenario.latency_ms)`` applies it."""
    polls_before_success: int = 1
    server_token: str = ""
    faults: tuple[FaultRule, ...] = ()
    """Injected faults per operation (:mod:`koppelcheck.simulator.faults`)."""
    debtors: tuple[NmbrsDebtor, ...] = ()
    """The login's debtors; none given means one debtor holding every company."""

    def debtor_list(self) -> tuple[NmbrsDebtor, ...]:
        """The debtors DebtorService.List_GetAll answers."""
        if self.debtors:
            return self.debtors
        return (NmbrsDebtor(1, "1", self.domain, tuple(c.id for c in self.companies)),)

    @property
    def accepted_token(self) -> str:
        """The token the simulated Nmbrs accepts."""
        return self.server_token or self.token

    def company(self, company_id: int) -> NmbrsCompany | None:
        """The company with this ID, if any."""
        return next((c for c in self.companies if c.id == company_id), None)

    def employee(self, employee_id: int) -> tuple[NmbrsCompany, NmbrsEmployee] | None:
        """The employee with this ID and its company, if any."""
        for company in self.companies:
            for employee in company.employees:
                if employee.id == employee_id:
                    return company, employee
        return None


def load_nmbrs_scenario(name_or_path: str | Path) -> NmbrsScenario:
    """Load a bundled scenario by name, or a scenario TOML file by path."""
    if str(name_or_path) not in NMBRS_SCENARIOS and not Path(name_or_path).is_file():
        raise InputError(
            "scenario",
            f"no scenario {str(name_or_path)!r}",
            "one of " + ", ".join(NMBRS_SCENARIOS) + " or a .toml file",
        )
    name = str(name_or_path) if str(name_or_path) in NMBRS_SCENARIOS else Path(name_or_path)
    try:
        return _scenario_from(read_scenario("nmbrs", NMBRS_SCENARIOS, name))
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise InputError("scenario", f"invalid scenario file: {exc}") from exc


def _scenario_from(data: dict[str, Any]) -> NmbrsScenario:
    companies = tuple(
        NmbrsCompany(
            id=int(c["id"]),
            number=int(c["number"]),
            name=str(c["name"]),
            current_period=str(c["current_period"]),
            employees=tuple(NmbrsEmployee(**e) for e in c.get("employees", [])),
            runs=tuple(NmbrsRun(**r) for r in c.get("runs", [])),
        )
        for c in data.get("companies", [])
    )
    return NmbrsScenario(
        name=str(data["name"]),
        description=str(data.get("description", "")),
        username=str(data["username"]),
        token=str(data["token"]),
        domain=str(data["domain"]),
        companies=companies,
        inactive=frozenset(data.get("inactive", [])),
        subscription_valid=bool(data.get("subscription_valid", True)),
        latency_ms=int(data.get("latency_ms", 0)),
        polls_before_success=int(data.get("polls_before_success", 1)),
        server_token=str(data.get("server_token", "")),
        faults=parse_fault_rules(data.get("faults", [])),
        debtors=tuple(
            NmbrsDebtor(
                id=int(d["id"]),
                number=str(d["number"]),
                name=str(d["name"]),
                company_ids=tuple(int(c) for c in d.get("companies", [])),
            )
            for d in data.get("debtors", [])
        ),
    )


# --------------------------------------------------------------------------- SOAP plumbing


class _Fault(Exception):
    """A fault to answer: an Nmbrs ``code`` with ``title``, or a client-side ``text``."""

    def __init__(self, code: int | None, title: str, *, client: bool = False) -> None:
        super().__init__(title)
        self.code = code
        self.title = title
        self.client = client

    @property
    def text(self) -> str:
        """The faultstring / Reason text."""
        if self.code is None:
            return self.title
        return (
            "System.Web.Services.Protocols.SoapException: Server was unable to process request."
            f" ---> {self.code}: {self.title}"
        )


_UNCODED_FAULT = _Fault(
    None,
    "System.Web.Services.Protocols.SoapException: Server was unable to process request. ---> "
    "System.NullReferenceException: Object reference not set to an instance of an object.",
)
"""A server-side fault without an Nmbrs code, as an unhandled .NET exception answers."""


def _client_fault(text: str) -> _Fault:
    return _Fault(None, text[:300], client=True)


@dataclass(frozen=True)
class _Soap:
    envelope: str
    content_type: str
    server_code: str
    client_code: str


_SOAP_11 = _Soap(SOAP11, "text/xml; charset=utf-8", "soap:Server", "soap:Client")
_SOAP_12 = _Soap(SOAP12, "application/soap+xml; charset=utf-8", "soap:Receiver", "soap:Sender")


def _envelope(soap: _Soap) -> tuple[etree._Element, etree._Element]:
    nsmap = {"soap": soap.envelope, "xsi": _XSI, "xsd": _XSD}
    envelope = etree.Element(f"{{{soap.envelope}}}Envelope", nsmap=nsmap)
    return envelope, etree.SubElement(envelope, f"{{{soap.envelope}}}Body")


def _answer(soap: _Soap, envelope: etree._Element, status: int = 200) -> SimResponse:
    body = etree.tostring(envelope, xml_declaration=True, encoding="utf-8")
    return SimResponse(status=status, body=body, headers={"Content-Type": soap.content_type})


def _fault_response(soap: _Soap, fault: _Fault) -> SimResponse:
    envelope, body = _envelope(soap)
    node = etree.SubElement(body, f"{{{soap.envelope}}}Fault")
    code = soap.client_code if fault.client else soap.server_code
    if soap is _SOAP_11:
        etree.SubElement(node, "faultcode").text = code
        etree.SubElement(node, "faultstring").text = fault.text
        etree.SubElement(node, "detail")
    else:
        env = soap.envelope
        etree.SubElement(etree.SubElement(node, f"{{{env}}}Code"), f"{{{env}}}Value").text = code
        reason = etree.SubElement(node, f"{{{env}}}Reason")
        text = etree.SubElement(reason, f"{{{env}}}Text")
        text.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
        text.text = fault.text
        etree.SubElement(node, f"{{{env}}}Detail")
    return _answer(soap, envelope, status=500)


def _result_response(soap: _Soap, call: NmbrsCall, value: Any) -> SimResponse:
    envelope, body = _envelope(soap)
    response = etree.SubElement(
        body, f"{{{call.namespace}}}{call.operation}Response", nsmap={None: call.namespace}
    )
    _build(response, call.namespace, f"{call.operation}Result", value)
    return _answer(soap, envelope)


def _build(parent: etree._Element, ns: str, name: str, value: Any) -> None:
    """Append ``<name>`` for ``value``: a dict (complex), a list of (name, value) pairs (an
    array) or a simple value (text); None becomes ``xsi:nil``."""
    node = etree.SubElement(parent, f"{{{ns}}}{name}")
    if value is None:
        node.set(f"{{{_XSI}}}nil", "true")
    elif isinstance(value, dict):
        for key, item in value.items():
            _build(node, ns, key, item)
    elif isinstance(value, list):
        for key, item in value:
            _build(node, ns, key, item)
    else:
        node.text = _text(value)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _service_of(path: str) -> str | None:
    last = path.rstrip("/").rsplit("/", 1)[-1].lower()
    return next((s for s in SERVICES if f"{s.lower()}.asmx" == last), None)


def _soap_of(request: SimRequest) -> _Soap | None:
    content_type = request.header("content-type").lower()
    if content_type.startswith("text/xml"):
        return _SOAP_11
    if content_type.startswith("application/soap+xml"):
        return _SOAP_12
    return None


def _parse_envelope(soap: _Soap, body: bytes) -> etree._Element:
    try:
        envelope = etree.fromstring(body, _safe_parser())
    except etree.XMLSyntaxError as exc:
        raise _client_fault(
            "Server was unable to read request. ---> There is an error in XML document."
        ) from exc
    if envelope.tag != f"{{{soap.envelope}}}Envelope":
        raise _client_fault(
            f"Possible SOAP version mismatch: Envelope namespace "
            f"{etree.QName(envelope).namespace} was unexpected. Expecting {soap.envelope}."
        )
    return envelope


def _body_element(soap: _Soap, envelope: etree._Element) -> etree._Element:
    body = envelope.find(f"{{{soap.envelope}}}Body")
    children = [] if body is None else [c for c in body if isinstance(c.tag, str)]
    if not children:
        raise _client_fault("Server was unable to read request. ---> The request body is empty.")
    return children[0]


# --------------------------------------------------------------------------- the simulator


class NmbrsSimulator:
    """Answers Nmbrs SOAP v3 requests from a scenario. Thread-safe.

    ``hits`` counts the requests per ``(service, operation)``, faults included;
    :meth:`set_active` switches a call in the simulated Template User, as an administrator would.
    """

    def __init__(self, scenario: NmbrsScenario) -> None:
        self.scenario = scenario
        self.hits: collections.Counter[tuple[str, str]] = collections.Counter()
        self._lock = threading.Lock()
        self._inactive = set(scenario.inactive)
        self._tasks: dict[str, _Task] = {}
        self._faults = FaultInjector(scenario.faults)

    def set_active(self, operation: str, active: bool) -> None:
        """Switch one call on or off in the simulated Template User."""
        if operation not in {_switch(c) for c in _CALLS.values()}:
            raise KeyError(operation)
        with self._lock:
            if active:
                self._inactive.discard(operation)
            else:
                self._inactive.add(operation)

    def inject(self, *rules: FaultRule) -> None:
        """Add injected faults while running, as a flaky network would start to misbehave."""
        for rule in rules:
            self._faults.add(rule)

    def handle(self, request: SimRequest) -> SimResponse:
        """Answer one HTTP request (the scenario's ``latency_ms`` is the server's to apply)."""
        service = _service_of(request.path)
        if service is None:
            return _html(404, "The resource cannot be found.")
        if request.method in ("GET", "HEAD"):
            return _get(service, request)
        if request.method != "POST":
            return _html(405, "Method Not Allowed")
        soap = _soap_of(request)
        if soap is None:
            return _html(415, "Unsupported Media Type")
        try:
            return self._post(service, soap, request)
        except _Fault as fault:
            return _fault_response(soap, fault)

    def _post(self, service: str, soap: _Soap, request: SimRequest) -> SimResponse:
        envelope = _parse_envelope(soap, request.body)
        element = _body_element(soap, envelope)
        call = _resolve(service, soap, request, element)
        with self._lock:
            self.hits[(service, call.operation)] += 1
        rule = self._faults.pick(call.operation)
        if rule is not None:
            return faulty_response(
                rule,
                genuine=lambda: self._genuine(soap, call, envelope, element),
                server_error=lambda: _fault_response(soap, _UNCODED_FAULT),
            )
        return self._genuine(soap, call, envelope, element)

    def _genuine(
        self, soap: _Soap, call: NmbrsCall, envelope: etree._Element, element: etree._Element
    ) -> SimResponse:
        try:
            self._authenticate(soap, call, envelope)
            self._authorise(call)
            handler = _HANDLERS.get(f"{call.service}.{call.operation}") or _HANDLERS[call.operation]
            value = handler(self, _read_params(call, element))
        except _Fault as fault:
            return _fault_response(soap, fault)
        return _result_response(soap, call, value)

    def _authenticate(self, soap: _Soap, call: NmbrsCall, envelope: etree._Element) -> None:
        # Without Domain: 1001, the safe reading of conflicting sources (reference §2).
        with_domain = call != ENVIRONMENT_GET
        name = "AuthHeaderWithDomain" if with_domain else "AuthHeader"
        header = envelope.find(f"{{{soap.envelope}}}Header/{{{call.namespace}}}{name}")
        values = {} if header is None else _children(header, call.namespace)
        scenario = self.scenario
        ok = (
            values.get("Username", "").casefold() == scenario.username.casefold()
            and values.get("Token") == scenario.accepted_token
            and (
                not with_domain or values.get("Domain", "").casefold() == scenario.domain.casefold()
            )
        )
        if not ok:
            raise _Fault(1001, "Invalid Authentication")

    def _authorise(self, call: NmbrsCall) -> None:
        if not self.scenario.subscription_valid:
            raise _Fault(1004, "Disabled, no valid subscription")
        with self._lock:
            inactive = _switch(call) in self._inactive
        if inactive:
            raise _Fault(1002, "Unauthorized Access")

    # ------------------------------------------------------------------ data lookups

    def _company(self, company_id: int) -> NmbrsCompany:
        company = self.scenario.company(company_id)
        if company is None:  # "ID not visible and/or does not exist" (reference §4, INVANTIVE)
            raise _Fault(1003, "Unauthorized Access")
        return company

    def _employee(self, employee_id: int) -> tuple[NmbrsCompany, NmbrsEmployee]:
        found = self.scenario.employee(employee_id)
        if found is None:
            raise _Fault(2003, "Unauthorized Access")
        return found

    def _start_task(self, content: str) -> str:
        task_id = str(uuid.uuid4())
        with self._lock:
            self._tasks[task_id] = _Task(self.scenario.polls_before_success, content)
        return task_id

    def _poll_task(self, task_id: str) -> dict[str, Any]:
        try:
            task_id = str(uuid.UUID(task_id))
        except ValueError as exc:
            raise _client_fault(
                "Server was unable to read request. ---> There is an error in XML document."
            ) from exc
        with self._lock:
            task = self._tasks.get(task_id)
            if task is None:
                raise _Fault(2019, "Task Status Not Available")
            status = task.poll()
        answer: dict[str, Any] = {"TaskId": task_id, "Status": status}
        if status == "Success":
            answer["Content"] = task.content
        return answer


@dataclass
class _Task:
    pending_polls: int
    content: str
    polls: int = field(default=0)

    def poll(self) -> str:
        self.polls += 1
        if self.polls <= self.pending_polls:
            return "Enqueued" if self.polls == 1 else "Executing"
        return "Success"


def make_nmbrs_simulator(scenario: str | Path = "healthy") -> NmbrsSimulator:
    """A simulator for a bundled scenario name or a scenario file."""
    return NmbrsSimulator(load_nmbrs_scenario(scenario))


def _html(status: int, message: str) -> SimResponse:
    page = etree.Element("html")
    etree.SubElement(etree.SubElement(page, "body"), "h1").text = message
    body = etree.tostring(page, method="html", encoding="utf-8")
    return SimResponse(status=status, body=body, headers={"Content-Type": "text/html"})


def _get(service: str, request: SimRequest) -> SimResponse:
    if any(key.lower() == "wsdl" for key in request.query):
        body = (_WSDL_DIR / f"{service}.wsdl").read_bytes()
        return SimResponse(body=body, headers={"Content-Type": "text/xml; charset=utf-8"})
    return _html(200, f"{service}: append ?WSDL for the service description.")


def _resolve(service: str, soap: _Soap, request: SimRequest, element: etree._Element) -> NmbrsCall:
    namespace = _NAMESPACE.format(service)
    if soap is _SOAP_11:
        action = request.header("soapaction").strip().strip('"')
        if not action:
            raise _client_fault(_NO_ACTION)
        operation = action.removeprefix(namespace + "/")
        if operation == action or (service, operation) not in _CALLS:
            raise _client_fault(
                f"Server did not recognize the value of HTTP Header SOAPAction: {action}."
            )
    else:
        operation = etree.QName(element).localname
        if etree.QName(element).namespace != namespace or (service, operation) not in _CALLS:
            raise _client_fault(f"Server did not recognize the request element {operation}.")
    if element.tag != f"{{{namespace}}}{operation}":
        raise _client_fault(
            "Server was unable to read request. ---> There is an error in XML document."
        )
    return _CALLS[(service, operation)]


def _children(element: etree._Element, namespace: str) -> dict[str, str]:
    return {
        etree.QName(child).localname: (child.text or "")
        for child in element
        if isinstance(child.tag, str) and etree.QName(child).namespace == namespace
    }


def _read_params(call: NmbrsCall, element: etree._Element) -> dict[str, Any]:
    """The call's parameters by exact name. Like .NET, a missing or mis-cased int reads as 0."""
    given = _children(element, call.namespace)
    params: dict[str, Any] = {}
    for param in call.params:
        raw = given.get(param.name, "").strip()
        if param.source == "task":
            params[param.name] = raw
            continue
        try:
            params[param.name] = int(raw) if raw else 0
        except ValueError as exc:
            raise _client_fault(
                "Server was unable to read request. ---> There is an error in XML document."
                " ---> Input string was not in a correct format."
            ) from exc
    return params


# --------------------------------------------------------------------------- answers


def _company_fields(company: NmbrsCompany) -> dict[str, Any]:
    slug = company.name.lower().replace(" b.v.", "").replace(" ", "")
    return {
        "ID": company.id,
        "Number": company.number,
        "Name": company.name,
        "PhoneNumber": f"020-{5550000 + company.number}",
        "FaxNumber": "",
        "Email": f"info@{slug}.nl",
        "Website": f"https://www.{slug}.nl",
        "LoonaangifteTijdvak": {"M": "Month", "W4": "Week4"}.get(company.period_type, "None"),
        "KvkNr": str(34000000 + company.id % 1000000),
        "LegalForm": "BV" if "B.V." in company.name else "Eenmanszaak",  # unknown to the WSDL
    }


def _run_fields(run: NmbrsRun, locked: bool) -> dict[str, Any]:
    return {
        "ID": run.id,
        "Number": run.number,
        "Year": run.year,
        "PeriodStart": run.period_start,
        "PeriodEnd": run.period_end,
        "Description": f"Run {run.number} periode {run.period_start} {run.year}",
        "RunType": "Normal",  # unknown to the WSDL, in the middle of the sequence
        "RunAt": datetime(run.year, min(run.period_start, 12), 24, 14, 30),
        "IsLocked": locked,
    }


_FIRST_NAMES = {
    "J": ("Johannes", "male"),
    "A": ("Anna", "female"),
    "P": ("Pieter", "male"),
    "M": ("Maria", "female"),
    "S": ("Sem", "male"),
}


def _name_parts(employee: NmbrsEmployee) -> dict[str, str]:
    words = employee.display_name.split()
    initials = words[0] if words and words[0].endswith(".") else ""
    rest = words[1:] if initials else words
    prefix = " ".join(w for w in rest[:-1] if w.islower())
    first, gender = _FIRST_NAMES.get(initials[:1], ("Kim", "undefined"))
    return {
        "Initials": initials,
        "Prefix": prefix,
        "LastName": rest[-1] if rest else "",
        "FirstName": first,
        "Gender": gender,
    }


def _bsn(seed: int) -> str:
    """A 9-digit number passing the 11-test (not a real person's BSN)."""
    base = 90000000 + seed % 9000000
    while True:
        digits = [int(d) for d in f"{base:08d}"]
        check = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True)) % 11
        if check < 10:
            return f"{base:08d}{check}"
        base += 1


def _iban(seed: int) -> str:
    account = f"{seed % 10**10:010d}"
    numeric = "".join(str(int(ch, 36)) for ch in f"ABNA{account}NL00")
    return f"NL{98 - int(numeric) % 97:02d}ABNA{account}"


def _birthday(employee: NmbrsEmployee) -> datetime:
    return datetime(1965 + employee.id % 30, 1 + employee.id % 12, 1 + employee.id % 28)


def _employee_fields(employee: NmbrsEmployee) -> dict[str, Any]:
    return {"Id": employee.id, "Number": employee.number, "DisplayName": employee.display_name}


def _personal_info(employee: NmbrsEmployee) -> dict[str, Any]:
    names = _name_parts(employee)
    mail = f"{names['FirstName'].lower()}.{names['LastName'].lower()}"
    return {
        **_employee_fields(employee),
        "EmployeeNumber": employee.number,
        "BSN": _bsn(employee.id),
        "Title": "",
        "FirstName": names["FirstName"],
        "Initials": names["Initials"],
        "Prefix": names["Prefix"],
        "LastName": names["LastName"],
        "Nickname": names["FirstName"],
        "Gender": names["Gender"],
        "NationalityCode": 1,
        "PlaceOfBirth": "Utrecht",
        "CountryOfBirthISOCode": "NL",
        "IdentificationNumber": f"NX{employee.id:07d}",
        "IdentificationType": 1,
        "PartnerPrefix": "",
        "PartnerLastName": "",
        "TelephonePrivate": "030-2345678",
        "TelephoneWork": "",
        "TelephoneMobilePrivate": f"06-{12000000 + employee.id % 1000000}",
        "TelephoneMobileWork": "",
        "TelephoneOther": "",
        "EmailPrivate": f"{mail}@example.nl",
        "EmailWork": f"{mail}@werk.example.nl",
        "BurgerlijkeStaat": "Gehuwd",
        "Naamstelling": "E",
        "Birthday": _birthday(employee),
        "DeceasedDate": None,
        "InCaseOfEmergency": "Partner",
        "InCaseOfEmergencyPhone": "06-87654321",
        "InCaseOfEmergencyRelation": "Partner",
        "TitleAfter": "",
    }


def _address(employee: NmbrsEmployee) -> dict[str, Any]:
    return {
        "Id": 700000 + employee.id % 100000,
        "Default": True,
        "Street": "Dorpsstraat",
        "HouseNumber": str(1 + employee.id % 150),
        "HouseNumberAddition": "",
        "PostalCode": f"{3500 + employee.id % 400} AB",
        "City": "Utrecht",
        "StateProvince": "Utrecht",
        "CountryISOCode": "NL",
        "Type": "HomeAddress",
    }


def _bank_account(employee: NmbrsEmployee) -> dict[str, Any]:
    return {
        "Id": 600000 + employee.id % 100000,
        "Number": _iban(employee.id),
        "Description": "Salaris",
        "IBAN": _iban(employee.id),
        "BIC": "ABNANL2A",
        "City": "Amsterdam",
        "Name": employee.display_name,
        "Type": "Bankrekening1",
    }


def _children_item(employee: NmbrsEmployee) -> dict[str, Any]:
    names = _name_parts(employee)
    child = {
        "Id": 400000 + employee.id % 100000,
        "Name": names["LastName"],
        "FirstName": "Daan",
        "Initials": "D.",
        "Gender": "male",
        "Birthday": datetime(2015, 5, 17),
    }
    kids = [("Child", child)] if employee.number == 1 else []
    return {"EmployeeId": employee.id, "EmployeeChildren": kids}


def _contract_item(employee: NmbrsEmployee) -> dict[str, Any]:
    contract = {
        "ContractID": 300000 + employee.id % 100000,
        "CreationDate": datetime(2019, 12, 20, 9, 0),
        "StartDate": datetime(2020, 1, 1),
        "TrialPeriod": None,
        "EndDate": None,
        "EmployementType": 1,
        "EmploymentSequenceTaxId": 1,
        "Indefinite": True,
    }
    return {"EmployeeId": employee.id, "EmployeeContracts": [("EmployeeContract", contract)]}


def _partner(employee: NmbrsEmployee) -> dict[str, Any]:
    return {
        "Id": 910000 + employee.id % 100000,
        "PartnerName": _name_parts(employee)["LastName"],
        "FirstName": "Eva",
        "Initials": "E.",
        "Gender": "female",
        "Birthday": datetime(1972, 3, 9),
        "StartDate": datetime(2001, 6, 15),
        "Telephone": "06-11223344",
        "Email": "eva@example.nl",
    }


def _schedule(part_time: bool) -> dict[str, Any]:
    day = Decimal("8.00")
    days = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
    hours = {
        d: (day if i < (4 if part_time else 5) else Decimal("0.00")) for i, d in enumerate(days)
    }
    fields: dict[str, Any] = {f"Hours{d}": hours[d] for d in days}
    fields.update({f"Hours{d}2": hours[d] for d in days})
    fields["ParttimePercentage"] = Decimal("80.00") if part_time else Decimal("100.00")
    fields["StartDate"] = datetime(2020, 1, 1)
    return fields


def _svw() -> dict[str, Any]:
    return {
        "Id": 1,
        "InvloedVerzekeringsplicht": "Geen invloed",
        "PremieKorting": 0,
        "PremieKortingVerhoging": False,
        "CodeCao": 1229,
        "Wao_Wia": True,
        "Ww": True,
        "Zw": True,
        "CodeIabZvw": 1,
        "CodeZvw": "K",
        "RisicoGroep": 0,
        "Sector": 33,
    }


def _salary_item(employee: NmbrsEmployee) -> dict[str, Any]:
    salary = {
        "ID": 200000 + employee.id % 100000,
        "Value": Decimal("3250.00") + employee.number * 250,
        "Type": 1,
        "SalaryTable": {
            "Code": 0,
            "Description": "Geen schaal",
            "Schaal": {
                "Scale": "",
                "SchaalDescription": "",
                "ScaleValue": Decimal(0),
                "ScalePercentageMax": Decimal(0),
                "ScalePercentageMin": Decimal(0),
            },
            "Trede": {"Step": "", "StepDescription": "", "StepValue": Decimal(0)},
        },
        "StartDate": datetime(2026, 1, 1),
        "CreationDate": datetime(2025, 12, 18, 11, 5),
    }
    return {"EmployeeId": employee.id, "EmployeeSalaries": [("Salary_V2", salary)]}


def _employment_item(employee: NmbrsEmployee) -> dict[str, Any]:
    employment = {
        "EmploymentId": 100000 + employee.id % 100000,
        "CreationDate": datetime(2019, 12, 20, 9, 0),
        "StartDate": datetime(2020, 1, 1),
        "EndDate": None,
        "InitialStartDate": datetime(2020, 1, 1),
    }
    return {"EmployeeId": employee.id, "EmployeeEmployments": [("Employment", employment)]}


_WAGE_LINES = ((10, "Salaris"), (190, "Reiskostenvergoeding"), (301, "Pensioenpremie werknemer"))


def _wage_components(employee: NmbrsEmployee, fixed: bool) -> list[tuple[str, Any]]:
    codes = _WAGE_LINES[1:] if fixed else _WAGE_LINES[:1]
    return [
        (
            "WageComponent",
            {
                "Id": 800000 + employee.id % 10000 + code,
                "Code": code,
                "Value": _wage_value(code),
            },
        )
        for code, _ in codes
    ]


def _wage_report(company: NmbrsCompany, run: NmbrsRun | None, code: int | None) -> str:
    """The XML text of a wage-code report: ``<reports><report>…<lines><line>…`` (reference §6)."""
    reports = etree.Element("reports")
    if run is None:  # an unknown run: an empty report, not a fault (no source says either way)
        return etree.tostring(reports, encoding="unicode")
    for employee in company.employees:
        report = etree.SubElement(reports, "report")
        _leaves(
            report,
            employeeid=employee.id,
            period=run.period_start,
            year=run.year,
            runnumber=run.number,
        )
        lines = etree.SubElement(report, "lines")
        for line_code, description in _WAGE_LINES:
            if code in (None, line_code):
                _leaves(
                    etree.SubElement(lines, "line"),
                    code=line_code,
                    description=description,
                    value=_wage_value(line_code),
                )
    return etree.tostring(reports, encoding="unicode")


def _leaves(parent: etree._Element, **values: object) -> None:
    for name, value in values.items():
        etree.SubElement(parent, name).text = str(value)


def _wage_value(code: int) -> Decimal:
    return Decimal("125.50") + code


def _find_run(company: NmbrsCompany, run_id: int, year: int) -> NmbrsRun | None:
    return next((r for r in company.runs if r.id == run_id and r.year == year), None)


# --------------------------------------------------------------------------- handlers

_Handler = Callable[[NmbrsSimulator, dict[str, Any]], Any]


def _per_employee(build: Callable[[NmbrsEmployee], Any]) -> _Handler:
    return lambda sim, p: build(sim._employee(p["EmployeeId"])[1])


def _per_company_employee(item: str, build: Callable[[NmbrsEmployee], Any]) -> _Handler:
    return lambda sim, p: [(item, build(e)) for e in sim._company(p["CompanyID"]).employees]


def _run_list(sim: NmbrsSimulator, p: dict[str, Any]) -> Any:
    runs = [r for r in sim._company(p["CompanyId"]).runs if r.year == p["Year"]]
    return [("RunInfo", _run_fields(r, locked=r is not runs[-1])) for r in runs]


def _wage_codes(sim: NmbrsSimulator, p: dict[str, Any]) -> str:
    company = sim._company(p["CompanyId"])
    return _wage_report(company, _find_run(company, p["RunId"], p["intYear"]), p.get("WageCode"))


def _wage_codes_background(sim: NmbrsSimulator, p: dict[str, Any]) -> str:
    company = sim._company(p["companyId"])
    report = _wage_report(company, _find_run(company, p["runId"], p["year"]), p["wageCode"])
    return sim._start_task(report)


def _companies_of_debtor(sim: NmbrsSimulator, p: dict[str, Any]) -> Any:
    debtor = next((d for d in sim.scenario.debtor_list() if d.id == p["DebtorId"]), None)
    if debtor is None:  # an unknown or invisible debtor (reference §4: 2009)
        raise _Fault(2009, "Unauthorized Access")
    companies = [sim.scenario.company(i) for i in debtor.company_ids]
    return [("Company", _company_fields(c)) for c in companies if c is not None]


def _environment(sim: NmbrsSimulator, p: dict[str, Any]) -> dict[str, str]:
    # GUESS (reference §3): peers read Domain and SubDomain; their exact values are not public.
    domain = sim.scenario.domain
    return {"Domain": f"{domain}.nmbrs.nl", "SubDomain": domain}


_HANDLERS: dict[str, _Handler] = {
    "Company_GetCurrentPeriod": lambda sim, p: sim._company(p["CompanyId"]).current_period,
    "List_GetAll": lambda sim, p: [("Company", _company_fields(c)) for c in sim.scenario.companies],
    "Run_GetList": _run_list,
    "Reports_GetWageCodesByRunCompany_FilterByWageCode": _wage_codes,
    "Reports_GetWageCodesByRunCompany_v2": _wage_codes,
    "List_GetByCompany": lambda sim, p: [
        ("Employee", _employee_fields(e)) for e in sim._company(p["CompanyId"]).employees
    ],
    "Address_GetListCurrent": _per_employee(lambda e: [("EmployeeAddress", _address(e))]),
    "BankAccount_GetListCurrent": _per_employee(lambda e: [("BankAccount", _bank_account(e))]),
    "Children_Get": _per_employee(_children_item),
    "Contract_GetCurrentPeriod": _per_employee(_contract_item),
    "Partner_Get": _per_employee(_partner),
    "PersonalInfo_GetCurrent": _per_employee(_personal_info),
    "Salary_GetAll_AllEmployeesByCompany": _per_company_employee(
        "EmployeeSalaryItem", _salary_item
    ),
    "Schedule_GetCurrent": _per_employee(lambda e: _schedule(e.number % 2 == 0)),
    "Schedule_GetList": _per_employee(lambda e: [("Schedule", _schedule(e.number % 2 == 0))]),
    "SVW_GetCurrent": _per_employee(lambda e: _svw()),
    "WageComponentFixed_GetCurrent": _per_employee(lambda e: _wage_components(e, fixed=True)),
    "WageComponentVar_GetCurrent": _per_employee(lambda e: _wage_components(e, fixed=False)),
    "Employment_GetAll_AllEmployeesByCompany": _per_company_employee(
        "EmployeeEmploymentItem", _employment_item
    ),
    "Reports_GetWageCodesByRunCompany_FilterByWageCode_Background": _wage_codes_background,
    "Reports_BackgroundTask_Result": lambda sim, p: sim._poll_task(p["TaskId"]),
    "Environment_Get": _environment,
    "DebtorService.List_GetAll": lambda sim, p: [
        ("Debtor", {"Id": d.id, "Number": d.number, "Name": d.name})
        for d in sim.scenario.debtor_list()
    ],
    "List_GetByDebtor": _companies_of_debtor,
}
