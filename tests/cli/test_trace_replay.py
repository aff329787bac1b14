"""``--trace FILE.har`` and ``simulate --replay``: a demo run's trace holds no token and none of
the simulator's personal data, and a run against its replay gives the same statuses."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from typer.testing import CliRunner

from koppelcheck.cli.app import app
from koppelcheck.simulator.afas import BASE_PATH, AfasSimulator, load_afas_scenario
from koppelcheck.simulator.nmbrs import NmbrsScenario, NmbrsSimulator, load_nmbrs_scenario
from koppelcheck.simulator.nmbrs import data as nmbrs_data
from koppelcheck.simulator.replay import ReplaySimulator, load_har
from koppelcheck.simulator.server import SimulatorServer
from koppelcheck.trace import REMOVED

runner = CliRunner()


@pytest.fixture
def serve() -> Iterator[Any]:
    started: list[SimulatorServer] = []

    def start(app_: Any) -> SimulatorServer:
        server = SimulatorServer(app_).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def nmbrs_run(base_url: str, scenario: NmbrsScenario, *extra: str) -> Any:
    return runner.invoke(
        app,
        [
            "nmbrs",
            "--username",
            scenario.username,
            "--domain",
            scenario.domain,
            "--base-url",
            f"{base_url}/soap/v3",
            "--no-input",
            "--format",
            "json",
            *extra,
        ],
        env={"KOPPELCHECK_NMBRS_TOKEN": scenario.token, "COLUMNS": "120"},
    )


def statuses(result: Any) -> dict[str, str]:
    return {c["id"]: c["status"] for c in json.loads(result.stdout)["checks"]}


def personal_values(scenario: NmbrsScenario) -> set[str]:
    """Every personal value the simulator's answers carry, as the answers write it."""
    values: set[str] = {scenario.username}
    for company in scenario.companies:
        for employee in company.employees:
            info = nmbrs_data._personal_info(employee)
            values |= {
                employee.display_name,
                info["BSN"],
                info["FirstName"],
                info["EmailPrivate"],
                info["EmailWork"],
                info["TelephoneMobilePrivate"],
                info["TelephonePrivate"],
                info["InCaseOfEmergencyPhone"],
                info["IdentificationNumber"],
                info["Birthday"].isoformat(),
                nmbrs_data._iban(employee.id),
                nmbrs_data._address(employee)["PostalCode"],
                nmbrs_data._address(employee)["Street"],
                nmbrs_data._partner(employee)["Email"],
                nmbrs_data._partner(employee)["Telephone"],
            }
    return values


@pytest.mark.parametrize("scenario_name", ["calls-inactive", "healthy"])
def test_nmbrs_trace_is_redacted_and_its_replay_gives_the_same_statuses(
    serve, tmp_path: Path, scenario_name: str
) -> None:
    scenario = load_nmbrs_scenario(scenario_name)
    simulator = NmbrsSimulator(scenario)
    live = serve(simulator)
    har_path = tmp_path / "run.har"
    company = ("--company", scenario.companies[0].name)
    first = nmbrs_run(live.base_url, scenario, *company, "--trace", str(har_path))
    assert first.exit_code in (0, 1), first.output
    text = har_path.read_text(encoding="utf-8")
    har = json.loads(text)["log"]
    assert har["version"] == "1.2" and har["creator"]["name"] == "koppelcheck"
    assert len(har["entries"]) == sum(simulator.hits.values()) >= 19
    # No token, whole or base64, and no SOAP auth header.
    assert scenario.token not in text
    assert base64.b64encode(scenario.token.encode()).decode() not in text
    bodies = [e["request"].get("postData", {}).get("text", "") for e in har["entries"]]
    assert not any("AuthHeaderWithDomain" in b or "Token>" in b for b in bodies)
    leaked = {value for value in personal_values(scenario) if value in text}
    assert not leaked
    kinds = {r["kind"] for r in har["_redactions"]}
    assert {"soap-header:AuthHeaderWithDomain", "bsn", "iban", "name", "email"} <= kinds
    for redaction in har["_redactions"]:  # what, never the value
        assert set(redaction) == {"entry", "where", "kind", "count"}
    assert "Trace:" in first.output  # the one line on stderr saying where it is

    replay = serve(ReplaySimulator("nmbrs", load_har(har_path)))
    second = nmbrs_run(replay.base_url, scenario, *company)
    assert statuses(second) == statuses(first)
    assert any(check_id.startswith("nmbrs.company") for check_id in statuses(first))
    assert second.exit_code == first.exit_code


