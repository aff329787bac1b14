"""The ``koppelcheck`` command. Commands import their heavy modules inside their bodies, so that
``koppelcheck --help`` stays fast."""

from __future__ import annotations

from typing import Annotated

import typer

from koppelcheck import __version__
from koppelcheck.cli.afas import afas
from koppelcheck.cli.batch import batch_app
from koppelcheck.cli.bundle import bundle_app
from koppelcheck.cli.checklist import checklist
from koppelcheck.cli.click_text import install
from koppelcheck.cli.credentials import credentials_app
from koppelcheck.cli.demo import demo
from koppelcheck.cli.keys import keys_app
from koppelcheck.cli.lazy_group import KoppelcheckGroup
from koppelcheck.cli.nmbrs import nmbrs
from koppelcheck.cli.simulate import simulate_app
from koppelcheck.i18n import Translator

# Help follows KOPPELCHECK_LANG (Dutch when unset): it is built here, before --lang is parsed.
# Every help text is a ``cli.*`` key in i18n/{nl,en}/cli.toml (bundle/keys: bundle.toml).
_t = Translator()
# Click's and Typer's own words (Usage, Options, Error ...) from the catalogues too; the root
# group reads --lang before Click parses, so help and parse errors follow it (cli/click_text.py).
install()

app = typer.Typer(
    name="koppelcheck",
    cls=KoppelcheckGroup,
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
app.command("afas", help=_t("cli.afas.help"))(afas)
app.command("checklist", help=_t("cli.checklist.help"))(checklist)
app.add_typer(simulate_app, name="simulate")
app.command("demo", help=_t("cli.demo.help"))(demo)
app.add_typer(bundle_app, name="bundle")
app.add_typer(keys_app, name="keys")
app.add_typer(credentials_app, name="credentials")
app.add_typer(batch_app, name="batch")


def main() -> None:
    """Console-script entry point."""
    from koppelcheck.cli import common

    common.OWNS_PROCESS = True
    app()
