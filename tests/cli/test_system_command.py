"""``koppelcheck <name>`` generated for a registered system without a command of its own
(``cli/system_command.py``), in-process: a system whose settings have a ``client_id`` gets
``--client-secret-file``, its secrets are read as every command reads them, and its keys are
named by their flags. tests/integration/test_third_system.py runs the test system end to end.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict
from typer.testing import CliRunner

from koppelcheck import systems
from koppelcheck.cli.app import app
from koppelcheck.cli.options import REPORT_FORMATS
from koppelcheck.i18n import catalogue
from koppelcheck.models import Report
from koppelcheck.reporting import build_report, now
from koppelcheck.simulator.server import SimulatorServer
from koppelcheck.systems import RunOptions
from tests.cli.test_secrets_never_leak import encodings, fragments

SUPPORT = Path(__file__).resolve().parents[1] / "support"
SECRET = "client-s3cr3t-9d2f"


class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tenant: str
    client_id: str | None = None
    max_employees: int | None = None
    base_url: str | None = None


@pytest.fixture
def oauthpakket(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A registered system like the test's Loonpakket, whose settings name an OAuth client."""
    monkeypatch.syspath_prepend(str(SUPPORT))
    from loonpakket.system import LoonpakketSystem

    class OauthPakket(LoonpakketSystem):
        name = "oauthpakket"
        settings_model = _Settings

        def __init__(self) -> None:
            self.ran: list[Any] = []

        def steps(self, option: str | None = None, auth: str | None = None) -> tuple[Any, ...]:
            return ()

        def report_steps(self, report: Report) -> tuple[Any, ...]:
            return ()

        def client_secret_account(self, settings: Any) -> str | None:
            return f"oauthpakket:{settings['client_id']}" if "client_id" in settings else None

        def token_optional(self, settings: Any) -> bool:
            return "client_id" in settings

        def prepare(self, settings: Any, token: Any, client_secret: Any) -> Any:
            return {"settings": dict(settings), "secret": client_secret}

        def check_count(self, target: Any, *, rest_readiness: bool = True) -> int:
            return 0

        async def verify(self, target: Any, token: Any, run: RunOptions) -> Report:
            self.ran.append((target["settings"], token, target["secret"].reveal()))
            return build_report(
                system=self.name, option=None, target={}, started_at=now(), results=[]
            )

    system = OauthPakket()
    monkeypatch.setitem(systems.TABLE, "oauthpakket", "unused:OAUTHPAKKET")
    monkeypatch.setitem(systems._loaded, "oauthpakket", system)
    yield system


def _run(args: list[str], stdin: str = "") -> Any:
    return CliRunner().invoke(app, args, input=stdin, env={"COLUMNS": "200"})


def test_a_system_with_a_client_gets_a_client_secret_file(oauthpakket: Any) -> None:
    shown = _run(["oauthpakket", "--help"]).output
    for flag in ("--tenant", "--client-id", "--client-secret-file", "--token-file", "--base-url"):
        assert flag in shown
    assert "Lees het client-secret uit dit bestand" in shown


def test_its_client_secret_is_read_and_never_shown(oauthpakket: Any) -> None:
    args = ["oauthpakket", "--tenant", "7", "--client-id", "abc", "--client-secret-file", "-"]
    result = _run([*args, "--no-input", "--format", "json"], stdin=SECRET + "\n")
    assert result.exit_code == 0, result.output
    assert oauthpakket.ran == [({"tenant": "7", "client_id": "abc"}, None, SECRET)]
    assert SECRET not in result.output


def test_a_client_secret_without_a_client_is_refused_naming_the_flag(oauthpakket: Any) -> None:
    result = _run(
        ["oauthpakket", "--tenant", "7", "--client-secret-file", "x", "--token-file", "-"]
        + ["--no-input"],
        stdin="t0ken-abcdef\n",
    )
    assert result.exit_code == 2
    assert "--client-secret-file:" in result.output
    assert "--client-id" in result.output
    assert oauthpakket.ran == []


