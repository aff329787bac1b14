"""The Nmbrs simulator driven by clients this project did not write, over real loopback HTTP.

- the PyPI ``nmbrs`` SDK (a WSDL-driven zeep client, reference §8 PY-NMBRS) on all 19 Company and
  Employee calls: 19/19 on ``healthy``; its authorisation error (1002) for exactly the inactive
  calls on ``calls-inactive``;
- plain zeep on every ``?WSDL`` the simulator serves, calling every simulated operation;
- every answer validated against the served WSDL's XML Schema by lxml (not by our renderer).

Every request goes through a zeep transport that refuses any host but 127.0.0.1: if a served WSDL
named a production host, these tests would fail instead of posting a token there.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import zeep
import zeep.exceptions
import zeep.transports
from lxml import etree

from koppelcheck.simulator.nmbrs import NmbrsScenario, NmbrsSimulator, load_nmbrs_scenario
from koppelcheck.simulator.nmbrs.contract import served, service_names
from koppelcheck.simulator.nmbrs.data import HANDLERS
from koppelcheck.simulator.server import SimulatorServer

nmbrs_sdk = pytest.importorskip("nmbrs")
from nmbrs.exceptions import AuthorizationException  # noqa: E402
from nmbrs.utils.nmbrs_exception_handler import nmbrs_exception_handler  # noqa: E402

pytestmark = pytest.mark.integration

XS = "http://www.w3.org/2001/XMLSchema"
_PRODUCTION_BASES = ("https://api-sandbox.nmbrs.nl/soap/v3/", "https://api.nmbrs.nl/soap/v3/")


class LoopbackTransport(zeep.transports.Transport):
    """Loads the SDK's fixed Nmbrs WSDL URLs from the simulator; refuses every other host."""

    def __init__(self, base_url: str) -> None:
        session = requests.Session()
        session.trust_env = False  # no proxy from the environment
        super().__init__(session=session, timeout=10, operation_timeout=10)
        self.base_url = base_url
        self.posted: list[str] = []

    def _loopback(self, url: str) -> str:
        for base in _PRODUCTION_BASES:
            if url.startswith(base):
                url = f"{self.base_url}/soap/v3/{url.removeprefix(base)}"
        if urlsplit(url).hostname != "127.0.0.1":
            raise AssertionError(f"refused a non-loopback request to {urlsplit(url).hostname}")
        return url

    def _load_remote_data(self, url: str) -> bytes:
        return super()._load_remote_data(self._loopback(url))  # type: ignore[no-any-return]

    def post(self, address: str, message: Any, headers: Any) -> Any:
        if urlsplit(address).hostname != "127.0.0.1":  # from soap:address: the host is never
            raise AssertionError(f"the served WSDL sent a post to {address}")  # rewritten
        self.posted.append(address)
        # zeep forces https on soap:address when the WSDL URL was https (the SDK's fixed URL);
        # the simulator listens on plain http.
        return super().post(address.replace("https://", "http://", 1), message, headers)


@pytest.fixture
def served_sim(request: pytest.FixtureRequest) -> Iterator[tuple[SimulatorServer, NmbrsScenario]]:
    scenario = load_nmbrs_scenario(getattr(request, "param", "healthy"))
    with SimulatorServer(NmbrsSimulator(scenario)) as server:
        yield server, scenario


@pytest.fixture
def sdk(served_sim, monkeypatch) -> Any:
    """The SDK, its every zeep Client on a loopback transport, logged in with a user and token."""
    server, scenario = served_sim
    transport = LoopbackTransport(server.base_url)
    real_client = zeep.Client

    def client(wsdl: str, *args: Any, **kwargs: Any) -> zeep.Client:
        return real_client(wsdl, *args, transport=transport, **kwargs)

    for name, module in list(sys.modules.items()):
        if name.startswith("nmbrs.") and getattr(module, "Client", None) is real_client:
            monkeypatch.setattr(module, "Client", client)
    api = nmbrs_sdk.Nmbrs(username=scenario.username, token=scenario.token, sandbox=True)
    api._test_transport = transport
    return api


def _raw(service: Callable[[Any], Any], operation: str, **params: Any) -> Callable[[Any], Any]:
    """A call the SDK has no method for, through its own zeep client and error mapping."""

    def run(api: Any) -> Any:
        zeep_client = service(api).client
        call = getattr(zeep_client.service, operation)
        guarded = nmbrs_exception_handler(resource=operation)(
            lambda: call(**params, _soapheaders=api.auth_manager.header)
        )
        return guarded()

    return run


COMPANY, EMPLOYEE, RUN, YEAR = 54613, 503293, 880101, 2026
DEBTOR = 1201  # healthy.toml's first debtor (the REST readiness inventory's calls)


def _company(api: Any) -> Any:
    return api.company


def _employee(api: Any) -> Any:
    return api.employee


