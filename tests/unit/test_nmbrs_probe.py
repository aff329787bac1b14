"""The Nmbrs probe's classification, on a fake SOAP caller (no network)."""

from __future__ import annotations

from typing import Any

import pytest

from koppelcheck.errors import CallTimeout, NmbrsFault
from koppelcheck.i18n import Translator
from koppelcheck.models import Status
from koppelcheck.nmbrs import calls as catalogue
from koppelcheck.nmbrs.checks import NmbrsProbe, closest_names, parse_period
from koppelcheck.nmbrs.target import NmbrsTarget
from koppelcheck.runner import CheckRunner

COMPANIES = [{"ID": 11, "Name": "Bakkerij Jansen B.V."}, {"ID": 12, "Name": "Garage De Vries"}]


class FakeNmbrs:
    """Answers like Nmbrs would; ``faults`` maps operation → fault code; records calls."""

    def __init__(self, faults: dict[str, int | Exception] | None = None, runs: bool = True) -> None:
        self.faults = faults or {}
        self.runs = runs
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.polls = 0

    async def call(self, call: catalogue.NmbrsCall, **params: Any) -> Any:
        self.calls.append((call.operation, params))
        fault = self.faults.get(call.operation)
        if isinstance(fault, Exception):
            raise fault
        if fault is not None:
            raise NmbrsFault(fault, "Fault", 500)
        return self._answer(call.operation, params)

    def _answer(self, operation: str, params: dict[str, Any]) -> Any:
        if operation == "List_GetAll":
            return COMPANIES
        if operation == "Company_GetCurrentPeriod":
            return "2026-11-M"
        if operation == "Run_GetList":
            return [{"ID": 501, "Year": params["Year"]}] if self.runs else []
        if operation == "List_GetByCompany":
            return [{"Id": 9001, "Number": 1, "DisplayName": "J. Jansen"}]
        if operation.endswith("_Background"):
            return "5f1c7a52-0000-4000-8000-000000000001"
        if operation == "Reports_BackgroundTask_Result":
            self.polls += 1
            return {
                "TaskId": params["TaskId"],
                "Status": "Success" if self.polls > 1 else "Executing",
            }
        return [{"Id": 1}]


def target(**overrides: Any) -> NmbrsTarget:
    values = {"username": "salaris@voorbeeld.nl", "domain": "voorbeeld", **overrides}
    return NmbrsTarget.create(**values)


async def run(fake: FakeNmbrs, **target_overrides: Any) -> dict[str, Any]:
    t = Translator("en")
    probe = NmbrsProbe(fake, target(**target_overrides), t, poll_budget_s=2, poll_interval_s=0.01)
    results = await CheckRunner(t, check_timeout_s=5).run(probe.checks())
    return {r.id: r for r in results}


async def test_healthy_setup_passes_every_call_of_option_1() -> None:
    results = await run(FakeNmbrs(), company="Garage De Vries")
    assert {r.status for r in results.values()} == {Status.PASS}
    assert len(results) == 2 + 19


async def test_discovered_ids_are_used_in_dependent_calls() -> None:
    fake = FakeNmbrs()
    await run(fake, company="Garage De Vries")
    by_op = dict(fake.calls)
    assert by_op["Company_GetCurrentPeriod"] == {"CompanyId": 12}
    assert by_op["Run_GetList"] == {"CompanyId": 12, "Year": 2026}
    assert by_op["Address_GetListCurrent"] == {"EmployeeId": 9001}
    assert by_op["Schedule_GetList"] == {"EmployeeId": 9001, "Period": 11, "Year": 2026}
    assert by_op["Salary_GetAll_AllEmployeesByCompany"] == {"CompanyID": 12}
    assert by_op["Reports_GetWageCodesByRunCompany_FilterByWageCode_Background"]["runId"] == 501


async def test_each_discovery_call_is_made_once() -> None:
    fake = FakeNmbrs()
    await run(fake)
    operations = [op for op, _ in fake.calls]
    for op in ("List_GetAll", "Company_GetCurrentPeriod", "Run_GetList", "List_GetByCompany"):
        assert operations.count(op) == 1, op


async def test_inactive_call_fails_with_fix_naming_screen_and_call() -> None:
    results = await run(FakeNmbrs({"Children_Get": 1002}))
    check = results["nmbrs.call.EmployeeService.Children_Get"]
    assert check.status is Status.FAIL
    assert "Template Users" in check.fix.text and "Children_Get" in check.fix.text
    assert sum(r.status is Status.FAIL for r in results.values()) == 1


