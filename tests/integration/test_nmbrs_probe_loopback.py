"""The whole Nmbrs probe against the simulator over real loopback HTTP."""

from __future__ import annotations

import pytest

from koppelcheck.i18n import Translator
from koppelcheck.models import Status
from koppelcheck.nmbrs.calls import calls_for
from koppelcheck.nmbrs.target import NmbrsTarget
from koppelcheck.secret import Secret
from koppelcheck.systems import RunOptions, verify

pytestmark = pytest.mark.integration


async def check(server, simulator, **overrides):
    scenario = simulator.scenario
    target = NmbrsTarget.create(
        username=scenario.username,
        domain=scenario.domain,
        base_url=f"{server.base_url}/soap/v3",
        **overrides,
    )
    return await verify(
        "nmbrs", target, Secret(scenario.token), RunOptions(Translator("en"), timeout_s=10)
    )


def soap_checks(report):
    """The manual's checks, without the REST readiness group (tested on its own)."""
    return [c for c in report.checks if not c.id.startswith("nmbrs.rest.")]


@pytest.mark.parametrize("option", ["overkoepelend", "per-debiteur"])
async def test_healthy_setup_passes_everything(nmbrs_server, option) -> None:
    server, simulator = nmbrs_server("healthy")
    report = await check(server, simulator, option=option, company="Bakkerij Jansen B.V.")
    assert {c.status for c in soap_checks(report)} == {Status.PASS}, [
        (c.id, c.message) for c in soap_checks(report) if c.status is not Status.PASS
    ]
    assert report.exit_code == 0
    assert len([c for c in report.checks if c.id.startswith("nmbrs.call.")]) == len(
        calls_for(option)
    )


async def test_inactive_calls_are_exactly_the_failures(nmbrs_server) -> None:
    server, simulator = nmbrs_server("calls-inactive")
    report = await check(server, simulator)
    failed = {c.id.rsplit(".", 1)[1] for c in report.checks if c.status is Status.FAIL}
    assert failed == set(simulator.scenario.inactive)
    assert {c.status for c in soap_checks(report) if c.status is not Status.FAIL} == {Status.PASS}
    assert report.exit_code == 1


async def test_fixing_a_call_in_nmbrs_makes_it_pass_on_recheck(nmbrs_server) -> None:
    server, simulator = nmbrs_server("calls-inactive")
    for operation in list(simulator.scenario.inactive):
        simulator.set_active(operation, True)
    report = await check(server, simulator)
    assert report.exit_code == 0


async def test_bad_token_fails_auth_and_skips_calls_after_one_call(nmbrs_server) -> None:
    server, simulator = nmbrs_server("bad-token")
    report = await check(server, simulator)
    statuses = {c.id: c.status for c in soap_checks(report)}
    assert statuses.pop("nmbrs.auth") is Status.FAIL
    assert next(c for c in report.checks if c.id == "nmbrs.rest.inventory").status is Status.SKIP
    assert set(statuses.values()) == {Status.SKIP}
    assert sum(simulator.hits.values()) == 1


async def test_inactive_discovery_call_never_yields_false_pass(nmbrs_server) -> None:
    server, simulator = nmbrs_server("discovery-inactive")
    report = await check(server, simulator)
    by_id = {c.id: c for c in report.checks}
    assert by_id["nmbrs.call.EmployeeService.List_GetByCompany"].status is Status.FAIL
    employee_calls = [
        c
        for c in report.checks
        if c.id.startswith("nmbrs.call.EmployeeService")
        and c.id.endswith(("Current", "_Get", "GetList", "CurrentPeriod"))
    ]
    assert employee_calls and all(c.status is Status.WARN for c in employee_calls)


async def test_wrong_company_name_fails_naming_the_real_one(nmbrs_server) -> None:
    server, simulator = nmbrs_server("healthy")
    report = await check(server, simulator, company="Bakkerij Jansen BV")
    company = next(c for c in report.checks if c.id == "nmbrs.company")
    assert company.status is Status.FAIL
    assert "Bakkerij Jansen B.V." in company.message


async def test_discovery_calls_are_made_once_each(nmbrs_server) -> None:
    server, simulator = nmbrs_server("healthy")
    await check(server, simulator)
    for operation in (
        "List_GetAll",
        "Company_GetCurrentPeriod",
        "Run_GetList",
        "List_GetByCompany",
    ):
        made = sum(
            n
            for (service, op), n in simulator.hits.items()
            if op == operation and service != "DebtorService"
        )
        assert made == 1, operation