SDK_CALLS: dict[str, Callable[[Any], Any]] = {
    "Company_GetCurrentPeriod": lambda api: api.company.get_current_period(COMPANY),
    "List_GetAll": lambda api: api.company.get_all(),
    "Run_GetList": lambda api: api.company.run.get(COMPANY, YEAR),
    "Reports_GetWageCodesByRunCompany_FilterByWageCode": _raw(
        _company,
        "Reports_GetWageCodesByRunCompany_FilterByWageCode",
        CompanyId=COMPANY,
        RunId=RUN,
        intYear=YEAR,
        WageCode=10,
    ),
    "Reports_GetWageCodesByRunCompany_v2": _raw(
        _company, "Reports_GetWageCodesByRunCompany_v2", CompanyId=COMPANY, RunId=RUN, intYear=YEAR
    ),
    "Address_GetListCurrent": lambda api: api.employee.address.get_current(EMPLOYEE),
    "BankAccount_GetListCurrent": lambda api: api.employee.bank_account.get_current(EMPLOYEE),
    "Children_Get": lambda api: api.employee.child.get_current(EMPLOYEE),
    "Contract_GetCurrentPeriod": lambda api: api.employee.contract.get_current(EMPLOYEE),
    "List_GetByCompany": lambda api: api.employee.get_by_company(COMPANY, 2),
    "Partner_Get": _raw(_employee, "Partner_Get", EmployeeId=EMPLOYEE),
    "PersonalInfo_GetCurrent": lambda api: api.employee.personal_info.get_current(EMPLOYEE),
    "Salary_GetAll_AllEmployeesByCompany": lambda api: api.employee.salary.get_all_by_company(
        COMPANY
    ),
    "Schedule_GetCurrent": lambda api: api.employee.schedule.get_current(EMPLOYEE),
    "Schedule_GetList": _raw(
        _employee, "Schedule_GetList", EmployeeId=EMPLOYEE, Period=11, Year=YEAR
    ),
    "SVW_GetCurrent": lambda api: api.employee.svw.get_current(EMPLOYEE),
    "WageComponentFixed_GetCurrent": _raw(
        _employee, "WageComponentFixed_GetCurrent", EmployeeId=EMPLOYEE
    ),
    "WageComponentVar_GetCurrent": _raw(
        _employee, "WageComponentVar_GetCurrent", EmployeeId=EMPLOYEE
    ),
    "Employment_GetAll_AllEmployeesByCompany": (
        lambda api: api.employee.employment.get_all_by_company(COMPANY)
    ),
}


def test_the_sdk_drives_all_19_calls_on_healthy(sdk) -> None:
    assert len(SDK_CALLS) == 19
    results = {}
    for operation, run in SDK_CALLS.items():
        results[operation] = run(sdk)
    assert all(results.values()), [op for op, value in results.items() if not value]
    assert sdk.auth_manager.get_domain() == "voorbeeld"  # from Environment_Get's SubDomain
    svw = results["SVW_GetCurrent"]
    assert (svw.cao_code, svw.sector_id, svw.start_year) == ("1229", 33, 2020)
    assert {urlsplit(a).hostname for a in sdk._test_transport.posted} == {"127.0.0.1"}


@pytest.mark.parametrize("served_sim", ["calls-inactive"], indirect=True)
def test_the_sdk_raises_its_authorisation_error_for_exactly_the_inactive_calls(
    sdk, served_sim
) -> None:
    _, scenario = served_sim
    refused = set()
    for operation, run in SDK_CALLS.items():
        try:
            run(sdk)
        except AuthorizationException:
            refused.add(operation)
    assert refused == set(scenario.inactive) & set(SDK_CALLS)
    assert refused  # the scenario switches some of the 19 off


# ---------------------------------------------------------------- plain zeep on every ?WSDL


def _sample_params(service: str, operation: str) -> dict[str, Any]:
    op = served(service).operations[operation]
    values = {
        "CompanyId": COMPANY,
        "CompanyID": COMPANY,
        "companyId": COMPANY,
        "EmployeeId": EMPLOYEE,
        "RunId": RUN,
        "runId": RUN,
        "intYear": YEAR,
        "year": YEAR,
        "Year": YEAR,
        "WageCode": 10,
        "wageCode": 10,
        "Period": 11,
        "EmployeeType": 2,
        "DebtorId": DEBTOR,
    }
    return {p.name: values[p.name] for p in op.params if p.name in values}