async def test_invalid_authentication_fails_auth_and_skips_every_call() -> None:
    results = await run(FakeNmbrs({"List_GetAll": 1001}))
    assert results["nmbrs.auth"].status is Status.FAIL
    calls = [r for r in results.values() if r.id.startswith("nmbrs.call.")]
    assert calls and all(r.status is Status.SKIP for r in calls)
    assert "nmbrs.auth" in calls[0].message


async def test_no_subscription_fails_auth() -> None:
    results = await run(FakeNmbrs({"List_GetAll": 1004}))
    assert results["nmbrs.auth"].status is Status.FAIL
    assert "1004" in results["nmbrs.auth"].message


async def test_inactive_discovery_call_makes_dependents_warn_never_pass() -> None:
    results = await run(FakeNmbrs({"List_GetByCompany": 1002}))
    assert results["nmbrs.call.EmployeeService.List_GetByCompany"].status is Status.FAIL
    address = results["nmbrs.call.EmployeeService.Address_GetListCurrent"]
    assert address.status is Status.WARN
    assert "employee" in address.message
    # Calls that need no employee are unaffected.
    assert (
        results["nmbrs.call.EmployeeService.Salary_GetAll_AllEmployeesByCompany"].status
        is Status.PASS
    )


async def test_data_error_is_warn_reached_not_confirmed() -> None:
    results = await run(FakeNmbrs({"Partner_Get": 2003}))
    partner = results["nmbrs.call.EmployeeService.Partner_Get"]
    assert partner.status is Status.WARN
    assert "2003" in partner.message


@pytest.mark.parametrize(
    "error",
    [
        NmbrsFault(None, "Server was unable to process request", 500),
        NmbrsFault(9999, "Unkown", 500),
        CallTimeout("no answer within 30 s"),
    ],
)
async def test_unknown_fault_or_timeout_is_error(error: Exception) -> None:
    results = await run(FakeNmbrs({"SVW_GetCurrent": error}))
    assert results["nmbrs.call.EmployeeService.SVW_GetCurrent"].status is Status.ERROR


async def test_background_result_inactive_on_poll_fails() -> None:
    results = await run(FakeNmbrs({"Reports_BackgroundTask_Result": 1002}))
    check = results["nmbrs.call.ReportService.Reports_BackgroundTask_Result"]
    assert check.status is Status.FAIL
    assert (
        results[
            "nmbrs.call.ReportService.Reports_GetWageCodesByRunCompany_FilterByWageCode_Background"
        ].status
        is Status.PASS
    )


async def test_background_result_polls_until_success() -> None:
    fake = FakeNmbrs()
    results = await run(fake)
    assert results["nmbrs.call.ReportService.Reports_BackgroundTask_Result"].status is Status.PASS
    assert fake.polls == 2


async def test_background_start_inactive_probes_result_with_random_task() -> None:
    fake = FakeNmbrs(
        {
            "Reports_GetWageCodesByRunCompany_FilterByWageCode_Background": 1002,
            "Reports_BackgroundTask_Result": 2019,
        }
    )
    results = await run(fake)
    assert results["nmbrs.call.ReportService.Reports_BackgroundTask_Result"].status is Status.WARN


async def test_company_must_exist_exactly_and_closest_names_are_named() -> None:
    results = await run(FakeNmbrs(), company="bakkerij jansen b.v.")
    company = results["nmbrs.company"]
    assert company.status is Status.FAIL
    assert "'Bakkerij Jansen B.V.'" in company.message


async def test_option_2_checks_its_19_calls_without_reports() -> None:
    results = await run(FakeNmbrs(), option="per-debiteur")
    ids = [i for i in results if i.startswith("nmbrs.call.")]
    assert len(ids) == 19
    assert "nmbrs.call.CompanyService.Reports_GetWageCodesByRunCompany_v2" in ids
    assert not any(i.startswith("nmbrs.call.ReportService") for i in ids)


async def test_no_runs_this_year_makes_run_dependent_calls_warn() -> None:
    results = await run(FakeNmbrs(runs=False), option="per-debiteur")
    assert results["nmbrs.call.CompanyService.Run_GetList"].status is Status.PASS
    assert (
        results["nmbrs.call.CompanyService.Reports_GetWageCodesByRunCompany_v2"].status
        is Status.WARN
    )


def test_parse_period() -> None:
    assert parse_period("2026-11-M") == (2026, 11, "M")
    assert parse_period("2026-13-W4") == (2026, 13, "W4")
    assert parse_period("garbage") is None
    assert parse_period(None) is None


def test_closest_names_prefers_case_only_difference() -> None:
    names = ["Bakkerij Jansen B.V.", "Bakkerij Janssen BV", "Garage De Vries"]
    assert closest_names("bakkerij jansen b.v.", names)[0] == "Bakkerij Jansen B.V."
