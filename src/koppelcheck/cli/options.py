"""Options shared by ``nmbrs``, ``afas`` and ``batch``, declared once (see the contract)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

REPORT_FORMATS = ("text", "json", "junit", "markdown", "html")

FormatOpt = Annotated[
    str,
    typer.Option("--format", help="Report format on stdout: text, json, junit, markdown or html."),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", help="Write the report to this file instead of stdout (atomic)."),
]
JsonOpt = Annotated[Path | None, typer.Option("--json", help="Also write the JSON report here.")]
JunitOpt = Annotated[
    Path | None, typer.Option("--junit", help="Also write a JUnit XML report here.")
]
HtmlOpt = Annotated[Path | None, typer.Option("--html", help="Also write an HTML report here.")]
NoInputOpt = Annotated[
    bool,
    typer.Option(
        "--no-input", help="Never prompt (implied when stdin is not a terminal or CI is set)."
    ),
]
LangOpt = Annotated[
    str | None,
    typer.Option("--lang", help="Language of all human text: nl or en (env KOPPELCHECK_LANG)."),
]
TimeoutOpt = Annotated[float, typer.Option("--timeout", help="Seconds per remote call.")]
StrictOpt = Annotated[
    bool, typer.Option("--strict", help="Warnings count as failures for the exit code.")
]
ExitZeroOpt = Annotated[
    bool, typer.Option("--exit-zero", help="Exit 0 whenever the run completed.")
]
BaseUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--base-url",
        help="Talk to this base URL (a simulator, a proxy); http:// only for loopback.",
    ),
]
BundleOpt = Annotated[
    Path | None,
    typer.Option("--bundle", help="After the checks, write the signed registration bundle here."),
]
NoColorOpt = Annotated[bool, typer.Option("--no-color", help="No colour (also NO_COLOR).")]
CaBundleOpt = Annotated[
    Path | None,
    typer.Option("--ca-bundle", help="Extra CA certificates (PEM) for a corporate proxy."),
]
VerboseOpt = Annotated[
    bool, typer.Option("--verbose", help="Debug logging on stderr (secrets masked).")
]
FormOpt = Annotated[
    Path | None,
    typer.Option(
        "--form",
        help="The a.s.r. registration form fields (TOML, keys in docs/registration-form.md).",
    ),
]
FieldOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--field", help="One form field as KEY=VALUE (repeatable), e.g. --field email=a@b.nl."
    ),
]
RecipientKeyOpt = Annotated[
    Path | None,
    typer.Option("--recipient-key", help="Encrypt the bundle's tokens to this X25519 public JWK."),
]
TokenFileOpt = Annotated[
    str | None, typer.Option("--token-file", help="Read the token from this file; - reads stdin.")
]


@dataclass(frozen=True)
class CommonOptions:
    """The shared options of one run, validated."""

    format: str = "text"
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
        values = {renamed.get(k, k): v for k, v in flags.items() if renamed.get(k, k) in names}
        values["fields"] = tuple(values.get("fields") or ())  # type: ignore[arg-type]
        return cls(**values).validate()  # type: ignore[arg-type]

    def validate(self) -> CommonOptions:
        """Check values the type system cannot; raises InputError (exit 2)."""
        from koppelcheck.errors import InputError
        from koppelcheck.http import validate_base_url
        from koppelcheck.i18n import LANGUAGES

        if self.format not in REPORT_FORMATS:
            raise InputError(
                "--format", f"unknown format {self.format!r}", ", ".join(REPORT_FORMATS)
            )
        if self.lang is not None and self.lang.lower() not in LANGUAGES:
            raise InputError("--lang", f"unknown language {self.lang!r}", "nl or en")
        if not 0 < self.timeout <= 3600:
            raise InputError(
                "--timeout",
                f"{self.timeout:g} is out of range",
                "seconds, above 0 and at most 3600",
            )
        if self.base_url is not None:
            validate_base_url(self.base_url)
        for flag, file in (
            ("--ca-bundle", self.ca_bundle),
            ("--form", self.form),
            ("--recipient-key", self.recipient_key),
        ):
            if file is not None and not file.is_file():
                raise InputError(flag, f"file not found: {file}")
        for flag, path in (
            ("--output", self.output),
            ("--json", self.json_path),
            ("--junit", self.junit_path),
            ("--html", self.html_path),
            ("--bundle", self.bundle),
        ):
            if path is not None and not path.resolve().parent.is_dir():
                raise InputError(flag, f"folder does not exist: {path.parent}")
        return self
