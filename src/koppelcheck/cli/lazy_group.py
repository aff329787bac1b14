"""A command group that offers a command for every registered payroll system without one of its
own, built from the system itself when it is run.

``koppelcheck nmbrs`` and ``koppelcheck afas`` are written by hand; a system added with one line
in :data:`koppelcheck.registry.TABLE` gets ``koppelcheck <name>`` (and ``koppelcheck simulate
<name>``) from :mod:`koppelcheck.cli.system_command`. Listing them in ``--help`` reads only the
registry and the message catalogues (``cli.<name>.help``): no system and no pydantic is imported
until such a command runs, and nothing at all when every system has a command of its own.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from importlib import import_module
from typing import Any

import typer.core
from typer import _click

from koppelcheck.cli.click_text import (
    HELP_LANGUAGE,
    language,
    language_from_args,
    retranslate_help,
    set_language,
)
from koppelcheck.i18n import Translator
from koppelcheck.registry import TABLE


class SystemCommandsGroup(typer.core.TyperGroup):
    """A group whose commands are its own plus one per registered system that has none here.

    ``builder`` is ``module:function`` of ``function(name) -> click command`` (imported when a
    generated command is asked for); ``help_key`` the catalogue key of its help, with ``{name}``,
    which the system's own catalogue carries.
    """

    builder = "koppelcheck.cli.system_command:system_command"
    help_key = "cli.{name}.help"

    _listing = False

    def generated(self) -> list[str]:
        """The registered systems this group has no command of its own for, in registry order."""
        return [name for name in TABLE if name not in self.commands]

    def list_commands(self, ctx: _click.Context) -> list[str]:
        return [*super().list_commands(ctx), *self.generated()]

    def get_command(self, ctx: _click.Context, cmd_name: str) -> _click.Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is not None or cmd_name not in self.generated():
            return found
        if self._listing:  # a line in --help: the catalogue's words, not the system
            return typer.core.TyperCommand(name=cmd_name, help=self.short_help_of(cmd_name))
        module, _, function = self.builder.partition(":")
        build: Callable[[str], Any] = getattr(import_module(module), function)
        command: _click.Command = build(cmd_name)
        return command

    def short_help_of(self, name: str) -> str:
        """The one-line help of the generated command for ``name``, in the interface language."""
        return Translator(language())(self.help_key.format(name=name))

    def format_commands(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_commands(ctx, formatter)
        finally:
            self._listing = False


class KoppelcheckGroup(SystemCommandsGroup):
    """The root command: knows the interface language before Click parses the arguments, and
    has a command for every registered system (generated for one without its own)."""

    def main(self, args: Sequence[str] | None = None, *rest: Any, **kwargs: Any) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        set_language(language_from_args(argv))
        if language() != HELP_LANGUAGE:
            retranslate_help(self, language())
        return super().main(argv, *rest, **kwargs)


class SimulateGroup(SystemCommandsGroup):
    """``koppelcheck simulate``: a simulator for every registered system without its own
    command, served from the system's :meth:`~koppelcheck.systems.interface.System.simulator`."""

    builder = "koppelcheck.cli.system_command:simulate_command"
    help_key = "cli.simulate.{name}.help"
