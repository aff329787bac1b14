"""A batch's results, one employer at a time: streamed to a temporary file, read back to render.

A batch of thousands of employers must not hold every employer's report until the end (each is
tens of kilobytes of checks and messages). Each finished employer is written as one JSON line to
an anonymous temporary file (:class:`BatchStore`) and dropped from memory; what the store keeps
per employer is a few numbers: where its line is, its place in the report, its outcome. Every
batch renderer reads employers back one at a time through :class:`BatchLines`, in file order or
failures first, so a report of 5,000 employers is written with the memory of one.

A :class:`BatchReport` already in memory (a library caller's, a test's) is read through the same
interface (:class:`MemoryLines`), so both give the same bytes.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO

from koppelcheck.batch.outcome import BatchTally, employer_outcome
from koppelcheck.errors import InputError
from koppelcheck.i18n import Text, os_reason
from koppelcheck.models import (
    BatchReport,
    EmployerReport,
    Status,
    Summary,
    ToolInfo,
)

#: The order employers are listed in by :meth:`BatchLines.attention_first`.
_OUTCOME_RANK = {Status.FAIL: 0, Status.ERROR: 1, Status.PASS: 2}


@dataclass
class BatchStats:
    """What every renderer needs over all employers, gathered as they arrive."""

    statuses: Counter[str] = field(default_factory=Counter)
    check_ids: set[str] = field(default_factory=set)
    open_manual: int = 0
    """Manual steps nobody confirmed (JUnit counts them as skipped)."""
    failing: int = 0
    """Checks that failed or errored, over all employers."""

    def add(self, line: EmployerReport) -> None:
        for check in line.report.checks:
            self.statuses[check.status.value] += 1
            self.check_ids.add(check.id)
            if check.status is Status.MANUAL and not check.confirmed:
                self.open_manual += 1
            if check.status in (Status.FAIL, Status.ERROR):
                self.failing += 1

    @property
    def summary(self) -> Summary:
        counts = self.statuses
        return Summary(
            **{"pass": counts["pass"]},
            **{k: counts[k] for k in ("fail", "error", "warn", "skip", "manual")},
        )

    @property
    def checks(self) -> int:
        return sum(self.statuses.values())


class BatchLines:
    """A batch report's header and its employers, read one at a time.

    ``header`` is the batch report without employers (its summary and exit code are the whole
    batch's). Subclasses say how many employers there are, each one's outcome, and how to load
    the i-th in report order.
    """

    header: BatchReport
    stats: BatchStats

    def __len__(self) -> int:
        raise NotImplementedError

    def outcomes(self) -> Sequence[Status]:
        """Every employer's :func:`employer_outcome`, in report order."""
        raise NotImplementedError

    def load(self, index: int) -> EmployerReport:
        """The employer at ``index`` in report order."""
        raise NotImplementedError

    def employers(self) -> Iterator[EmployerReport]:
        """Every employer, in report order (the batch file's)."""
        return (self.load(i) for i in range(len(self)))

    def attention_first(self) -> Iterator[EmployerReport]:
        """Employers with failures first, then undetermined ones; else in report order."""
        outcomes = self.outcomes()
        ranked = sorted(range(len(outcomes)), key=lambda i: _OUTCOME_RANK[outcomes[i]])
        return (self.load(i) for i in ranked)

    def needing_attention(self) -> Iterator[EmployerReport]:
        """Employers with a failing or undetermined outcome, failures first."""
        return self.attention_only().employers()

    def attention_count(self) -> int:
        """How many employers :meth:`needing_attention` yields."""
        return sum(1 for outcome in self.outcomes() if outcome is not Status.PASS)

    def tally(self) -> BatchTally:
        """The employers counted by outcome."""
        outcomes = list(self.outcomes())
        return BatchTally(
            total=len(outcomes),
            failed=outcomes.count(Status.FAIL),
            errored=outcomes.count(Status.ERROR),
            ok=outcomes.count(Status.PASS),
        )

    def attention_only(self) -> BatchLines:
        """The same batch listing only :meth:`needing_attention`, in that order."""
        outcomes = self.outcomes()
        ranked = sorted(
            (i for i, outcome in enumerate(outcomes) if outcome is not Status.PASS),
            key=lambda i: _OUTCOME_RANK[outcomes[i]],
        )
        return _Subset(self, ranked)


class MemoryLines(BatchLines):
    """A batch report held in memory, read through :class:`BatchLines`."""

    def __init__(self, batch: BatchReport) -> None:
        self.header = batch.model_copy(update={"employers": []})
        self._lines = batch.employers
        self._outcomes = [employer_outcome(line) for line in batch.employers]
        self.stats = BatchStats()
        for line in batch.employers:
            self.stats.add(line)

    def __len__(self) -> int:
        return len(self._lines)

    def outcomes(self) -> Sequence[Status]:
        return self._outcomes

    def load(self, index: int) -> EmployerReport:
        return self._lines[index]


class _Subset(BatchLines):
    def __init__(self, whole: BatchLines, indices: list[int]) -> None:
        self.header = whole.header
        self.stats = whole.stats
        self._whole = whole
        self._indices = indices
        outcomes = whole.outcomes()
        self._outcomes = [outcomes[i] for i in indices]

    def __len__(self) -> int:
        return len(self._indices)

    def outcomes(self) -> Sequence[Status]:
        return self._outcomes

    def load(self, index: int) -> EmployerReport:
        return self._whole.load(self._indices[index])


def as_lines(batch: BatchReport | BatchLines) -> BatchLines:
    """``batch`` readable one employer at a time."""
    return batch if isinstance(batch, BatchLines) else MemoryLines(batch)


@dataclass(slots=True)
class _Entry:
    """Where one employer's line is in the store, and what the renderers ask before reading it."""

    order: tuple[int, int | str]
    offset: int
    size: int
    outcome: Status


class BatchStore(BatchLines):
    """Employers' results in an anonymous temporary file (one JSON line each), not in memory.

    The file lives in ``folder`` (default: the system's temporary folder, ``TMPDIR``), is
    readable by this user only, has no name on disk (on POSIX) and is gone when the store is
    closed or the process ends. ``order`` gives the report's order: employers are listed by
    their position in it (ids not in it go last, by line and id).
    """

    def __init__(
        self, *, order: Sequence[str] | None = None, folder: str | os.PathLike[str] | None = None
    ) -> None:
        self._folder = folder
        try:
            self._file: IO[bytes] = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115 - close()
        except OSError as exc:
            raise self._unwritable(exc) from None
        self._position = {employer_id: n for n, employer_id in enumerate(order or ())}
        self._entries: list[_Entry] = []
        self._ids: set[str] = set()
        self._sorted = True
        self.stats = BatchStats()
        self.header = _EMPTY

    def __enter__(self) -> BatchStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _unwritable(self, exc: OSError) -> InputError:
        folder = os.fspath(self._folder) if self._folder else tempfile.gettempdir()
        return InputError(
            "TMPDIR",
            Text("input.batch.store_unwritable", folder=folder, reason=os_reason(exc)),
            Text("input.batch.store_elsewhere"),
        )

    def close(self) -> None:
        """Remove the temporary file."""
        self._file.close()

    def append(self, line: EmployerReport) -> None:
        """Store one employer's line; it is not kept in memory."""
        if line.id in self._ids:
            raise ValueError(f"employer {line.id!r} stored twice")
        data = line.model_dump_json().encode("utf-8") + b"\n"
        try:
            offset = self._file.seek(0, os.SEEK_END)
            self._file.write(data)
        except OSError as exc:  # the temporary folder is full (or gone)
            raise self._unwritable(exc) from None
        position = self._position.get(line.id)
        order: tuple[int, int | str] = (
            (0, position) if position is not None else (1, f"{line.line or 0:012d}{line.id}")
        )
        self._entries.append(_Entry(order, offset, len(data), employer_outcome(line)))
        self._ids.add(line.id)
        self._sorted = False
        self.stats.add(line)

    def extend(self, lines: Iterable[EmployerReport]) -> None:
        for line in lines:
            self.append(line)

    def __contains__(self, employer_id: object) -> bool:
        return employer_id in self._ids

    def with_header(self, header: BatchReport) -> BatchStore:
        """Set the batch's header (its employers, if any, are ignored); returns the store."""
        self.header = header.model_copy(update={"employers": []})
        return self

    def _in_order(self) -> list[_Entry]:
        if not self._sorted:
            self._entries.sort(key=lambda entry: entry.order)
            self._sorted = True
        return self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def outcomes(self) -> Sequence[Status]:
        return [entry.outcome for entry in self._in_order()]

    def load(self, index: int) -> EmployerReport:
        entry = self._in_order()[index]
        self._file.seek(entry.offset)
        return EmployerReport.model_validate_json(self._file.read(entry.size))

    def to_report(self) -> BatchReport:
        """The whole batch report in memory (for a library caller; small batches)."""
        return self.header.model_copy(update={"employers": list(self.employers())})


def _empty_header() -> BatchReport:
    return BatchReport(
        tool=ToolInfo(version="0"),
        started_at=datetime.fromtimestamp(0, UTC),
        duration_ms=0,
        summary=Summary(),
        exit_code=0,
        employers=[],
    )


_EMPTY = _empty_header()
