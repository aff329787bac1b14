"""The walkthrough on a (scripted) terminal: steps in turn, failures fixed and re-checked."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from koppelcheck.cli.app import app
from koppelcheck.simulator.afas import AfasSimulator, load_afas_scenario
from koppelcheck.simulator.nmbrs import NmbrsSimulator, load_nmbrs_scenario
from koppelcheck.simulator.server import SimulatorServer

runner = CliRunner()


class FixedAfterFirstRun(NmbrsSimulator):
    """The administrator switches every call on in Nmbrs after koppelcheck's first run."""

    def handle(self, request):
        response = super().handle(request)
        if self.hits[("EmployeeService", "Children_Get")] >= 1 and self.scenario.inactive:
            for operation in list(self.scenario.inactive):
                self.set_active(operation, True)
        return response


def walk(args: list[str], answers: list[str], env: dict[str, str], tmp_path):
    """Run with scripted answers. CliRunner echoes typed input into stdout (a terminal would
    not), so the report goes to a file."""
    result = runner.invoke(
        app,
        [*args, "--lang", "en", "--format", "json", "--output", str(tmp_path / "report.json")],
        input="\n".join(answers) + "\n",
        env={"KOPPELCHECK_INTERACTIVE": "1", "COLUMNS": "100", **env},
    )
    path = tmp_path / "report.json"
    return result, (json.loads(path.read_text()) if path.exists() else None)


# Answers: the company (1 of 2), the option (Enter keeps --option), "done?" per step with one
# "check again" after the fix, then decline the bundle.
@pytest.mark.parametrize(
    ("option", "answers"),
    [
        ("overkoepelend", ["1", "", "y", "y", "y", "y", "y", "n"]),
        ("per-debiteur", ["1", "", "y", "y", "y", "y", "n"]),
    ],
)
def test_nmbrs_walkthrough_fix_and_recheck(option, answers, tmp_path) -> None:
    simulator = FixedAfterFirstRun(load_nmbrs_scenario("calls-inactive"))
    with SimulatorServer(simulator) as server:
        result, report = walk(
            [
                "nmbrs",
                "--username",
                simulator.scenario.username,
                "--domain",
                "voorbeeld",
                "--base-url",
                f"{server.base_url}/soap/v3",
                "--option",
                option,
            ],
            answers,
            {"KOPPELCHECK_NMBRS_TOKEN": simulator.scenario.token},
            tmp_path,
        )
    assert result.exit_code == 0, result.stderr
    manual = [c for c in report["checks"] if c["status"] == "manual"]
    assert manual and all(c["confirmed"] for c in manual)
    assert report["summary"]["fail"] == 0
    assert result.stderr.count("Have you done this step?") == {"overkoepelend": 4}.get(option, 3)
    assert "not set to Active" in result.stderr  # shown before the fix
    assert result.stderr.count("Check again?") == 1
    first_step = {"overkoepelend": "Create a Template User", "per-debiteur": "master"}[option]
    assert first_step in result.stderr


def test_nmbrs_walkthrough_unconfirmed_step_is_recorded(tmp_path) -> None:
    simulator = NmbrsSimulator(load_nmbrs_scenario("healthy"))
    with SimulatorServer(simulator) as server:
        result, report = walk(
            [
                "nmbrs",
                "--username",
                simulator.scenario.username,
                "--domain",
                "voorbeeld",
                "--base-url",
                f"{server.base_url}/soap/v3",
            ],
            ["1", "", "n", "y", "y", "y", "n"],
            {"KOPPELCHECK_NMBRS_TOKEN": simulator.scenario.token},
            tmp_path,
        )
    checks = {c["id"]: c for c in report["checks"]}
    template_step = checks["nmbrs.step.1"]
    assert template_step["status"] == "manual" and template_step["confirmed"] is False
    # The manual-only sub-steps of a checked step are recorded with the step's answer.
    assert {"nmbrs.step.3.1", "nmbrs.step.3.2", "nmbrs.step.3.3"} <= set(checks)
    assert checks["nmbrs.step.3.1"]["confirmed"] is True
    assert checks["nmbrs.step.0"]["message"].startswith("Chosen: Option 1")


def test_afas_walkthrough_shows_missing_connector_fix(tmp_path) -> None:
    scenario = load_afas_scenario("connector-missing")
    with SimulatorServer(AfasSimulator(scenario)) as server:
        result, report = walk(
            [
                "afas",
                "--environment-id",
                "O12345AA",
                "--base-url",
                f"{server.base_url}/ProfitRestServices",
                "--connector",
                "BP_Werknemers",
                "--connector",
                "BP_Salarissen",
            ],
            ["y"] * 2 + ["n"] * 10,
            {"KOPPELCHECK_AFAS_TOKEN": scenario.token_data},
            tmp_path,
        )
    assert result.exit_code == 1, result.stderr
    assert "BP_Salarissen" in result.stderr
    failed = [c["id"] for c in report["checks"] if c["status"] == "fail"]
    assert failed == ["afas.connector.BP_Salarissen"]
    # "Done?" at every step, and each manual-only sub-step recorded with the answer.
    assert result.stderr.count("Have you done this step?") == 4
    manual = {c["id"]: c["confirmed"] for c in report["checks"] if c["status"] == "manual"}
    assert manual["afas.step.1.1"] is True  # request the ZIP
    assert manual["afas.step.2.7"] is False  # convert to a system user
    # The panel shows the step data: menu paths and field values.
    assert "Algemeen → Uitvoer → Beheer → Get Connector" in result.stderr
    assert "Activering: Onderhouden" in result.stderr


