"""NmbrsClient over respx: the wire format, parsing of real-shaped answers, and error mapping.

No test here touches the network: respx mocks every request (``assert_all_mocked``) and the WSDLs
are the bundled files.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import respx
import zeep.exceptions
from lxml import etree

from koppelcheck.errors import (
    CallTimeout,
    NmbrsFault,
    ProtocolError,
    ServiceUnavailable,
    TransportError,
)
from koppelcheck.nmbrs import calls, compiled
from koppelcheck.nmbrs.calls import NmbrsCall
from koppelcheck.nmbrs.client import NmbrsClient, wsdl_path
from koppelcheck.nmbrs.zeep_layer import OfflineTransport, load_document
from koppelcheck.secret import Secret

BASE = "https://api.nmbrs.nl/soap/v3"
TOKEN = "c0ffee00d00d1e55c0ffee00d00d1e55"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
ASMX = "System.Web.Services.Protocols.SoapException: Server was unable to process request. "

# The two captured v2.1 answers from shared/reference/nmbrs-wsdl-v2.1/samples/ (origin:
# DariuszWietecha/node-sqs-soap-nmbrsapi-workflow test/data @225696ae), verbatim but for the
# namespace, switched from .../soap/v2.1/... to .../soap/v3/....
SAMPLE_LIST_GET_ALL = """<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">
   <soap:Body>
      <List_GetAllResponse xmlns="https://api.nmbrs.nl/soap/v2.1/CompanyService">
         <List_GetAllResult>
            <Company>
               <ID>54613</ID>
               <Number>444445</Number>
               <Name>DEMO B.V. 2</Name>
               <LoonaangifteTijdvak>Month</LoonaangifteTijdvak>
            </Company>
         </List_GetAllResult>
      </List_GetAllResponse>
   </soap:Body>
</soap:Envelope>"""  # noqa: E501
SAMPLE_LIST_GET_BY_COMPANY = """<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">
   <soap:Body>
      <List_GetByCompanyResponse xmlns="https://api.nmbrs.nl/soap/v2.1/EmployeeService">
         <List_GetByCompanyResult>
            <Employee>
               <Id>503293</Id>
               <Number>1</Number>
               <DisplayName>Jan de Vries</DisplayName>
            </Employee>
            <Employee>
               <Id>503294</Id>
               <Number>2</Number>
               <DisplayName>Anton de Jong</DisplayName>
            </Employee>
         </List_GetByCompanyResult>
      </List_GetByCompanyResponse>
   </soap:Body>
