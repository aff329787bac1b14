"""A third payroll system is one package and one registry line: ``tests/support/loonpakket``,
registered in a fresh interpreter before anything else imports koppelcheck, with no other edit.

Each case runs ``koppelcheck`` in a subprocess (the registry is read at import) against the
package's simulator, served here on loopback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from koppelcheck.simulator.server import SimulatorServer

SUPPORT = Path(__file__).resolve().parents[1] / "support"
REGISTER = (
    "from koppelcheck.registry import TABLE\n"
    "TABLE['loonpakket'] = 'loonpakket.system:LOONPAKKET'\n"  # the one line
)
TOKEN = "lp-3f9c2a7e51d04b86"  # the simulator's demo token


def _signing_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )


def _env(**extra: str) -> dict[str, str]:
    path = os.pathsep.join(filter(None, [str(SUPPORT), os.environ.get("PYTHONPATH")]))
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOPPELCHECK_")}
    return {**env, "PYTHONPATH": path, "NO_COLOR": "1", "COLUMNS": "100", **extra}


def koppelcheck(*args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    """``koppelcheck ARGS`` as its console script runs, with Loonpakket registered first."""
    code = REGISTER + "import sys\nsys.argv[0] = 'koppelcheck'\n"
    code += "from koppelcheck.cli.app import main\nmain()\n"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=_env(**env),
        timeout=60,
    )


@pytest.fixture(scope="module")
def loonpakket_server() -> Iterator[str]:
    sys.path.insert(0, str(SUPPORT))
    try:
        from loonpakket.simulator import SCENARIOS, LoonpakketSimulator

        with SimulatorServer(LoonpakketSimulator(SCENARIOS["healthy"])) as server:
            yield server.base_url
    finally:
        sys.path.remove(str(SUPPORT))


def test_a_check_runs_against_its_api_and_names_its_flags(loonpakket_server: str) -> None:
    run = koppelcheck(
        "loonpakket",
        "--tenant",
        "42",
        "--base-url",
        loonpakket_server,
        "--token-file",
        "-",
        "--no-input",
        "--format",
        "json",
        stdin=TOKEN + "\n",
    )
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["system"] == "loonpakket"
    assert [(c["id"], c["status"]) for c in report["checks"]] == [
        ("loonpakket.auth", "pass"),
        ("loonpakket.tenant", "pass"),
        ("loonpakket.employees", "pass"),
    ]
    assert report["checks"][0]["step_id"] == "loonpakket.step.1"
    assert TOKEN not in run.stdout + run.stderr

    bad = koppelcheck("loonpakket", "--tenant", "x", "--base-url", loonpakket_server, "--no-input")
    assert bad.returncode == 2
    assert bad.stderr.startswith("--tenant: moet een tenantnummer zijn"), bad.stderr
    assert "Traceback" not in bad.stderr


DRIVER = """
import json, sys
from typer.testing import CliRunner
from koppelcheck.cli.app import app

def run(*args, input=None, **env):
    result = CliRunner().invoke(app, list(args), input=input, env=env or None)
    return {"code": result.exit_code, "out": result.output, "stdout": result.stdout}

found = {"help": run("--help")}
found["light"] = [m for m in ("pydantic", "loonpakket.system") if m in sys.modules]
found["command_help"] = run("loonpakket", "--help")
found["checklist"] = run("checklist", "loonpakket", "--lang", "en")
found["simulate_help"] = run("simulate", "--help")
found["batch"] = run("batch", sys.argv[1], "--no-input", "--format", "json", LP_TOKEN=sys.argv[2])
found["missing"] = run("loonpakket", "--no-input", "--token-file", "-")
found["scenario"] = run("simulate", "loonpakket", "--scenario", "nope")
url, bundle, key = sys.argv[3:6]
fields = ["organisation=Bureau", "email=a@b.nl", "contract_number=RC-1"]
fields += ["payroll_tax_number=123456782L01", "loonpakket.payroll_group=Maand"]
found["bundle"] = run(
    "loonpakket", "--tenant", "42", "--base-url", url, "--no-input", "--bundle", bundle,
    *[arg for field in fields for arg in ("--field", field)],
    KOPPELCHECK_LOONPAKKET_TOKEN=sys.argv[2], KOPPELCHECK_SIGNING_KEY=key,
)
found["bundle_show"] = run("bundle", "show", bundle)

import asyncio
from koppelcheck import Secret, check

report = asyncio.run(
    check("loonpakket", {"tenant": "42", "base_url": url}, token=Secret(sys.argv[2], "test"))
)
found["library"] = [report.system, report.exit_code, [c.status.value for c in report.checks]]
found["markdown"] = run(
    "loonpakket", "--tenant", "42", "--base-url", url, "--no-input", "--format", "markdown",
    "--lang", "en", KOPPELCHECK_LOONPAKKET_TOKEN=sys.argv[2],
)

import keyring
from keyring.backend import KeyringBackend

class MemoryKeyring(KeyringBackend):
    priority = 1
    passwords = {}
    def get_password(self, service, account):
        return self.passwords.get((service, account))
    def set_password(self, service, account, password):
        self.passwords[(service, account)] = password
    def delete_password(self, service, account):
        del self.passwords[(service, account)]

