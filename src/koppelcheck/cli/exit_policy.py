"""``--strict`` and ``--exit-zero``: the one place the CLI turns a report's results into the exit
code it ends with.

The core (verify, the batch runner) returns reports whose ``exit_code`` follows the contract
without policy; the commands pass every report through here before they render it, so the
``exit_code`` in every output and bundle is the one the process ends with.
"""

from __future__ import annotations

from koppelcheck.models import BatchReport, EmployerReport, Report, decide_exit_code


def with_exit_policy(report: Report, *, strict: bool, exit_zero: bool) -> Report:
    """``report`` with its exit code decided from its summary under ``--strict``/``--exit-zero``."""
    code = decide_exit_code(report.summary, strict=strict, exit_zero=exit_zero)
    return report if code == report.exit_code else report.model_copy(update={"exit_code": code})


def employer_with_exit_policy(
    line: EmployerReport, *, strict: bool, exit_zero: bool
) -> EmployerReport:
    """One batch line with its report's (and its own) exit code under the policy."""
    report = with_exit_policy(line.report, strict=strict, exit_zero=exit_zero)
    if report is line.report and line.exit_code == report.exit_code:
        return line
    return line.model_copy(update={"report": report, "exit_code": report.exit_code})


def batch_with_exit_policy(report: BatchReport, *, strict: bool, exit_zero: bool) -> BatchReport:
    """A batch report with every employer's and the total exit code under the policy."""
    lines = [
        employer_with_exit_policy(line, strict=strict, exit_zero=exit_zero)
        for line in report.employers
    ]
    code = decide_exit_code(report.summary, strict=strict, exit_zero=exit_zero)
    return report.model_copy(update={"employers": lines, "exit_code": code})
