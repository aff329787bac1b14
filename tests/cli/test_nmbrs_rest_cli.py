"""``koppelcheck nmbrs`` REST readiness flags, ``checklist nmbrs --api rest`` and ``--api rest``."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from koppelcheck.cli.app import app
from tests.cli.test_nmbrs_cli import invoke

runner = CliRunner()


@pytest.mark.integration
def test_soap_run_has_readiness_and_writes_a_consent_plan(nmbrs_server, tmp_path) -> None:
    server, simulator = nmbrs_server("healthy")
    plan = tmp_path / "plan.json"
    result = invoke(
        server, simulator, "--format", "json", "--lang", "en", "--consent-plan", str(plan)
    )
    assert result.exit_code == 0, result.output
    checks = {c["id"]: c for c in json.loads(result.stdout)["checks"]}
    assert "2 consents needed" in checks["nmbrs.rest.inventory"]["message"]
    assert checks["nmbrs.rest.deadline"]["status"] == "warn"
    document = json.loads(plan.read_text())
    assert document["schema"] == "koppelcheck.consent-plan/v1"
    assert [d["name"] for d in document["debtors"]] == ["Jansen Holding", "De Vries Mobiliteit"]
    assert simulator.scenario.token not in plan.read_text()


@pytest.mark.integration
def test_no_rest_readiness_leaves_the_group_out(nmbrs_server) -> None:
    server, simulator = nmbrs_server("healthy")
    result = invoke(server, simulator, "--format", "json", "--no-rest-readiness")
    assert result.exit_code == 0, result.output
    ids = [c["id"] for c in json.loads(result.stdout)["checks"]]
    assert ids and not [i for i in ids if i.startswith("nmbrs.rest.")]


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        (["--consent-plan", "plan.md", "--no-rest-readiness"], "--consent-plan"),
        (["--consent-plan", "no/such/folder/plan.md"], "--consent-plan"),
        (["--api", "graphql"], "--api"),
    ],
)
def test_bad_readiness_flags_exit_2_before_sending(extra, field, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(
        app,
        ["nmbrs", "--username", "a@b.nl", "--domain", "x", "--no-input", *extra],
        env={"KOPPELCHECK_NMBRS_TOKEN": "0123456789abcdef"},
    )
    assert result.exit_code == 2, result.output
    assert field in result.output
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_checklist_rest_shows_the_consent_steps(fmt) -> None:
    result = runner.invoke(
        app, ["checklist", "nmbrs", "--api", "rest", "--format", fmt, "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    for text in (
        "Master Client login",
        "HR Manager (System)",
        "two-step verification",
        "overview",
        "2027-03-01",
    ):
        assert text in result.stdout
    assert "Nmbrs_Template" not in result.stdout and "Template User's rights" not in result.stdout


def test_checklist_rest_is_only_for_nmbrs() -> None:
    result = runner.invoke(app, ["checklist", "afas", "--api", "rest"])
    assert result.exit_code == 2 and "--api" in result.output