@pytest.mark.parametrize("service", service_names())
def test_plain_zeep_reads_every_wsdl_and_calls_every_simulated_operation(
    served_sim, service
) -> None:
    server, scenario = served_sim
    transport = LoopbackTransport(server.base_url)
    client = zeep.Client(f"{server.base_url}/soap/v3/{service}.asmx?WSDL", transport=transport)
    addresses = {
        port.binding_options["address"]
        for svc in client.wsdl.services.values()
        for port in svc.ports.values()
    }
    assert addresses == {f"{server.base_url}/soap/v3/{service}.asmx"}
    header: dict[str, str] = {"Username": scenario.username, "Token": scenario.token}
    task = ""
    for svc_name, operation in HANDLERS:
        if svc_name != service:
            continue
        params = _sample_params(service, operation)
        if operation == "Reports_BackgroundTask_Result":
            params = {"TaskId": task}
        header_name = served(service).operations[operation].header
        auth = dict(header, Domain=scenario.domain) if header_name.endswith("Domain") else header
        answer = getattr(client.service, operation)(**params, _soapheaders={header_name: auth})
        assert answer is not None, operation
        if operation.endswith("_Background"):
            task = answer


# ---------------------------------------------------------------- answers validate (lxml)


def _validator(service: str, tmp_path: Path) -> etree.XMLSchema:
    """The served WSDL's schemas as an lxml XMLSchema (the guid schema given a location)."""
    root = etree.fromstring(served(service).wsdl)
    schemas = root.findall(f"{{http://schemas.xmlsoap.org/wsdl/}}types/{{{XS}}}schema")
    paths = {}
    for schema in schemas:
        path = tmp_path / f"{service}-{len(paths)}.xsd"
        paths[schema.get("targetNamespace")] = path
    for schema in schemas:
        for imp in schema.findall(f"{{{XS}}}import"):
            imp.set("schemaLocation", paths[imp.get("namespace")].as_uri())
        paths[schema.get("targetNamespace")].write_bytes(etree.tostring(schema))
    return etree.XMLSchema(etree.parse(str(paths[root.get("targetNamespace")])))


@pytest.mark.parametrize("served_sim", ["healthy"], indirect=True)
def test_every_answer_validates_against_the_served_wsdl(served_sim, tmp_path) -> None:
    server, scenario = served_sim
    validators = {s: _validator(s, tmp_path) for s in service_names()}
    seen = []

    def check(response: Any) -> None:
        body = etree.fromstring(response.content)[-1][0]
        validator = validators[service]
        validator.assertValid(body)
        seen.append(etree.QName(body).localname)

    session = requests.Session()
    session.trust_env = False
    for service in service_names():
        transport = LoopbackTransport(server.base_url)
        client = zeep.Client(f"{server.base_url}/soap/v3/{service}.asmx?WSDL", transport=transport)
        task = ""
        for svc_name, operation in HANDLERS:
            if svc_name != service:
                continue
            params = (
                _sample_params(service, operation)
                if operation != "Reports_BackgroundTask_Result"
                else {"TaskId": task}
            )
            header_name = served(service).operations[operation].header
            auth = {"Username": scenario.username, "Token": scenario.token}
            if header_name.endswith("Domain"):
                auth["Domain"] = scenario.domain
            message = client.create_message(
                client.service, operation, **params, _soapheaders={header_name: auth}
            )
            response = session.post(
                f"{server.base_url}/soap/v3/{service}.asmx",
                data=etree.tostring(message),
                headers={
                    "Content-Type": "text/xml; charset=utf-8",
                    "SOAPAction": f"https://api.nmbrs.nl/soap/v3/{service}/{operation}",
                },
                timeout=10,
            )
            assert response.status_code == 200, response.text
            check(response)
            if operation.endswith("_Background"):
                task = etree.fromstring(response.content)[-1][0][0].text or ""
    assert len(seen) == len(HANDLERS)


def test_the_validator_refuses_an_undeclared_element(tmp_path) -> None:
    """The check above can fail: LegalForm (scenario ``undeclared_elements``) is refused."""
    from dataclasses import replace

    from koppelcheck.simulator.server import SimRequest

    scenario = replace(load_nmbrs_scenario("healthy"), undeclared_elements=True)
    ns = "https://api.nmbrs.nl/soap/v3/CompanyService"
    soap = "http://schemas.xmlsoap.org/soap/envelope/"
    body = (
        f'<s:Envelope xmlns:s="{soap}"><s:Header><AuthHeaderWithDomain xmlns="{ns}">'
        f"<Username>{scenario.username}</Username><Token>{scenario.token}</Token>"
        f"<Domain>{scenario.domain}</Domain></AuthHeaderWithDomain></s:Header>"
        f'<s:Body><List_GetAll xmlns="{ns}"/></s:Body></s:Envelope>'
    ).encode()
    headers = {"content-type": "text/xml", "soapaction": f"{ns}/List_GetAll"}
    response = NmbrsSimulator(scenario).handle(
        SimRequest("POST", "/soap/v3/CompanyService.asmx", {}, headers, body)
    )
    answer = etree.fromstring(response.body)[-1][0]
    assert not _validator("CompanyService", tmp_path).validate(answer)
