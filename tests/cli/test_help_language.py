"""Command help (``--help``) speaks the user's language, uniformly.

Help texts are built when the commands are imported, in ``KOPPELCHECK_LANG`` (Dutch when unset);
a ``--lang`` on the command line is read before Click parses and swaps them for its language
(``cli/click_text.py``). Every command, sub-command, argument and option takes its help from the
nl/en catalogues: an option added later with hard-coded English fails here.

Each language is read in a fresh interpreter, because the help texts are fixed at import.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from koppelcheck import i18n
from koppelcheck.registry import TABLE

SUPPORT = Path(__file__).resolve().parents[1] / "support"

#: Walks the real app and prints {command path: {"": command help, param: param help}}, with the
#: test-only third system registered by its one registry line: its generated commands
#: (``koppelcheck loonpakket``, ``simulate loonpakket``) are held to the same rules.
_WALK = """
import json, typer
from koppelcheck.registry import TABLE
TABLE["loonpakket"] = "loonpakket.system:LOONPAKKET"
from koppelcheck.cli.app import app

def walk(command, path, out):
    entry = out.setdefault(" ".join(path), {})
    entry[""] = command.help
    for param in command.params:
        name = param.opts[0] if param.param_type_name == "option" else param.name
        entry[name] = getattr(param, "help", None)
    for name in command.list_commands(None) if hasattr(command, "list_commands") else ():
        walk(command.get_command(None, name), (*path, name), out)
    return out

print(json.dumps(walk(typer.main.get_command(app), (), {})))
"""

_HELP = "import sys; from koppelcheck.cli.app import main; sys.argv[0] = 'koppelcheck'; main()"

#: Options Typer adds itself: their help is Typer's English, translated when help is shown
#: (i18n/*/click.toml; tests/cli/test_click_text.py).
FRAMEWORK_OPTIONS = {"--install-completion", "--show-completion"}

#: (command path, param) pairs whose help may read the same in both languages because it is only
#: flag names, file formats or values. Keep this empty unless there is no word to translate.
SAME_IN_BOTH: set[tuple[str, str]] = set()


GENERATED_ONLY = {
    # A generated command offers --client-secret-file only to a system whose settings have a
    # client_id; the test system has none (tests/cli/test_system_command.py builds one that has).
    "cli.system.client_secret_file.help",
}


@cache
def catalogue(lang: str) -> dict[str, str]:
    """The messages of ``lang`` as the walked app has them: with the test system's own."""
    sys.path.insert(0, str(SUPPORT))
    TABLE["loonpakket"] = "loonpakket.system:LOONPAKKET"
    i18n.catalogue.cache_clear()
    try:
        return dict(i18n.catalogue(lang))
    finally:
        del TABLE["loonpakket"]
        sys.path.remove(str(SUPPORT))
        i18n.catalogue.cache_clear()


def _env(lang: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "KOPPELCHECK_LANG"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SUPPORT), env.get("PYTHONPATH")]))
    if lang is not None:
        env["KOPPELCHECK_LANG"] = lang
    return env


