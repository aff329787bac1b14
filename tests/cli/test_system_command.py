"""``koppelcheck <name>`` generated for a registered system without a command of its own
(``cli/system_command.py``), in-process: a system whose settings have a ``client_id`` gets
``--client-secret-file``, its secrets are read as every command reads them, and its keys are
named by their flags. tests/integration/test_third_system.py runs the test system end to end.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict
from typer.testing import CliRunner

from koppelcheck import systems
from koppelcheck.cli.app import app
from koppelcheck.models import Report
from koppelcheck.reporting import build_report, now
from koppelcheck.systems import RunOptions

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
