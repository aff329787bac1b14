"""--strict and --exit-zero are the CLI's: the core reports, cli.exit_policy decides."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime

import pytest

from koppelcheck.afas.system import AFAS
from koppelcheck.batch.run import BatchRunner
from koppelcheck.cli.exit_policy import batch_with_exit_policy, with_exit_policy
from koppelcheck.models import BatchReport, CheckResult, EmployerReport, Status, ToolInfo
from koppelcheck.nmbrs.system import NMBRS
from koppelcheck.reporting import build_report
from koppelcheck.systems import verify


def _report(*statuses: Status):
    results = [
        CheckResult(id=f"c{i}", title="t", status=s, message="m") for i, s in enumerate(statuses)
    ]
    return build_report(
        system="nmbrs", option=None, target={}, started_at=datetime.now(UTC), results=results
    )


@pytest.mark.parametrize("core", [NMBRS.verify, AFAS.verify, verify, build_report, BatchRunner])
def test_the_core_takes_no_exit_policy(core: object) -> None:
    parameters = inspect.signature(core).parameters  # type: ignore[arg-type]
    assert "strict" not in parameters and "exit_zero" not in parameters


@pytest.mark.parametrize(
    ("statuses", "strict", "exit_zero", "code"),
    [
        ((Status.PASS,), False, False, 0),
        ((Status.WARN,), False, False, 0),
        ((Status.WARN,), True, False, 1),
        ((Status.FAIL,), False, False, 1),
        ((Status.FAIL,), False, True, 0),
        ((Status.ERROR,), False, False, 4),
        ((Status.ERROR, Status.WARN), True, False, 1),
    ],
)
def test_the_cli_decides_the_exit_code_from_the_results(
    statuses: tuple[Status, ...], strict: bool, exit_zero: bool, code: int
) -> None:
    report = _report(*statuses)
    assert with_exit_policy(report, strict=strict, exit_zero=exit_zero).exit_code == code


def test_a_batch_gets_the_policy_on_every_line_and_the_total() -> None:
    warned = _report(Status.PASS, Status.WARN)
    batch = BatchReport(
        tool=ToolInfo(version="0"),
        started_at=warned.started_at,
        duration_ms=0,
        summary=warned.summary,
        exit_code=0,
        employers=[EmployerReport(id="a", system="nmbrs", exit_code=0, report=warned)],
    )
    strict = batch_with_exit_policy(batch, strict=True, exit_zero=False)
    assert strict.exit_code == 1
    assert strict.employers[0].exit_code == strict.employers[0].report.exit_code == 1
    assert batch_with_exit_policy(batch, strict=False, exit_zero=False).exit_code == 0
