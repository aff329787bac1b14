"""``koppelcheck afas`` with OAuth client credentials and the classic-token deadlines, against the
AFAS simulator on loopback (issue 13's "done when")."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import pytest
from typer.testing import CliRunner

from koppelcheck.afas import facts
from koppelcheck.cli.app import app
from koppelcheck.simulator.afas import BASE_PATH, AfasSimulator, make_afas_simulator
from koppelcheck.simulator.server import SimulatorServer

runner = CliRunner()
CONNECTORS = ("BP_Werknemers", "BP_Verzuim")


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
    env: dict[str, str | None] | None = None,
    input: str | None = None,
):
    args = [
        "afas",
        "--environment-id",
        simulator.scenario.envid,
        "--base-url",
        server.base_url + BASE_PATH,
        "--no-input",
        "--format",
        "json",
        "--lang",
        "en",
        *[arg for cid in CONNECTORS for arg in ("--connector", cid)],
        *extra,
    ]
    base_env: dict[str, str | None] = {
        "KOPPELCHECK_AFAS_TOKEN": None,
        "KOPPELCHECK_AFAS_CLIENT_ID": None,
        "KOPPELCHECK_AFAS_CLIENT_SECRET": None,
        "COLUMNS": "120",
    }
    return runner.invoke(app, args, env={**base_env, **(env or {})}, input=input)


def client_env(simulator: AfasSimulator) -> dict[str, str | None]:
    assert simulator.scenario.oauth is not None
    return {
        "KOPPELCHECK_AFAS_CLIENT_ID": simulator.scenario.oauth.client_id,
        "KOPPELCHECK_AFAS_CLIENT_SECRET": simulator.scenario.oauth.client_secret,
    }


def checks(result) -> dict[str, dict[str, object]]:
    return {c["id"]: c for c in json.loads(result.stdout)["checks"]}


def assert_no_secret(result, simulator: AfasSimulator) -> None:
    assert simulator.scenario.oauth is not None
    secret = simulator.scenario.oauth.client_secret
    assert secret not in result.output and secret not in (result.stderr or "")
    assert secret[-12:] not in result.output


def test_a_new_user_with_only_client_credentials_passes_with_bearer_probes(served) -> None:
    server, simulator = served("oauth")
    result = invoke(server, simulator, env=client_env(simulator))
    assert result.exit_code == 0, result.output
    found = checks(result)
    # In the manual's order: the connectors (step 1), then step 3's OAuth variant.
    assert list(found) == [*(f"afas.connector.{c}" for c in CONNECTORS), "afas.oauth", "afas.auth"]
    assert {c["status"] for c in found.values()} == {"pass"}
    assert set(simulator.schemes) == {"Bearer"}  # every probe used the access token
    assert simulator.hits["connectors/BP_Werknemers"] == 1
    assert_no_secret(result, simulator)


def test_the_secret_from_a_file_or_stdin(served, tmp_path) -> None:
    server, simulator = served("oauth")
    assert simulator.scenario.oauth is not None
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(simulator.scenario.oauth.client_secret + "\n", encoding="utf-8")
    client_id = simulator.scenario.oauth.client_id
    from_file = invoke(
        server, simulator, "--client-id", client_id, "--client-secret-file", str(secret_file)
    )
    assert from_file.exit_code == 0, from_file.output
    from_stdin = invoke(
        server,
        simulator,
        "--client-id",
        client_id,
        "--client-secret-file",
        "-",
        input=simulator.scenario.oauth.client_secret,
    )
    assert from_stdin.exit_code == 0, from_stdin.output


def test_a_wrong_secret_fails_afas_oauth_with_the_fix(served) -> None:
    server, simulator = served("bad-secret")
    result = invoke(server, simulator, env=client_env(simulator))
    assert result.exit_code == 1, result.output
    check = checks(result)["afas.oauth"]
    assert check["status"] == "fail"
    assert "invalid_client" in check["message"] and "trace identifier" in check["message"]
    assert "shown only once" in check["fix"]["text"]
    assert_no_secret(result, simulator)


def test_classic_expiring_warns_with_the_date_and_days_left(served) -> None:
    server, simulator = served("classic-expiring")
    result = invoke(
        server, simulator, env={"KOPPELCHECK_AFAS_TOKEN": simulator.scenario.token_data}
    )
    assert result.exit_code == 0, result.output
    found = checks(result)
    days = (facts.CLASSIC_TOKEN_EXPIRY - date.today()).days
    assert found["afas.token.expiry"]["status"] == "warn"
    assert "2027-05-01" in found["afas.token.expiry"]["message"]
    assert f"{days} days left" in found["afas.token.expiry"]["message"]
    assert found["afas.classic.sunset"]["status"] == "warn"
    assert "2027-08-31" in found["afas.classic.sunset"]["message"]
    strict = invoke(
        server,
        simulator,
        "--strict",
        env={"KOPPELCHECK_AFAS_TOKEN": simulator.scenario.token_data},
    )
    assert strict.exit_code == 1  # warnings count with --strict


def test_hybrid_verifies_both_credentials(served) -> None:
    server, simulator = served("hybrid")
    env = {**client_env(simulator), "KOPPELCHECK_AFAS_TOKEN": simulator.scenario.token_data}
    result = invoke(server, simulator, env=env)
    assert result.exit_code == 0, result.output
    found = checks(result)
    assert found["afas.auth"]["status"] == found["afas.auth.oauth"]["status"] == "pass"
    assert found["afas.classic.sunset"]["status"] == "warn"
    assert simulator.schemes["Bearer"] >= 3 and simulator.schemes["AfasToken"] >= 3
    assert json.loads(result.stdout)["target"]["auth"] == "hybrid"


def test_a_token_against_an_oauth_only_app_connector_says_so(served) -> None:
    server, simulator = served("oauth")
    env = {**client_env(simulator), "KOPPELCHECK_AFAS_TOKEN": simulator.scenario.token_data}
    result = invoke(server, simulator, env=env)
    assert result.exit_code == 1
    found = checks(result)
    assert found["afas.auth"]["status"] == "fail"
    assert "set it to Hybrid" in found["afas.auth"]["fix"]["text"]
    assert found["afas.auth.oauth"]["status"] == "pass"


@pytest.mark.parametrize(
    ("extra", "env", "code", "named"),
    [
        (("--client-secret-file", "secret.txt"), {}, 2, "--client-secret-file"),
        (
            ("--client-id", "abc", "--client-secret-file", "-", "--token-file", "-"),
            {},
            2,
            "stdin",
        ),
        (
            ("--client-id", "two words"),
            {"KOPPELCHECK_AFAS_CLIENT_SECRET": "x" * 20},
            2,
            "--client-id",
        ),
        (("--client-id", "abc"), {}, 3, "KOPPELCHECK_AFAS_CLIENT_SECRET"),
        (("--client-id", "abc", "--client-secret-file", "missing.txt"), {}, 2, "missing.txt"),
    ],
)
def test_bad_oauth_input_exits_before_anything_is_sent(served, extra, env, code, named) -> None:
    server, simulator = served("oauth")
    result = invoke(server, simulator, *extra, env=env)
    assert result.exit_code == code, result.output
    assert named in result.output + (result.stderr or "")
    assert sum(simulator.hits.values()) == 0
    assert "Traceback" not in result.output


@pytest.mark.parametrize("auth", ["oauth", "hybrid"])
def test_the_walkthrough_asks_the_authentication_type_and_shows_that_step_3(served, auth) -> None:
    server, simulator = served(auth)
    assert simulator.scenario.oauth is not None
    answers = [auth, simulator.scenario.oauth.client_id, simulator.scenario.oauth.client_secret]
    if auth == "hybrid":
        answers.append(simulator.scenario.token_data)
    args = [
        "afas",
        "--environment-id",
        simulator.scenario.envid,
        "--base-url",
        server.base_url + BASE_PATH,
        "--lang",
        "en",
        "--connector",
        "BP_Werknemers",
    ]
    env: dict[str, str | None] = {
        "KOPPELCHECK_INTERACTIVE": "1",
        "KOPPELCHECK_AFAS_TOKEN": None,
        "KOPPELCHECK_AFAS_CLIENT_ID": None,
        "KOPPELCHECK_AFAS_CLIENT_SECRET": None,
        "COLUMNS": "120",
    }
    result = runner.invoke(app, args, env=env, input="\n".join(answers) + "\n" * 60)
    assert result.exit_code == 0, result.stderr
    assert "How does the App Connector authenticate" in result.stderr
    title = "Set the authentication type to " + ("OAuth" if auth == "oauth" else "Hybrid")
    assert title in result.stderr
    assert "Create a user token" not in result.stderr  # the classic step 3.6 is not shown
    assert set(simulator.schemes) >= {"Bearer"}
    assert simulator.scenario.oauth.client_secret not in result.output + result.stderr


def test_an_unknown_answer_is_asked_again(served) -> None:
    server, simulator = served("healthy")
    args = ["afas", "--environment-id", "12345", "--base-url", server.base_url + BASE_PATH]
    env: dict[str, str | None] = {
        "KOPPELCHECK_INTERACTIVE": "1",
        "KOPPELCHECK_AFAS_TOKEN": None,
        "KOPPELCHECK_AFAS_CLIENT_ID": None,
        "COLUMNS": "120",
    }
    answers = "bearer\nclassic\n" + simulator.scenario.token_data + "\n" + "\n" * 60
    result = runner.invoke(app, [*args, "--lang", "en"], env=env, input=answers)
    assert "Answer one of: classic / oauth / hybrid" in result.stderr
    assert result.exit_code == 0, result.stderr
    assert "Create a user token" in result.stderr


def test_an_oauth_bundle_carries_the_verified_client_id_and_the_sealed_secret(
    served, tmp_path
) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    server, simulator = served("oauth")
    assert simulator.scenario.oauth is not None
    key = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    form = tmp_path / "form.toml"
    form.write_text(
        'organisation = "Voorbeeld B.V."\nemail = "a@voorbeeld.nl"\ncontract_number = "RC-1"\n'
        'payroll_tax_number = "123456782L01"\n[afas]\nemployer_codes = ["01"]\n',
        encoding="utf-8",
    )
    bundle = tmp_path / "registratie.json"
    env = {**client_env(simulator), "KOPPELCHECK_SIGNING_KEY": key.decode()}
    env["XDG_CONFIG_HOME"] = str(tmp_path)
    result = invoke(server, simulator, "--form", str(form), "--bundle", str(bundle), env=env)
    assert result.exit_code == 0, result.output
    shown = runner.invoke(app, ["bundle", "show", str(bundle), "--lang", "en"], env=env)
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout
    assert '"koppelcheck-demo-client"  [verified by afas.oauth]' in lines
    assert "afas.client_secret" in lines and "[verified by afas.oauth]" in lines
    assert "afas.data_token" not in lines and "afas.token_version" not in lines  # no token
    assert simulator.scenario.oauth.client_secret not in lines
