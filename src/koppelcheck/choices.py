"""Every closed set of values a flag accepts, defined once as an enum.

The CLI declares its options with these types, so Typer validates them (an unknown value exits 2
naming the flag) and shell completion offers them; the core reads the same enums (the report
formats, the checklist's formats, the AFAS authentication modes). This module imports nothing
heavy: ``koppelcheck --help`` loads it.
"""

from __future__ import annotations

from enum import StrEnum

from koppelcheck.nmbrs.calls import ManualOption
from koppelcheck.registry import TABLE

__all__ = [
    "AfasAuth",
    "Api",
    "ChecklistFormat",
    "ManualOption",
    "NmbrsEnvironment",
    "ReportFormat",
    "SystemName",
    "values",
]


class ReportFormat(StrEnum):
    """The formats a check report is written in (``--format``)."""

    TEXT = "text"
    JSON = "json"
    JUNIT = "junit"
    MARKDOWN = "markdown"
    HTML = "html"


class ChecklistFormat(StrEnum):
    """The report formats a printable checklist has: the human ones (``checklist --format``)."""

    TEXT = ReportFormat.TEXT.value
    MARKDOWN = ReportFormat.MARKDOWN.value
    HTML = ReportFormat.HTML.value


SystemName = StrEnum(  # type: ignore[misc]  # members come from the registry table
    "SystemName", {name.upper(): name for name in sorted(TABLE)}
)
"""The payroll systems koppelcheck knows (the ``checklist`` argument): the registry's names."""


class NmbrsEnvironment(StrEnum):
    """Nmbrs's two environments (``--environment``); their URLs are in ``nmbrs.target``."""

    PRODUCTION = "production"
    SANDBOX = "sandbox"


class Api(StrEnum):
    """Which Nmbrs API (``--api``): SOAP v3 as the manual sets it up, or the opt-in REST probe."""

    SOAP = "soap"
    REST = "rest"


class AfasAuth(StrEnum):
    """How the AFAS App Connector authenticates (``--auth``): the classic token of the manual,
    OAuth, or Hybrid (both) — see ``afas.steps``."""

    CLASSIC = "classic"
    OAUTH = "oauth"
    HYBRID = "hybrid"


def values(choices: type[StrEnum]) -> tuple[str, ...]:
    """The plain string values of an enum, in declaration order."""
    return tuple(member.value for member in choices)
