"""The Nmbrs simulator's handle(), without sockets: protocol, faults, data and scenarios.

Requests are built here with lxml, independently of the client, to the shapes the reference
(``shared/reference/nmbrs-api.md`` §1-§4, §6) describes.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from pathlib import Path

import pytest
from lxml import etree

from koppelcheck.errors import InputError
from koppelcheck.nmbrs import calls
from koppelcheck.nmbrs.calls import NmbrsCall
from koppelcheck.simulator.nmbrs import (
    NMBRS_SCENARIOS,
    NmbrsSimulator,
    load_nmbrs_scenario,
    make_nmbrs_simulator,
)
from koppelcheck.simulator.server import SimRequest, SimResponse

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
XS = "http://www.w3.org/2001/XMLSchema"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
WSDL_DIR = Path(__file__).parents[2] / "src" / "koppelcheck" / "simulator" / "nmbrs" / "served"
"""The simulator's own contract (not the client's bundled WSDLs)."""
ASMX = "System.Web.Services.Protocols.SoapException: Server was unable to process request. ---> "
CALL = {c.operation: c for c in (*calls.ALL_CALLS, calls.ENVIRONMENT_GET)}
HEALTHY = load_nmbrs_scenario("healthy")
COMPANY = HEALTHY.companies[0]
EMPLOYEE = COMPANY.employees[0]
RUN = COMPANY.runs[0]


def envelope(
    call: NmbrsCall,
    params: dict,
    *,
    soap: str = SOAP11,
    header: dict | None = None,
    header_name: str = "",
    header_ns: str = "",
) -> bytes:
    """A request envelope for ``call``; the header defaults to the healthy demo credentials."""
    root = etree.Element(f"{{{soap}}}Envelope", nsmap={"soap": soap})
    if header is None:
        header = {"Username": HEALTHY.username, "Token": HEALTHY.token, "Domain": HEALTHY.domain}
        if call == calls.ENVIRONMENT_GET:
            header.pop("Domain")
    name = header_name or (
        "AuthHeader" if call == calls.ENVIRONMENT_GET else "AuthHeaderWithDomain"
    )
    ns = header_ns or call.namespace
    auth = etree.SubElement(etree.SubElement(root, f"{{{soap}}}Header"), f"{{{ns}}}{name}")
    for key, value in header.items():
        etree.SubElement(auth, f"{{{ns}}}{key}").text = value
    body = etree.SubElement(
        etree.SubElement(root, f"{{{soap}}}Body"), f"{{{call.namespace}}}{call.operation}"
    )
    for key, value in params.items():
        etree.SubElement(body, f"{{{call.namespace}}}{key}").text = str(value)
    return etree.tostring(root)


def post(
    sim: NmbrsSimulator,
    operation: str,
    params: dict | None = None,
    *,
    action: str | None = None,
    omit_action: bool = False,
    soap12: bool = False,
    path: str = "",
    **kw,
) -> SimResponse:
    call = CALL[operation]
    body = envelope(call, params or {}, soap=SOAP12 if soap12 else SOAP11, **kw)
    headers = (
        {"content-type": "application/soap+xml; charset=utf-8"}
        if soap12
        else {
            "content-type": "text/xml; charset=utf-8",
            "soapaction": f'"{call.soap_action}"' if action is None else action,
        }
    )
    if omit_action:
        headers.pop("soapaction")
    return sim.handle(
        SimRequest("POST", path or f"/soap/v3/{call.service}.asmx", {}, headers, body)
    )


def parse(response: SimResponse) -> etree._Element:
    return etree.fromstring(response.body)


def result(response: SimResponse, operation: str) -> etree._Element:
    assert response.status == 200, response.body
    ns = CALL[operation].namespace
    node = parse(response).find(f".//{{{ns}}}{operation}Response/{{{ns}}}{operation}Result")
    assert node is not None
    return node


def fault_string(response: SimResponse) -> str:
    assert response.status == 500
    return parse(response).find(f"{{{SOAP11}}}Body/{{{SOAP11}}}Fault/faultstring").text


@pytest.fixture
def sim() -> NmbrsSimulator:
    return make_nmbrs_simulator("healthy")


# ---------------------------------------------------------------- protocol


def test_soap11_success_shape(sim) -> None:
    response = post(sim, "List_GetAll")
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    companies = result(response, "List_GetAll")
    assert [c.findtext(f"{{{calls.LIST_GET_ALL.namespace}}}Name") for c in companies] == [
        "Bakkerij Jansen B.V.",
        "Garage De Vries",
    ]


@pytest.mark.parametrize(
    "action",
    [
        "https://api.nmbrs.nl/soap/v3/CompanyService/List_GetAll",
        '"https://api.nmbrs.nl/soap/v3/CompanyService/List_GetAll"',
    ],
)
def test_soapaction_quoted_or_not(sim, action) -> None:
    assert post(sim, "List_GetAll", action=action).status == 200


def test_missing_soapaction_is_a_client_fault(sim) -> None:
    response = post(sim, "List_GetAll", omit_action=True)
    fault = parse(response).find(f"{{{SOAP11}}}Body/{{{SOAP11}}}Fault")
    assert response.status == 500
    assert fault.findtext("faultcode") == "soap:Client"
    assert fault.findtext("faultstring") == (
        "Unable to handle request without a valid action parameter. "
        "Please supply a valid soap action."
    )


@pytest.mark.parametrize("action", ['""', ""])
def test_empty_soapaction_is_not_recognised(sim, action) -> None:
    response = post(sim, "List_GetAll", action=action)
    assert fault_string(response) == (
        "Server did not recognize the value of HTTP Header SOAPAction: ."
    )
    assert parse(response).findtext(f".//{{{SOAP11}}}Fault/faultcode") == "soap:Client"


def test_unknown_soapaction_is_a_client_fault(sim) -> None:
    response = post(sim, "List_GetAll", action="https://api.nmbrs.nl/soap/v3/CompanyService/Nope")
    assert "did not recognize the value of HTTP Header SOAPAction" in fault_string(response)


def test_v21_namespace_soapaction_is_not_recognised(sim) -> None:
    response = post(
        sim, "List_GetAll", action="https://api.nmbrs.nl/soap/v2.1/CompanyService/List_GetAll"
    )
    assert "did not recognize" in fault_string(response)


def test_soap12_dispatches_on_the_body_element(sim) -> None:
    response = post(sim, "Company_GetCurrentPeriod", {"CompanyId": COMPANY.id}, soap12=True)
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("application/soap+xml")
    assert etree.QName(parse(response)).namespace == SOAP12
    assert (
        parse(response).findtext(
            f".//{{{calls.COMPANY_GET_CURRENT_PERIOD.namespace}}}Company_GetCurrentPeriodResult"
        )
        == "2026-11-M"
    )


def test_soap12_fault_shape(sim) -> None:
    response = post(
        sim, "List_GetAll", soap12=True, header={"Username": "x", "Token": "y", "Domain": "z"}
    )
    fault = parse(response).find(f"{{{SOAP12}}}Body/{{{SOAP12}}}Fault")
    assert response.status == 500
    assert fault.findtext(f"{{{SOAP12}}}Code/{{{SOAP12}}}Value") == "soap:Receiver"
    assert fault.findtext(f"{{{SOAP12}}}Reason/{{{SOAP12}}}Text") == (
        ASMX + "1001: Invalid Authentication"
    )


def test_soap11_envelope_as_soap12_media_type_is_415(sim) -> None:
    call = calls.LIST_GET_ALL
    request = SimRequest(
        "POST",
        "/soap/v3/CompanyService.asmx",
        {},
        {"content-type": "application/soap+xml"},
        envelope(call, {}),
    )
    response = sim.handle(request)
    assert (response.status, response.body) == (415, b"")


def test_soap12_envelope_as_text_xml_is_a_version_mismatch(sim) -> None:
    request = SimRequest(
        "POST",
        "/soap/v3/CompanyService.asmx",
        {},
        {"content-type": "text/xml", "soapaction": calls.LIST_GET_ALL.soap_action},
        envelope(calls.LIST_GET_ALL, {}, soap=SOAP12),
    )
    assert "version mismatch" in fault_string(sim.handle(request))


@pytest.mark.parametrize(
    "path",
    ["/soap/v3/CompanyService.asmx", "/companyservice.ASMX", "/prefix/any/CompanyService.asmx"],
)
def test_wsdl_served_under_any_prefix(sim, path) -> None:
    response = sim.handle(SimRequest("GET", path, {"WSDL": [""]}, {"host": "127.0.0.1:8123"}))
    assert response.status == 200
    assert response.body == (WSDL_DIR / "CompanyService.wsdl").read_bytes().replace(
        b"http://127.0.0.1/soap/v3/", b"http://127.0.0.1:8123/soap/v3/"
    )
    assert post(sim, "List_GetAll", path=path).status == 200


def test_wsdl_query_is_case_insensitive(sim) -> None:
    response = sim.handle(SimRequest("GET", "/soap/v3/ReportService.asmx", {"wsdl": [""]}, {}))
    assert b'targetNamespace="https://api.nmbrs.nl/soap/v3/ReportService"' in response.body


def test_unknown_path_and_media_type(sim) -> None:
    assert sim.handle(SimRequest("GET", "/soap/v3/Nope.asmx", {}, {})).status == 404
    request = SimRequest(
        "POST", "/soap/v3/CompanyService.asmx", {}, {"content-type": "application/json"}, b"{}"
    )
    assert sim.handle(request).status == 415


def test_malformed_xml_is_400_with_an_empty_body(sim) -> None:
    request = SimRequest(
        "POST",
        "/soap/v3/CompanyService.asmx",
        {},
        {"content-type": "text/xml", "soapaction": calls.LIST_GET_ALL.soap_action},
        b"<soap:Envelope",
    )
    response = sim.handle(request)
    assert (response.status, response.body) == (400, b"")


# ---------------------------------------------------------------- auth and the template


@pytest.mark.parametrize(
    "header",
    [
        {"Username": HEALTHY.username, "Token": "f" * 32, "Domain": HEALTHY.domain},
        {"Username": "iemand@anders.nl", "Token": HEALTHY.token, "Domain": HEALTHY.domain},
        {"Username": HEALTHY.username, "Token": HEALTHY.token, "Domain": "anders"},
        {"Username": HEALTHY.username, "Token": HEALTHY.token},
    ],
    ids=["token", "username", "domain", "no-domain"],
)
def test_wrong_credentials_are_1001(sim, header) -> None:
    response = post(sim, "List_GetAll", header=header)
    assert fault_string(response) == ASMX + "1001: Invalid Authentication"
    assert parse(response).find(f".//{{{SOAP11}}}Fault/detail") is not None
    assert parse(response).findtext(f".//{{{SOAP11}}}Fault/faultcode") == "soap:Server"


def test_header_in_another_namespace_is_1001(sim) -> None:
    ns = "https://api-sandbox.nmbrs.nl/soap/v3/CompanyService"
    assert "1001:" in fault_string(post(sim, "List_GetAll", header_ns=ns))


def test_header_without_domain_is_1001_except_for_environment_get(sim) -> None:
    assert "1001:" in fault_string(post(sim, "List_GetAll", header_name="AuthHeader"))
    env = result(post(sim, "Environment_Get"), "Environment_Get")
    ns = calls.ENVIRONMENT_GET.namespace
    assert env.findtext(f"{{{ns}}}SubDomain") == HEALTHY.domain
    assert env.findtext(f"{{{ns}}}Domain") == f"{HEALTHY.domain}.nmbrs.nl"


def test_bad_token_scenario() -> None:
    sim = make_nmbrs_simulator("bad-token")
    assert sim.scenario.token == HEALTHY.token != sim.scenario.server_token
    for operation in ("Environment_Get", "List_GetAll"):
        assert "---> 1001:" in fault_string(post(sim, operation))
    good = {
        "Username": HEALTHY.username,
        "Token": sim.scenario.server_token,
        "Domain": HEALTHY.domain,
    }
    assert post(sim, "List_GetAll", header=good).status == 200


def test_invalid_subscription_is_1004() -> None:
    sim = NmbrsSimulator(dataclasses.replace(HEALTHY, subscription_valid=False))
    assert fault_string(post(sim, "List_GetAll")).endswith(
        "---> 1004: Disabled, no valid subscription"
    )


def test_calls_inactive_scenario_and_set_active() -> None:
    sim = make_nmbrs_simulator("calls-inactive")
    assert sim.scenario.inactive == {
        "Children_Get",
        "Partner_Get",
        "SVW_GetCurrent",
        "Reports_BackgroundTask_Result",
    }
    response = post(sim, "Children_Get", {"EmployeeId": EMPLOYEE.id})
    assert fault_string(response) == ASMX + "1002: Unauthorized Access"
    assert post(sim, "List_GetAll").status == 200
    assert (
        post(sim, "List_GetByCompany", {"CompanyId": COMPANY.id, "EmployeeType": 2}).status == 200
    )
    sim.set_active("Children_Get", True)
    assert post(sim, "Children_Get", {"EmployeeId": EMPLOYEE.id}).status == 200
    sim.set_active("List_GetAll", False)
    assert "1002:" in fault_string(post(sim, "List_GetAll"))


def test_inactive_is_checked_after_authentication() -> None:
    sim = make_nmbrs_simulator("calls-inactive")
    response = post(
        sim,
        "Children_Get",
        {"EmployeeId": EMPLOYEE.id},
        header={"Username": "x", "Token": "y", "Domain": "z"},
    )
    assert "1001:" in fault_string(response)


def test_set_active_refuses_unknown_operations(sim) -> None:
    with pytest.raises(KeyError):
        sim.set_active("Children_get", False)


def test_discovery_inactive_scenario() -> None:
    sim = make_nmbrs_simulator("discovery-inactive")
    response = post(sim, "List_GetByCompany", {"CompanyId": COMPANY.id, "EmployeeType": 2})
    assert "1002:" in fault_string(response)
    assert post(sim, "PersonalInfo_GetCurrent", {"EmployeeId": EMPLOYEE.id}).status == 200


# ---------------------------------------------------------------- data


def test_unknown_company_is_1003_and_unknown_employee_2003(sim) -> None:
    assert "---> 1003: " in fault_string(post(sim, "Company_GetCurrentPeriod", {"CompanyId": 1}))
    assert "---> 2003: " in fault_string(post(sim, "Partner_Get", {"EmployeeId": 1}))


def test_miscased_parameter_reads_as_zero_like_dotnet(sim) -> None:
    # Salary_GetAll_AllEmployeesByCompany takes CompanyID; CompanyId is ignored -> 0 -> no access
    response = post(sim, "Salary_GetAll_AllEmployeesByCompany", {"CompanyId": COMPANY.id})
    assert "---> 1003: " in fault_string(response)
    response = post(sim, "Salary_GetAll_AllEmployeesByCompany", {"CompanyID": COMPANY.id})
    assert len(result(response, "Salary_GetAll_AllEmployeesByCompany")) == len(COMPANY.employees)


def test_run_get_list_with_another_year_is_empty(sim) -> None:
    assert len(
        result(post(sim, "Run_GetList", {"CompanyId": COMPANY.id, "Year": 2026}), "Run_GetList")
    ) == len(COMPANY.runs)
    assert (
        len(
            result(post(sim, "Run_GetList", {"CompanyId": COMPANY.id, "Year": 2019}), "Run_GetList")
        )
        == 0
    )


def test_background_task_flow() -> None:
    sim = NmbrsSimulator(dataclasses.replace(HEALTHY, polls_before_success=2))
    start = post(
        sim,
        "Reports_GetWageCodesByRunCompany_FilterByWageCode_Background",
        {"companyId": COMPANY.id, "runId": RUN.id, "year": RUN.year, "wageCode": 10},
    )
    task_id = result(start, "Reports_GetWageCodesByRunCompany_FilterByWageCode_Background").text
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", task_id)
    ns = calls.BACKGROUND_TASK_RESULT.namespace
    statuses = []
    for _ in range(3):
        node = result(
            post(sim, "Reports_BackgroundTask_Result", {"TaskId": task_id}),
            "Reports_BackgroundTask_Result",
        )
        statuses.append(node.findtext(f"{{{ns}}}Status"))
        assert node.findtext(f"{{{ns}}}TaskId") == task_id
    assert statuses == ["Enqueued", "Executing", "Success"]
    reports = etree.fromstring(node.findtext(f"{{{ns}}}Content"))
    assert reports.tag == "reports"
    assert {r.findtext("employeeid") for r in reports} == {str(e.id) for e in COMPANY.employees}
    assert {c.text for c in reports.iter("code")} == {"10"}


def test_content_is_escaped_text_in_the_envelope(sim) -> None:
    start = post(
        sim,
        "Reports_GetWageCodesByRunCompany_FilterByWageCode_Background",
        {"companyId": COMPANY.id, "runId": RUN.id, "year": RUN.year, "wageCode": 10},
    )
    task_id = result(start, "Reports_GetWageCodesByRunCompany_FilterByWageCode_Background").text
    post(sim, "Reports_BackgroundTask_Result", {"TaskId": task_id})
    final = post(sim, "Reports_BackgroundTask_Result", {"TaskId": task_id})
    assert b"&lt;reports&gt;" in final.body


def test_unknown_task_is_2019(sim) -> None:
    response = post(
        sim, "Reports_BackgroundTask_Result", {"TaskId": "00000000-0000-0000-0000-000000000000"}
    )
    assert "---> 2019: " in fault_string(response)


def test_wage_codes_report_string(sim) -> None:
    response = post(
        sim,
        "Reports_GetWageCodesByRunCompany_v2",
        {"CompanyId": COMPANY.id, "RunId": RUN.id, "intYear": RUN.year},
    )
    reports = etree.fromstring(result(response, "Reports_GetWageCodesByRunCompany_v2").text)
    assert reports.find("report/runnumber").text == str(RUN.number)


def test_latency_is_left_to_the_server_and_hits_count() -> None:
    sim = make_nmbrs_simulator("slow")
    assert sim.scenario.latency_ms == 2000
    assert post(sim, "List_GetAll").delay_s == 0
    assert sim.hits[("CompanyService", "List_GetAll")] == 1


def test_hits_are_thread_safe(sim) -> None:
    def work() -> None:
        for _ in range(25):
            post(sim, "List_GetAll")

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sim.hits[("CompanyService", "List_GetAll")] == 200


# ---------------------------------------------------------------- full field sets


def _schema(service: str) -> dict[str, etree._Element]:
    tree = etree.parse(str(WSDL_DIR / f"{service}.wsdl"))
    return {t.get("name"): t for t in tree.iter(f"{{{XS}}}complexType") if t.get("name")}


def _declared(type_node: etree._Element, types: dict) -> list[etree._Element]:
    """The element declarations of a complex type, its base type's first."""
    fields = []
    for ext in type_node.findall(f"{{{XS}}}complexContent/{{{XS}}}extension"):
        fields += _declared(types[ext.get("base").split(":")[1]], types)
        fields += ext.findall(f"{{{XS}}}sequence/{{{XS}}}element")
    return fields + type_node.findall(f"{{{XS}}}sequence/{{{XS}}}element")


