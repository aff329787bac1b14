"""The check model: statuses, one check's result, and the report of a run.

These are the shapes of the JSON report in the contract (``koppelcheck.report/v1``); the JSON
Schema in ``docs/`` is generated from them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from koppelcheck.exitcodes import ExitCode
from koppelcheck.i18n import Message, message_ref
from koppelcheck.jsontypes import JSONObject

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


_KEY_DOC = (
    "The message catalogue key `{field}` was made from (`src/koppelcheck/i18n/`); the same in "
    "every language. Empty when the text is not from the catalogue (a server's own words)."
)
_PARAMS_DOC = (
    "The parameters that filled in `{field}`: numbers, texts that are the same in every "
    'language (ids, names, server words), or a nested message as `{{"key", "params"}}`.'
)


def _capture_refs(data: object, fields: dict[str, str]) -> object:
    """Before validation: for each ``text field -> prefix``, fill ``<prefix>key`` and
    ``<prefix>params`` from a :class:`~koppelcheck.i18n.Message`, unless given explicitly."""
    if not isinstance(data, dict):
        return data
    for field, prefix in fields.items():
        if f"{prefix}key" in data:
            continue
        key, params = message_ref(data.get(field))
        if key:
            data = {**data, f"{prefix}key": key, f"{prefix}params": params}
    return data


class Fix(BaseModel):
    """How to put a check right: a sentence, and links where useful."""

    model_config = ConfigDict(frozen=True)

    text: str = ""
    links: list[str] = Field(default_factory=list)
    key: str = Field(default="", description=_KEY_DOC.format(field="text"))
    params: dict[str, object] = Field(
        default_factory=dict, description=_PARAMS_DOC.format(field="text")
    )

    @model_validator(mode="before")
    @classmethod
    def _refs(cls, data: object) -> object:
        return _capture_refs(data, {"text": ""})

    def as_message(self) -> str:
        """``text`` as a :class:`~koppelcheck.i18n.Message` again, to build a new text from."""
        return Message(self.text, self.key, self.params) if self.key else self.text

    def with_text(self, text: str) -> Fix:
        """A copy with a new text; the key and parameters follow it."""
        return Fix(text=text, links=self.links)


class CheckResult(BaseModel):
    """The outcome of one check."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="The check's stable id (`nmbrs.auth`, `afas.connector.X`).")
    status: Status
    title: str
    message: str
    step: str = Field(default="", description="The manual step the check verifies, in words.")
    fix: Fix = Field(default_factory=Fix)
    duration_ms: int = 0
    confirmed: bool | None = Field(
        default=None, description="For `manual` checks: whether the person confirmed the step."
    )
    step_id: str = Field(
        default="",
        description="The stable id of the manual step in `step` (`afas.step.3`, `nmbrs.step.2`, "
        "`nmbrs.rest.step.1`); empty when the check belongs to no step.",
    )
    title_key: str = Field(default="", description=_KEY_DOC.format(field="title"))
    title_params: dict[str, object] = Field(
        default_factory=dict, description=_PARAMS_DOC.format(field="title")
    )
    message_key: str = Field(default="", description=_KEY_DOC.format(field="message"))
    message_params: dict[str, object] = Field(
        default_factory=dict, description=_PARAMS_DOC.format(field="message")
    )

    @model_validator(mode="before")
    @classmethod
    def _refs(cls, data: object) -> object:
        return _capture_refs(data, {"title": "title_", "message": "message_"})

    def as_message(self, field: Literal["title", "message"]) -> str:
        """``title`` or ``message`` as a :class:`~koppelcheck.i18n.Message` again (key and
        parameters kept), to build a new text from."""
        text: str = getattr(self, field)
        key: str = getattr(self, f"{field}_key")
        return Message(text, key, getattr(self, f"{field}_params")) if key else text

    def with_texts(self, *, step_id: str | None = None, **texts: str) -> CheckResult:
        """A copy with new ``title``, ``message`` or ``step`` texts; keys follow the texts."""
        update: dict[str, object] = {name: str(text) for name, text in texts.items()}
        for field in ("title", "message"):
            if field in texts:
                update[f"{field}_key"], update[f"{field}_params"] = message_ref(texts[field])
        if step_id is not None:
            update["step_id"] = step_id
        return self.model_copy(update=update)


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
    target: dict[str, object] = Field(default_factory=dict)
    started_at: datetime
    duration_ms: int
    summary: Summary
    exit_code: int
    checks: list[CheckResult]

    def failing(self) -> list[CheckResult]:
        """Checks that failed or errored, in report order."""
        return [c for c in self.checks if c.status in (Status.FAIL, Status.ERROR)]

    def to_json_dict(self) -> JSONObject:
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