store = MemoryKeyring()
keyring.set_keyring(store)
found["credentials_help"] = run("credentials", "set", "--help")
found["credentials"] = run("credentials", "set", "loonpakket", "--tenant", "x")
found["credentials_missing"] = run("credentials", "delete", "loonpakket")
found["credentials_set"] = run(
    "credentials", "set", "loonpakket", "--tenant", " 42 ", "--token-file", "-",
    input=sys.argv[2] + "\\n",
)
found["credentials_list"] = run("credentials", "list")
found["keyring"] = sorted(account for _, account in store.passwords)
found["credentials_delete"] = run("credentials", "delete", "loonpakket", "--tenant", "42")
found["keyring_after"] = sorted(account for _, account in store.passwords)
print(json.dumps(found))
"""


def test_every_command_finds_it(loonpakket_server: str, tmp_path: Path) -> None:
    batch = tmp_path / "werkgevers.toml"
    batch.write_text(
        f'[[employer]]\nid = "bakkerij"\nsystem = "loonpakket"\ntenant = 42\n'
        f'base_url = "{loonpakket_server}"\ntoken_env = "LP_TOKEN"\n',
        encoding="utf-8",
    )
    out = subprocess.run(
        [sys.executable, "-c", REGISTER + DRIVER, str(batch), TOKEN]
        + [loonpakket_server, str(tmp_path / "registratie.json"), _signing_key()],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
        check=True,
    )
    found = json.loads(out.stdout)

    assert found["help"]["code"] == 0
    assert "loonpakket   Controleer een Loonpakket-inrichting" in found["help"]["out"]
    assert found["light"] == []  # listing it read the catalogue, not the system

    command_help = found["command_help"]["out"]
    assert found["command_help"]["code"] == 0
    assert "--tenant ID" in command_help
    assert "Het tenantnummer dat Loonpakket" in command_help
    assert "KOPPELCHECK_LOONPAKKET_TENANT" in command_help
    for flag in ("--token-file", "--base-url", "--format", "--bundle", "--trace"):
        assert flag in command_help
    assert "--client-secret-file" not in command_help  # its settings have no client_id
    assert "Opties:" in command_help and "Options:" not in command_help

    checklist = found["checklist"]
    assert checklist["code"] == 0, checklist["out"]
    assert "Step 1  Create an API token" in checklist["out"]
    assert "Step 2  Give the token read rights on employees" in checklist["out"]
    # no form step in its manual: the form's part says so, it names no step
    assert "Collect these details for a.s.r.'s registration form." in checklist["out"]
    assert "for step ." not in checklist["out"]

    assert "loonpakket  Start de simulator van de Loonpakket-API" in found["simulate_help"]["out"]

    batch_report = found["batch"]
    assert batch_report["code"] == 0, batch_report["out"]
    employers = json.loads(batch_report["stdout"])["employers"]
    assert [(e["id"], e["system"], e["exit_code"]) for e in employers] == [
        ("bakkerij", "loonpakket", 0)
    ]

    scenario = found["scenario"]  # the generated simulate command asks the system's simulator
    assert scenario["code"] == 2
    assert "--scenario: onbekend scenario 'nope'" in scenario["out"]
    assert "healthy, no-scope" in scenario["out"]

    # credentials: the system's own key is a flag, its token_account names the account
    credentials_help = found["credentials_help"]["out"]
    assert (
        "--tenant ID" in credentials_help and "Het tenantnummer dat Loonpakket" in credentials_help
    )
    assert "--environment-id ID" in credentials_help  # the flags written for AFAS and Nmbrs stay
    credentials = found["credentials"]
    assert credentials["code"] == 2
    assert credentials["out"].startswith("--tenant: moet een tenantnummer zijn"), credentials["out"]
    assert found["credentials_missing"]["code"] == 2
    assert found["credentials_missing"]["out"].startswith("--tenant: moet een tenantnummer zijn")
    assert found["credentials_set"]["code"] == 0, found["credentials_set"]["out"]
    assert "loonpakket:42 opgeslagen" in found["credentials_set"]["out"]
    assert found["keyring"] == ["__accounts__", "loonpakket:42"]
    assert found["credentials_list"]["stdout"].startswith("loonpakket:42\t")
    assert TOKEN not in found["credentials_set"]["out"] + found["credentials_list"]["out"]
    assert found["credentials_delete"]["code"] == 0, found["credentials_delete"]["out"]
    assert found["keyring_after"] == ["__accounts__"]

    # the report's title names the tenant (target_label_keys), its fields their catalogue's words
    markdown = found["markdown"]["stdout"]
    assert found["markdown"]["code"] == 0, found["markdown"]["out"]
    assert markdown.startswith("# koppelcheck — Loonpakket 42\n"), markdown[:200]
    assert "Tenant: 42" in found["bundle"]["out"] and "tenant: 42" not in found["bundle"]["out"]

    assert found["bundle"]["code"] == 0, found["bundle"]["out"]
    shown = found["bundle_show"]["out"]  # the system's form section and token section, signed
    assert found["bundle_show"]["code"] == 0, shown
    assert 'loonpakket.tenant = "42"  [bevestigd door loonpakket.tenant]' in shown
    assert 'loonpakket.payroll_group = "Maand"  [opgegeven]' in shown
    assert TOKEN not in shown and '"loonpakket": {' in shown

    # the library entry point, as a script of a bureau would call it
    assert found["library"] == ["loonpakket", 0, ["pass", "pass", "pass"]]

    missing = found["missing"]
    assert missing["code"] == 3  # a required setting nobody can be asked for
    assert "--tenant" in missing["out"] and "KOPPELCHECK_LOONPAKKET_TENANT" in missing["out"]
