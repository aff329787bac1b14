"""``koppelcheck checklist afas|nmbrs``: print the manual's steps as a checklist to tick off."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from koppelcheck.choices import AfasAuth, Api, ChecklistFormat, ManualOption, SystemName
from koppelcheck.cli.common import handle_errors, stderr_console
from koppelcheck.cli.options import LangOpt, check_language
from koppelcheck.errors import InputError
from koppelcheck.files import atomic_write
from koppelcheck.i18n import Translator

_t = Translator()
SystemArg = Annotated[
    SystemName,
    typer.Argument(case_sensitive=False, help=_t("cli.checklist.system.help")),
]
OptionOpt = Annotated[ManualOption, typer.Option("--option", help=_t("cli.checklist.option.help"))]
AuthOpt = Annotated[AfasAuth | None, typer.Option("--auth", help=_t("cli.checklist.auth.help"))]
ChecklistFormatOpt = Annotated[
    ChecklistFormat, typer.Option("--format", help=_t("cli.checklist.format.help"))
]
ChecklistApiOpt = Annotated[
    Api | None, typer.Option("--api", case_sensitive=False, help=_t("cli.checklist.api.help"))
]
ChecklistOutputOpt = Annotated[
    Path | None, typer.Option("--output", metavar="PATH", help=_t("cli.checklist.output.help"))
]


@handle_errors
def checklist(
    system: SystemArg,
    option: OptionOpt = ManualOption.OVERKOEPELEND,
    format: ChecklistFormatOpt = ChecklistFormat.TEXT,  # noqa: A002 - the contract's flag name
    lang: LangOpt = None,
    output: ChecklistOutputOpt = None,
    api: ChecklistApiOpt = None,
    auth: AuthOpt = None,
) -> None:
    """Print the step-by-step checklist of the AFAS or Nmbrs manual, to tick off on paper."""
    from koppelcheck.checklist import render

    check_language(lang)
    text = render(system, option, format, lang, api, auth)
    if output is None:
        _write_stdout(text)
        return
    if not output.resolve().parent.is_dir():
        raise InputError("--output", Translator(lang)("input.file.no_folder", path=output.parent))
    if output.is_dir():
        raise InputError("--output", Translator(lang)("core.input.is_folder", path=output))
    atomic_write(output, text)
    stderr_console().print(Translator(lang)("checklist.written", path=output), markup=False)


def _write_stdout(text: str) -> None:
    """Write to stdout; a terminal that cannot show ☐ gets ``[ ]`` instead."""
    encoding = sys.stdout.encoding or "utf-8"
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        text = text.replace("☐", "[ ]").encode(encoding, "replace").decode(encoding)
    typer.echo(text, nl=False)
