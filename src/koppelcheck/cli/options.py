"""Options shared by ``nmbrs``, ``afas`` and ``batch``, declared once (see the contract)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from koppelcheck.choices import ReportFormat, values
from koppelcheck.cli import click_text
from koppelcheck.errors import InputError
from koppelcheck.i18n import LANGUAGES, Text, Translator

if TYPE_CHECKING:
    from koppelcheck.systems import RunOptions

REPORT_FORMATS = values(ReportFormat)
"""The report formats, from :class:`koppelcheck.choices.ReportFormat` (the one list)."""
LANG_METAVAR = "|".join(LANGUAGES)


def env_option(flag: str, metavar: str, envvar: str, help_key: str) -> typer.models.OptionInfo:
    """A text option that may also come from an environment variable (named in ``--help``)."""
    return typer.Option(flag, metavar=metavar, envvar=envvar, help=_t(help_key), show_envvar=True)


def complete_language(incomplete: str) -> list[str]:
    """Shell completion for ``--lang``: the languages koppelcheck speaks."""
    return [lang for lang in LANGUAGES if lang.startswith(incomplete.lower())]


# Help follows KOPPELCHECK_LANG: it is built at import, before --lang is parsed.
_t = Translator()

FormatOpt = Annotated[ReportFormat, typer.Option("--format", help=_t("cli.option.format.help"))]
OutputOpt = Annotated[
    Path | None, typer.Option("--output", metavar="PATH", help=_t("cli.option.output.help"))
]
JsonOpt = Annotated[
    Path | None, typer.Option("--json", metavar="PATH", help=_t("cli.option.json.help"))
]
JunitOpt = Annotated[
    Path | None, typer.Option("--junit", metavar="PATH", help=_t("cli.option.junit.help"))
]
HtmlOpt = Annotated[
    Path | None, typer.Option("--html", metavar="PATH", help=_t("cli.option.html.help"))
]
NoInputOpt = Annotated[bool, typer.Option("--no-input", help=_t("cli.option.no_input.help"))]
LangOpt = Annotated[
    str | None,
    typer.Option(
        "--lang",
        metavar=LANG_METAVAR,
        autocompletion=complete_language,
        help=_t("cli.option.lang.help"),
    ),
]


TimeoutOpt = Annotated[
    float, typer.Option("--timeout", metavar="SECONDS", help=_t("cli.option.timeout.help"))
]
StrictOpt = Annotated[bool, typer.Option("--strict", help=_t("cli.option.strict.help"))]
ExitZeroOpt = Annotated[bool, typer.Option("--exit-zero", help=_t("cli.option.exit_zero.help"))]
BaseUrlOpt = Annotated[
    str | None, typer.Option("--base-url", metavar="URL", help=_t("cli.option.base_url.help"))
]
BundleOpt = Annotated[
    Path | None, typer.Option("--bundle", metavar="PATH", help=_t("cli.option.bundle.help"))
]
NoColorOpt = Annotated[bool, typer.Option("--no-color", help=_t("cli.option.no_color.help"))]
CaBundleOpt = Annotated[
    Path | None, typer.Option("--ca-bundle", metavar="PATH", help=_t("cli.option.ca_bundle.help"))
]
VerboseOpt = Annotated[bool, typer.Option("--verbose", help=_t("cli.option.verbose.help"))]
FormOpt = Annotated[
    Path | None, typer.Option("--form", metavar="PATH", help=_t("cli.option.form.help"))
]
FieldOpt = Annotated[
    list[str] | None, typer.Option("--field", metavar="KEY=VALUE", help=_t("cli.option.field.help"))
]
RecipientKeyOpt = Annotated[
    Path | None,
    typer.Option("--recipient-key", metavar="PATH", help=_t("cli.option.recipient_key.help")),
]
TraceOpt = Annotated[
    Path | None, typer.Option("--trace", metavar="PATH", help=_t("cli.option.trace.help"))
]
TokenFileOpt = Annotated[
    str | None, typer.Option("--token-file", metavar="PATH", help=_t("cli.option.token_file.help"))
]


def _range_text(t: Translator, low: int, high: int | None) -> str:
    if high is None:
        return t("core.input.range.at_least", low=low)
    return t("core.input.range.between", low=low, high=high)


def bounded_int(low: int, high: int | None = None) -> Callable[[str | int], int]:
    """A ``parser=`` for a whole number from ``low`` to ``high``: out of range exits 2 naming the
    flag. Typer's own ``min``/``max`` would print ``1<=x<=32`` in the help: the option's help
    text (a catalogue key) says the range in words instead."""

    def parse(text: str | int) -> int:
        value = int(text)  # not a number: Typer names the flag and exits 2
        if value < low or (high is not None and value > high):
            t = click_text.translator()  # parsed before the command runs: --lang is known
            raise typer.BadParameter(
                t("core.input.range.error", value=text, range=_range_text(t, low, high))
            )
        return value

    return parse


@dataclass(frozen=True)
class CommonOptions:
    """The shared options of one run, validated."""

    format: ReportFormat = ReportFormat.TEXT
    output: Path | None = None
    json_path: Path | None = None
    junit_path: Path | None = None
    html_path: Path | None = None
    no_input: bool = False
    lang: str | None = None
    timeout: float = 30.0
    strict: bool = False
    exit_zero: bool = False
    base_url: str | None = None
    bundle: Path | None = None
    no_color: bool = False
    ca_bundle: Path | None = None
    verbose: bool = False
    form: Path | None = None
    fields: tuple[str, ...] = ()
    recipient_key: Path | None = None

    @property
    def no_input_effective(self) -> bool:
        """True when nobody can be asked: ``--no-input``, no terminal, or ``CI`` set."""
        from koppelcheck.cli.common import interactive

        return not interactive(self.no_input)

    def run_options(self, **run: Any) -> RunOptions:
        """How a check runs under these options (language, ``--timeout``, ``--ca-bundle``), with
        what the command adds (progress, facts, concurrency ...)."""
        from koppelcheck.systems import RunOptions  # pydantic: not on the --help path

        ca_bundle = str(self.ca_bundle) if self.ca_bundle else None
        return RunOptions(Translator(self.lang), timeout_s=self.timeout, ca_bundle=ca_bundle, **run)

    @classmethod
    def from_flags(cls, flags: dict[str, object]) -> CommonOptions:
        """Build from a command's parameters (its ``locals()``), validated."""
        renamed = {
            "json": "json_path",
            "junit": "junit_path",
            "html": "html_path",
            "field": "fields",
        }
        names = set(cls.__dataclass_fields__)
        given = {renamed.get(k, k): v for k, v in flags.items() if renamed.get(k, k) in names}
        given["fields"] = tuple(given.get("fields") or ())  # type: ignore[arg-type]
        given["format"] = ReportFormat(str(given.get("format", ReportFormat.TEXT)))
        return cls(**given).validate()  # type: ignore[arg-type]

    def validate(self) -> CommonOptions:
        """Check values the type system cannot; raises InputError (exit 2)."""
        from koppelcheck.errors import InputError
        from koppelcheck.files import check_output_path
        from koppelcheck.http import validate_base_url

        check_language(self.lang)
        t = Translator(self.lang)
        if self.format not in REPORT_FORMATS:
            raise InputError(
                "--format",
                t("input.option.unknown_format", value=repr(self.format)),
                ", ".join(REPORT_FORMATS),
            )
        if not 0 < self.timeout <= 3600:
            raise InputError(
                "--timeout",
                t("input.option.out_of_range", value=f"{self.timeout:g}"),
                t("input.option.timeout_hint"),
            )
        if self.base_url is not None:
            validate_base_url(self.base_url)
        for flag, file in (
            ("--ca-bundle", self.ca_bundle),
            ("--form", self.form),
            ("--recipient-key", self.recipient_key),
        ):
            if file is not None and not file.is_file():
                raise InputError(flag, t("input.file.not_found", path=file))
        if self.ca_bundle is not None:
            _check_ca_bundle(self.ca_bundle, self.lang)
        for flag, path in (
            ("--output", self.output),
            ("--json", self.json_path),
            ("--junit", self.junit_path),
            ("--html", self.html_path),
            ("--bundle", self.bundle),
        ):
            if path is not None:  # before anything is sent: a device, a read-only folder
                check_output_path(path, flag, self.lang)
        return self


def _check_ca_bundle(path: Path, lang: str | None) -> None:
    """``--ca-bundle`` must load as PEM CA certificates before anything is sent (else exit 2)."""
    import ssl

    from koppelcheck.errors import InputError

    try:
        ssl.create_default_context(cafile=str(path))
    except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError
        t = Translator(lang)
        raise InputError(
            "--ca-bundle",
            t("core.input.ca_bundle", path=path, reason=type(exc).__name__),
            t("core.input.ca_bundle_hint"),
        ) from None


def check_language(lang: str | None) -> str | None:
    """``lang`` when it is a language koppelcheck speaks (or None); else exit 2 naming --lang."""
    if lang is not None and lang.lower() not in LANGUAGES:
        raise InputError(
            "--lang",
            Text("input.option.unknown_language", value=repr(lang)),
            Text("input.option.languages"),
        )
    return lang
