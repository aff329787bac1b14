"""The bundle claims only what was verified, by the same rules on a terminal
(``KOPPELCHECK_INTERACTIVE=1`` with scripted answers) and with ``--no-input``."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from koppelcheck.bundle.keys import SigningKey
from koppelcheck.bundle.verify import verify_bundle
from koppelcheck.cli.app import app
from koppelcheck.simulator.afas import AfasSimulator, load_afas_scenario
from koppelcheck.simulator.server import SimulatorServer

runner = CliRunner()
PERIOD_CHECK = "nmbrs.call.CompanyService.Company_GetCurrentPeriod"
WRONG_AFAS_TOKEN = "0123456789ABCDEF" * 4

FORM = """
organisation = "Salarisbureau Voorbeeld"
email = "salaris@voorbeeld.nl"
contract_number = "RC-2024-118"
payroll_tax_number = "{tax}"

[nmbrs]
{company}
thirteenth_month = true
{extra}
"""


def form_file(tmp_path: Path, company: str | None = None, tax: str = "123456782L01", **extra):
    lines = "\n".join(f"{k} = {json.dumps(v)}" for k, v in extra.items())
    name = f"company = {json.dumps(company)}" if company else ""
    path = tmp_path / "form.toml"
    path.write_text(FORM.format(tax=tax, company=name, extra=lines), encoding="utf-8")
    return path


@pytest.fixture
def env() -> dict[str, str]:
    return {"KOPPELCHECK_SIGNING_KEY": SigningKey.generate().to_pem(), "COLUMNS": "120"}


def nmbrs(server, simulator, *extra: str, env: dict[str, str], answers: list[str] | None = None):
    args = [
        "nmbrs",
        "--username",
        simulator.scenario.username,
        "--domain",
        "voorbeeld",
        "--base-url",
        f"{server.base_url}/soap/v3",
        "--lang",
        "en",
        *extra,
    ]
    environment = {"KOPPELCHECK_NMBRS_TOKEN": simulator.scenario.token, **env}
    if answers is None:
        return runner.invoke(app, [*args, "--no-input"], env=environment)
    return runner.invoke(
        app,
        args,
        input="\n".join(answers) + "\n",
        env={**environment, "KOPPELCHECK_INTERACTIVE": "1"},
    )


# --- Nmbrs: the company is settled before any check ------------------------------------------


@pytest.mark.parametrize("mode", ["no-input", "terminal"])
def test_form_company_other_than_flag_exits_2_naming_both(
    nmbrs_server, env, tmp_path, mode
) -> None:
    server, simulator = nmbrs_server("healthy")
    form = form_file(tmp_path, company="Bakkerij Jansen B.V.")
    answers = None if mode == "no-input" else []
    flags = ("--company", "Garage De Vries", "--form", str(form))
    result = nmbrs(server, simulator, *flags, env=env, answers=answers)
    assert result.exit_code == 2, result.output
    assert "Garage De Vries" in result.stderr and "Bakkerij Jansen B.V." in result.stderr
    assert sum(simulator.hits.values()) == 0  # nothing sent


def test_bundle_without_company_and_several_visible_exits_2_naming_them(
    nmbrs_server, env, tmp_path
) -> None:
    server, simulator = nmbrs_server("healthy")
    form, bundle = form_file(tmp_path), tmp_path / "b.json"
    result = nmbrs(server, simulator, "--form", str(form), "--bundle", str(bundle), env=env)
    assert result.exit_code == 2, result.output
    assert "nmbrs.company" in result.stderr
    assert "'Bakkerij Jansen B.V.'" in result.stderr and "'Garage De Vries'" in result.stderr
    assert not bundle.exists()


@pytest.mark.parametrize("mode", ["no-input", "terminal"])
def test_four_weekly_company_yields_four_weekly_in_every_mode(
    nmbrs_server, env, tmp_path, mode
) -> None:
    server, simulator = nmbrs_server("healthy")
    form, bundle = form_file(tmp_path, company="Garage De Vries"), tmp_path / "b.json"
    answers = None if mode == "no-input" else ["", *["y"] * 4, "n"]  # option, steps, no DGA
    result = nmbrs(
        server,
        simulator,
        "--form",
        str(form),
        "--bundle",
        str(bundle),
        "--output",
        str(tmp_path / "r.json"),
        "--format",
        "json",
        env=env,
        answers=answers,
    )
    assert result.exit_code == 0, result.output
    payload = verify_bundle(bundle).payload
    assert payload["form"]["nmbrs"]["company"] == "Garage De Vries"
    assert payload["form"]["nmbrs"]["payroll_frequency"] == "four-weekly"
    assert payload["provenance"]["nmbrs.payroll_frequency"] == {
        "source": "verified",
        "check": PERIOD_CHECK,
    }
    assert payload["provenance"]["nmbrs.thirteenth_month"] == {"source": "declared"}
    assert payload["provenance"]["nmbrs.api_token"] == {"source": "verified", "check": "nmbrs.auth"}


def test_terminal_numbered_choice_settles_the_company_checked(nmbrs_server, env, tmp_path) -> None:
    server, simulator = nmbrs_server("healthy")
    bundle = tmp_path / "b.json"
    form = form_file(tmp_path)  # no company
    answers = ["2", "", *["y"] * 4, "n"]
    result = nmbrs(
        server, simulator, "--form", str(form), "--bundle", str(bundle), env=env, answers=answers
    )
    assert result.exit_code == 0, result.output
    assert "1. Bakkerij Jansen B.V." in result.stderr and "2. Garage De Vries" in result.stderr
    payload = verify_bundle(bundle).payload
    assert payload["form"]["nmbrs"]["company"] == "Garage De Vries"
    assert payload["provenance"]["nmbrs.company"] == {
        "source": "verified",
        "check": "nmbrs.company",
    }


def test_declared_frequency_contradicting_the_period_exits_2_with_both(
    nmbrs_server, env, tmp_path
) -> None:
    server, simulator = nmbrs_server("healthy")
    form = form_file(tmp_path, company="Garage De Vries", payroll_frequency="monthly")
    bundle = tmp_path / "b.json"
    result = nmbrs(server, simulator, "--form", str(form), "--bundle", str(bundle), env=env)
    assert result.exit_code == 2, result.output
    assert "'monthly'" in result.stderr and "four-weekly" in result.stderr
    assert "2026-12-W4" in result.stderr
    assert not bundle.exists()


def test_on_a_terminal_a_contradicting_frequency_is_asked_again_naming_both(
    nmbrs_server, env, tmp_path
) -> None:
    server, simulator = nmbrs_server("healthy")
    form = form_file(tmp_path, company="Garage De Vries", payroll_frequency="monthly")
    bundle = tmp_path / "b.json"
    answers = ["", *["y"] * 4, "n", "four-weekly"]  # option, steps, no DGA, the frequency
    result = nmbrs(
        server,
        simulator,
        "--form",
        str(form),
        "--bundle",
        str(bundle),
        "--output",
        str(tmp_path / "r.txt"),
        env=env,
        answers=answers,
    )
    assert result.exit_code == 0, result.stderr
    assert "you declared 'monthly'" in result.stderr and "four-weekly" in result.stderr
    assert verify_bundle(bundle).payload["form"]["nmbrs"]["payroll_frequency"] == "four-weekly"


def test_company_the_login_does_not_see_is_never_swapped_for_another(
    nmbrs_server, env, tmp_path
) -> None:
    server, simulator = nmbrs_server("healthy")
    bundle = tmp_path / "b.json"
    form = form_file(tmp_path, company="Garage de Vries")  # wrong case
    result = nmbrs(
        server,
        simulator,
        "--form",
        str(form),
        "--bundle",
        str(bundle),
        "--format",
        "json",
        env=env,
    )
    assert result.exit_code == 1, result.output
    checks = {c["id"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["nmbrs.company"]["status"] == "fail"
    # No other company's period was read in its place: the call used a placeholder.
    assert checks[PERIOD_CHECK]["status"] == "warn"
    assert not bundle.exists()


# --- --form without --bundle: the form as checks ---------------------------------------------


@pytest.mark.parametrize("mode", ["no-input", "terminal"])
def test_form_alone_is_validated_and_a_wrong_tax_number_fails(
    nmbrs_server, env, tmp_path, mode
) -> None:
    server, simulator = nmbrs_server("healthy")
    form = form_file(tmp_path, company="Bakkerij Jansen B.V.", tax="123456789L01")
    report = tmp_path / "r.json"
    answers = None if mode == "no-input" else ["", *["y"] * 4, "n"]
    result = nmbrs(
        server,
        simulator,
        "--form",
        str(form),
        "--format",
        "json",
        "--output",
        str(report),
        env=env,
        answers=answers,
    )
    assert result.exit_code == 1, result.output
    checks = {c["id"]: c for c in json.loads(report.read_text())["checks"]}
    tax = checks["form.payroll_tax_number"]
    assert tax["status"] == "fail" and "is wrong" in tax["title"]
    assert checks["form.nmbrs.company"]["status"] == "pass"
    assert "verified by nmbrs.company" in checks["form.nmbrs.company"]["message"]
    assert checks["form.nmbrs.payroll_frequency"]["message"].endswith(PERIOD_CHECK)
    assert "declared" in checks["form.nmbrs.thirteenth_month"]["message"]
    assert checks["form.nmbrs.dga_name"]["message"] == "not given (optional)"


def test_form_alone_warns_about_a_dga_name_unlike_nmbrs(nmbrs_server, env, tmp_path) -> None:
    server, simulator = nmbrs_server("healthy")
    form = form_file(
        tmp_path, company="Bakkerij Jansen B.V.", dga_name="K. Bakker", dga_employee_number=1
    )
    result = nmbrs(server, simulator, "--form", str(form), "--format", "json", env=env)
    assert result.exit_code == 0, result.output
    checks = {c["id"]: c for c in json.loads(result.stdout)["checks"]}
    warning = checks["form.nmbrs.dga_name"]
    assert warning["status"] == "warn"
    assert "K. Bakker" in warning["message"] and "J. Jansen" in warning["message"]


# --- Nmbrs: a wrong token is entered again in place ------------------------------------------


def test_wrong_nmbrs_token_is_entered_again_and_rechecked(nmbrs_server, env, tmp_path) -> None:
    server, simulator = nmbrs_server("healthy")
    report = tmp_path / "r.json"
    answers = [
        "",  # option 1
        "y",  # step 1 done
        "y",  # step 2 done: the checks run, the login fails
        "y",  # enter the token again
        simulator.scenario.token,
        "1",  # the company, now that the login can list them
        "y",
        "y",
        "n",
    ]
    result = nmbrs(
        server,
        simulator,
        "--format",
        "json",
        "--output",
        str(report),
        env={**env, "KOPPELCHECK_NMBRS_TOKEN": "wrong-token-123"},
        answers=answers,
    )
    assert result.exit_code == 0, result.stderr
    stderr = result.stderr
    cause = stderr.index("Nmbrs refuses the login (1001")
    assert stderr.index("19 checks: Not run") > cause  # the cause first, the rest folded
    assert stderr.count("must pass first") == 1
    assert "Enter the token again" in stderr
    assert simulator.scenario.token not in stderr + result.stdout
    assert json.loads(report.read_text())["summary"]["fail"] == 0


# --- AFAS: a bundle needs compared GetConnectors ---------------------------------------------


@pytest.fixture
def afas_server() -> Iterator[object]:
    started: list[SimulatorServer] = []

    def start(name: str) -> tuple[SimulatorServer, AfasSimulator]:
        simulator = AfasSimulator(load_afas_scenario(name))
        server = SimulatorServer(simulator).start()
        started.append(server)
        return server, simulator

    yield start
    for server in started:
        server.stop()


AFAS_FORM = """
organisation = "Salarisbureau Voorbeeld"
email = "salaris@voorbeeld.nl"
contract_number = "RC-2024-118"
payroll_tax_number = "123456782L01"