@cache
def help_tree(lang: str | None) -> dict[str, dict[str, str | None]]:
    """Every help text of the app, as a fresh process with ``KOPPELCHECK_LANG=lang`` sees it."""
    done = subprocess.run(
        [sys.executable, "-c", _WALK],
        env=_env(lang),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    tree: dict[str, dict[str, str | None]] = json.loads(done.stdout)
    return tree


def help_page(lang: str | None, *args: str) -> str:
    """``koppelcheck ARGS --help`` as a user sees it."""
    done = subprocess.run(
        [sys.executable, "-c", _HELP, *args, "--help"],
        env={**_env(lang), "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _texts(tree: dict[str, dict[str, str | None]]) -> dict[tuple[str, str], str | None]:
    return {
        (path, param): text
        for path, params in tree.items()
        for param, text in params.items()
        if param not in FRAMEWORK_OPTIONS
    }


def _name(key: tuple[str, str]) -> str:
    path, param = key
    return f"koppelcheck {path} {param or '(command)'}".replace("  ", " ")


def test_every_command_and_option_has_help_in_both_languages() -> None:
    nl, en = _texts(help_tree("nl")), _texts(help_tree("en"))
    assert nl.keys() == en.keys()
    missing = sorted(_name(key) for key in nl if not nl[key] or not en[key])
    assert not missing, f"no help text: {missing}"


def test_help_differs_between_nl_and_en() -> None:
    """A hard-coded English help text reads the same in both languages: it fails here."""
    nl, en = _texts(help_tree("nl")), _texts(help_tree("en"))
    same = sorted(
        f"{_name(key)}: {nl[key]!r}" for key in nl if nl[key] == en[key] and key not in SAME_IN_BOTH
    )
    assert not same, f"help identical in nl and en (hard-coded?): {same}"


def test_help_comes_from_the_catalogues() -> None:
    """Each nl/en pair of help texts is one catalogue key's nl and en value."""
    nl_catalogue, en_catalogue = catalogue("nl"), catalogue("en")
    nl, en = _texts(help_tree("nl")), _texts(help_tree("en"))
    stray = sorted(
        f"{_name(key)}: {en[key]!r}"
        for key in nl
        if not any(
            text == nl[key] and en_catalogue.get(k) == en[key] for k, text in nl_catalogue.items()
        )
    )
    assert not stray, f"help not taken from a catalogue key: {stray}"


def test_help_is_dutch_when_the_language_is_unset() -> None:
    assert help_tree(None) == help_tree("nl")
    assert help_tree("fr") == help_tree("nl")


def test_every_cli_key_is_used() -> None:
    """No stale ``cli.*`` help key lingers in the catalogues."""
    used = set(_texts(help_tree("nl")).values())
    cli_keys = {
        k: text
        for k, text in catalogue("nl").items()
        if k.startswith("cli.") and k not in GENERATED_ONLY and not k.endswith(".metavar")
    }  # a generated option's metavar (cli.<system>.<key>.metavar) is no help text
    unused = sorted(k for k, text in cli_keys.items() if text not in used)
    assert not unused, unused


@pytest.mark.parametrize(
    ("args", "nl_text", "en_text"),
    [
        ((), "Toon het versienummer en stop.", "Show the version and exit."),
        (("nmbrs",), "Bedrijfsnaam precies zoals in Nmbrs.", "Company name exactly as in Nmbrs."),
        (("afas",), "(mag vaker)", "(repeatable)"),
        (("batch",), "Het batchbestand (TOML).", "The batch file (TOML)."),
        (("checklist",), "Het salarispakket.", "The payroll package."),
        (("simulate", "nmbrs"), "Naam van een ingebouwd scenario.", "A built-in scenario name."),
        (("credentials", "set"), "Stel nooit vragen", "Never prompt"),
        (("demo",), "Taal: nl of en.", "nl or en."),
        (("keys",), "De ondertekeningssleutel", "Manage the Ed25519 signing key"),
    ],
)
def test_help_page_follows_koppelcheck_lang(
    args: tuple[str, ...], nl_text: str, en_text: str
) -> None:
    dutch, english = help_page(None, *args), help_page("en", *args)
    assert nl_text in dutch and en_text not in dutch
    assert en_text in english and nl_text not in english


def test_lang_flag_changes_help() -> None:
    """``--lang`` is read before Click parses: the whole help page is in its language."""
    assert help_page(None, "nmbrs", "--lang", "en") == help_page("en", "nmbrs")
    assert help_page("en", "nmbrs", "--lang", "nl") == help_page(None, "nmbrs")


@pytest.mark.parametrize(
    "args",
    [
        ["demo", "--lang", "fr"],
        ["keys", "show", "--lang", "fr"],
        ["bundle", "show", "missing.json", "--lang", "fr"],
        ["checklist", "afas", "--lang", "fr"],
        ["nmbrs", "--lang", "fr", "--no-input"],
    ],
)
def test_an_unknown_language_is_refused_by_every_command(args: list[str]) -> None:
    from typer.testing import CliRunner

    from koppelcheck.cli.app import app

    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "--lang" in result.stderr and "fr" in result.stderr