</soap:Envelope>"""  # noqa: E501


def v3(sample: str) -> str:
    """A v2.1 sample switched to the v3 namespace."""
    return sample.replace("/soap/v2.1/", "/soap/v3/")


def answer(call: NmbrsCall, result_xml: str) -> httpx.Response:
    """A SOAP 1.1 success answer for ``call`` with ``result_xml`` inside ``<Op>Result``."""
    body = (
        f'<soap:Envelope xmlns:soap="{SOAP11}"><soap:Body>'
        f'<{call.operation}Response xmlns="{call.namespace}">'
        f"<{call.operation}Result>{result_xml}</{call.operation}Result>"
        f"</{call.operation}Response></soap:Body></soap:Envelope>"
    )
    return httpx.Response(200, text=body, headers={"Content-Type": "text/xml; charset=utf-8"})


def fault(text: str, status: int = 500) -> httpx.Response:
    """An .asmx SOAP 1.1 fault answer."""
    body = (
        f'<soap:Envelope xmlns:soap="{SOAP11}"><soap:Body><soap:Fault>'
        f"<faultcode>soap:Server</faultcode><faultstring>{text}</faultstring><detail />"
        "</soap:Fault></soap:Body></soap:Envelope>"
    )
    return httpx.Response(status, text=body, headers={"Content-Type": "text/xml; charset=utf-8"})


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as mock:
        yield mock


@pytest.fixture
async def client() -> AsyncIterator[NmbrsClient]:
    async with httpx.AsyncClient(timeout=5, headers={"User-Agent": "koppelcheck/test"}) as http:
        yield NmbrsClient(
            http,
            base_url=BASE + "/",
            username="salaris@bureau.nl",
            token=Secret(TOKEN),
            domain="bureau",
        )


def route(router: respx.MockRouter, call: NmbrsCall, response: httpx.Response) -> respx.Route:
    return router.post(f"{BASE}/{call.service}.asmx").mock(return_value=response)


def sent(route_: respx.Route) -> etree._Element:
    return etree.fromstring(route_.calls.last.request.content)


# ---------------------------------------------------------------- the request on the wire


async def test_soap11_headers(router, client) -> None:
    r = route(router, calls.LIST_GET_ALL, httpx.Response(200, text=v3(SAMPLE_LIST_GET_ALL)))
    await client.call(calls.LIST_GET_ALL)
    request = r.calls.last.request
    assert request.headers["SOAPAction"] == f'"{calls.LIST_GET_ALL.soap_action}"'
    assert request.headers["SOAPAction"].strip('"') == (
        "https://api.nmbrs.nl/soap/v3/CompanyService/List_GetAll"
    )
    assert request.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert request.headers["User-Agent"] == "koppelcheck/test"
    assert etree.QName(sent(r)).namespace == SOAP11


@pytest.mark.parametrize(
    "call",
    [calls.LIST_GET_ALL, calls.LIST_GET_BY_COMPANY, calls.BACKGROUND_TASK_RESULT],
    ids=lambda c: c.service,
)
async def test_auth_header_with_domain_in_the_called_services_namespace(router, client, call):
    r = route(router, call, answer(call, ""))
    params = {p.name: ("x" if p.source == "task" else 1) for p in call.params}
    await client.call(call, **params)
    header = sent(r).find(f"{{{SOAP11}}}Header/{{{call.namespace}}}AuthHeaderWithDomain")
    assert header is not None
    values = {etree.QName(c).localname: c.text for c in header}
    assert values == {"Username": "salaris@bureau.nl", "Token": TOKEN, "Domain": "bureau"}
    assert all(etree.QName(c).namespace == call.namespace for c in header)


async def test_environment_get_sends_auth_header_without_domain(router, client) -> None:
    call = calls.ENVIRONMENT_GET
    r = route(
        router, call, answer(call, "<Domain>bureau.nmbrs.nl</Domain><SubDomain>bureau</SubDomain>")
    )
    assert await client.call(call) == {"Domain": "bureau.nmbrs.nl", "SubDomain": "bureau"}
    header = sent(r).find(f"{{{SOAP11}}}Header")
    assert [etree.QName(c).localname for c in header] == ["AuthHeader"]
    assert [etree.QName(c).localname for c in header[0]] == ["Username", "Token"]
    assert etree.QName(header[0]).namespace == "https://api.nmbrs.nl/soap/v3/DebtorService"


@pytest.mark.parametrize(
    ("call", "names"),
    [
        (calls.EMPLOYEE_CALLS[7], ["CompanyID"]),  # Salary_GetAll_AllEmployeesByCompany
        (calls.EMPLOYEE_CALLS[-1], ["CompanyID"]),  # Employment_GetAll_AllEmployeesByCompany
        (calls.LIST_GET_BY_COMPANY, ["CompanyId", "EmployeeType"]),
        (calls.WAGE_CODES_FILTER, ["CompanyId", "RunId", "intYear", "WageCode"]),
        (calls.WAGE_CODES_BACKGROUND, ["companyId", "runId", "year", "wageCode"]),
        (calls.BACKGROUND_TASK_RESULT, ["TaskId"]),
    ],
    ids=lambda v: v.operation if isinstance(v, NmbrsCall) else None,
)
async def test_exact_parameter_element_names(router, client, call, names) -> None:
    r = route(router, call, answer(call, ""))
    params = {
        p.name: ("9f0c4c1e-1111-2222-3333-444455556666" if p.source == "task" else 7)
        for p in call.params
    }
    await client.call(call, **params)
    element = sent(r).find(f"{{{SOAP11}}}Body")[0]
    assert element.tag == f"{{{call.namespace}}}{call.operation}"
    assert [etree.QName(c).localname for c in element] == names
    assert {etree.QName(c).namespace for c in element} == {call.namespace}


async def test_employee_type_is_sent_as_int(router, client) -> None:
    r = route(router, calls.LIST_GET_BY_COMPANY, answer(calls.LIST_GET_BY_COMPANY, ""))
    await client.call(calls.LIST_GET_BY_COMPANY, CompanyId=54613, EmployeeType=2)
    element = sent(r).find(f"{{{SOAP11}}}Body")[0]
    assert [c.text for c in element] == ["54613", "2"]


async def test_wrong_parameter_names_are_refused_before_sending(router, client) -> None:
    r = route(router, calls.EMPLOYEE_CALLS[7], answer(calls.EMPLOYEE_CALLS[7], ""))
    with pytest.raises(ValueError, match="CompanyID"):
        await client.call(calls.EMPLOYEE_CALLS[7], CompanyId=1)
    assert not r.called


# ---------------------------------------------------------------- parsing answers


async def test_parses_the_list_get_all_sample(router, client) -> None:
    route(router, calls.LIST_GET_ALL, httpx.Response(200, text=v3(SAMPLE_LIST_GET_ALL)))
    companies = await client.call(calls.LIST_GET_ALL)
    assert type(companies) is list and type(companies[0]) is dict
    assert companies[0]["ID"] == 54613
    assert companies[0]["Number"] == 444445
    assert companies[0]["Name"] == "DEMO B.V. 2"
    assert companies[0]["LoonaangifteTijdvak"] == "Month"
    assert companies[0]["KvkNr"] is None


async def test_parses_the_list_get_by_company_sample(router, client) -> None:
    r = route(
        router, calls.LIST_GET_BY_COMPANY, httpx.Response(200, text=v3(SAMPLE_LIST_GET_BY_COMPANY))
    )
    employees = await client.call(calls.LIST_GET_BY_COMPANY, CompanyId=1, EmployeeType=2)
    assert employees == [
        {"Id": 503293, "Number": 1, "DisplayName": "Jan de Vries"},
        {"Id": 503294, "Number": 2, "DisplayName": "Anton de Jong"},
    ]
    assert r.called


async def test_empty_array_is_an_empty_list(router, client) -> None:
    route(router, calls.RUN_GET_LIST, answer(calls.RUN_GET_LIST, ""))
    assert await client.call(calls.RUN_GET_LIST, CompanyId=1, Year=1999) == []


async def test_unknown_elements_anywhere_do_not_hide_known_ones(router, client) -> None:
    company = (
        "<Company><ID>1</ID><NewMid>m</NewMid><Number>2</Number><Name>Bakkerij</Name>"
        "<LoonaangifteTijdvak>Week4</LoonaangifteTijdvak><KvkNr>12345678</KvkNr>"
        "<NewEnd><Part>p</Part></NewEnd></Company>"
    )
    body = answer(calls.LIST_GET_ALL, company).text.replace(
        "</List_GetAllResult>", "</List_GetAllResult><Extra>e</Extra>"
    )
    route(router, calls.LIST_GET_ALL, httpx.Response(200, text=body))
    [parsed] = await client.call(calls.LIST_GET_ALL)
    assert parsed["Number"] == 2 and parsed["Name"] == "Bakkerij"
    assert parsed["LoonaangifteTijdvak"] == "Week4" and parsed["KvkNr"] == "12345678"
    assert parsed["NewMid"] == "m" and parsed["NewEnd"] == {"Part": "p"}


async def test_a_decimal_zeep_cannot_read_is_a_protocol_error(router, client) -> None:
    call = calls.find_call("EmployeeService", "Schedule_GetCurrent")
    route(router, call, answer(call, "<HoursMonday>acht</HoursMonday>"))
    with pytest.raises(ProtocolError, match="does not match the WSDL"):
        await client.call(call, EmployeeId=1)


async def test_answers_the_compiled_form_hands_back_are_read_by_zeep(router, client) -> None:
    """A comment in the answer: zeep reads it (and drops the comment), as before."""
    body = answer(calls.LIST_GET_ALL, "<!-- c --><Company><ID>7</ID></Company>").text
    route(router, calls.LIST_GET_ALL, httpx.Response(200, text=body))
    [company] = await client.call(calls.LIST_GET_ALL)
    assert company["ID"] == 7
    assert "koppelcheck.nmbrs.zeep_layer" in sys.modules


async def test_values_the_compiled_form_hands_back_are_sent_by_zeep(router, client) -> None:
    """A bool where an int goes: zeep formats it (str(True)), as before the compiled envelopes."""
    call = calls.COMPANY_GET_CURRENT_PERIOD
    r = route(router, call, answer(call, "2026-11-M"))
    assert await client.call(call, CompanyId=True) == "2026-11-M"
    assert sent(r).find(f".//{{{call.namespace}}}CompanyId").text == "True"


async def test_string_result(router, client) -> None:
    call = calls.COMPANY_GET_CURRENT_PERIOD
    route(router, call, answer(call, "2026-11-M"))
    assert await client.call(call, CompanyId=1) == "2026-11-M"


async def test_background_task_result(router, client) -> None:
    call = calls.BACKGROUND_TASK_RESULT
    content = "&lt;reports&gt;&lt;report /&gt;&lt;/reports&gt;"
    route(
        router,
        call,
        answer(call, f"<TaskId>abc</TaskId><Status>Success</Status><Content>{content}</Content>"),
    )
    result = await client.call(call, TaskId="abc")
    assert result == {
        "TaskId": "abc",
        "Status": "Success",
        "Content": "<reports><report /></reports>",
    }


# ---------------------------------------------------------------- error mapping


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (ASMX + "---&gt; 1001: Invalid Authentication", 1001),
        (ASMX + "---&gt; 1002: Unauthorized Access", 1002),
        (ASMX + "---&gt; 1003: Unauthorized Access", 1003),
        (ASMX + "---&gt; 2004: Unauthorized Access", 2004),
        (ASMX + "---&gt; 9999: Unkown", 9999),
        (ASMX + "---&gt; Invalid combination email/password", None),
    ],
)
async def test_fault_maps_to_nmbrs_fault_with_code(router, client, text, code) -> None:
    route(router, calls.LIST_GET_ALL, fault(text))
    with pytest.raises(NmbrsFault) as info:
        await client.call(calls.LIST_GET_ALL)
    assert info.value.code == code
    assert info.value.http_status == 500
    assert "--->" not in info.value.title


async def test_soap12_fault_is_read_too(router, client) -> None:
    env = "http://www.w3.org/2003/05/soap-envelope"
    body = (
        f'<soap:Envelope xmlns:soap="{env}"><soap:Body><soap:Fault><soap:Code><soap:Value>'
        'soap:Receiver</soap:Value></soap:Code><soap:Reason><soap:Text xml:lang="en">'
        f"{ASMX}---&gt; 1002: Unauthorized Access</soap:Text></soap:Reason><soap:Detail />"
        "</soap:Fault></soap:Body></soap:Envelope>"
    )
    route(router, calls.LIST_GET_ALL, httpx.Response(500, text=body))
    with pytest.raises(NmbrsFault) as info:
        await client.call(calls.LIST_GET_ALL)
    assert info.value.code == 1002


@pytest.mark.parametrize(
    ("response", "reason"),
    [
        (
            httpx.Response(
                200, text="<html><body>Login</body></html>", headers={"Content-Type": "text/html"}
            ),
            "HTML",
        ),
        (httpx.Response(200, text="<!DOCTYPE html><html><body>x</body></html>"), "HTML"),
        (httpx.Response(200, text=v3(SAMPLE_LIST_GET_ALL)[:200]), "truncated"),
        (httpx.Response(200, text="Service Unavailable"), "not XML"),
        (httpx.Response(200, text=""), "not XML"),
        (httpx.Response(200, text="<answer/>"), "not a SOAP envelope"),
        (httpx.Response(500, text=v3(SAMPLE_LIST_GET_ALL)), "without a SOAP fault"),
    ],
)
async def test_unreadable_answers_are_protocol_errors(router, client, response, reason) -> None:
    route(router, calls.LIST_GET_ALL, response)
    with pytest.raises(ProtocolError, match=reason) as info:
        await client.call(calls.LIST_GET_ALL)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("response", "retry_after"),
    [
        (httpx.Response(502, text=""), None),
        (httpx.Response(503, text="<html><body>Service Unavailable</body></html>"), None),
        (httpx.Response(503, headers={"Retry-After": "120"}, text="down"), "120"),
        (httpx.Response(504, text=v3(SAMPLE_LIST_GET_ALL)), None),
    ],
)
async def test_gateway_answers_are_service_unavailable(
    router, client, response, retry_after
) -> None:
    route(router, calls.LIST_GET_ALL, response)
    with pytest.raises(ServiceUnavailable) as info:
        await client.call(calls.LIST_GET_ALL)
    assert info.value.status == response.status_code
    assert info.value.retry_after == retry_after


async def test_a_fault_inside_a_503_is_still_the_nmbrs_fault(router, client) -> None:
    route(router, calls.LIST_GET_ALL, fault(ASMX + "---> 1002: Unauthorized Access", 503))
    with pytest.raises(NmbrsFault) as info:
        await client.call(calls.LIST_GET_ALL)
    assert info.value.code == 1002


@pytest.mark.parametrize(
    "body",
    [
        SAMPLE_LIST_GET_ALL,  # the v2.1 namespace: zeep alone would answer None
        f'<soap:Envelope xmlns:soap="{SOAP11}"><soap:Body /></soap:Envelope>',
        f'<soap:Envelope xmlns:soap="{SOAP11}" />',
        v3(SAMPLE_LIST_GET_BY_COMPANY),  # another operation's answer
    ],
    ids=["v2.1-namespace", "empty-body", "no-body", "other-operation"],
)
async def test_answer_without_the_operations_response_is_a_protocol_error(router, client, body):
    route(router, calls.LIST_GET_ALL, httpx.Response(200, text=body))
    with pytest.raises(ProtocolError, match="not List_GetAllResponse"):
        await client.call(calls.LIST_GET_ALL)


async def test_timeout_is_call_timeout(router, client) -> None:
    router.post(f"{BASE}/CompanyService.asmx").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(CallTimeout) as info:
        await client.call(calls.LIST_GET_ALL)
    assert isinstance(info.value.__cause__, httpx.ReadTimeout)


async def test_connection_error_is_transport_error(router, client) -> None:
    router.post(f"{BASE}/CompanyService.asmx").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(TransportError) as info:
        await client.call(calls.LIST_GET_ALL)
    assert not isinstance(info.value, CallTimeout)


async def test_token_never_in_exceptions_or_debug_logs(router, client, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    route(router, calls.LIST_GET_ALL, fault(ASMX + "---&gt; 1001: Invalid Authentication"))
    with pytest.raises(NmbrsFault) as info:
        await client.call(calls.LIST_GET_ALL)
    texts = [str(info.value), repr(info.value), repr(client), caplog.text]
    router.post(f"{BASE}/EmployeeService.asmx").mock(side_effect=httpx.ReadTimeout("t"))
    with pytest.raises(CallTimeout) as timeout:
        await client.call(calls.LIST_GET_BY_COMPANY, CompanyId=1, EmployeeType=2)
    texts += [str(timeout.value), caplog.text]
    assert all(TOKEN not in text for text in texts)
    assert "<ns0:Token>••••</ns0:Token>" in caplog.text  # the body was logged, masked


# ---------------------------------------------------------------- WSDL handling


def test_wsdl_is_parsed_once_per_process() -> None:
    load_document.cache_clear()
    first = load_document("EmployeeService")
    assert load_document("EmployeeService") is first
    info = load_document.cache_info()
    assert (info.misses, info.hits) == (1, 1)


async def test_clients_share_the_parsed_wsdl(router, monkeypatch) -> None:
    """Where zeep is needed (here: no compiled form), the WSDL is still parsed once."""
    monkeypatch.setattr(compiled, "operation", lambda service, name: None)
    load_document.cache_clear()
    route(router, calls.LIST_GET_ALL, httpx.Response(200, text=v3(SAMPLE_LIST_GET_ALL)))
    async with httpx.AsyncClient() as http:
        for _ in range(3):
            c = NmbrsClient(http, base_url=BASE, username="u", token=Secret(TOKEN), domain="d")
            assert (await c.call(calls.LIST_GET_ALL))[0]["ID"] == 54613
    assert load_document.cache_info().misses == 1


def test_offline_transport_refuses_remote_and_foreign_files(tmp_path) -> None:
    transport = OfflineTransport()
    for url in ("https://api.nmbrs.nl/soap/v3/CompanyService.asmx?WSDL", str(tmp_path / "x")):
        with pytest.raises(zeep.exceptions.ExternalReferenceForbidden):
            transport.load(url)


@pytest.mark.parametrize(
    "call", [*calls.ALL_CALLS, calls.ENVIRONMENT_GET], ids=lambda c: c.operation
)
def test_bundled_wsdl_matches_the_catalogue(call: NmbrsCall) -> None:
    ns = {
        "w": "http://schemas.xmlsoap.org/wsdl/",
        "s": "http://www.w3.org/2001/XMLSchema",
        "soap": "http://schemas.xmlsoap.org/wsdl/soap/",
    }
    tree = etree.parse(str(wsdl_path(call.service)))
    assert tree.getroot().get("targetNamespace") == call.namespace
    request = tree.find(f".//s:schema/s:element[@name='{call.operation}']", ns)
    assert [e.get("name") for e in request.iterfind(".//s:element", ns)] == [
        p.name for p in call.params
    ]
    op = tree.find(
        f"w:binding[@name='{call.service}Soap']/w:operation[@name='{call.operation}']", ns
    )
    assert op.find("soap:operation", ns).get("soapAction") == call.soap_action
    header = "AuthHeader" if call == calls.ENVIRONMENT_GET else "AuthHeaderWithDomain"
    assert op.find("w:input/soap:header", ns).get("part") == header
    assert tree.find(".//s:import", ns) is None and tree.find(".//s:include", ns) is None


_DOCTYPES = {
    "billion laughs": '<!DOCTYPE z [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>',
    "external entity": '<!DOCTYPE z [<!ENTITY c SYSTEM "file:///etc/passwd">]>',
}


@pytest.mark.parametrize("doctype", _DOCTYPES.values(), ids=_DOCTYPES.keys())
async def test_entities_in_an_answer_are_refused_never_expanded(router, client, doctype) -> None:
    body = v3(SAMPLE_LIST_GET_ALL).replace("<Name>DEMO B.V. 2</Name>", "<Name>&c;</Name>")
    route(router, calls.LIST_GET_ALL, httpx.Response(200, text=doctype + body))
    with pytest.raises(ProtocolError):
        await client.call(calls.LIST_GET_ALL)
