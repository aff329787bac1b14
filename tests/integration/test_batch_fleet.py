"""``koppelcheck batch`` over a bureau's 40 employers on loopback simulators."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from typer.testing import CliRunner

from koppelcheck.cli.app import app
from koppelcheck.simulator.fleet import running_fleet

pytestmark = pytest.mark.integration
runner = CliRunner()

LOGINS = {1: (10, frozenset()), 2: (10, frozenset({"Children_Get"})), 3: (8, frozenset())}
ENVIRONMENTS = {10000 + n: ((), False) for n in range(10)}
ENVIRONMENTS[20001] = (("BP_Salarissen",), False)
ENVIRONMENTS[20002] = ((), True)


@pytest.fixture(scope="module")
def fleet_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("batch")
    with running_fleet(LOGINS, ENVIRONMENTS) as fleet:
        batch_file = tmp / "bureau.toml"
        batch_file.write_text(fleet.batch_toml(), encoding="utf-8")
        paths = {"junit": tmp / "r.xml", "html": tmp / "r.html"}
        result = runner.invoke(
            app,
            [
                "batch",
                str(batch_file),
                "--format",
                "json",
                "--junit",
                str(paths["junit"]),
                "--html",
                str(paths["html"]),
            ],
            env={**fleet.env, "COLUMNS": "120"},
        )
        yield fleet, result, paths


def test_names_exactly_the_broken_employers_and_exits_1(fleet_run) -> None:
    fleet, result, _ = fleet_run
    assert result.exit_code == 1, result.output
    document = json.loads(result.stdout)
    assert document["schema"] == "koppelcheck.batch/v1"
    assert len(document["employers"]) == 40
    broken = {e["id"] for e in document["employers"] if e["exit_code"] != 0}
    expected = {f"nmbrs-2-{i}" for i in range(1, 11)} | {"afas-20001", "afas-20002"}
    assert broken == expected


def test_login_level_calls_are_shared(fleet_run) -> None:
    fleet, _, _ = fleet_run
    # CompanyService.List_GetAll, and DebtorService.List_GetAll of the REST readiness inventory:
    # each once per login, not once per employer.
    assert fleet.nmbrs_calls("List_GetAll") == 2 * len(LOGINS)
    assert fleet.nmbrs_calls("List_GetByDebtor") == len(LOGINS)  # one debtor behind each login
    # Company-level calls are still made per employer.
    assert fleet.nmbrs_calls("Company_GetCurrentPeriod") == sum(n for n, _ in LOGINS.values())


def test_junit_has_one_suite_per_employer_with_failures(fleet_run) -> None:
    _, _, paths = fleet_run
    root = ET.parse(paths["junit"]).getroot()
    suites = root.findall("testsuite")
    assert len(suites) == 40
    failing = [s for s in suites if int(s.get("failures", "0")) > 0]
    assert len(failing) == 12
    assert root.find(".//testcase[@name='afas.connector.BP_Salarissen']/failure") is not None


def test_html_overview_is_written(fleet_run) -> None:
    _, _, paths = fleet_run
    page = paths["html"].read_text(encoding="utf-8")
    assert "nmbrs-2-7" in page and "afas-20002" in page


def test_tokens_appear_in_no_output(fleet_run) -> None:
    fleet, result, paths = fleet_run
    outputs = [
        result.stdout,
        result.stderr,
        *(p.read_text(encoding="utf-8") for p in paths.values()),
    ]
    for token in fleet.env.values():
        assert all(token not in text for text in outputs)


def test_missing_token_variable_exits_3_before_any_call(tmp_path) -> None:
    with running_fleet({1: (2, frozenset())}, {}) as fleet:
        batch_file = tmp_path / "b.toml"
        batch_file.write_text(fleet.batch_toml(), encoding="utf-8")
        result = runner.invoke(app, ["batch", str(batch_file)], env={"FLEET_NMBRS_1": ""})
        assert result.exit_code == 3
        assert "FLEET_NMBRS_1" in result.stderr
        assert fleet.nmbrs_calls("List_GetAll") == 0


def test_invalid_file_exits_2_naming_line_and_key(tmp_path) -> None:
    batch_file = tmp_path / "b.toml"
    batch_file.write_text(
        '[[employer]]\nid = "a"\nsystem = "afas"\nenvironment_id = "X"\ntoken = "SECRET123456789"\n'
    )
    result = runner.invoke(app, ["batch", str(batch_file)])
    assert result.exit_code == 2
    assert "regel 4: employer[1].environment_id" in result.stderr  # Dutch, the default
    assert "SECRET123456789" not in result.output


def test_faults_at_one_employer_leave_the_others_complete(tmp_path) -> None:
    from koppelcheck.simulator.faults import FaultKind, FaultRule

    with running_fleet(
        {1: (2, frozenset()), 2: (2, frozenset())}, {30001: ((), False), 30002: ((), False)}
    ) as fleet:
        fleet.nmbrs[2][1].inject(FaultRule("Partner_Get", FaultKind.RESET))
        fleet.afas[30001][1].inject(FaultRule("BP_Salarissen", FaultKind.HANG))
        batch_file = tmp_path / "bureau.toml"
        batch_file.write_text(fleet.batch_toml(), encoding="utf-8")
        result = runner.invoke(
            app,
            ["batch", str(batch_file), "--format", "json", "--timeout", "1", "--lang", "en"],
            env=fleet.env,
        )
    assert result.exit_code == 4, result.output
    assert "Traceback" not in result.output
    employers = {e["id"]: e for e in json.loads(result.stdout)["employers"]}
    assert {i for i, e in employers.items() if e["exit_code"] != 0} == {
        "nmbrs-2-1",
        "nmbrs-2-2",
        "afas-30001",
    }
    for employer_id, check_id in [
        ("nmbrs-2-1", "nmbrs.call.EmployeeService.Partner_Get"),
        ("afas-30001", "afas.connector.BP_Salarissen"),
    ]:
        checks = employers[employer_id]["report"]["checks"]
        errors = [c["id"] for c in checks if c["status"] == "error"]
        assert errors == [check_id], employer_id


def test_each_employers_checks_are_listed_in_the_manuals_order(fleet_run) -> None:
    from koppelcheck.manual_order import in_manual_order
    from koppelcheck.models import Report

    _, result, _ = fleet_run
    for line in json.loads(result.stdout)["employers"]:
        report = Report.model_validate(line["report"])
        ordered = in_manual_order(report, "nl")
        assert [c.id for c in report.checks] == [c.id for c in ordered.checks], line["id"]
        assert [c.step for c in report.checks] == [c.step for c in ordered.checks], line["id"]
