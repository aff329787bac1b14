"""The JSON report in Dutch and in English differs only in its prose.

A script reads ``id``, ``status``, ``step_id`` and the ``*_key``/``*_params`` fields; those must be
the same whatever ``--lang`` says. Runs are real: the CLI against the loopback simulators.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from koppelcheck.cli.app import app
from koppelcheck.i18n import Translator
from koppelcheck.nmbrs.rest.probe import RestSettings, verify_rest
from koppelcheck.secret import Secret
from koppelcheck.simulator.afas import BASE_PATH, make_afas_simulator
from koppelcheck.simulator.fleet import running_fleet
from koppelcheck.simulator.nmbrs import NmbrsSimulator, load_nmbrs_scenario
from koppelcheck.simulator.nmbrs_rest import make_rest_simulator
from koppelcheck.simulator.server import SimulatorServer
from tests.integration.test_nmbrs_rest_probe import browser  # the person who consents

pytestmark = pytest.mark.integration
runner = CliRunner()

PROSE = frozenset({"title", "message", "step", "text"})
"""Keys whose values are words in the chosen language (``text`` is the fix's)."""
PER_RUN = frozenset({"started_at", "duration_ms", "trace"})
"""Keys whose values differ from run to run in any language (``trace``: AFAS's trace id)."""


def differences(nl: Any, en: Any, at: str = "$") -> list[str]:
    """Paths where the two documents differ outside prose and timing."""
    if isinstance(nl, dict) and isinstance(en, dict):
        if set(nl) != set(en):
            return [f"{at}: keys {sorted(set(nl) ^ set(en))}"]
        return [
            found
            for key in nl
            if key not in PROSE | PER_RUN
            for found in differences(nl[key], en[key], f"{at}.{key}")
        ]
    if isinstance(nl, list) and isinstance(en, list):
        if len(nl) != len(en):
            return [f"{at}: {len(nl)} vs {len(en)} items"]
        return [
            found
            for i, pair in enumerate(zip(nl, en, strict=True))
            for found in differences(*pair, f"{at}[{i}]")
        ]
    return [] if nl == en else [f"{at}: {nl!r} vs {en!r}"]


def checks_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    if "employers" in document:
        return [c for e in document["employers"] for c in e["report"]["checks"]]
    return list(document["checks"])


def assert_only_prose_differs(nl_out: str, en_out: str) -> list[dict[str, Any]]:
    nl, en = json.loads(nl_out), json.loads(en_out)
    assert differences(nl, en) == []
    nl_checks, en_checks = checks_of(nl), checks_of(en)
    # The prose really is in two languages, so the comparison above had something to ignore.
    assert [c["message"] for c in nl_checks] != [c["message"] for c in en_checks]
    for check in nl_checks:
        # Every title and message of these runs comes from the catalogue, so it has a key.
        assert check["title_key"] or check["id"].startswith("nmbrs.call."), check
        assert check["message_key"], check
    return nl_checks


def test_differences_sees_a_changed_status() -> None:
    nl = {"checks": [{"id": "a", "status": "pass", "message": "ja"}]}
    en = {"checks": [{"id": "a", "status": "fail", "message": "yes"}]}
    assert differences(nl, en) == ["$.checks[0].status: 'pass' vs 'fail'"]
    assert differences(nl, {"checks": [{**nl["checks"][0], "message": "yes"}]}) == []


@pytest.fixture
def nmbrs_served() -> Iterator[tuple[SimulatorServer, NmbrsSimulator]]:
    simulator = NmbrsSimulator(load_nmbrs_scenario("calls-inactive"))
    server = SimulatorServer(simulator).start()
    yield server, simulator
    server.stop()


def test_nmbrs_json_is_the_same_in_both_languages_but_for_prose(nmbrs_served) -> None:
    server, simulator = nmbrs_served
    scenario = simulator.scenario
    args = [
        "nmbrs",
        "--username",
        scenario.username,
        "--domain",
        scenario.domain,
        "--base-url",
        f"{server.base_url}/soap/v3",
        "--no-input",
        "--format",
        "json",
    ]
    env = {"KOPPELCHECK_NMBRS_TOKEN": scenario.token, "COLUMNS": "120"}
    runs = [runner.invoke(app, [*args, "--lang", lang], env=env) for lang in ("nl", "en")]
    for result in runs:
        assert result.exit_code == 1, result.output
    checks = assert_only_prose_differs(runs[0].stdout, runs[1].stdout)
    by_id = {c["id"]: c for c in checks}
    assert by_id["nmbrs.auth"]["step_id"].startswith("nmbrs.step.")
    inactive = [c for c in checks if c["status"] == "fail"]
    assert inactive and all(c["message_key"] == "nmbrs.call.inactive" for c in inactive)
    assert all(c["message_params"]["call"] for c in inactive)
    assert all(c["fix"]["key"] for c in inactive)


AUDITOR_EXPORT = Path(__file__).parent.parent / "data" / "auditor" / "auditor-report.md"


def afas_runs(scenario: str, *extra: str) -> list[Result]:
    """The same ``afas --format json`` run in Dutch and in English; the scenario's credentials:
    its classic token, its OAuth client, or both (hybrid)."""
    simulator = make_afas_simulator(scenario)
    env = {"COLUMNS": "120"}
    if scenario != "oauth":
        env["KOPPELCHECK_AFAS_TOKEN"] = simulator.scenario.token_data
    if simulator.scenario.oauth is not None:
        env["KOPPELCHECK_AFAS_CLIENT_ID"] = simulator.scenario.oauth.client_id
        env["KOPPELCHECK_AFAS_CLIENT_SECRET"] = simulator.scenario.oauth.client_secret
    with SimulatorServer(simulator) as server:
        args = [
            "afas",
            "--environment-id",
            simulator.scenario.envid,
            "--base-url",
            server.base_url + BASE_PATH,
            "--no-input",
            *[
                arg
                for cid in ("BP_Werknemers", "BP_Salarissen", "BP_Verzuim")
                for arg in ("--connector", cid)
            ],
            "--format",
            "json",
            *extra,
        ]
        return [runner.invoke(app, [*args, "--lang", lang], env=env) for lang in ("nl", "en")]


def test_afas_json_is_the_same_in_both_languages_but_for_prose() -> None:
    runs = afas_runs("connector-missing")
    for result in runs:
        assert result.exit_code == 1, result.output
    checks = assert_only_prose_differs(runs[0].stdout, runs[1].stdout)
    missing = next(c for c in checks if c["id"] == "afas.connector.BP_Salarissen")
    assert missing["status"] == "fail"
    assert missing["step_id"] == "afas.step.1"
    # The title of a failing check says what is wrong (manual_order.problem_title).
    assert missing["title_key"] == "problem.afas.connector"
    assert "BP_Salarissen" in missing["title_params"].values()
    assert {c["step_id"] for c in checks} >= {"afas.step.1", "afas.step.3"}


@pytest.mark.parametrize(
    ("scenario", "extra"),
    [
        ("oauth", ()),
        ("hybrid", ()),
        ("bad-token", ()),
        ("maintenance", ()),
        ("connector-missing", ("--auditor", str(AUDITOR_EXPORT))),
    ],
)
def test_afas_variants_are_the_same_in_both_languages_but_for_prose(
    scenario: str, extra: tuple[str, ...]
) -> None:
    nl, en = afas_runs(scenario, *extra)
    assert nl.exit_code == en.exit_code, nl.output
    assert_only_prose_differs(nl.stdout, en.stdout)


def test_batch_json_is_the_same_in_both_languages_but_for_prose(tmp_path) -> None:
    with running_fleet(
        {1: (2, frozenset({"Children_Get"}))},
        {20001: (("BP_Salarissen",), False), 20002: ((), True)},
    ) as fleet:
        batch_file = tmp_path / "bureau.toml"
        batch_file.write_text(fleet.batch_toml(), encoding="utf-8")
        runs = [
            runner.invoke(
                app,
                ["batch", str(batch_file), "--format", "json", "--lang", lang],
                env={**fleet.env, "COLUMNS": "120"},
            )
            for lang in ("nl", "en")
        ]
    for result in runs:
        assert result.exit_code == 1, result.output
    assert_only_prose_differs(runs[0].stdout, runs[1].stdout)


async def _rest_checks(scenario: str, lang: str) -> list[dict[str, Any]]:
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
            settings, translator=Translator(lang), show_url=browser, timeout_s=10, wait_s=20
        )
    return checks_of(report.to_json_dict())


@pytest.mark.parametrize("scenario", ["missing-scope", "multi-debtor"])
async def test_rest_probe_checks_are_the_same_in_both_languages_but_for_prose(scenario) -> None:
    # Each run has its own server, so only the checks are compared (the target names the port).
    nl, en = [await _rest_checks(scenario, lang) for lang in ("nl", "en")]
    assert_only_prose_differs(json.dumps({"checks": nl}), json.dumps({"checks": en}))
    assert {c["id"] for c in nl} >= {"nmbrs.rest.scopes", "nmbrs.rest.limits"}
