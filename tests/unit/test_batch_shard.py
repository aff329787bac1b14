"""``--shard K/N`` and ``batch merge``: stable even shares, and refusals that name the report."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from koppelcheck.batch.plan import BatchPlan, EmployerPlan
from koppelcheck.batch.shard import (
    batch_info,
    merge_reports,
    parse_shard,
    resumable,
    select_shard,
    shard_ids,
)
from koppelcheck.errors import InputError
from koppelcheck.models import (
    BatchReport,
    CheckResult,
    EmployerReport,
    Report,
    ShardInfo,
    Status,
    Summary,
    ToolInfo,
)

ids_strategy = st.lists(
    st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,12}", fullmatch=True), unique=True, max_size=60
)


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """The errors here are keyed; ``match=`` reads them in English (KOPPELCHECK_LANG=en)."""
    monkeypatch.setenv("KOPPELCHECK_LANG", "en")


@given(ids=ids_strategy, count=st.integers(1, 9))
def test_n_shards_cover_every_employer_exactly_once_and_evenly(ids: list[str], count: int) -> None:
    shares = [shard_ids(ids, ShardInfo(index=k, count=count)) for k in range(1, count + 1)]
    assert sorted(i for share in shares for i in share) == sorted(ids)
    sizes = [len(share) for share in shares]
    assert max(sizes) - min(sizes) <= 1


@given(ids=ids_strategy, count=st.integers(1, 5), seed=st.randoms())
def test_a_share_does_not_depend_on_the_file_order(ids: list[str], count: int, seed) -> None:
    shuffled = list(ids)
    seed.shuffle(shuffled)
    for k in range(1, count + 1):
        shard = ShardInfo(index=k, count=count)
        assert shard_ids(ids, shard) == shard_ids(shuffled, shard)


@pytest.mark.parametrize("text", ["0/3", "4/3", "3", "a/b", "1/0", "-1/2", "1/3/4", ""])
def test_a_bad_shard_is_refused(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_shard(text)
    assert caught.value.field == "shard"


def test_a_good_shard_is_read() -> None:
    assert parse_shard(" 2 / 4 ") == ShardInfo(index=2, count=4)


def _plan(ids: list[str], name: str = "b.toml") -> BatchPlan:
    employers = tuple(
        EmployerPlan(i, "afas", {"environment_id": "O1AA"}, "T", False, line=n * 5 + 1)
        for n, i in enumerate(ids)
    )
    return BatchPlan(Path(name), employers)


def _line(plan_line: EmployerPlan, status: Status = Status.PASS) -> EmployerReport:
    check = CheckResult(id="x", status=status, title="x", message="m")
    summary = Summary.of([status])
    report = Report(
        tool=ToolInfo(version="1"),
        system="afas",
        started_at=datetime(2026, 1, 1, tzinfo=UTC),
        duration_ms=5,
        summary=summary,
        exit_code=4 if status is Status.ERROR else 0,
        checks=[check],
    )
    return EmployerReport(
        id=plan_line.id,
        system="afas",
        exit_code=report.exit_code,
        line=plan_line.line,
        report=report,
    )


def _shard_report(plan: BatchPlan, k: int, n: int, start_s: int = 0) -> BatchReport:
    shard = ShardInfo(index=k, count=n)
    part = select_shard(plan, shard)
    lines = [_line(e) for e in part.employers]
    return BatchReport(
        tool=ToolInfo(version="1"),
        started_at=datetime(2026, 1, 1, 0, 0, start_s, tzinfo=UTC),
        duration_ms=1000,
        summary=Summary.of(c.status for line in lines for c in line.report.checks),
        exit_code=0,
        batch=batch_info(plan, shard),
        employers=lines,
    )


IDS = [f"werkgever-{n}" for n in range(11)]


def test_merge_puts_employers_back_in_file_order_and_spans_the_shards() -> None:
    plan = _plan(IDS)
    merged = merge_reports(
        [(f"r{k}.json", _shard_report(plan, k, 3, start_s=k)) for k in (3, 1, 2)]
    )
    assert [line.id for line in merged.employers] == IDS
    assert merged.summary.pass_ == len(IDS)
    assert merged.batch is not None and merged.batch.shard is None
    assert merged.duration_ms == 3000  # from the first start to the last end


def test_merge_refuses_a_missing_shard_naming_it() -> None:
    plan = _plan(IDS)
    with pytest.raises(InputError, match="shard 2/3 missing"):
        merge_reports([(f"r{k}.json", _shard_report(plan, k, 3)) for k in (1, 3)])


def test_merge_refuses_a_doubled_shard_naming_both_reports() -> None:
    plan = _plan(IDS)
    reports = [("a.json", _shard_report(plan, 1, 2)), ("b.json", _shard_report(plan, 1, 2))]
    with pytest.raises(InputError) as caught:
        merge_reports(reports)
    assert caught.value.field == "b.json" and "a.json" in caught.value.message


def test_merge_refuses_shards_of_another_batch_file() -> None:
    other = _plan([*IDS, "nieuw"])
    reports = [("a.json", _shard_report(_plan(IDS), 1, 2)), ("b.json", _shard_report(other, 2, 2))]
    with pytest.raises(InputError) as caught:
        merge_reports(reports)
    assert caught.value.field == "b.json"


def test_merge_refuses_shards_of_another_split_and_a_whole_report() -> None:
    plan = _plan(IDS)
    with pytest.raises(InputError, match="of 2"):
        merge_reports(
            [("a.json", _shard_report(plan, 1, 2)), ("b.json", _shard_report(plan, 2, 3))]
        )
    whole = _shard_report(plan, 1, 1).model_copy(update={"batch": batch_info(plan, None)})
    with pytest.raises(InputError, match="not a shard report"):
        merge_reports([("w.json", whole)])


def test_merge_refuses_a_shard_report_that_lost_employers() -> None:
    plan = _plan(IDS)
    first = _shard_report(plan, 1, 2)
    cut = first.model_copy(update={"employers": first.employers[:-1]})
    with pytest.raises(InputError, match="distinct of 11"):
        merge_reports([("a.json", cut), ("b.json", _shard_report(plan, 2, 2))])


def test_the_fingerprint_ignores_file_order_and_path() -> None:
    assert batch_info(_plan(IDS), None).fingerprint == (
        batch_info(_plan(list(reversed(IDS)), "elders/x.toml"), None).fingerprint
    )


def test_resume_takes_over_determined_employers_only() -> None:
    plan = _plan(IDS)
    info = batch_info(plan, None)
    lines = [_line(e) for e in plan.employers[:4]] + [_line(plan.employers[4], Status.ERROR)]
    previous = BatchReport(
        tool=ToolInfo(version="1"),
        started_at=datetime(2026, 1, 1, tzinfo=UTC),
        duration_ms=1,
        summary=Summary(),
        exit_code=4,
        batch=info,
        employers=lines,
    )
    taken = resumable(previous, info, plan)
    assert [line.id for line in taken] == IDS[:4]
    with pytest.raises(InputError, match="another batch file"):
        resumable(previous, batch_info(_plan(IDS[:3]), None), plan)
    with pytest.raises(InputError, match="shard all"):
        resumable(previous, batch_info(plan, ShardInfo(index=1, count=2)), plan)
