"""Every check of every system and mode names its manual step by a stable ``step_id``.

A script groups a JSON report by ``step_id``; an empty one leaves a check outside every step.
Runs are real: the CLI against the loopback simulators (with ``--form``, whose ``form.*`` checks
belong to the registration step), and the Nmbrs REST probe against the REST simulator (its checks
belong to the REST steps; the migration readiness group to REST step 0).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from koppelcheck.cli.app import app
from koppelcheck.i18n import Translator
from koppelcheck.nmbrs.rest.probe import RestSettings, verify_rest
from koppelcheck.nmbrs.rest.steps import READINESS_STEP_ID, REST_STEPS
from koppelcheck.secret import Secret
from koppelcheck.simulator.afas import BASE_PATH, make_afas_simulator
from koppelcheck.simulator.nmbrs import NmbrsSimulator, load_nmbrs_scenario
from koppelcheck.simulator.nmbrs_rest import make_rest_simulator
from koppelcheck.simulator.server import SimulatorServer
from koppelcheck.steps import flatten, steps_for
from tests.integration.test_nmbrs_rest_probe import browser  # the person who consents

pytestmark = pytest.mark.integration
runner = CliRunner()


def _form(tmp_path: Path) -> Path:
    """A form file with only the common fields: the system's own fields fail, as ``form.*``."""
    path = tmp_path / "form.toml"
    path.write_text('organisation = "Bakkerij Jansen B.V."\n', encoding="utf-8")
    return path


def _known_ids(system: str) -> set[str]:
    ids = {s.id for option in (None, "overkoepelend", "per-debiteur") for s in _all(system, option)}
    return ids | {s.id for s in flatten(REST_STEPS)}


def _all(system: str, option: str | None) -> list[Any]:
    if system == "afas":
        from koppelcheck.afas.steps import AUTH_MODES, afas_steps

        return [s for auth in AUTH_MODES for s in flatten(afas_steps(auth))]
    return flatten(steps_for(system, option))


def _assert_every_step_named(checks: list[dict[str, Any]], system: str) -> None:
    assert checks
    empty = [c["id"] for c in checks if not c["step_id"]]
    assert empty == []
    unknown = {c["step_id"] for c in checks} - _known_ids(system)
    assert unknown == set()


@pytest.mark.parametrize("option", ["overkoepelend", "per-debiteur"])
def test_every_nmbrs_check_and_form_check_has_a_step(tmp_path: Path, option: str) -> None:
    simulator = NmbrsSimulator(load_nmbrs_scenario("healthy"))
    scenario = simulator.scenario
    with SimulatorServer(simulator) as server:
        result = runner.invoke(
            app,
            [
                *("nmbrs", "--username", scenario.username, "--domain", scenario.domain),
                *("--option", option, "--company", scenario.companies[0].name),
                *("--base-url", f"{server.base_url}/soap/v3", "--no-input", "--lang", "en"),
                *("--form", str(_form(tmp_path)), "--format", "json"),
            ],
            env={"KOPPELCHECK_NMBRS_TOKEN": scenario.token, "COLUMNS": "120"},
        )
    assert result.exit_code == 1, result.output  # the form's Nmbrs fields are missing
    checks = json.loads(result.stdout)["checks"]
    _assert_every_step_named(checks, "nmbrs")
    by_id = {c["id"]: c for c in checks}
    form_step = next(s for s in steps_for("nmbrs", option) if s.title.endswith(".form.title"))
    assert by_id["form.organisation"]["step_id"] == form_step.id
    assert by_id["nmbrs.rest.deadline"]["step_id"] == READINESS_STEP_ID
    assert READINESS_STEP_ID.startswith("nmbrs.rest.step.")  # never a SOAP step's id


AUDITOR_EXPORT = Path(__file__).parent.parent / "data" / "auditor" / "auditor-report.md"


@pytest.mark.parametrize(
    ("scenario", "extra"),
    [
        ("healthy", ()),
        ("oauth", ()),
        ("hybrid", ()),
        ("connector-missing", ("--auditor", str(AUDITOR_EXPORT))),
    ],
)
def test_every_afas_check_and_form_check_has_a_step(
    tmp_path: Path, scenario: str, extra: tuple[str, ...]
) -> None:
    simulator = make_afas_simulator(scenario)
    env = {"COLUMNS": "120"}
    if scenario != "oauth":
        env["KOPPELCHECK_AFAS_TOKEN"] = simulator.scenario.token_data
    if simulator.scenario.oauth is not None:
        env["KOPPELCHECK_AFAS_CLIENT_ID"] = simulator.scenario.oauth.client_id
        env["KOPPELCHECK_AFAS_CLIENT_SECRET"] = simulator.scenario.oauth.client_secret
    with SimulatorServer(simulator) as server:
        result = runner.invoke(
            app,
            [
                *("afas", "--environment-id", simulator.scenario.envid),
                *("--base-url", server.base_url + BASE_PATH, "--no-input", "--lang", "en"),
                *("--connector", "BP_Werknemers", "--form", str(_form(tmp_path))),
                *("--format", "json", *extra),
            ],
            env=env,
        )
    assert result.exit_code == 1, result.output
    checks = json.loads(result.stdout)["checks"]
    _assert_every_step_named(checks, "afas")
    assert {c["step_id"] for c in checks if c["id"].startswith("form.")} == {"afas.step.4"}


@pytest.mark.parametrize("scenario", ["missing-scope", "multi-debtor"])
async def test_every_rest_probe_check_has_a_rest_step(scenario: str) -> None:
    simulator = make_rest_simulator(scenario)
    with SimulatorServer(simulator) as server:
        s = simulator.scenario
        settings = RestSettings(
            client_id=s.client_id,
            client_secret=Secret(s.client_secret),
            subscription_key=Secret(s.subscription_key),
            base_url=server.base_url,
            identity_url=server.base_url,
        )
        report, _ = await verify_rest(
            settings, translator=Translator("en"), show_url=browser, timeout_s=10, wait_s=20
        )
    checks = report.to_json_dict()["checks"]
    _assert_every_step_named(checks, "nmbrs")
    assert all(c["step_id"].startswith("nmbrs.rest.step.") for c in checks)
    by_id = {c["id"]: c for c in checks}
    assert by_id["nmbrs.rest.auth"]["step_id"] == "nmbrs.rest.step.1"
    assert by_id["nmbrs.rest.limits"]["step_id"] == READINESS_STEP_ID
