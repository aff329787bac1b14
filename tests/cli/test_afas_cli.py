"""``koppelcheck afas`` through Typer's CliRunner, against the AFAS simulator on loopback."""

from __future__ import annotations

import base64
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from koppelcheck.cli.app import app
from koppelcheck.simulator.afas import BASE_PATH, AfasSimulator, make_afas_simulator
from koppelcheck.simulator.server import SimulatorServer

runner = CliRunner()
CONNECTORS = ("BP_Werknemers", "BP_Dienstverbanden", "BP_Salarissen", "BP_Verzuim")


@pytest.fixture
def served() -> Iterator[object]:
    started: list[SimulatorServer] = []

    def start(name: str) -> tuple[SimulatorServer, AfasSimulator]:
        simulator = make_afas_simulator(name)
        server = SimulatorServer(simulator).start()
        started.append(server)
        return server, simulator

    yield start
    for server in started:
        server.stop()


def invoke(
    server: SimulatorServer,
    simulator: AfasSimulator,
    *extra: str,
    token: str | None = None,
    connectors: tuple[str, ...] = CONNECTORS,
):
    env = {"KOPPELCHECK_AFAS_TOKEN": token or simulator.scenario.token_data, "COLUMNS": "120"}
    args = [
        "afas",
        "--environment-id",
        simulator.scenario.envid,
        "--base-url",
        server.base_url + BASE_PATH,
        "--no-input",
        *[arg for cid in connectors for arg in ("--connector", cid)],
        *extra,
    ]
    return runner.invoke(app, args, env=env)


def assert_no_token(result, simulator: AfasSimulator) -> None:
    xml = simulator.scenario.token_xml
    for secret in (simulator.scenario.token_data, xml, base64.b64encode(xml.encode()).decode()):
        assert secret not in result.output
        assert secret not in (result.stderr or "")


def test_connector_missing_exits_1_with_the_fail(served) -> None:
    server, simulator = served("connector-missing")
    result = invoke(server, simulator, "--format", "json")
    assert result.exit_code == 1, result.output
    document = json.loads(result.stdout)
    assert document["system"] == "afas"
    assert document["target"] == {"environment_id": "12345", "environment": "production"}
    assert [c["id"] for c in document["checks"] if c["status"] == "fail"] == [
        "afas.connector.BP_Salarissen"
    ]
    assert_no_token(result, simulator)


def test_text_report_names_the_manual_step(served) -> None:
    server, simulator = served("connector-missing")
    result = invoke(server, simulator, "--lang", "en")
    assert result.exit_code == 1
    assert "BP_Salarissen" in result.stdout and "3.9" in result.stdout
    assert_no_token(result, simulator)


def test_maintenance_exits_4(served) -> None:
    server, simulator = served("maintenance")
    result = invoke(server, simulator)
    assert result.exit_code == 4, result.output
    assert_no_token(result, simulator)


def test_healthy_with_the_zip_and_xml_token_file_exits_0(served, tmp_path: Path) -> None:
    server, simulator = served("healthy")
    archive = tmp_path / "bp.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for cid in CONNECTORS:
            zf.writestr(f"Benefits-Plaza/{cid}.gcn", "<x/>")
    token_file = tmp_path / "token.txt"
    token_file.write_text("\ufeff" + simulator.scenario.token_xml + "\n", encoding="utf-8")
    result = invoke(
        server,
        simulator,
        "--connectors-zip",
        str(archive),
        "--token-file",
        str(token_file),
        "--format",
        "json",
        connectors=(),
    )
    assert result.exit_code == 0, result.output
    ids = [c["id"] for c in json.loads(result.stdout)["checks"]]
    # In the manual's order: the connectors (step 1), then the token, its login and when it stops
    # (step 3).
    assert ids == [
        *(f"afas.connector.{cid}" for cid in CONNECTORS),
        "afas.token",
        "afas.auth",
        "afas.token.expiry",
        "afas.classic.sunset",
    ]
    assert_no_token(result, simulator)


def test_bad_token_exits_1_and_never_shows_it(served) -> None:
    server, simulator = served("bad-token")
    result = invoke(server, simulator, "--verbose")
    assert result.exit_code == 1
    assert_no_token(result, simulator)


@pytest.mark.parametrize("value", ["X12345AA", "1234", "O12345"])
def test_bad_environment_id_exits_2_and_sends_nothing(served, value: str) -> None:
    server, simulator = served("healthy")
    result = runner.invoke(
        app,
        [
            "afas",
            "--environment-id",
            value,
            "--base-url",
            server.base_url + BASE_PATH,
            "--no-input",
        ],
        env={"KOPPELCHECK_AFAS_TOKEN": simulator.scenario.token_data},
    )
    assert result.exit_code == 2
    assert "O12345AA" in result.output
    assert sum(simulator.hits.values()) == 0


def test_token_in_no_known_form_exits_2_naming_the_variable(served) -> None:
    server, simulator = served("healthy")
    result = invoke(server, simulator, token="not+a/token==")
    assert result.exit_code == 2
    assert "KOPPELCHECK_AFAS_TOKEN" in result.output
    assert sum(simulator.hits.values()) == 0


def test_missing_token_exits_3(served) -> None:
    server, simulator = served("healthy")
    result = runner.invoke(
        app,
        [
            "afas",
            "--environment-id",
            "12345",
            "--base-url",
            server.base_url + BASE_PATH,
            "--no-input",
        ],
    )
    assert result.exit_code == 3
    assert "KOPPELCHECK_AFAS_TOKEN" in result.output and "afas:12345" in result.output


def test_bad_zip_exits_2(served, tmp_path: Path) -> None:
    server, simulator = served("healthy")
    bad = tmp_path / "bp.zip"
    bad.write_bytes(b"nope")
    result = invoke(server, simulator, "--connectors-zip", str(bad))
    assert result.exit_code == 2
    assert "--connectors-zip" in result.output
