"""NmbrsClient against the Nmbrs simulator over real HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from koppelcheck.errors import CallTimeout, NmbrsFault
from koppelcheck.nmbrs import calls
from koppelcheck.nmbrs.calls import NmbrsCall
from koppelcheck.nmbrs.client import NmbrsClient
from koppelcheck.secret import Secret
from koppelcheck.simulator.nmbrs import NmbrsSimulator, make_nmbrs_simulator
from koppelcheck.simulator.server import SimulatorServer

pytestmark = pytest.mark.integration


@pytest.fixture
def scenario_name() -> str:
    return "healthy"


@pytest.fixture
def sim(scenario_name: str, request: pytest.FixtureRequest) -> NmbrsSimulator:
    if scenario_name == "undeclared":  # a server newer than its WSDL
        return make_nmbrs_simulator(request.getfixturevalue("undeclared"))
    return make_nmbrs_simulator(scenario_name)


@pytest.fixture
def server(sim: NmbrsSimulator) -> Iterator[SimulatorServer]:
    with SimulatorServer(sim, latency_ms=sim.scenario.latency_ms) as running:
        yield running


@pytest.fixture
def timeout() -> float:
    return 10.0


@pytest.fixture
async def client(sim, server, timeout) -> AsyncIterator[NmbrsClient]:
    async with httpx.AsyncClient(timeout=timeout) as http:
        scenario = sim.scenario
        yield NmbrsClient(
            http,
            base_url=f"{server.base_url}/soap/v3",
            username=scenario.username,
            token=Secret(scenario.token),
            domain=scenario.domain,
        )


async def discover(client: NmbrsClient) -> dict[str, Any]:
    """Real IDs, found the way the reference (§4) recommends."""
    company = (await client.call(calls.LIST_GET_ALL))[0]
    period = await client.call(calls.COMPANY_GET_CURRENT_PERIOD, CompanyId=company["ID"])
    year, number, _ = period.split("-")
    runs = await client.call(calls.RUN_GET_LIST, CompanyId=company["ID"], Year=int(year))
    employees = await client.call(
        calls.LIST_GET_BY_COMPANY, CompanyId=company["ID"], EmployeeType=2
    )
    values = {
        "company": company["ID"],
        "year": int(year),
        "period": int(number),
        "run": runs[0]["ID"],
        "employee": employees[0]["Id"],
        "wage_code": 10,
        "employee_type": 2,
    }
    values["task"] = await call(client, calls.WAGE_CODES_BACKGROUND, values)
    return values


async def call(client: NmbrsClient, nmbrs_call: NmbrsCall, values: dict[str, Any]) -> Any:
    return await client.call(nmbrs_call, **{p.name: values[p.source] for p in nmbrs_call.params})


async def test_environment_get_answers_the_domain(client, sim) -> None:
    answer = await client.call(calls.ENVIRONMENT_GET)
    assert answer["SubDomain"] == sim.scenario.domain


async def test_every_call_succeeds_on_healthy(client, sim) -> None:
    values = await discover(client)
    assert values["company"] == 54613 and values["employee"] == 503293
    for nmbrs_call in calls.ALL_CALLS:
        answer = await call(client, nmbrs_call, values)
        assert answer is not None and answer != [], nmbrs_call.operation
    assert {op for _, op in sim.hits} == {c.operation for c in calls.ALL_CALLS}


async def test_background_task_reaches_success(client) -> None:
    values = await discover(client)
    statuses = []
    for _ in range(5):
        answer = await call(client, calls.BACKGROUND_TASK_RESULT, values)
        statuses.append(answer["Status"])
        if answer["Status"] == "Success":
            break
    assert statuses == ["Enqueued", "Success"]
    assert answer["Content"].startswith("<reports>")


@pytest.fixture
def undeclared(tmp_path) -> str:
    path = tmp_path / "newer-server.toml"
    path.write_text('base = "healthy"\nundeclared_elements = true\n', encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("scenario_name", ["undeclared"])
async def test_parsed_answers_keep_unknown_elements(client) -> None:
    companies = await client.call(calls.LIST_GET_ALL)
    assert companies[0]["LegalForm"] == "BV"
    runs = await client.call(calls.RUN_GET_LIST, CompanyId=companies[0]["ID"], Year=2026)
    assert runs[0]["RunType"] == "Normal" and runs[0]["IsLocked"] is True


async def test_wrong_year_is_an_empty_list(client) -> None:
    assert await client.call(calls.RUN_GET_LIST, CompanyId=54613, Year=2001) == []


@pytest.mark.parametrize("scenario_name", ["calls-inactive"])
async def test_inactive_calls_are_1002_and_can_be_fixed(client, sim) -> None:
    values = await discover(client)
    for nmbrs_call in calls.ALL_CALLS:
        if nmbrs_call.operation not in sim.scenario.inactive:
            await call(client, nmbrs_call, values)
            continue
        with pytest.raises(NmbrsFault) as info:
            await call(client, nmbrs_call, values)
        assert (info.value.code, info.value.http_status) == (1002, 500), nmbrs_call.operation
    sim.set_active("Partner_Get", True)
    assert (await call(client, calls.find_call("EmployeeService", "Partner_Get"), values))["Id"]


@pytest.mark.parametrize("scenario_name", ["discovery-inactive"])
async def test_discovery_inactive(client) -> None:
    with pytest.raises(NmbrsFault) as info:
        await client.call(calls.LIST_GET_BY_COMPANY, CompanyId=54613, EmployeeType=2)
    assert info.value.code == 1002


@pytest.mark.parametrize("scenario_name", ["bad-token"])
async def test_bad_token_is_1001_everywhere(client, sim) -> None:
    for nmbrs_call in (calls.ENVIRONMENT_GET, calls.LIST_GET_ALL):
        with pytest.raises(NmbrsFault) as info:
            await client.call(nmbrs_call)
        assert info.value.code == 1001
        assert sim.scenario.token not in str(info.value)


async def test_unknown_ids_reach_the_function_but_not_the_data(client) -> None:
    with pytest.raises(NmbrsFault) as info:
        await client.call(calls.COMPANY_GET_CURRENT_PERIOD, CompanyId=1)
    assert info.value.code == 1003


@pytest.mark.parametrize(("scenario_name", "timeout"), [("slow", 0.3)])
async def test_slow_answer_is_a_call_timeout(client) -> None:
    with pytest.raises(CallTimeout):
        await client.call(calls.LIST_GET_ALL)


async def test_wsdl_is_served(server) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{server.base_url}/soap/v3/EmployeeService.asmx?WSDL")
    assert response.status_code == 200
    assert b"AuthHeaderWithDomain" in response.content
