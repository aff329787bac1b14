"""Split a batch across CI jobs (``--shard K/N``) and join their reports (``batch merge``).

A share is chosen by employer id alone: the ids are ordered by their SHA-256 and dealt out
round-robin, so every employer is in exactly one of the N shares, the shares differ in size by
at most one, and neither the file's order nor the machine changes who is where.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from koppelcheck.batch.plan import BatchPlan, EmployerPlan
from koppelcheck.errors import InputError
from koppelcheck.i18n import Text, os_reason
from koppelcheck.models import (
    BATCH_SCHEMA,
    BatchInfo,
    BatchReport,
    EmployerReport,
    ShardInfo,
    Status,
    Summary,
    decide_exit_code,
)

_SHARD = re.compile(r"^\s*(\d{1,4})\s*/\s*(\d{1,4})\s*$")


def parse_shard(text: str, field: str = "shard") -> ShardInfo:
    """``"K/N"`` with 1 ≤ K ≤ N as a ShardInfo; anything else is an InputError (exit 2)."""
    match = _SHARD.match(text)
    if not match:
        raise InputError(
            field, Text("input.shard.not_k_n", value=repr(text)), Text("input.shard.example")
        )
    index, count = int(match[1]), int(match[2])
    if not 1 <= index <= count:
        raise InputError(
            field, Text("input.shard.k_range", value=repr(text)), Text("input.shard.example")
        )
    return ShardInfo(index=index, count=count)


def _rank(employer_id: str) -> bytes:
    return hashlib.sha256(employer_id.encode("utf-8")).digest()


def shard_ids(ids: Iterable[str], shard: ShardInfo) -> set[str]:
    """The ids in share ``shard``: ids ordered by SHA-256, every N-th from position K."""
    ranked = sorted(ids, key=lambda i: (_rank(i), i))
    return set(ranked[shard.index - 1 :: shard.count])


def select_shard(plan: BatchPlan, shard: ShardInfo | None) -> BatchPlan:
    """The plan with only the employers of ``shard`` (all when None), in file order."""
    if shard is None:
        return plan
    chosen = shard_ids((e.id for e in plan.employers), shard)
    return BatchPlan(plan.path, tuple(e for e in plan.employers if e.id in chosen))


def fingerprint(employers: Sequence[EmployerPlan]) -> str:
    """``sha256:`` over every employer's id, system and settings (no secret), sorted by id."""
    canonical = json.dumps(
        sorted((e.id, e.system, e.settings, e.token_env, e.token_keyring) for e in employers),
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def batch_info(plan: BatchPlan, shard: ShardInfo | None) -> BatchInfo:
    """What a report of ``plan`` (``shard`` of it) says about the file it covers."""
    return BatchInfo(
        file=plan.path.name,
        fingerprint=fingerprint(plan.employers),
        employers=len(plan.employers),
        shard=shard,
    )


class _JsonStream:
    """A JSON document read in chunks: values decoded one at a time, never the whole text."""

    _CHUNK = 1 << 20

    def __init__(self, handle: IO[str]) -> None:
        self._handle = handle
        self._buffer = ""
        self._pos = 0
        self._eof = False
        self._decoder = json.JSONDecoder()

    def _fill(self) -> bool:
        chunk = "" if self._eof else self._handle.read(self._CHUNK)
        if not chunk:
            self._eof = True
            return False
        self._buffer = self._buffer[self._pos :] + chunk
        self._pos = 0
        return True

    def peek(self) -> str:
        """The next character that is not white space ("" at the end)."""
        while True:
            while self._pos < len(self._buffer) and self._buffer[self._pos] in " \t\r\n":
                self._pos += 1
            if self._pos < len(self._buffer) or not self._fill():
                return self._buffer[self._pos : self._pos + 1]

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise ValueError(f"expected {char!r}")
        self._pos += 1

    def value(self) -> Any:
        """The next whole JSON value."""
        self.peek()
        while True:
            try:
                value, end = self._decoder.raw_decode(self._buffer, self._pos)
            except json.JSONDecodeError:
                if self._fill():
                    continue
                raise
            if end == len(self._buffer) and self._fill():  # a number may go on
                continue
            self._pos = end
            return value


def iter_batch_report(
    path: Path, field: str, header: list[BatchReport]
) -> Iterator[EmployerReport]:
    """The employers of the ``koppelcheck.batch/v1`` JSON report at ``path``, one at a time,
    without reading the whole file into memory; when they are all read, ``header`` gets the
    report's other fields (a BatchReport without employers). Anything but such a report is an
    InputError naming ``field`` (exit 2)."""
    fields: dict[str, Any] = {}
    index = 0
    try:
        with path.open(encoding="utf-8") as handle:
            stream = _JsonStream(handle)
            if stream.peek() != "{":
                stream.value()  # valid JSON that is no object: not a batch report
                raise InputError(field, Text("input.shard.not_batch_report", path=path))
            stream.expect("{")
            while stream.peek() != "}":
                if fields or index:
                    stream.expect(",")
                key = stream.value()
                stream.expect(":")
                if key != "employers" or stream.peek() != "[":
                    fields[key] = stream.value()
                    continue
                if fields.get("schema", BATCH_SCHEMA) != BATCH_SCHEMA:
                    raise InputError(field, Text("input.shard.not_batch_report", path=path))
                stream.expect("[")
                while stream.peek() != "]":
                    if index:
                        stream.expect(",")
                    raw = stream.value()
                    try:
                        yield EmployerReport.model_validate(raw)
                    except ValidationError as exc:
                        where = _where(exc, f"employers.{index}.")
                        raise InputError(
                            field, Text("input.shard.schema", path=path, where=where)
                        ) from None
                    index += 1
                stream.expect("]")
                fields.setdefault("employers", [])
            stream.expect("}")
            if stream.peek():
                raise ValueError("extra data")
    except OSError as exc:
        raise InputError(
            field,
            Text("input.file.unreadable", path=path, reason=os_reason(exc)),
        ) from None
    except (UnicodeDecodeError, ValueError):  # json.JSONDecodeError is a ValueError
        raise InputError(
            field, Text("input.shard.not_json", path=path), Text("input.shard.give_json")
        ) from None
    if fields.get("schema") != BATCH_SCHEMA:
        raise InputError(field, Text("input.shard.not_batch_report", path=path))
    try:
        header.append(BatchReport.model_validate({**fields, "employers": []}))
    except ValidationError as exc:
        raise InputError(field, Text("input.shard.schema", path=path, where=_where(exc))) from None
    if "employers" not in fields:
        raise InputError(field, Text("input.shard.schema", path=path, where="employers"))


def _where(exc: Any, prefix: str = "") -> str:
    errors = exc.errors()
    return prefix + ".".join(str(p) for p in errors[0]["loc"]) if errors else "?"


def read_batch_report(path: Path, field: str) -> BatchReport:
    """A ``koppelcheck.batch/v1`` JSON report from ``path``, whole; anything else is exit 2."""
    header: list[BatchReport] = []
    lines = list(iter_batch_report(path, field, header))
    return header[0].model_copy(update={"employers": lines})


def resumable(previous: BatchReport, info: BatchInfo, plan: BatchPlan) -> list[EmployerReport]:
    """The lines of ``previous`` that ``--resume`` takes over: employers of this file and share
    whose every check was determined (no ``error``). The others are checked again.

    A report of another batch file or another share is refused (exit 2).
    """
    _same_batch(previous, info)
    return list(_taken_over(previous.employers, plan))


def take_over(
    path: Path, info: BatchInfo, plan: BatchPlan, sink: Callable[[EmployerReport], None]
) -> set[str]:
    """:func:`resumable` for the report at ``path``, read one employer at a time: each line
    taken over goes to ``sink`` (a :class:`~koppelcheck.batch.store.BatchStore`); returns their
    ids. The report's header is checked once it is read: a report of another file or share is
    an InputError then, and the caller drops what ``sink`` received."""
    header: list[BatchReport] = []
    taken: set[str] = set()
    for line in _taken_over(iter_batch_report(path, "resume", header), plan):
        sink(line)
        taken.add(line.id)
    _same_batch(header[0], info)
    return taken


def _taken_over(lines: Iterable[EmployerReport], plan: BatchPlan) -> Iterator[EmployerReport]:
    wanted = {e.id: e.line for e in plan.employers}
    for line in lines:
        if line.id in wanted and not line.report.summary.error:
            yield line.model_copy(update={"line": wanted[line.id]})


def _same_batch(previous: BatchReport, info: BatchInfo) -> None:
    theirs = previous.batch
    if theirs is None or theirs.fingerprint != info.fingerprint:
        raise InputError(
            "resume",
            Text("input.shard.other_file"),
            Text("input.shard.earlier_run"),
        )
    if theirs.shard != info.shard:
        shown = (
            f"{theirs.shard.index}/{theirs.shard.count}"
            if theirs.shard
            else Text("input.shard.all")
        )
        raise InputError(
            "resume", Text("input.shard.other_shard", shard=shown), Text("input.shard.same")
        )


def merge_reports(named: Sequence[tuple[str, BatchReport]]) -> BatchReport:
    """Join the N shard reports of one batch file into the report one run would have written.

    Refuses (InputError, exit 2, naming the report) reports of different batch files, reports
    without shard information, a shard given twice and a shard missing.
    """
    lines: list[EmployerReport] = []
    merge = ShardMerge(lines.append)
    for name, report in named:
        merge.add(name, report, report.employers)
    header = merge.finish()
    lines.sort(key=lambda line: (line.line or 0, line.id))
    return header.model_copy(update={"employers": lines})


def merge_files(names: Sequence[str], sink: Callable[[EmployerReport], None]) -> BatchReport:
    """:func:`merge_reports` for the shard reports in files ``names``, read one employer at a
    time: every line goes to ``sink`` (a :class:`~koppelcheck.batch.store.BatchStore`, which
    orders them), the returned header lists no employers. On an InputError the caller drops
    what ``sink`` received."""
    merge = ShardMerge(sink)
    for name in names:
        header: list[BatchReport] = []
        lines = iter_batch_report(Path(name), "REPORTS", header)
        merge.add(name, None, lines, header)
    return merge.finish()


class ShardMerge:
    """Shard reports joined one at a time; their lines go to ``sink`` as they come."""

    def __init__(self, sink: Callable[[EmployerReport], None]) -> None:
        self._sink = sink
        self._first: tuple[str, BatchReport, BatchInfo] | None = None
        self._seen: dict[int, str] = {}
        self._ids: set[str] = set()
        self._doubled = 0
        self._statuses: Counter[Status] = Counter()
        self._started: datetime | None = None
        self._ended = 0.0

    def add(
        self,
        name: str,
        report: BatchReport | None,
        lines: Iterable[EmployerReport],
        header: list[BatchReport] | None = None,
    ) -> None:
        """One shard report: its header (``report``, or read into ``header`` with its lines)
        and its lines."""
        if report is not None:
            self._header(name, report)
        for line in lines:
            if line.id in self._ids:
                self._doubled += 1
                continue
            self._ids.add(line.id)
            self._statuses.update(check.status for check in line.report.checks)
            self._sink(line)
        if report is None and header:
            self._header(name, header[0])

    def _header(self, name: str, report: BatchReport) -> None:
        info = _info_of(name, report)
        if self._first is None:
            self._first = (name, report, info)
        first_name, _, first_info = self._first
        if info.fingerprint != first_info.fingerprint or info.employers != first_info.employers:
            raise InputError(
                name,
                Text(
                    "input.shard.other_batch",
                    first=first_name,
                    file=info.file,
                    employers=info.employers,
                ),
                Text("input.shard.one_run"),
            )
        assert info.shard is not None and first_info.shard is not None
        if info.shard.count != first_info.shard.count:
            raise InputError(
                name,
                Text(
                    "input.shard.other_split",
                    shard=f"{info.shard.index}/{info.shard.count}",
                    first=first_name,
                    count=first_info.shard.count,
                ),
                Text("input.shard.one_split"),
            )
        if info.shard.index in self._seen:
            raise InputError(
                name,
                Text(
                    "input.shard.twice",
                    shard=f"{info.shard.index}/{info.shard.count}",
                    also=self._seen[info.shard.index],
                ),
                Text("input.shard.once"),
            )
        self._seen[info.shard.index] = name
        if self._started is None or report.started_at < self._started:
            self._started = report.started_at
        self._ended = max(self._ended, report.started_at.timestamp() * 1000 + report.duration_ms)

    def finish(self) -> BatchReport:
        """The merged report's header (no employers listed); InputError for a missing shard or
        a report that lost or doubled employers."""
        if self._first is None or self._started is None:
            raise InputError("REPORT", Text("input.shard.none"), Text("input.shard.give_every"))
        _, first, first_info = self._first
        assert first_info.shard is not None
        count = first_info.shard.count
        missing = [f"{k}/{count}" for k in range(1, count + 1) if k not in self._seen]
        if missing:
            raise InputError(
                "REPORT",
                Text("input.shard.missing", shards=", ".join(missing)),
                Text("input.shard.every"),
            )
        if self._doubled or len(self._ids) != first_info.employers:
            raise InputError(
                "REPORT",
                Text(
                    "input.shard.incomplete",
                    distinct=len(self._ids),
                    employers=first_info.employers,
                ),
                Text("input.shard.complete"),
            )
        summary = Summary.of(self._statuses.elements())
        return BatchReport(
            tool=first.tool,
            started_at=self._started,
            duration_ms=round(self._ended - self._started.timestamp() * 1000),
            summary=summary,
            exit_code=decide_exit_code(summary),  # --strict/--exit-zero: cli.exit_policy
            batch=first_info.model_copy(update={"shard": None}),
            employers=[],
        )


def _info_of(name: str, report: BatchReport) -> BatchInfo:
    if report.batch is None or report.batch.shard is None:
        raise InputError(name, Text("input.shard.not_shard"), Text("input.shard.runs_with_shard"))
    return report.batch