def _type_of(decl: etree._Element, types: dict) -> etree._Element | None:
    inline = decl.find(f"{{{XS}}}complexType")
    return inline if inline is not None else types.get((decl.get("type") or "").split(":")[-1])


def _check_complete(
    node: etree._Element, type_node: etree._Element, types: dict, ns: str, seen: set[str]
) -> None:
    """Every declared element is present (repeated ones may be absent), recursively."""
    for decl in _declared(type_node, types):
        name = decl.get("name")
        children = node.findall(f"{{{ns}}}{name}")
        if decl.get("maxOccurs") != "unbounded":
            assert children, f"{etree.QName(node).localname} lacks {name}"
        child_type = _type_of(decl, types)
        for child in children:
            seen.add(name)
            if child_type is not None and child.get(f"{{{XSI}}}nil") != "true":
                _check_complete(child, child_type, types, ns, seen)


def _probe_params() -> dict[str, object]:
    return {
        "company": COMPANY.id,
        "employee": EMPLOYEE.id,
        "run": RUN.id,
        "year": RUN.year,
        "period": 11,
        "wage_code": 10,
        "employee_type": 2,
    }


@pytest.mark.parametrize(
    "call", [*calls.ALL_CALLS, calls.ENVIRONMENT_GET], ids=lambda c: c.operation
)
def test_answers_carry_every_element_of_their_type(call: NmbrsCall) -> None:
    sim = NmbrsSimulator(dataclasses.replace(HEALTHY, polls_before_success=0))
    values = _probe_params()
    if call == calls.BACKGROUND_TASK_RESULT:
        start = post(
            sim,
            calls.WAGE_CODES_BACKGROUND.operation,
            {p.name: values[p.source] for p in calls.WAGE_CODES_BACKGROUND.params},
        )
        values["task"] = result(start, calls.WAGE_CODES_BACKGROUND.operation).text
    node = result(
        post(sim, call.operation, {p.name: values[p.source] for p in call.params}), call.operation
    )
    types = _schema(call.service)
    response_el = etree.parse(str(WSDL_DIR / f"{call.service}.wsdl")).find(
        f".//{{{XS}}}element[@name='{call.operation}Response']"
    )
    result_type = response_el.find(f".//{{{XS}}}element").get("type").split(":")[-1]
    if result_type in types:
        seen: set[str] = set()
        _check_complete(node, types[result_type], types, call.namespace, seen)
        if result_type.startswith("ArrayOf"):
            assert seen, "an empty array proves nothing"
    else:
        assert node.text


