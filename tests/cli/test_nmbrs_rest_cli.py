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


def _rest_process(server, simulator, *extra: str):
    import os
    import subprocess
    import sys

    s = simulator.scenario
    env = {
        **os.environ,
        "KOPPELCHECK_NMBRS_CLIENT_SECRET": s.client_secret,
        "KOPPELCHECK_NMBRS_SUBSCRIPTION_KEY": s.subscription_key,
        "COLUMNS": "120",
    }
    args = [
        sys.executable,
        "-c",
        "from koppelcheck.cli.app import main; main()",
        "nmbrs",
        "--api",
        "rest",
        "--no-browser",
        "--no-input",
        "--lang",
        "en",
        "--client-id",
        s.client_id,
        "--base-url",
        server.base_url,
        "--identity-url",
        server.base_url,
        *extra,
    ]
    return subprocess.Popen(
        args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _consent_through_the_printed_url(process) -> list[str]:
    """Read stderr until the authorization URL stands on a line of its own; open it."""
    import httpx

    seen = []
    for line in process.stderr:
        seen.append(line)
        if line.startswith("http://127.0.0.1:") and "/connect/authorize?" in line:
            with httpx.Client(follow_redirects=True, timeout=10) as browser:
                assert browser.get(line.strip()).status_code == 200
            return seen
    raise AssertionError("".join(seen))


@pytest.mark.integration
@pytest.mark.parametrize(
    ("scenario", "code", "expect"),
    [
        ("healthy", 0, ("nmbrs.rest.endpoint.bankaccounts", "pass")),
        ("missing-scope", 1, ("nmbrs.rest.scopes", "fail")),
        ("no-access-company", 1, ("nmbrs.rest.endpoint.period", "fail")),
    ],
)
def test_no_browser_consent_through_the_printed_url(scenario, code, expect) -> None:
    from koppelcheck.simulator.nmbrs_rest import make_rest_simulator
    from koppelcheck.simulator.server import SimulatorServer

    simulator = make_rest_simulator(scenario)
    company = ["--company", "Jansen Vastgoed B.V."] if scenario == "no-access-company" else []
    with SimulatorServer(simulator) as server:
        process = _rest_process(server, simulator, "--format", "json", *company)
        try:
            _consent_through_the_printed_url(process)
            out, err = process.communicate(timeout=60)
        finally:
            process.kill()
    assert process.returncode == code, err
    checks = {c["id"]: c for c in json.loads(out)["checks"]}
    assert checks[expect[0]]["status"] == expect[1]
    if scenario == "missing-scope":
        assert "employee.bankaccount.read" in checks["nmbrs.rest.scopes"]["message"]
    assert "Tokens revoked: refresh_token, access_token" in err
    assert simulator.live_tokens == 0
    for secret in (simulator.scenario.client_secret, simulator.scenario.subscription_key):
        assert secret not in out + err


def test_rest_refuses_a_redirect_that_leaves_this_machine() -> None:
    result = runner.invoke(
        app,
        [
            "nmbrs",
            "--api",
            "rest",
            "--no-input",
            "--client-id",
            "x",
            "--redirect-uri",
            "https://example.org/callback",
        ],
        env={
            "KOPPELCHECK_NMBRS_CLIENT_SECRET": "secret-value-123",
            "KOPPELCHECK_NMBRS_SUBSCRIPTION_KEY": "key-value-12345",
        },
    )
    assert result.exit_code == 2 and "--redirect-uri" in result.output


def test_rest_without_secrets_names_every_way_to_give_them() -> None:
    result = runner.invoke(
        app,
        ["nmbrs", "--api", "rest", "--no-input", "--client-id", "x"],
        env={"KOPPELCHECK_NMBRS_CLIENT_SECRET": None, "KOPPELCHECK_NMBRS_SUBSCRIPTION_KEY": None},
    )
    assert result.exit_code == 3
    assert "--client-secret-file" in result.output
    assert "KOPPELCHECK_NMBRS_CLIENT_SECRET" in result.output


@pytest.mark.integration
def test_rest_walkthrough_on_a_terminal_shows_the_steps_and_records_confirmations(
    monkeypatch,
) -> None:
    import threading

    import httpx

    from koppelcheck.simulator.nmbrs_rest import make_rest_simulator
    from koppelcheck.simulator.server import SimulatorServer

    def browser(url: str) -> bool:
        def visit() -> None:
            with httpx.Client(follow_redirects=True, timeout=10) as client:
                client.get(url)

        threading.Thread(target=visit, daemon=True).start()
        return True

    monkeypatch.setattr("webbrowser.open", browser)
    simulator = make_rest_simulator("healthy")
    s = simulator.scenario
    with SimulatorServer(simulator) as server:
        result = runner.invoke(
            app,
            [
                "nmbrs",
                "--api",
                "rest",
                "--lang",
                "en",
                "--format",
                "json",
                "--client-id",
                s.client_id,
                "--base-url",
                server.base_url,
                "--identity-url",
                server.base_url,
            ],
            env={
                "KOPPELCHECK_INTERACTIVE": "1",
                "KOPPELCHECK_NMBRS_CLIENT_SECRET": s.client_secret,
                "KOPPELCHECK_NMBRS_SUBSCRIPTION_KEY": s.subscription_key,
            },
            input="y\ny\ny\ny\nn\n",  # steps 1 and 2 before their checks, then 3, 4, 5
        )
    assert result.exit_code == 0, result.output
    assert "Choose, per debtor, the login that consents" in result.stderr, result.stdout[:500]
    report = result.stdout[result.stdout.index("{") :]  # CliRunner echoes the answers first
    manual = {
        c["id"]: c["confirmed"]
        for c in json.loads(report)["checks"]
        if c["status"] == "manual" and c["id"].startswith("nmbrs.rest.step.")
    }
    assert manual == {
        "nmbrs.rest.step.3": True,
        "nmbrs.rest.step.4": True,
        "nmbrs.rest.step.5": False,
    }
    assert simulator.live_tokens == 0


def test_rest_secrets_come_from_the_keyring(memory_keyring) -> None:
    from koppelcheck.cli.nmbrs_rest import RestFlags, rest_settings
    from koppelcheck.cli.options import CommonOptions
    from koppelcheck.credentials import KEYRING_SERVICE

    memory_keyring.set_password(KEYRING_SERVICE, "nmbrs-rest:app:client-secret", "s3cret*$value")
    memory_keyring.set_password(KEYRING_SERVICE, "nmbrs-rest:app:subscription-key", "k3y-value-42")
    flags = RestFlags("app", None, None, None, True, None, None)
    settings = rest_settings(flags, CommonOptions(), can_ask=False)
    assert settings.client_secret.reveal() == "s3cret*$value"
    assert settings.client_secret.source == "keyring"
    assert settings.subscription_key.reveal() == "k3y-value-42"
