"""Closed sets of values are enums Typer validates and completes; help shows human metavars.

Completion is asked through Click's shell-completion API (``ShellComplete.get_completions``), the
same path a shell takes, without a shell.
"""

from __future__ import annotations

import re

import pytest
import typer
from typer._completion_classes import BashComplete
from typer.main import get_command
from typer.testing import CliRunner

from koppelcheck.checklist import FORMATS as CHECKLIST_FORMATS
from koppelcheck.choices import ChecklistFormat, ReportFormat, SystemName, values
from koppelcheck.cli.app import app
from koppelcheck.cli.options import REPORT_FORMATS
from koppelcheck.simulator.afas import AFAS_SCENARIOS
from koppelcheck.simulator.nmbrs import NMBRS_SCENARIOS
from koppelcheck.simulator.nmbrs_rest import REST_SCENARIOS

runner = CliRunner()
CLI = get_command(app)


def complete(args: list[str], incomplete: str = "") -> list[str]:
    shell = BashComplete(CLI, {}, "koppelcheck", "_KOPPELCHECK_COMPLETE")
    return [item.value for item in shell.get_completions(args, incomplete)]


@pytest.mark.parametrize(
    ("args", "incomplete", "expected"),
    [
        (["nmbrs", "--format"], "", list(REPORT_FORMATS)),
        (["afas", "--format"], "j", ["json", "junit"]),
        (["batch", "--format"], "m", ["markdown"]),
        (["batch", "merge", "--format"], "j", ["json", "junit"]),
        (["checklist", "nmbrs", "--format"], "", ["text", "markdown", "html"]),
        (["nmbrs", "--option"], "", ["overkoepelend", "per-debiteur"]),
        (["checklist", "nmbrs", "--option"], "p", ["per-debiteur"]),
        (["nmbrs", "--environment"], "", ["production", "sandbox"]),
        (["nmbrs", "--api"], "", ["soap", "rest"]),
        (["checklist", "afas", "--auth"], "", ["classic", "oauth", "hybrid"]),
        (["checklist"], "", ["afas", "nmbrs"]),
        (["credentials", "set"], "n", ["nmbrs"]),
        (["simulate", "nmbrs", "--scenario"], "", list(NMBRS_SCENARIOS)),
        (["simulate", "afas", "--scenario"], "", list(AFAS_SCENARIOS)),
        (["simulate", "nmbrs-rest", "--scenario"], "", list(REST_SCENARIOS)),
        (["simulate", "afas", "--scenario"], "connector-", ["connector-missing"]),
        (["nmbrs", "--lang"], "", ["nl", "en"]),
        (["demo", "--lang"], "e", ["en"]),
        (["keys", "show", "--lang"], "", ["nl", "en"]),
    ],
)
def test_completion_offers_the_values(
    args: list[str], incomplete: str, expected: list[str]
) -> None:
    offered = complete(args, incomplete)
    if incomplete == "connector-":
        assert expected[0] in offered and all(o.startswith("connector-") for o in offered)
    else:
        assert offered == expected


def test_the_format_lists_are_one_list() -> None:
    assert REPORT_FORMATS == values(ReportFormat) == ("text", "json", "junit", "markdown", "html")
    assert values(ChecklistFormat) == CHECKLIST_FORMATS
    assert set(CHECKLIST_FORMATS) < set(REPORT_FORMATS)
    assert values(SystemName) == ("afas", "nmbrs")


def _commands(command: typer.core.TyperGroup | object, path: tuple[str, ...] = ("koppelcheck",)):
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


MACHINE_METAVARS = re.compile(r"<(str|path|float|int|int range|list\[[^\]]*\])>|x[<>]=|<=x")


@pytest.mark.parametrize(
    "path", [p for p, _ in _commands(CLI)], ids=lambda p: " ".join(p[1:]) or "root"
)
def test_help_shows_human_metavars(path: tuple[str, ...]) -> None:
    result = runner.invoke(app, [*path[1:], "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    # Typer names an argument's type beside its name (``FILE <path>``); options get a metavar.
    options = result.output.partition("Options:")[2]
    assert not MACHINE_METAVARS.findall(options), result.output


def test_help_shows_the_choices_and_names_the_kind_of_value() -> None:
    result = runner.invoke(app, ["nmbrs", "--help", "--lang", "en"], terminal_width=200)
    out = result.output
    assert "<text|json|junit|markdown|html>" in out
    assert "<overkoepelend|per-debiteur>" in out and "<production|sandbox>" in out
    for flag, metavar in (
        ("--timeout", "SECONDS"),
        ("--base-url", "URL"),
        ("--company", "NAME"),
        ("--output", "PATH"),
        ("--field", "KEY=VALUE"),
        ("--concurrency", "N"),
        ("--client-id", "ID"),
    ):
        assert re.search(rf"{flag} {re.escape(metavar)}\s", out), flag


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["nmbrs", "--environment", "moon"], "--environment"),
        (["nmbrs", "--api", "graphql"], "--api"),
        (["nmbrs", "--option", "beide"], "--option"),
        (["afas", "--format", "yaml"], "--format"),
        (["batch", "plan.toml", "--format", "pdf"], "--format"),
        (["nmbrs", "--concurrency", "33"], "--concurrency"),
        (["nmbrs", "--concurrency", "many"], "--concurrency"),
        (["afas", "--token-version", "-1"], "--token-version"),
        (["simulate", "nmbrs", "--port", "70000"], "--port"),
        (["simulate", "afas", "--latency-ms", "-5"], "--latency-ms"),
        (["credentials", "set", "sap"], "SYSTEM"),
    ],
)
def test_an_invalid_choice_exits_2_naming_the_option(args: list[str], flag: str) -> None:
    result = runner.invoke(app, args, env={"KOPPELCHECK_NMBRS_TOKEN": "0123456789abcdef"})
    assert result.exit_code == 2, result.output
    assert flag in result.output
    assert "Traceback" not in result.output


def test_choices_are_case_insensitive_where_they_were() -> None:
    result = runner.invoke(app, ["checklist", "NMBRS", "--api", "REST", "--lang", "en"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize(
    ("args", "flag", "bounds"),
    [
        (["nmbrs"], "--concurrency", ("1", "32")),
        (["batch"], "--concurrency", ("1", "64")),
        (["afas"], "--token-version", ("0",)),
        (["simulate", "nmbrs"], "--latency-ms", ("0", "600000")),
    ],
)
def test_a_range_is_said_in_words(
    lang: str, args: list[str], flag: str, bounds: tuple[str, ...]
) -> None:
    """The bounds live in the parser and in the help's catalogue text: they must agree."""
    command = CLI
    for name in [*args, "run"] if args == ["batch"] else args:  # `batch FILE` is `batch run FILE`
        command = command.commands[name]  # type: ignore[attr-defined]
    (param,) = [p for p in command.params if flag in p.opts]
    from koppelcheck.i18n import Translator

    key = {
        "--concurrency": f"cli.{args[0]}.concurrency.help",
        "--token-version": "cli.afas.token_version.help",
        "--latency-ms": "cli.simulate.latency_ms.help",
    }[flag]
    text = Translator(lang)(key)
    assert all(re.search(rf"\b{b}\b", text) for b in bounds), text
    assert param.help == Translator()(key)
    result = runner.invoke(app, [*args, flag, str(int(bounds[-1]) + 1 if len(bounds) == 2 else -1)])
    assert result.exit_code == 2 and flag in result.output
