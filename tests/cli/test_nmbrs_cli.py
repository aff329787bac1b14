"""``koppelcheck nmbrs`` through Typer's CliRunner, against the simulator on loopback."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from koppelcheck.cli.app import app

runner = CliRunner()


def invoke(server, simulator, *extra: str, token: str | None = None, env: dict | None = None):
    scenario = simulator.scenario
    environment = {
        "KOPPELCHECK_NMBRS_TOKEN": token or scenario.token,
        "COLUMNS": "120",
        **(env or {}),
    }
    args = [
        "nmbrs",
        "--username",
        scenario.username,
        "--domain",
        scenario.domain,
        "--base-url",
        f"{server.base_url}/soap/v3",
        "--no-input",
        *extra,
    ]
    return runner.invoke(app, args, env=environment)


def test_calls_inactive_json_follows_the_contract(nmbrs_server) -> None:
    server, simulator = nmbrs_server("calls-inactive")
    result = invoke(server, simulator, "--format", "json")
    assert result.exit_code == 1, result.output
    document = json.loads(result.stdout)  # stdout is exactly one JSON document
    assert document["schema"] == "koppelcheck.report/v1"
    assert document["system"] == "nmbrs" and document["option"] == "overkoepelend"
    assert document["target"] == {
        "domain": "voorbeeld",
        "username": simulator.scenario.username,
        "environment": "production",
    }
    assert document["exit_code"] == 1
    failed = sorted(c["id"] for c in document["checks"] if c["status"] == "fail")
    assert failed == sorted(
        f"nmbrs.call.{s}.{o}"
        for s, o in [
            ("EmployeeService", "Children_Get"),
            ("EmployeeService", "Partner_Get"),
            ("EmployeeService", "SVW_GetCurrent"),
            ("ReportService", "Reports_BackgroundTask_Result"),
        ]
    )
    assert document["summary"]["fail"] == 4 and document["summary"]["pass"] == 17
    for check in document["checks"]:
        assert set(check) >= {"id", "status", "title", "message", "step", "fix", "duration_ms"}


def test_text_report_on_stdout_shows_what_to_fix(nmbrs_server) -> None:
    server, simulator = nmbrs_server("calls-inactive")
    result = invoke(server, simulator, "--lang", "en")
    assert result.exit_code == 1
    assert "Children_Get" in result.stdout and "Template Users" in result.stdout


def test_healthy_exits_zero_and_writes_extra_formats(nmbrs_server, tmp_path) -> None:
    server, simulator = nmbrs_server("healthy")
    junit, html, report = tmp_path / "r.xml", tmp_path / "r.html", tmp_path / "r.json"
    result = invoke(
        server,
        simulator,
        "--junit",
        str(junit),
        "--html",
        str(html),
        "--output",
        str(report),
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert json.loads(report.read_text())["exit_code"] == 0
    assert junit.read_text().startswith("<?xml") and "<testsuite" in junit.read_text()
    assert "<html" in html.read_text()


def test_bad_token_exits_1_with_auth_failure(nmbrs_server) -> None:
    server, simulator = nmbrs_server("bad-token")
    result = invoke(server, simulator, "--format", "json")
    assert result.exit_code == 1
    checks = {c["id"]: c["status"] for c in json.loads(result.stdout)["checks"]}
    assert checks["nmbrs.auth"] == "fail"


def test_no_token_with_no_input_exits_3_naming_every_way(nmbrs_server, memory_keyring) -> None:
    server, simulator = nmbrs_server("healthy")
    result = invoke(server, simulator, env={"KOPPELCHECK_NMBRS_TOKEN": ""})
    assert result.exit_code == 3
    for way in ("--token-file", "KOPPELCHECK_NMBRS_TOKEN", "sleutelbos", "--no-input"):
        assert way in result.stderr
    assert sum(simulator.hits.values()) == 0


def test_token_from_keyring(nmbrs_server, memory_keyring) -> None:
    server, simulator = nmbrs_server("healthy")
    scenario = simulator.scenario
    memory_keyring.set_password(
        "koppelcheck", f"nmbrs:voorbeeld:{scenario.username}", scenario.token
    )
    result = invoke(server, simulator, env={"KOPPELCHECK_NMBRS_TOKEN": ""})
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--domain", "not a domain"], "--domain"),
        (["--option", "both"], "--option"),
        (["--format", "yaml"], "--format"),
        (["--timeout", "0"], "--timeout"),
        (["--lang", "de"], "--lang"),
    ],
)
def test_bad_input_exits_2_naming_the_field_and_sends_nothing(nmbrs_server, args, field) -> None:
    server, simulator = nmbrs_server("healthy")
    result = invoke(server, simulator, *args)
    assert result.exit_code == 2, result.output
    assert field in result.stderr
    assert sum(simulator.hits.values()) == 0
    assert "Traceback" not in result.output


def test_plain_http_to_a_remote_host_is_refused() -> None:
    result = runner.invoke(
        app,
        [
            "nmbrs",
            "--username",
            "a@b.nl",
            "--domain",
            "acme",
            "--no-input",
            "--base-url",
            "http://api.nmbrs.nl/soap/v3",
        ],
        env={"KOPPELCHECK_NMBRS_TOKEN": "x" * 32},
    )
    assert result.exit_code == 2
    assert "--base-url" in result.stderr


def test_missing_username_with_no_input_exits_3() -> None:
    result = runner.invoke(app, ["nmbrs", "--domain", "acme", "--no-input"])
    assert result.exit_code == 3
    assert "--username" in result.stderr


def test_token_never_appears_in_any_output(nmbrs_server, tmp_path) -> None:
    server, simulator = nmbrs_server("calls-inactive")
    token = simulator.scenario.token
    files = {fmt: tmp_path / f"r.{fmt}" for fmt in ("json", "junit", "html")}
    for fmt in ("text", "json", "junit", "markdown", "html"):
        result = invoke(
            server,
            simulator,
            "--format",
            fmt,
            "--verbose",
            "--json",
            str(files["json"]),
            "--junit",
            str(files["junit"]),
            "--html",
            str(files["html"]),
        )
        assert result.exit_code == 1
        assert token not in result.stdout and token not in result.stderr
    for path in files.values():
        assert token not in path.read_text()


def test_a_verbose_run_leaves_no_logging_behind_for_the_next_command(nmbrs_server) -> None:
    server, simulator = nmbrs_server("healthy")
    verbose = invoke(server, simulator, "--verbose")
    assert verbose.exit_code == 0 and "DEBUG" in verbose.stderr
    quiet = invoke(server, simulator)
    assert quiet.exit_code == 0, quiet.output
    assert "DEBUG" not in quiet.stderr and "Logging error" not in quiet.stderr
