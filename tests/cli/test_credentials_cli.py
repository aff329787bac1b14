"""``koppelcheck credentials``: tokens in a secure keyring only, never printed."""

from __future__ import annotations

import keyring
import pytest
from keyring.backends import fail
from typer.testing import CliRunner

from koppelcheck.cli.app import app
from tests.conftest import InMemoryKeyring

runner = CliRunner()
TOKEN = "9F2C4E6A8B0D1F3E5A7C9E1B3D5F7A9C"


def test_set_list_delete_round_trip(memory_keyring, tmp_path) -> None:
    token_file = tmp_path / "t.txt"
    token_file.write_text(TOKEN + "\n")
    result = runner.invoke(
        app,
        [
            "credentials",
            "set",
            "nmbrs",
            "--domain",
            "https://Acme.nmbrs.nl/",
            "--username",
            "Salaris@Acme.nl",
            "--token-file",
            str(token_file),
        ],
    )
    assert result.exit_code == 0, result.output
    assert memory_keyring.passwords[("koppelcheck", "nmbrs:acme:salaris@acme.nl")] == TOKEN
    listed = runner.invoke(app, ["credentials", "list"])
    assert "nmbrs:acme:salaris@acme.nl" in listed.stdout
    assert TOKEN not in listed.output and TOKEN not in result.output
    deleted = runner.invoke(
        app, ["credentials", "delete", "nmbrs", "--domain", "acme", "--username", "salaris@acme.nl"]
    )
    assert deleted.exit_code == 0
    assert ("koppelcheck", "nmbrs:acme:salaris@acme.nl") not in memory_keyring.passwords
    assert "nmbrs:acme" not in runner.invoke(app, ["credentials", "list"]).stdout


def test_afas_token_keyed_by_environment_number(memory_keyring) -> None:
    result = runner.invoke(
        app,
        ["credentials", "set", "afas", "--environment-id", "O12345AA", "--token-file", "-"],
        input=TOKEN,
    )
    assert result.exit_code == 0, result.output
    assert memory_keyring.passwords[("koppelcheck", "afas:12345")] == TOKEN


def test_deleting_a_missing_entry_exits_1(memory_keyring) -> None:
    result = runner.invoke(app, ["credentials", "delete", "afas", "--environment-id", "54321"])
    assert result.exit_code == 1


@pytest.mark.parametrize(
    "backend_factory",
    [
        fail.Keyring,
        lambda: type("PlaintextKeyring", (InMemoryKeyring,), {})(),
    ],
)
def test_insecure_backends_are_refused(backend_factory, tmp_path) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(backend_factory())
    try:
        result = runner.invoke(
            app,
            ["credentials", "set", "afas", "--environment-id", "12345", "--token-file", "-"],
            input=TOKEN,
        )
    finally:
        keyring.set_keyring(previous)
    assert result.exit_code == 3
    assert "keyring" in result.stderr.lower()
    assert TOKEN not in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["credentials", "set", "nmbrs", "--domain", "acme"],
        ["credentials", "set", "exact", "--environment-id", "1"],
        ["credentials", "set", "afas", "--environment-id", "X1"],
    ],
)
def test_bad_keys_exit_2(memory_keyring, args) -> None:
    assert runner.invoke(app, [*args, "--token-file", "-"], input=TOKEN).exit_code == 2


def test_afas_client_secret_is_read_from_its_variable_and_keyed_by_client(memory_keyring) -> None:
    args = ["credentials", "set", "afas", "--environment-id", "12345", "--client-id", " app-1 "]
    result = runner.invoke(
        app, [*args, "--no-input"], env={"KOPPELCHECK_AFAS_CLIENT_SECRET": TOKEN}
    )
    assert result.exit_code == 0, result.output
    [(service, account)] = [k for k in memory_keyring.passwords if k[1] != "__accounts__"]
    assert account.startswith("afas:12345:oauth:") and memory_keyring.passwords[(service, account)]
    assert TOKEN not in result.output
    deleted = runner.invoke(
        app, ["credentials", "delete", "afas", "--environment-id", "12345", "--client-id", "app-1"]
    )
    assert deleted.exit_code == 0, deleted.output
    assert list(memory_keyring.passwords) == [("koppelcheck", "__accounts__")]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nmbrs", "--domain", "acme"], "--domain/--username: beide zijn nodig voor een Nmbrs"),
        (["nmbrs", "--domain", "a", "--username", "a@b.nl", "--client-id", "x"], "--client-id: "),
        (["afas"], "--environment-id: is nodig voor een AFAS-token — 12345 of O12345AA"),
        (["afas", "--client-id", "x"], "--environment-id: is nodig voor een AFAS-token"),
        (["afas", "--environment-id", "X1"], "--environment-id: geen AFAS-omgeving: 'X1'"),
    ],
)
def test_a_missing_or_bad_key_is_named_by_its_flag(memory_keyring, args, message) -> None:
    """The system names the key (token_account / client_secret_account), the CLI its flag;
    nothing is written."""
    result = runner.invoke(app, ["credentials", "set", *args, "--token-file", "-"], input=TOKEN)
    assert result.exit_code == 2
    assert result.stderr.startswith(message), result.stderr
    assert memory_keyring.passwords == {}
