"""The Nmbrs simulator: routes a request to an operation of a served WSDL and answers it.

Checks in this order: authentication (1001), subscription (1004), the Template User's switch for
the call (1002), then the data (1003 company, 2003 employee, 2019 task). The real order is
undocumented (reference §4); this is the plausible reading the reference suggests.
"""

from __future__ import annotations

import collections
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from koppelcheck.simulator.faults import FaultInjector, FaultRule, faulty_response
from koppelcheck.simulator.nmbrs import codec
from koppelcheck.simulator.nmbrs.codec import Fault, Soap
from koppelcheck.simulator.nmbrs.contract import (
    Fields,
    Operation,
    ServedService,
    served,
    service_names,
)
from koppelcheck.simulator.nmbrs.data import HANDLERS
from koppelcheck.simulator.nmbrs.scenario import (
    NmbrsCompany,
    NmbrsEmployee,
    NmbrsScenario,
    load_nmbrs_scenario,
)
from koppelcheck.simulator.server import SimRequest, SimResponse

# Elements a server newer than its WSDL might add (scenario ``undeclared_elements``): the type's
# element name, the declared element to insert before (None: at the end), the name and value.
UNDECLARED: tuple[tuple[str, str | None, str, str], ...] = (
    ("Company", None, "LegalForm", "BV"),
    ("RunInfo", "RunAt", "RunType", "Normal"),
)


QUALIFIED_SWITCHES = frozenset({"DebtorService.List_GetAll"})
"""Operations whose name another service shares (CompanyService.List_GetAll): their Template
User switch, in ``inactive`` and :meth:`NmbrsSimulator.set_active`, is ``Service.Operation``."""


def switch_name(service: str, operation: str) -> str:
    """The name of an operation's switch in the simulated Template User."""
    qualified = f"{service}.{operation}"
    return qualified if qualified in QUALIFIED_SWITCHES else operation


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
        known = {switch_name(s, o) for s in service_names() for o in served(s).operations}
        if operation not in known:
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
            return codec.html(404, "The resource cannot be found.")
        if request.method in ("GET", "HEAD"):
            return _get(service, request)
        if request.method != "POST":
            return codec.html(405, "Method Not Allowed")
        soap = codec.soap_of(request)
        if soap is None:
            return codec.html(415, "Unsupported Media Type")
        try:
            return self._post(service, soap, request)
        except codec.BadRequest as bad:
            return SimResponse(status=bad.status)
        except Fault as fault:
            return codec.fault_response(soap, fault)

    def _post(self, service: ServedService, soap: Soap, request: SimRequest) -> SimResponse:
        envelope = codec.parse_envelope(soap, request.body)
        element = codec.body_element(soap, envelope)
        operation = codec.route(service, soap, request, element)
        with self._lock:
            self.hits[(service.name, operation.name)] += 1
        rule = self._faults.pick(operation.name)
        if rule is not None:
            return faulty_response(
                rule,
                genuine=lambda: self._genuine(service, soap, operation, envelope, element),
                server_error=lambda: codec.fault_response(soap, codec.UNCODED_FAULT),
            )
        return self._genuine(service, soap, operation, envelope, element)

    def _genuine(
        self,
        service: ServedService,
        soap: Soap,
        operation: Operation,
        envelope: etree._Element,
        element: etree._Element,
    ) -> SimResponse:
        try:
            self._authenticate(soap, operation, envelope)
            self._authorise(operation, service.name)
            handler = HANDLERS.get((service.name, operation.name))
            if handler is None:
                raise Fault(None, f"{operation.name} is declared but not simulated.")
            value = handler(self, codec.read_params(operation, element))
        except Fault as fault:
            return codec.fault_response(soap, fault)
        response, node = codec.result_response(soap, service, operation, value)
        if self.scenario.undeclared_elements:
            _add_undeclared(node, service.namespace)
            response.body = etree.tostring(
                node.getroottree(), xml_declaration=True, encoding="utf-8"
            )
        return response

    def _authenticate(self, soap: Soap, operation: Operation, envelope: etree._Element) -> None:
        # Without Domain: 1001, the safe reading of conflicting sources (reference §2).
        values = codec.header_values(soap, envelope, operation) or {}
        scenario = self.scenario
        with_domain = operation.header == "AuthHeaderWithDomain"
        ok = (
            values.get("Username", "").casefold() == scenario.username.casefold()
            and values.get("Token") == scenario.accepted_token
            and (
                not with_domain or values.get("Domain", "").casefold() == scenario.domain.casefold()
            )
        )
        if not ok:
            raise Fault(1001, "Invalid Authentication")

    def _authorise(self, operation: Operation, service: str = "") -> None:
        if not self.scenario.subscription_valid:
            raise Fault(1004, "Disabled, no valid subscription")
        with self._lock:
            inactive = switch_name(service, operation.name) in self._inactive
        if inactive:
            raise Fault(1002, "Unauthorized Access")

    # ------------------------------------------------------------------ data lookups (handlers)

    def company(self, company_id: int) -> NmbrsCompany:
        """The company, or 1003 ("ID not visible and/or does not exist", reference §4)."""
        company = self.scenario.company(company_id)
        if company is None:
            raise Fault(1003, "Unauthorized Access")
        return company

    def employee(self, employee_id: int) -> tuple[NmbrsCompany, NmbrsEmployee]:
        """The employee and its company, or 2003."""
        found = self.scenario.employee(employee_id)
        if found is None:
            raise Fault(2003, "Unauthorized Access")
        return found

    def start_task(self, content: str) -> str:
        """Start a background task whose result is ``content``; its GUID."""
        task_id = str(uuid.uuid4())
        with self._lock:
            self._tasks[task_id] = _Task(self.scenario.polls_before_success, content)
        return task_id

    def poll_task(self, task_id: str) -> Fields:
        """One poll of a background task (reference §6)."""
        try:
            task_id = str(uuid.UUID(task_id))
        except ValueError as exc:
            raise codec.client_fault(codec.XML_ERROR) from exc
        with self._lock:
            task = self._tasks.get(task_id)
            if task is None:
                raise Fault(2019, "Task Status Not Available")
            status = task.poll()
        answer: Fields = {"TaskId": task_id, "Status": status}
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


def _service_of(path: str) -> ServedService | None:
    last = path.rstrip("/").rsplit("/", 1)[-1].lower()
    name = next((s for s in service_names() if f"{s.lower()}.asmx" == last), None)
    return served(name) if name else None


def _get(service: ServedService, request: SimRequest) -> SimResponse:
    if any(key.lower() == "wsdl" for key in request.query):
        return SimResponse(
            body=service.wsdl_for(request.header("host")),
            headers={"Content-Type": "text/xml; charset=utf-8"},
        )
    return codec.html(200, f"{service.name}: append ?WSDL for the service description.")


def _add_undeclared(response: etree._Element, ns: str) -> None:
    for type_name, before, name, value in UNDECLARED:
        for node in response.iter(f"{{{ns}}}{type_name}"):
            extra = etree.Element(f"{{{ns}}}{name}")
            extra.text = value
            anchor = node.find(f"{{{ns}}}{before}") if before else None
            if anchor is not None:
                anchor.addprevious(extra)
            else:
                node.append(extra)
