"""Split a batch across CI jobs (``--shard K/N``) and join their reports (``batch merge``).

A share is chosen by employer id alone: the ids are ordered by their SHA-256 and dealt out
round-robin, so every employer is in exactly one of the N shares, the shares differ in size by
at most one, and neither the file's order nor the machine changes who is where.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from koppelcheck.batch.plan import BatchPlan, EmployerPlan
from koppelcheck.errors import InputError
from koppelcheck.i18n import Text, os_reason
from koppelcheck.models import BatchInfo, BatchReport, EmployerReport, ShardInfo

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


def read_batch_report(path: Path, field: str) -> BatchReport:
    """A ``koppelcheck.batch/v1`` JSON report from ``path``; anything else is exit 2."""
    from pydantic import ValidationError

    try:
        raw: Any = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(
            field,
            Text("input.file.unreadable", path=path, reason=os_reason(exc)),
        ) from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InputError(
            field, Text("input.shard.not_json", path=path), Text("input.shard.give_json")
        ) from None
    if not isinstance(raw, dict) or raw.get("schema") != "koppelcheck.batch/v1":
        raise InputError(field, Text("input.shard.not_batch_report", path=path))
    try:
        return BatchReport.model_validate(raw)
    except ValidationError as exc:
        where = ".".join(str(p) for p in exc.errors()[0]["loc"]) if exc.errors() else "?"
        raise InputError(field, Text("input.shard.schema", path=path, where=where)) from None


def resumable(previous: BatchReport, info: BatchInfo, plan: BatchPlan) -> list[EmployerReport]:
    """The lines of ``previous`` that ``--resume`` takes over: employers of this file and share
    whose every check was determined (no ``error``). The others are checked again.

    A report of another batch file or another share is refused (exit 2).
    """
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
    wanted = {e.id: e.line for e in plan.employers}
    return [
        line.model_copy(update={"line": wanted[line.id]})
        for line in previous.employers
        if line.id in wanted and not line.report.summary.error
    ]


def merge_reports(named: Sequence[tuple[str, BatchReport]]) -> BatchReport:
    """Join the N shard reports of one batch file into the report one run would have written.

    Refuses (InputError, exit 2, naming the report) reports of different batch files, reports
    without shard information, a shard given twice and a shard missing.
    """
    from koppelcheck.models import Summary, decide_exit_code

    if not named:
        raise InputError("REPORT", Text("input.shard.none"), Text("input.shard.give_every"))
    first_name, first = named[0]
    first_info = _info_of(first_name, first)
    seen: dict[int, str] = {}
    for name, report in named:
        info = _info_of(name, report)
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
        assert info.shard is not None
        if info.shard.count != first_info.shard.count:  # type: ignore[union-attr]
            raise InputError(
                name,
                Text(
                    "input.shard.other_split",
                    shard=f"{info.shard.index}/{info.shard.count}",
                    first=first_name,
                    count=first_info.shard.count,  # type: ignore[union-attr]
                ),
                Text("input.shard.one_split"),
            )
        if info.shard.index in seen:
            raise InputError(
                name,
                Text(
                    "input.shard.twice",
                    shard=f"{info.shard.index}/{info.shard.count}",
                    also=seen[info.shard.index],
                ),
                Text("input.shard.once"),
            )
        seen[info.shard.index] = name
    count = first_info.shard.count  # type: ignore[union-attr]
    missing = [f"{k}/{count}" for k in range(1, count + 1) if k not in seen]
    if missing:
        raise InputError(
            "REPORT",
            Text("input.shard.missing", shards=", ".join(missing)),
            Text("input.shard.every"),
        )
    lines: list[EmployerReport] = [line for _, report in named for line in report.employers]
    ids = [line.id for line in lines]
    if len(set(ids)) != len(ids) or len(ids) != first_info.employers:
        raise InputError(
            "REPORT",
            Text("input.shard.incomplete", distinct=len(set(ids)), employers=first_info.employers),
            Text("input.shard.complete"),
        )
    lines.sort(key=lambda line: (line.line or 0, line.id))
    started = min(report.started_at for _, report in named)
    ended = max(report.started_at.timestamp() * 1000 + report.duration_ms for _, report in named)
    summary = Summary.of(c.status for line in lines for c in line.report.checks)
    return BatchReport(
        tool=first.tool,
        started_at=started,
        duration_ms=round(ended - started.timestamp() * 1000),
        summary=summary,
        exit_code=decide_exit_code(summary),  # --strict/--exit-zero: cli.exit_policy
        batch=first_info.model_copy(update={"shard": None}),
        employers=lines,
    )


def _info_of(name: str, report: BatchReport) -> BatchInfo:
    if report.batch is None or report.batch.shard is None:
        raise InputError(name, Text("input.shard.not_shard"), Text("input.shard.runs_with_shard"))
    return report.batch