def afas_run(base_url: str, envid: str, token: str, connectors: list[str], *extra: str) -> Any:
    return runner.invoke(
        app,
        [
            "afas",
            "--environment-id",
            envid,
            "--base-url",
            base_url + BASE_PATH,
            "--no-input",
            "--format",
            "json",
            *[a for cid in connectors for a in ("--connector", cid)],
            *extra,
        ],
        env={"KOPPELCHECK_AFAS_TOKEN": token, "COLUMNS": "120"},
    )


@pytest.mark.parametrize("scenario_name", ["connector-missing", "connector-unassigned-401"])
def test_afas_trace_is_redacted_and_its_replay_gives_the_same_statuses(
    serve, tmp_path: Path, scenario_name: str
) -> None:
    scenario = load_afas_scenario(scenario_name)
    live = serve(AfasSimulator(scenario))
    har_path = tmp_path / "afas.har"
    connectors = [c.id for c in scenario.connectors]
    first = afas_run(
        live.base_url, scenario.envid, scenario.token_data, connectors, "--trace", str(har_path)
    )
    assert first.exit_code == 1, first.output
    text = har_path.read_text(encoding="utf-8")
    assert scenario.token_data not in text
    assert base64.b64encode(scenario.token_xml.encode()).decode() not in text
    assert "AfasToken" not in text
    assert "Voorbeeldmedewerker" not in text and "1980-01-01" not in text  # the demo rows
    entries = json.loads(text)["log"]["entries"]
    assert all(
        h["name"].lower() != "authorization" for e in entries for h in e["request"]["headers"]
    )
    replay = serve(ReplaySimulator("afas", load_har(har_path)))
    second = afas_run(replay.base_url, scenario.envid, scenario.token_data, connectors)
    assert statuses(second) == statuses(first)


def test_trace_into_a_missing_folder_is_exit_2_and_sends_nothing(serve, tmp_path) -> None:
    scenario = load_nmbrs_scenario("healthy")
    simulator = NmbrsSimulator(scenario)
    live = serve(simulator)
    result = nmbrs_run(live.base_url, scenario, "--trace", str(tmp_path / "nope" / "run.har"))
    assert result.exit_code == 2
    assert "--trace" in result.output
    assert sum(simulator.hits.values()) == 0


def test_replay_refuses_a_file_that_is_not_a_har(tmp_path) -> None:
    bad = tmp_path / "x.har"
    bad.write_text("{}", encoding="utf-8")
    result = runner.invoke(app, ["simulate", "nmbrs", "--replay", str(bad)])
    assert result.exit_code == 2
    assert "--replay" in result.output


def test_a_replay_without_the_request_answers_404(serve, tmp_path) -> None:
    har = {"log": {"version": "1.2", "entries": []}}
    path = tmp_path / "empty.har"
    path.write_text(json.dumps(har), encoding="utf-8")
    replay = ReplaySimulator("afas", load_har(path))
    from koppelcheck.simulator.server import SimRequest

    assert replay.handle(SimRequest("GET", "/ProfitRestServices/metainfo", {}, {})).status == 404


def test_secrets_in_json_and_form_bodies_are_removed() -> None:
    from koppelcheck.trace import _Tally, redact_body

    tally = _Tally()
    body = redact_body(
        '{"access_token":"abc123456789","expires_in":3600,"Naam":"Piet"}',
        "application/json",
        "response.body",
        tally,
    )
    assert json.loads(body) == {
        "access_token": REMOVED,
        "expires_in": 3600,
        "Naam": "[REDACTED:name]",
    }
    form = redact_body(
        "grant_type=client_credentials&client_secret=s3cr3t-value",
        "application/x-www-form-urlencoded",
        "request.body",
        tally,
    )
    assert "s3cr3t" not in form and "grant_type=client_credentials" in form


def test_batch_trace_covers_both_systems_without_tokens(tmp_path) -> None:
    from koppelcheck.simulator.fleet import running_fleet

    with running_fleet({1: (2, frozenset())}, {10001: ((), False)}) as fleet:
        batch_file = tmp_path / "bureau.toml"
        batch_file.write_text(fleet.batch_toml(), encoding="utf-8")
        har_path = tmp_path / "batch.har"
        result = runner.invoke(
            app,
            ["batch", str(batch_file), "--format", "json", "--trace", str(har_path)],
            env={**fleet.env, "COLUMNS": "120"},
        )
    assert result.exit_code == 0, result.output
    text = har_path.read_text(encoding="utf-8")
    paths = {urlsplit(e["request"]["url"]).path for e in json.loads(text)["log"]["entries"]}
    assert any(p.endswith(".asmx") for p in paths)
    assert any(p.lower().startswith("/profitrestservices/") for p in paths)
    for token in fleet.env.values():
        assert token not in text