def test_ctrl_c_in_the_walkthrough_exits_130() -> None:
    simulator = NmbrsSimulator(load_nmbrs_scenario("healthy"))
    with SimulatorServer(simulator) as server:
        # No input at all: the first prompt hits end-of-input, which click treats as an abort.
        result = runner.invoke(
            app,
            [
                "nmbrs",
                "--username",
                simulator.scenario.username,
                "--domain",
                "voorbeeld",
                "--base-url",
                f"{server.base_url}/soap/v3",
            ],
            input="",
            env={
                "KOPPELCHECK_INTERACTIVE": "1",
                "KOPPELCHECK_NMBRS_TOKEN": simulator.scenario.token,
            },
        )
    assert result.exit_code == 130
    assert "{" not in result.stdout  # no report was written


def test_dutch_answers_j_and_nee_are_understood(tmp_path) -> None:
    simulator = NmbrsSimulator(load_nmbrs_scenario("healthy"))
    with SimulatorServer(simulator) as server:
        result = runner.invoke(
            app,
            [
                "nmbrs",
                "--username",
                simulator.scenario.username,
                "--domain",
                "voorbeeld",
                "--base-url",
                f"{server.base_url}/soap/v3",
                "--output",
                str(tmp_path / "r.json"),
                "--format",
                "json",
            ],
            input="1\n\nnee\nj\nj\nj\nn\n",
            env={
                "KOPPELCHECK_INTERACTIVE": "1",
                "KOPPELCHECK_NMBRS_TOKEN": simulator.scenario.token,
            },
        )
    assert result.exit_code == 0, result.stderr
    assert "[J/n]" in result.stderr and "invalid input" not in result.stderr
    checks = {c["id"]: c for c in json.loads((tmp_path / "r.json").read_text())["checks"]}
    assert checks["nmbrs.step.0"]["confirmed"] is True
    assert checks["nmbrs.step.1"]["confirmed"] is False


def test_form_at_the_end_asks_a_wrong_answer_again_then_writes_the_bundle(tmp_path) -> None:
    from koppelcheck.bundle.keys import SigningKey
    from koppelcheck.bundle.verify import verify_bundle

    simulator = NmbrsSimulator(load_nmbrs_scenario("healthy"))
    bundle = tmp_path / "registratie.json"
    answers = [
        "2",  # the company: Garage De Vries (four-weekly)
        "",  # option 1
        *["y"] * 4,  # steps 1-4 done
        "y",
        str(bundle),  # write the bundle, here
        "y",  # a DGA on the payroll
        "P. de Vries",
        "7",  # no such employee: asked again in form order, with the closest matches
        "Salarisbureau Voorbeeld",
        "not-an-email",
        "salaris@voorbeeld.nl",
        "RC-2024-118",
        "123456782L01",
        "1",
        "n",  # no thirteenth month
    ]
    with SimulatorServer(simulator) as server:
        result, _ = walk(
            [
                "nmbrs",
                "--username",
                simulator.scenario.username,
                "--domain",
                "voorbeeld",
                "--base-url",
                f"{server.base_url}/soap/v3",
            ],
            answers,
            {
                "KOPPELCHECK_NMBRS_TOKEN": simulator.scenario.token,
                "KOPPELCHECK_SIGNING_KEY": SigningKey.generate().to_pem(),
            },
            tmp_path,
        )
    assert result.exit_code == 0, result.stderr
    assert "is not a valid e-mail address" in result.stderr
    assert result.stderr.count("E-mail address") == 2  # asked again after the wrong answer
    payload = verify_bundle(bundle).payload
    assert payload["form"]["email"] == "salaris@voorbeeld.nl"
    nmbrs = payload["form"]["nmbrs"]
    assert nmbrs["company"] == "Garage De Vries"  # the company chosen and checked
    assert nmbrs["payroll_frequency"] == "four-weekly"  # from that company's period
    assert (nmbrs["dga_name"], nmbrs["dga_employee_number"]) == ("P. de Vries", 1)
    assert (
        "employee number 7 does not exist" in result.stderr and "1 (P. de Vries)" in result.stderr
    )
    provenance = payload["provenance"]
    assert provenance["nmbrs.company"] == {"source": "verified", "check": "nmbrs.company"}
    assert provenance["nmbrs.payroll_frequency"] == {
        "source": "verified",
        "check": "nmbrs.call.CompanyService.Company_GetCurrentPeriod",
    }
    assert provenance["nmbrs.dga_employee_number"]["source"] == "verified"
    assert provenance["nmbrs.thirteenth_month"] == {"source": "declared"}
    assert provenance["payroll_tax_number"] == {"source": "declared"}
    assert "plain text" in result.stderr  # no --recipient-key: said before writing
