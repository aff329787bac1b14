"""Batch files with AFAS OAuth client credentials: validated like tokens, run on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from koppelcheck.batch.plan import load_batch_file
from koppelcheck.cli.app import app
from koppelcheck.errors import InputError
from koppelcheck.i18n import Translator
from koppelcheck.simulator.afas import BASE_PATH, AfasSimulator, make_afas_simulator
from koppelcheck.simulator.server import SimulatorServer

runner = CliRunner()


@pytest.fixture
def served() -> Iterator[object]:
    started: list[SimulatorServer] = []

    def start(name: str) -> tuple[str, AfasSimulator]:
        simulator = make_afas_simulator(name)
        server = SimulatorServer(simulator).start()
        started.append(server)
        return server.base_url + BASE_PATH, simulator

    yield start
    for server in started:
        server.stop()


def employer(name: str, url: str, *lines: str) -> str:
    return "\n".join(
        [
            "[[employer]]",
            f'id = "{name}"',
            'system = "afas"',
            'environment_id = "O12345AA"',
            'connectors = ["BP_Werknemers"]',
            f'base_url = "{url}"',
            *lines,
            "",
        ]
    )


def problems(tmp_path: Path, text: str) -> str:
    path = tmp_path / "batch.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_batch_file(path)
    return info.value.said(Translator("en"))[0]


def test_client_id_with_a_variable_needs_no_token(tmp_path) -> None:
    path = tmp_path / "batch.toml"
    path.write_text(
        employer("a", "http://127.0.0.1:9", 'client_id = "abc"', 'client_secret_env = "S"'),
        encoding="utf-8",
    )
    plan = load_batch_file(path)
    assert plan.employers[0].settings["client_id"] == "abc"
    assert plan.employers[0].token_env is None


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (('client_id = "abc"', 'client_secret = "s3cret-value"'), "client_secret_env"),
        (('client_id = "abc"',), 'give client_secret_env = "VARIABLE"'),
        (('client_secret_env = "S"', 'token_env = "T"'), "client_id: required"),
        (('client_id = "two words"', 'client_secret_env = "S"'), "client_id"),
        (('client_id = "abc"', 'client_secret_env = "not a name"'), "client_secret_env"),
        (('client_id = "abc"', 'client_secret_keyring = "yes"'), "client_secret_keyring"),
    ],
)
def test_bad_client_settings_name_the_key(tmp_path, lines, expected) -> None:
    message = problems(tmp_path, employer("a", "http://127.0.0.1:9", *lines))
    assert expected in message
    assert "s3cret-value" not in message


def test_an_oauth_employer_and_a_hybrid_one_run_and_pass(served, tmp_path, memory_keyring) -> None:
    oauth_url, oauth_sim = served("oauth")
    hybrid_url, hybrid_sim = served("hybrid")
    assert oauth_sim.scenario.oauth is not None
    client = f'client_id = "{oauth_sim.scenario.oauth.client_id}"'
    text = employer("o", oauth_url, client, 'client_secret_env = "LEAK_SECRET"')
    text += employer(
        "h", hybrid_url, client, "client_secret_keyring = true", 'token_env = "LEAK_TOKEN"'
    )
    path = tmp_path / "batch.toml"
    path.write_text(text, encoding="utf-8")
    secret = oauth_sim.scenario.oauth.client_secret
    account = f"afas:12345:oauth:{oauth_sim.scenario.oauth.client_id}"
    memory_keyring.set_password("koppelcheck", account, secret)
    env = {"LEAK_SECRET": secret, "LEAK_TOKEN": hybrid_sim.scenario.token_data}
    result = runner.invoke(app, ["batch", str(path), "--format", "json"], env=env)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    reports = {e["id"]: e for e in document["employers"]}
    assert set(reports) == {"o", "h"}
    assert set(oauth_sim.schemes) == {"Bearer"}
    assert hybrid_sim.schemes["Bearer"] and hybrid_sim.schemes["AfasToken"]
    assert secret not in result.output


def test_a_missing_client_secret_exits_3_before_any_call(served, tmp_path) -> None:
    url, simulator = served("oauth")
    path = tmp_path / "batch.toml"
    path.write_text(
        employer("o", url, 'client_id = "abc"', 'client_secret_env = "NOT_SET_ANYWHERE"'),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["batch", str(path)], env={"NOT_SET_ANYWHERE": None})
    assert result.exit_code == 3, result.output
    assert "NOT_SET_ANYWHERE" in result.output + (result.stderr or "")
    assert sum(simulator.hits.values()) == 0
