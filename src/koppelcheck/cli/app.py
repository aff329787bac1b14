"""The ``koppelcheck`` command. Commands import their heavy modules inside their bodies, so that
``koppelcheck --help`` stays fast."""

from __future__ import annotations

from typing import Annotated

import typer

from koppelcheck import __version__
from koppelcheck.cli.nmbrs import nmbrs

app = typer.Typer(
    name="koppelcheck",
    help="Verify an AFAS Profit or Nmbrs setup for the a.s.r. data exchange (Benefits-Plaza).",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=True,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"koppelcheck {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """koppelcheck: verify, walk through, and register an a.s.r. payroll coupling."""


app.command("nmbrs")(nmbrs)


def _register_optional() -> None:
    """Commands whose modules may be added by later work register themselves here."""
    from importlib import import_module

    for module, attr, kind, name in (
        ("koppelcheck.cli.afas", "afas", "command", "afas"),
        ("koppelcheck.cli.checklist", "checklist", "command", "checklist"),
        ("koppelcheck.cli.simulate", "simulate_app", "group", "simulate"),
        ("koppelcheck.cli.demo", "demo", "command", "demo"),
        ("koppelcheck.cli.bundle", "bundle_app", "group", "bundle"),
        ("koppelcheck.cli.keys", "keys_app", "group", "keys"),
        ("koppelcheck.cli.credentials", "credentials_app", "group", "credentials"),
        ("koppelcheck.cli.batch", "batch", "command", "batch"),
    ):
        try:
            target = getattr(import_module(module), attr)
        except (ImportError, AttributeError):
            continue
        if kind == "group":
            app.add_typer(target, name=name)
        else:
            app.command(name)(target)


_register_optional()


def main() -> None:
    """Console-script entry point."""
    app()
