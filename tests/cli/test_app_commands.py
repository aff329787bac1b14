"""Every command of the contract is registered: a command whose module fails to import must
fail loudly, not vanish from ``koppelcheck --help``."""

from __future__ import annotations

from typer.main import get_command

from koppelcheck.cli.app import app

CONTRACT_COMMANDS = {
    "nmbrs",
    "afas",
    "checklist",
    "batch",
    "demo",
    "simulate",
    "bundle",
    "keys",
    "credentials",
}


def test_every_contract_command_is_registered() -> None:
    command = get_command(app)
    assert set(command.commands) >= CONTRACT_COMMANDS  # type: ignore[attr-defined]
