"""What a command imports before it works: help without pydantic or zeep, a check without zeep.

Each runs in a fresh interpreter (the test process has imported everything already).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

from koppelcheck.cli.lazy_coercion import _LazyRuntimeParam

HEAVY = ("pydantic", "zeep", "requests", "urllib3", "httpx", "koppelcheck.nmbrs.client")


def _imported_after(argv: list[str]) -> list[str]:
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from koppelcheck.cli.app import app\n"
        f"result = CliRunner().invoke(app, {argv!r})\n"
        "assert result.exit_code == 0, result.output\n"
        f"print([m for m in {HEAVY!r} if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return eval(out.stdout.strip())  # a list literal of module names


@pytest.mark.parametrize("argv", [["--help"], ["nmbrs", "--help"], ["afas", "--help"]])
def test_help_imports_no_heavy_library(argv) -> None:
    assert _imported_after(argv) == []


def test_a_check_does_not_import_zeep(nmbrs_server) -> None:
    """The compiled WSDLs cover every call of a healthy check: zeep (and requests) stay out."""
    server, simulator = nmbrs_server("healthy")
    scenario = simulator.scenario
    argv = ["nmbrs", "--username", scenario.username, "--domain", scenario.domain]
    argv += ["--base-url", server.base_url, "--no-input", "--format", "json"]
    code = (
        "import json, os, sys\n"
        "from typer.testing import CliRunner\n"
        "from koppelcheck.cli.app import app\n"
        f"result = CliRunner().invoke(app, {argv!r})\n"
        "summary = json.loads(result.stdout)['summary']\n"
        "print(result.exit_code, summary['pass'], summary['error'],"
        " 'zeep' in sys.modules, 'requests' in sys.modules)\n"
    )
    env = {**os.environ, "KOPPELCHECK_NMBRS_TOKEN": scenario.token}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    exit_code, passed, errors, zeep, requests = out.stdout.split()
    assert (exit_code, errors, zeep, requests) == ("0", "0", "False", "False")
    assert int(passed) > 15


def test_typer_still_coerces_given_values() -> None:
    app = typer.Typer()

    @app.command()
    def run(count: int = 1, names: list[str] | None = None, flag: bool = False) -> None:
        typer.echo(f"{count!r} {names!r} {flag!r}")

    runner = CliRunner()
    assert runner.invoke(app, ["--count", "3", "--names", "a", "--flag"]).output.strip() == (
        "3 ['a'] True"
    )
    assert runner.invoke(app, []).output.strip() == "1 None False"
    bad = runner.invoke(app, ["--count", "x"])
    assert bad.exit_code == 2


class _Param:
    def __init__(self, multiple: bool, nargs: int = 1) -> None:
        self.multiple, self.nargs = multiple, nargs


def test_none_is_answered_without_building_an_adapter() -> None:
    lazy = _LazyRuntimeParam(descriptor=object())  # building from this would fail
    assert lazy.coerce(None, _Param(False), None) is None
    assert lazy.coerce(None, _Param(True), None) == ()
    assert lazy.coerce(None, _Param(False, nargs=-1), None) == ()
    assert lazy._built is None


def test_python_dash_m_runs_the_command() -> None:
    """``python -m koppelcheck`` is the ``koppelcheck`` command: same parsing, same exit codes."""
    version = subprocess.run(
        [sys.executable, "-m", "koppelcheck", "--version"], capture_output=True, text=True
    )
    assert (version.returncode, version.stdout.split()[0]) == (0, "koppelcheck")
    bad = subprocess.run(
        [sys.executable, "-m", "koppelcheck", "afas", "--environment-id", "12", "--no-input"],
        capture_output=True,
        text=True,
        env={**os.environ, "KOPPELCHECK_LANG": "en"},
    )
    assert bad.returncode == 2
    assert "--environment-id" in bad.stderr and "Traceback" not in bad.stderr
