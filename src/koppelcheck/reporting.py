"""Turn check results into a :class:`Report`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from koppelcheck import __version__
from koppelcheck.models import CheckResult, Report, Summary, ToolInfo, decide_exit_code


def build_report(
    *,
    system: str,
    option: str | None,
    target: Mapping[str, object],
    started_at: datetime,
    results: Sequence[CheckResult],
) -> Report:
    """A report with its summary and exit code computed from ``results``, without policy:
    ``--strict`` and ``--exit-zero`` are the CLI's (:mod:`koppelcheck.cli.exit_policy`)."""
    summary = Summary.of(r.status for r in results)
    finished = datetime.now(UTC)
    return Report(
        tool=ToolInfo(version=__version__),
        system=system,
        option=option,
        target=dict(target),
        started_at=started_at,
        duration_ms=round((finished - started_at).total_seconds() * 1000),
        summary=summary,
        exit_code=decide_exit_code(summary),
        checks=list(results),
    )


def now() -> datetime:
    """The current time in UTC (one place, so tests can reason about it)."""
    return datetime.now(UTC)