[afas]
employer_codes = ["01"]
"""


def afas(server, simulator, *extra: str, token: str, env, answers: list[str] | None = None):
    args = [
        "afas",
        "--environment-id",
        simulator.scenario.envid,
        "--base-url",
        f"{server.base_url}/ProfitRestServices",
        "--lang",
        "en",
        *extra,
    ]
    environment = {"KOPPELCHECK_AFAS_TOKEN": token, **env}
    if answers is None:
        return runner.invoke(app, [*args, "--no-input"], env=environment)
    return runner.invoke(
        app,
        args,
        input="\n".join(answers) + "\n",
        env={**environment, "KOPPELCHECK_INTERACTIVE": "1"},
    )


def test_afas_bundle_without_expected_connectors_exits_2_naming_both_flags(
    afas_server, env, tmp_path
) -> None:
    server, simulator = afas_server("connector-missing")
    form = tmp_path / "form.toml"
    form.write_text(AFAS_FORM, encoding="utf-8")
    bundle = tmp_path / "b.json"
    result = afas(
        server,
        simulator,
        "--form",
        str(form),
        "--bundle",
        str(bundle),
        token=simulator.scenario.token_data,
        env=env,
    )
    assert result.exit_code == 2, result.output
    assert "--connectors-zip" in result.stderr and "--connector" in result.stderr
    assert sum(simulator.hits.values()) == 0  # nothing sent
    assert not bundle.exists()


def test_afas_walkthrough_asks_for_the_connectors_at_step_1(afas_server, env, tmp_path) -> None:
    server, simulator = afas_server("connector-missing")
    bundle = tmp_path / "b.json"
    report = tmp_path / "r.json"
    # The ids; steps 1-3 done, each without a re-check of the failing connector; step 4 done.
    answers = ["BP_Werknemers, BP_Salarissen", "y", "n", "y", "n", "y", "n", "y"]
    result = afas(
        server,
        simulator,
        "--bundle",
        str(bundle),
        "--format",
        "json",
        "--output",
        str(report),
        token=simulator.scenario.token_data,
        env=env,
        answers=answers,
    )
    assert result.exit_code == 1, result.stderr
    assert "Expected GetConnectors: BP_Werknemers, BP_Salarissen" in result.stderr
    failed = [c["id"] for c in json.loads(report.read_text())["checks"] if c["status"] == "fail"]
    assert failed == ["afas.connector.BP_Salarissen"]
    assert not bundle.exists()


def test_afas_walkthrough_without_connectors_never_yields_a_bundle(
    afas_server, env, tmp_path
) -> None:
    server, simulator = afas_server("healthy")
    bundle = tmp_path / "b.json"
    answers = ["", *["y"] * 4]  # no ZIP, no ids
    result = afas(
        server,
        simulator,
        "--bundle",
        str(bundle),
        "--output",
        str(tmp_path / "r.txt"),
        token=simulator.scenario.token_data,
        env=env,
        answers=answers,
    )
    assert result.exit_code == 1, result.stderr
    assert "no expected GetConnector was compared" in result.stderr
    assert not bundle.exists()


def test_afas_token_copied_from_a_header_is_accepted(afas_server, env, tmp_path) -> None:
    server, simulator = afas_server("healthy")
    header = "AfasToken " + base64.b64encode(simulator.scenario.token_xml.encode()).decode()
    result = afas(
        server, simulator, "--connector", "BP_Werknemers", "--format", "json", token=header, env=env
    )
    assert result.exit_code == 0, result.output
    assert header.split()[1] not in result.stdout + result.stderr


def test_afas_401_token_is_entered_again_and_rechecked(afas_server, env, tmp_path) -> None:
    server, simulator = afas_server("healthy")
    report = tmp_path / "r.json"
    answers = [
        "y",  # step 1 done: the checks run, AFAS answers 401
        "y",  # enter the token again
        simulator.scenario.token_data,
        "y",
        "y",
        "y",
        "n",
    ]
    result = afas(
        server,
        simulator,
        "--connector",
        "BP_Werknemers",
        "--format",
        "json",
        "--output",
        str(report),
        token=WRONG_AFAS_TOKEN,
        env=env,
        answers=answers,
    )
    assert result.exit_code == 0, result.stderr
    assert "Enter the token again" in result.stderr
    assert json.loads(report.read_text())["summary"]["fail"] == 0
    assert simulator.scenario.token_data not in result.stderr + result.stdout


def test_afas_bundle_on_a_terminal_warns_of_plaintext_tokens(afas_server, env, tmp_path) -> None:
    server, simulator = afas_server("healthy")
    form = tmp_path / "form.toml"
    form.write_text(AFAS_FORM, encoding="utf-8")
    bundle = tmp_path / "b.json"
    result = afas(
        server,
        simulator,
        "--connector",
        "BP_Werknemers",
        "--form",
        str(form),
        "--bundle",
        str(bundle),
        "--output",
        str(tmp_path / "r.txt"),
        token=simulator.scenario.token_data,
        env=env,
        answers=["y"] * 4,
    )
    assert result.exit_code == 0, result.stderr
    assert "plain text" in result.stderr and "--recipient-key" in result.stderr
    payload = verify_bundle(bundle).payload
    assert payload["provenance"]["afas.employer_codes"] == {"source": "declared"}
    assert payload["provenance"]["afas.participant_number"] == {
        "source": "verified",
        "check": "afas.auth",
    }
    manual = {c["id"]: c.get("confirmed") for c in payload["evidence"]["checks"]}
    assert manual["afas.step.1.1"] is True  # the manual-only step, recorded in the bundle


def test_afas_walkthrough_without_connectors_offers_no_bundle(afas_server, env, tmp_path) -> None:
    server, simulator = afas_server("healthy")
    answers = ["", *["y"] * 4, "y", str(tmp_path / "b.json")]  # would accept an offer
    result = afas(
        server,
        simulator,
        "--output",
        str(tmp_path / "r.txt"),
        token=simulator.scenario.token_data,
        env=env,
        answers=answers,
    )
    assert result.exit_code == 0, result.stderr  # the checks passed; only the bundle is withheld
    assert "no expected GetConnector was compared" in result.stderr
    assert "Write the registration bundle" not in result.stderr
    assert not (tmp_path / "b.json").exists()