def test_a_bad_setting_is_named_by_its_generated_flag(oauthpakket: Any) -> None:
    result = _run(["oauthpakket", "--tenant", "7", "--max-employees", "lots", "--no-input"])
    assert result.exit_code == 2
    assert result.output.startswith("--max-employees:"), result.output
    assert oauthpakket.ran == []


def test_credentials_take_its_keys_as_flags(oauthpakket: Any) -> None:
    """``koppelcheck credentials`` asks the system's token_account / client_secret_account with
    the keys its flags gave (``--tenant`` generated, ``--client-id`` the one written for AFAS).
    The SYSTEM choice is read at import, so tests/integration/test_third_system.py stores one."""
    from koppelcheck.cli.credentials import account_for

    shown = _run(["credentials", "delete", "--help"]).output
    assert shown.count("--tenant") == 1 and shown.count("--client-id") == 1
    assert "--tenant TENANT" in shown  # no catalogue of its own: the key names the metavar
    given = {"tenant": "7", "domain": "acme"}
    assert account_for("oauthpakket", given) == ("oauthpakket:7", False)
    assert account_for("oauthpakket", {**given, "client_id": "abc"}) == ("oauthpakket:abc", True)


# --- no secret of a generated command leaks (as tests/cli/test_secrets_never_leak.py) ----------

LEAK_TOKEN = hashlib.sha256(b"koppelcheck leak test: loonpakket").hexdigest()[:32]


@pytest.fixture
def loonpakket_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The test system registered in-process (its catalogue read), its simulator on loopback
    accepting :data:`LEAK_TOKEN`."""
    monkeypatch.syspath_prepend(str(SUPPORT))
    monkeypatch.setitem(systems.TABLE, "loonpakket", "loonpakket.system:LOONPAKKET")
    catalogue.cache_clear()
    from loonpakket.simulator import SCENARIOS, LoonpakketSimulator

    scenario = replace(SCENARIOS["healthy"], token=LEAK_TOKEN)
    try:
        with SimulatorServer(LoonpakketSimulator(scenario)) as server:
            yield server.base_url
    finally:
        systems._loaded.pop("loonpakket", None)
        monkeypatch.undo()
        catalogue.cache_clear()


@pytest.mark.parametrize("fmt", REPORT_FORMATS)
@pytest.mark.parametrize(("tenant", "token", "code"), [("42", LEAK_TOKEN, 0), ("43", "", 1)])
def test_no_token_in_any_output(
    loonpakket_url: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    fmt: str,
    tenant: str,
    token: str,
    code: int,
) -> None:
    """Every format, every file output, --verbose and --trace; a refused token (another one,
    whose tail the simulator never saw) too."""
    token = token or LEAK_TOKEN[::-1]
    files = {name: tmp_path / f"report.{name}" for name in ("json", "junit", "html", "trace")}
    args = ["loonpakket", "--tenant", tenant, "--base-url", loonpakket_url, "--no-input"]
    args += ["--verbose", "--format", fmt]
    for name, path in files.items():
        args += [f"--{name}", str(path)]
    with caplog.at_level(logging.DEBUG):
        result = CliRunner().invoke(app, args, env={"KOPPELCHECK_LOONPAKKET_TOKEN": token})
    expected = code if token == LEAK_TOKEN else 1
    assert result.exit_code == expected, result.output
    texts = {"stdout": result.stdout, "stderr": result.stderr, "logs": caplog.text}
    texts |= {name: path.read_text(encoding="utf-8") for name, path in files.items()}
    needles = set(encodings(token).values()) | fragments(token)
    for where, text in texts.items():
        flat = re.sub(r"\s+", "", text).lower()
        leaked = [n for n in needles if n.lower() in text.lower() or n.lower() in flat]
        assert not leaked, f"the token leaked in {where}"
