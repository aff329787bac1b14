"""The ``koppelcheck`` command. Commands import their heavy modules inside their bodies, so that
``koppelcheck --help`` stays fast."""

from __future__ import annotations

from typing import Annotated

import typer

from koppelcheck import __version__
from koppelcheck.cli.nmbrs import nmbrs
from koppelcheck.i18n import Translator

# Help follows KOPPELCHECK_LANG (Dutch when unset): it is built here, before --lang is parsed.
# Every help text is a ``cli.*`` key in i18n/{nl,en}/cli.toml (bundle/keys: bundle.toml).
_t = Translator()

app = typer.Typer(
    name="koppelcheck",
    help=_t("cli.help"),
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
        typer.Option("--version", callback=_version, is_eager=True, help=_t("cli.version.help")),
    ] = False,
) -> None:
    """koppelcheck: verify, walk through, and register an a.s.r. payroll coupling."""


app.command("nmbrs", help=_t("cli.nmbrs.help"))(nmbrs)


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
        ("koppelcheck.cli.batch", "batch_app", "group", "batch"),
    ):
        try:
            target = getattr(import_module(module), attr)
        except (ImportError, AttributeError):
            continue
        if kind == "group":
            app.add_typer(target, name=name)
        else:
            app.command(name, help=_t(f"cli.{name}.help"))(target)


_register_optional()


def main() -> None:
    """Console-script entry point."""
    app()
