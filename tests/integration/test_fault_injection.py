"""Injected faults over real loopback HTTP, through the CLI: each ends as `error` for its own
check with a one-line reason, the rest complete, exit 4, never a traceback; transient faults are
retried away; answers that say something about the setup are never retried."""

from __future__ import annotations

import json
import time
from dataclasses import replace

import pytest
from typer.testing import CliRunner

from koppelcheck.cli.app import app
from koppelcheck.nmbrs.calls import WAGE_CODES_BACKGROUND
from koppelcheck.simulator.afas import AfasSimulator, load_afas_scenario
from koppelcheck.simulator.faults import FaultKind, FaultRule
from koppelcheck.simulator.nmbrs import NmbrsSimulator, load_nmbrs_scenario
from koppelcheck.simulator.server import SimulatorServer

pytestmark = pytest.mark.integration
runner = CliRunner()
TIMEOUT_S = 2

# The reason each kind must give, in English (--lang en), per system.
NMBRS_REASONS = {
    FaultKind.HANG: "No complete answer within 2 s (--timeout)",
    FaultKind.RESET: "connection was dropped before an answer came, also after 3 attempts",
    FaultKind.TRUNCATED: "closed before the whole answer had arrived, also after 3 attempts",
    FaultKind.GARBLED: "is cut off or not valid SOAP",
    FaultKind.SERVER_ERROR: "NullReferenceException",
    FaultKind.HTML_200: "is a web page instead of SOAP",
    FaultKind.UNAVAILABLE: "temporarily unavailable (HTTP 503)",
    FaultKind.DRIP: "No complete answer within 2 s (--timeout)",
}
AFAS_REASONS = {
    **NMBRS_REASONS,
    FaultKind.GARBLED: "is cut off or not valid JSON",
    FaultKind.SERVER_ERROR: "HTTP 500 without a message or log reference",
    FaultKind.HTML_200: "is a web page instead of JSON",
    FaultKind.UNAVAILABLE: "temporarily unavailable (HTTP 503",
}


def run_nmbrs(simulator: NmbrsSimulator, *extra: str):
    scenario = simulator.scenario
    with SimulatorServer(simulator) as server:
        started = time.perf_counter()
        result = runner.invoke(
            app,
            [
                "nmbrs",
                *("--username", scenario.username, "--domain", scenario.domain),
                *("--base-url", f"{server.base_url}/soap/v3", "--no-input"),
                *("--timeout", str(TIMEOUT_S), "--format", "json", "--lang", "en", *extra),
                "--no-rest-readiness",  # the faults are in the manual's calls; readiness has tests
            ],
            env={"KOPPELCHECK_NMBRS_TOKEN": scenario.token},
        )
        return result, time.perf_counter() - started


def run_afas(simulator: AfasSimulator, token: str | None = None):
    scenario = simulator.scenario
    connectors = [arg for c in scenario.connectors for arg in ("--connector", c.id)]
    with SimulatorServer(simulator) as server:
        started = time.perf_counter()
        result = runner.invoke(
            app,
            [
                "afas",
                *("--environment-id", scenario.envid, "--no-input", *connectors),
                *("--base-url", f"{server.base_url}/ProfitRestServices"),
                *("--timeout", str(TIMEOUT_S), "--format", "json", "--lang", "en"),
            ],
            env={"KOPPELCHECK_AFAS_TOKEN": token or scenario.token_data},
        )
        return result, time.perf_counter() - started


def statuses(result) -> dict[str, dict]:
    assert "Traceback" not in result.output
    return {check["id"]: check for check in json.loads(result.stdout)["checks"]}


def assert_only_faulted_checks_error(result, faulted: dict[str, FaultKind], reasons) -> None:
    """Each faulted check is `error` with its kind's one-line reason; every other check passed
    (except ``afas.classic.sunset``, which warns on every run with a classic AFAS token)."""
    assert result.exit_code == 4, result.output
    for check_id, check in statuses(result).items():
        if check_id in faulted:
            assert check["status"] == "error", check
            assert reasons[faulted[check_id]] in check["message"], check
            assert "\n" not in check["message"]
        else:
            assert check["status"] == ("warn" if check_id == "afas.classic.sunset" else "pass")


def test_nmbrs_each_fault_is_an_error_for_its_own_call_only() -> None:
    simulator = NmbrsSimulator(load_nmbrs_scenario("faults"))
    result, elapsed = run_nmbrs(simulator)
    faulted = {f"nmbrs.call.EmployeeService.{r.call}": r.kind for r in simulator.scenario.faults}
    assert len(faulted) == len(FaultKind)
    assert_only_faulted_checks_error(result, faulted, NMBRS_REASONS)
    # An hour-long hang and a minutes-long drip end with the call's budget.
    assert elapsed < TIMEOUT_S * 3


def test_afas_each_fault_is_an_error_for_its_own_connector_only() -> None:
    simulator = AfasSimulator(load_afas_scenario("faults"))
    result, elapsed = run_afas(simulator)
    faulted = {f"afas.connector.{r.call}": r.kind for r in simulator.scenario.faults}
    assert len(faulted) == len(FaultKind)
    assert_only_faulted_checks_error(result, faulted, AFAS_REASONS)
    assert elapsed < TIMEOUT_S * 3


def test_nmbrs_transient_faults_are_retried_away() -> None:
    simulator = NmbrsSimulator(load_nmbrs_scenario("flaky"))
    result, _ = run_nmbrs(simulator)
    assert result.exit_code == 0, result.output
    assert all(c["status"] == "pass" for c in statuses(result).values())
    for rule in simulator.scenario.faults:
        (hits,) = [n for (_, op), n in simulator.hits.items() if op == rule.call]
        assert hits == 2, rule


def test_afas_transient_faults_are_retried_away() -> None:
    simulator = AfasSimulator(load_afas_scenario("flaky"))
    result, _ = run_afas(simulator)
    assert result.exit_code == 0, result.output
    hits = simulator.hits
    assert hits["metainfo"] == 2
    assert hits["connectors/BP_Dienstverbanden"] == 2 and hits["connectors/BP_Salarissen"] == 2
    assert hits["connectors/BP_Werknemers"] == 1


@pytest.mark.parametrize("scenario", ["bad-token", "calls-inactive"])
def test_nmbrs_faults_1001_and_1002_are_never_retried(scenario: str) -> None:
    simulator = NmbrsSimulator(load_nmbrs_scenario(scenario))
    result, _ = run_nmbrs(simulator)
    assert result.exit_code == 1
    polls = {"Reports_BackgroundTask_Result"}  # polled on purpose, not retried
    assert all(n == 1 for (_, op), n in simulator.hits.items() if op not in polls)


def test_afas_401_is_never_retried() -> None:
    simulator = AfasSimulator(load_afas_scenario("healthy"))
    result, _ = run_afas(simulator, token="0" * 64)
    assert result.exit_code == 1
    assert simulator.hits["metainfo"] == 1


def test_the_call_that_starts_a_report_is_never_sent_twice() -> None:
    scenario = load_nmbrs_scenario("healthy")
    rule = FaultRule(WAGE_CODES_BACKGROUND.operation, FaultKind.RESET)
    simulator = NmbrsSimulator(replace(scenario, faults=(rule,)))
    result, _ = run_nmbrs(simulator)
    assert result.exit_code == 4
    assert simulator.hits[("ReportService", WAGE_CODES_BACKGROUND.operation)] == 1
    check = statuses(result)[WAGE_CODES_BACKGROUND.check_id]
    assert check["status"] == "error" and "after" not in check["message"]
