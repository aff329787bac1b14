"""The check model: statuses, one check's result, and the report of a run.

These are the shapes of the JSON report in the contract (``koppelcheck.report/v1``); the JSON
Schema in ``docs/`` is generated from them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from koppelcheck.exitcodes import ExitCode

REPORT_SCHEMA = "koppelcheck.report/v1"
BATCH_SCHEMA = "koppelcheck.batch/v1"


class Status(StrEnum):
    """What a check found: ``fail`` (the setup is wrong) is not ``error`` (we could not tell)."""

    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"
    WARN = "warn"
    SKIP = "skip"
    MANUAL = "manual"


class Fix(BaseModel):
    """How to put a check right: a sentence, and links where useful."""

    model_config = ConfigDict(frozen=True)

    text: str = ""
    links: list[str] = Field(default_factory=list)


class CheckResult(BaseModel):
    """The outcome of one check."""

    model_config = ConfigDict(frozen=True)

    id: str
    status: Status
    title: str
    message: str
    step: str = ""
    fix: Fix = Field(default_factory=Fix)
    duration_ms: int = 0
    confirmed: bool | None = Field(
        default=None, description="For `manual` checks: whether the person confirmed the step."
    )


class Summary(BaseModel):
    """How many checks ended in each status."""

    # ``pass`` is a keyword; the alias keeps the JSON key the contract names.
    pass_: int = Field(default=0, alias="pass")
    fail: int = 0
    error: int = 0
    warn: int = 0
    skip: int = 0
    manual: int = 0

    model_config = ConfigDict(frozen=True, populate_by_name=True, serialize_by_alias=True)

    @classmethod
    def of(cls, statuses: Iterable[Status]) -> Summary:
        """Count statuses."""
        counts = Counter(Status(s).value for s in statuses)
        return cls(
            **{"pass": counts["pass"]},
            **{k: counts[k] for k in ("fail", "error", "warn", "skip", "manual")},
        )

    def count(self, status: Status) -> int:
        """The count for one status."""
        return self.pass_ if status is Status.PASS else int(getattr(self, status.value))


class ToolInfo(BaseModel):
    """Which tool wrote the report."""

    model_config = ConfigDict(frozen=True)

    name: str = "koppelcheck"
    version: str


def decide_exit_code(summary: Summary, *, strict: bool = False, exit_zero: bool = False) -> int:
    """The contract's exit code for a completed run."""
    if exit_zero:
        return ExitCode.OK
    if summary.fail or (strict and summary.warn):
        return ExitCode.FAILED
    if summary.error:
        return ExitCode.UNDETERMINED
    return ExitCode.OK


class Report(BaseModel):
    """The report of one check run (``koppelcheck.report/v1``)."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, serialize_by_alias=True)

    schema_: str = Field(default=REPORT_SCHEMA, alias="schema")
    tool: ToolInfo
    system: str
    option: str | None = None
    target: dict[str, Any] = Field(default_factory=dict)
    started_at: datetime
    duration_ms: int
    summary: Summary
    exit_code: int
    checks: list[CheckResult]

    def failing(self) -> list[CheckResult]:
        """Checks that failed or errored, in report order."""
        return [c for c in self.checks if c.status in (Status.FAIL, Status.ERROR)]

    def to_json_dict(self) -> dict[str, Any]:
        """The report as the contract's JSON object."""
        return self.model_dump(mode="json", by_alias=True)


class EmployerReport(BaseModel):
    """One employer's line in a batch report."""

    model_config = ConfigDict(frozen=True)

    id: str
    system: str
    exit_code: int
    line: int | None = Field(
        default=None,
        description="The line of the employer's `[[employer]]` table in the batch file; "
        "reports list employers in this order.",
    )
    report: Report


class ShardInfo(BaseModel):
    """Which share of a batch file a run checked (``--shard K/N``)."""

    model_config = ConfigDict(frozen=True)

    index: int = Field(description="K: this share, 1 to N.")
    count: int = Field(description="N: the number of shares.")


class BatchInfo(BaseModel):
    """Which batch file a batch report covers, so that shard reports can be joined safely."""

    model_config = ConfigDict(frozen=True)

    file: str = Field(description="The batch file's name (without its folder).")
    fingerprint: str = Field(
        description="`sha256:` over the employers' ids and settings, sorted by id: equal for "
        "the same employers whatever the file's order or path."
    )
    employers: int = Field(description="How many employers the whole batch file holds.")
    shard: ShardInfo | None = Field(
        default=None, description="The share this report covers; null for the whole file."
    )


class BatchReport(BaseModel):
    """The report of a batch run (``koppelcheck.batch/v1``)."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, serialize_by_alias=True)

    schema_: str = Field(default=BATCH_SCHEMA, alias="schema")
    tool: ToolInfo
    started_at: datetime
    duration_ms: int
    summary: Summary
    exit_code: int
    batch: BatchInfo | None = Field(
        default=None, description="The batch file and share this report covers."
    )
    employers: list[EmployerReport]
