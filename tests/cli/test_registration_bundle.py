"""``koppelcheck nmbrs|afas --form … --bundle …``: the signed registration bundle, end to end."""

from __future__ import annotations

import json
import os
import stat

import pytest
from jwcrypto import jwk, jws
from typer.testing import CliRunner

from koppelcheck.bundle.keys import SigningKey
from koppelcheck.cli.app import app

runner = CliRunner()

FORM = """
organisation = "Salarisbureau Voorbeeld"
email = "salaris@voorbeeld.nl"
contract_number = "RC-2024-118"
payroll_tax_number = "123456782L01"

[nmbrs]
company = "Bakkerij Jansen B.V."
dga_name = "J. Jansen"
dga_employee_number = 1
payroll_frequency = "monthly"
thirteenth_month = false
"""


@pytest.fixture
def signing_env():
    key = SigningKey.generate()
    return key, {"KOPPELCHECK_SIGNING_KEY": key.to_pem()}


def nmbrs_args(server, simulator, *extra):
    return [
        "nmbrs",
        "--username",
        simulator.scenario.username,
        "--domain",
        "voorbeeld",
        "--base-url",
        f"{server.base_url}/soap/v3",
        "--no-input",
        *extra,
    ]


def test_healthy_run_writes_a_verifiable_0600_bundle(nmbrs_server, signing_env, tmp_path) -> None:
    key, env = signing_env
    server, simulator = nmbrs_server("healthy")
    form, bundle = tmp_path / "form.toml", tmp_path / "registratie.json"
    form.write_text(FORM, encoding="utf-8")
    result = runner.invoke(
        app,
        nmbrs_args(server, simulator, "--form", str(form), "--bundle", str(bundle)),
        env={**env, "KOPPELCHECK_NMBRS_TOKEN": simulator.scenario.token},
    )
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(os.stat(bundle).st_mode) == 0o600
    assert str(bundle) in result.stderr
    assert simulator.scenario.token not in result.stdout + result.stderr

    assert runner.invoke(app, ["bundle", "verify", str(bundle)]).exit_code == 0
    public = jwk.JWK.from_pem(key.to_pem().encode()).export_public(as_dict=True)
    token = jws.JWS()
    token.deserialize(bundle.read_text())
    token.verify(jwk.JWK(**public))  # an independent JOSE library accepts it
    payload = json.loads(token.payload)
    assert payload["schema"] == "koppelcheck.registration/v1"
    assert payload["form"]["nmbrs"]["company"] == "Bakkerij Jansen B.V."
    assert payload["tokens"]["nmbrs"]["token"] == simulator.scenario.token

    tampered = bytearray(bundle.read_bytes())
    position = tampered.index(b'"signature"') + len(b'"signature": "') + 5
    tampered[position] = ord("A") if tampered[position] != ord("A") else ord("B")
    bundle.write_bytes(bytes(tampered))
    assert runner.invoke(app, ["bundle", "verify", str(bundle)]).exit_code == 1
    token = jws.JWS()
    token.deserialize(bundle.read_text())
    with pytest.raises(jws.InvalidJWSSignature):
        token.verify(jwk.JWK(**public))


def test_failing_checks_write_no_bundle(nmbrs_server, signing_env, tmp_path) -> None:
    _, env = signing_env
    server, simulator = nmbrs_server("calls-inactive")
    form, bundle = tmp_path / "form.toml", tmp_path / "registratie.json"
    form.write_text(FORM, encoding="utf-8")
    result = runner.invoke(
        app,
        nmbrs_args(server, simulator, "--form", str(form), "--bundle", str(bundle)),
        env={**env, "KOPPELCHECK_NMBRS_TOKEN": simulator.scenario.token},
    )
    assert result.exit_code == 1
    assert not bundle.exists()


@pytest.mark.parametrize(
    ("replace", "field"),
    [
        (
            ('payroll_tax_number = "123456782L01"', 'payroll_tax_number = "123456789L01"'),
            "payroll_tax_number",
        ),
        (('email = "salaris@voorbeeld.nl"', 'email = "not-an-email"'), "email"),
    ],
)
def test_invalid_form_exits_2_before_anything_is_sent(
    nmbrs_server, signing_env, tmp_path, replace, field
) -> None:
    _, env = signing_env
    server, simulator = nmbrs_server("healthy")
    form, bundle = tmp_path / "form.toml", tmp_path / "registratie.json"
    form.write_text(FORM.replace(*replace), encoding="utf-8")
    result = runner.invoke(
        app,
        nmbrs_args(server, simulator, "--form", str(form), "--bundle", str(bundle)),
        env={**env, "KOPPELCHECK_NMBRS_TOKEN": simulator.scenario.token},
    )
    assert result.exit_code == 2, result.output
    assert field in result.stderr
    assert sum(simulator.hits.values()) == 0
    assert not bundle.exists()


def test_company_in_form_must_exist_exactly(nmbrs_server, signing_env, tmp_path) -> None:
    _, env = signing_env
    server, simulator = nmbrs_server("healthy")
    form, bundle = tmp_path / "form.toml", tmp_path / "registratie.json"
    form.write_text(FORM.replace("Bakkerij Jansen B.V.", "Bakkerij Jansen BV"), encoding="utf-8")
    result = runner.invoke(
        app,
        nmbrs_args(server, simulator, "--form", str(form), "--bundle", str(bundle)),
        env={**env, "KOPPELCHECK_NMBRS_TOKEN": simulator.scenario.token},
    )
    assert result.exit_code in (1, 2)
    assert not bundle.exists()


def test_no_signing_key_with_no_input_exits_3_before_anything_is_sent(
    nmbrs_server, tmp_path, monkeypatch, memory_keyring
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("HOME", str(tmp_path))
    server, simulator = nmbrs_server("healthy")
    form, bundle = tmp_path / "form.toml", tmp_path / "registratie.json"
    form.write_text(FORM, encoding="utf-8")
    result = runner.invoke(
        app,
        nmbrs_args(server, simulator, "--form", str(form), "--bundle", str(bundle)),
        env={"KOPPELCHECK_NMBRS_TOKEN": simulator.scenario.token},
    )
    assert result.exit_code == 3, result.output
    assert "keys init" in result.stderr
    assert not bundle.exists()
    assert sum(simulator.hits.values()) == 0  # known before anything was sent
