"""What a batch run's results mean, per employer and over all: data, no wording.

Every batch renderer (terminal, HTML, GitHub summary) and any script using koppelcheck as a library
reads the same outcome from here, so they always agree on who is broken.
"""

from __future__ import annotations

from dataclasses import dataclass

from koppelcheck.exitcodes import ExitCode
from koppelcheck.models import BatchReport, EmployerReport, Status

#: Exit codes that mean an employer's run did not complete (bad input, missing credential).
NOT_RUN_CODES = frozenset({ExitCode.USAGE, ExitCode.CANNOT_RUN, ExitCode.INTERRUPTED})

#: The order employers are listed in: failures first, then undetermined, then the healthy ones.
_OUTCOME_RANK = {Status.FAIL: 0, Status.ERROR: 1, Status.PASS: 2}


def employer_outcome(employer: EmployerReport) -> Status:
    """``fail`` when a check failed, ``error`` when one is undetermined (or the run could not
    complete), else ``pass``. Decided from the checks, so ``--exit-zero`` does not hide anything.
    """
    summary = employer.report.summary
    if summary.fail:
        return Status.FAIL
    if summary.error or employer.exit_code in NOT_RUN_CODES:
        return Status.ERROR
    return Status.PASS


@dataclass(frozen=True)
class BatchTally:
    """How many employers were checked, and how many ended in each outcome.

    ``failed``, ``errored`` and ``ok`` add up to ``total``: an employer with both a failing and an
    undetermined check counts as failed.
    """

    total: int
    failed: int
    errored: int
    ok: int


def tally(batch: BatchReport) -> BatchTally:
    """Count the employers of ``batch`` by :func:`employer_outcome`."""
    outcomes = [employer_outcome(e) for e in batch.employers]
    return BatchTally(
        total=len(outcomes),
        failed=outcomes.count(Status.FAIL),
        errored=outcomes.count(Status.ERROR),
        ok=outcomes.count(Status.PASS),
    )


def attention_first(batch: BatchReport) -> list[EmployerReport]:
    """All employers, those with failures first, then undetermined ones; else in batch order."""
    return sorted(batch.employers, key=lambda e: _OUTCOME_RANK[employer_outcome(e)])


def needing_attention(batch: BatchReport) -> list[EmployerReport]:
    """The employers with a failing or undetermined outcome, failures first."""
    return [e for e in attention_first(batch) if employer_outcome(e) is not Status.PASS]


def worst_outcome(counts: BatchTally) -> Status:
    """The outcome that colours the whole batch: ``fail``, else ``error``, else ``pass``."""
    if counts.failed:
        return Status.FAIL
    return Status.ERROR if counts.errored else Status.PASS
