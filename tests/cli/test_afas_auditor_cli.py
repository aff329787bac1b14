"""``koppelcheck afas --auditor``: the Auditor export's checks in a run against the simulator."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from koppelcheck.cli.app import app
from koppelcheck.simulator.afas import BASE_PATH, AfasSimulator, make_afas_simulator
from koppelcheck.simulator.server import SimulatorServer

DATA = Path(__file__).parent.parent / "data" / "auditor"
MARKDOWN = DATA / "auditor-report.md"
HTML = DATA / "auditor-report.html"
runner = CliRunner()


@pytest.fixture
def served() -> Iterator[tuple[SimulatorServer, AfasSimulator]]:
    simulator = make_afas_simulator("healthy")
    server = SimulatorServer(simulator).start()
    yield server, simulator
    server.stop()


def invoke(served, *extra: str):
    server, simulator = served
    args = ["afas", "--environment-id", "12345", "--base-url", server.base_url + BASE_PATH]
    args += ["--no-input", "--connector", "BP_Werknemers", "--lang", "en", *extra]
    return runner.invoke(app, args, env={"KOPPELCHECK_AFAS_TOKEN": simulator.scenario.token_data})


@pytest.mark.parametrize("export", [MARKDOWN, HTML])
def test_afas_auditor_adds_the_checks(served, export) -> None:
    result = invoke(served, "--auditor", str(export), "--format", "json")
    assert result.exit_code == 0, result.output
    ids = [c["id"] for c in json.loads(result.stdout)["checks"]]
    assert "afas.auditor" in ids and "afas.auditor.profit-windows" in ids


def test_afas_with_an_unreadable_export_exits_2_and_sends_nothing(served, tmp_path) -> None:
    path = tmp_path / "auditor.pdf"
    path.write_bytes(b"%PDF-1.4 whatever")
    result = invoke(served, "--auditor", str(path))
    assert result.exit_code == 2
    assert "--auditor" in result.output + (result.stderr or "")
    assert sum(served[1].hits.values()) == 0