def test_answers_carry_elements_unknown_to_the_wsdl_on_request() -> None:
    sim = NmbrsSimulator(dataclasses.replace(HEALTHY, undeclared_elements=True))
    ns = calls.LIST_GET_ALL.namespace
    company = result(post(sim, "List_GetAll"), "List_GetAll")[0]
    assert etree.QName(company[-1]).localname == "LegalForm"
    assert "LegalForm" not in (WSDL_DIR / "CompanyService.wsdl").read_text()
    run = result(post(sim, "Run_GetList", {"CompanyId": COMPANY.id, "Year": 2026}), "Run_GetList")[
        0
    ]
    assert run.find(f"{{{ns}}}RunType") is not None


# ---------------------------------------------------------------- scenarios


def test_every_bundled_scenario_loads() -> None:
    for name in NMBRS_SCENARIOS:
        scenario = load_nmbrs_scenario(name)
        assert scenario.name == name
        assert re.fullmatch(r"[0-9a-f]{32}", scenario.token)
        assert scenario.username == "salaris@voorbeeld.nl" and scenario.domain == "voorbeeld"
        assert set(scenario.inactive) <= set(CALL)


def test_demo_companies() -> None:
    bakkerij, garage = HEALTHY.companies
    assert bakkerij.name == "Bakkerij Jansen B.V." and bakkerij.period_type == "M"
    assert (bakkerij.employees[0].display_name, bakkerij.employees[0].number) == ("J. Jansen", 1)
    assert garage.name == "Garage De Vries" and garage.period_type == "W4"
    assert load_nmbrs_scenario("slow").latency_ms == 2000


def test_scenario_from_a_file(tmp_path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(
        'name = "mine"\nusername = "a@b.nl"\ntoken = "t"\ndomain = "d"\n'
        'inactive = ["Partner_Get"]\n',
        encoding="utf-8",
    )
    scenario = load_nmbrs_scenario(path)
    assert scenario.name == "mine" and scenario.inactive == {"Partner_Get"}
    assert scenario.companies == ()


@pytest.mark.parametrize("content", [None, "name = ", 'name = "x"'])
def test_bad_scenarios_are_input_errors(tmp_path, content) -> None:
    path = tmp_path / "bad.toml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError):
        load_nmbrs_scenario(path if content is not None else "no-such-scenario")
