"""A batch split with ``--shard K/N`` over three jobs and joined with ``batch merge`` gives the
report one run gives; ``--resume`` checks only what a previous report left undetermined."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from koppelcheck.cli.app import app
from koppelcheck.simulator.fleet import running_fleet

pytestmark = pytest.mark.integration
runner = CliRunner()

LOGINS = {1: (6, frozenset()), 2: (5, frozenset({"Children_Get"}))}
ENVIRONMENTS = {10000 + n: ((), False) for n in range(5)}
ENVIRONMENTS[20001] = (("BP_Salarissen",), False)
SHARDS = 3


_PER_ANSWER_ID = re.compile(r"\b[0-9a-f]{32}\b")
"""AFAS puts a fresh trace identifier in each error answer: it differs between any two runs."""


def _without_timings(node: Any) -> Any:
    if isinstance(node, str):
        return _PER_ANSWER_ID.sub("<id>", node)
    if isinstance(node, dict):
        return {
            k: _without_timings(v)
            for k, v in node.items()
            if k not in ("started_at", "duration_ms", "shard")
        }
    if isinstance(node, list):
        return [_without_timings(v) for v in node]
    return node


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("shards")
    with running_fleet(LOGINS, ENVIRONMENTS) as fleet:
        batch_file = tmp / "bureau.toml"
        batch_file.write_text(fleet.batch_toml(), encoding="utf-8")
        env = {**fleet.env, "COLUMNS": "120"}
        whole = runner.invoke(
            app, ["batch", str(batch_file), "--json", str(tmp / "whole.json")], env=env
        )
        shards = [
            runner.invoke(
                app,
                [
                    "batch",
                    str(batch_file),
                    "--shard",
                    f"{k}/{SHARDS}",
                    "--format",
                    "json",
                    "--output",
                    str(tmp / f"shard{k}.json"),
                ],
                env=env,
            )
            for k in range(1, SHARDS + 1)
        ]
        yield fleet, batch_file, tmp, env, whole, shards


def _read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def test_the_shards_cover_every_employer_exactly_once(runs) -> None:
    fleet, _, tmp, _, whole, shards = runs
    assert whole.exit_code == 1, whole.output
    assert {r.exit_code for r in shards} <= {0, 1}, [r.output for r in shards]
    ids = [
        e["id"] for k in range(1, SHARDS + 1) for e in _read(tmp / f"shard{k}.json")["employers"]
    ]
    assert sorted(ids) == sorted(str(e["id"]) for e in fleet.employers)
    sizes = [len(_read(tmp / f"shard{k}.json")["employers"]) for k in range(1, SHARDS + 1)]
    assert max(sizes) - min(sizes) <= 1
    shard = _read(tmp / "shard2.json")["batch"]
    assert shard["shard"] == {"index": 2, "count": SHARDS} and shard["file"] == "bureau.toml"


def test_merge_equals_a_single_run_apart_from_timings(runs) -> None:
    fleet, _, tmp, _, _, _ = runs
    outputs = {"json": tmp / "m.json", "junit": tmp / "m.xml", "html": tmp / "m.html"}
    merged = runner.invoke(
        app,
        [
            "batch",
            "merge",
            *(str(tmp / f"shard{k}.json") for k in (2, 3, 1)),
            "--format",
            "markdown",
            "--json",
            str(outputs["json"]),
            "--junit",
            str(outputs["junit"]),
            "--html",
            str(outputs["html"]),
        ],
    )
    assert merged.exit_code == 1, merged.output
    assert _without_timings(_read(outputs["json"])) == _without_timings(_read(tmp / "whole.json"))
    assert "nmbrs-2-3" in merged.stdout  # the Markdown names a broken employer
    assert outputs["junit"].read_text(encoding="utf-8").count("<testsuite ") == len(fleet.employers)
    assert "afas-20001" in outputs["html"].read_text(encoding="utf-8")


def test_merge_names_a_missing_shard_and_exits_2(runs) -> None:
    _, _, tmp, _, _, _ = runs
    result = runner.invoke(
        app, ["batch", "merge", str(tmp / "shard1.json"), str(tmp / "shard3.json")]
    )
    assert result.exit_code == 2
    assert "2/3" in result.stderr


def test_merge_refuses_a_report_that_is_not_a_batch_report(runs) -> None:
    _, _, tmp, _, _, _ = runs
    stray = tmp / "stray.json"
    stray.write_text('{"schema": "koppelcheck.report/v1"}', encoding="utf-8")
    result = runner.invoke(app, ["batch", "merge", str(tmp / "shard1.json"), str(stray)])
    assert result.exit_code == 2 and "stray.json" in result.stderr


def test_resume_checks_only_the_employers_left(runs) -> None:
    fleet, batch_file, tmp, env, _, _ = runs
    partial = _read(tmp / "whole.json")
    kept = partial["employers"][:7]
    partial["employers"] = kept
    (tmp / "partial.json").write_text(json.dumps(partial), encoding="utf-8")
    before = fleet.nmbrs_calls("Company_GetCurrentPeriod")
    result = runner.invoke(
        app,
        [
            "batch",
            str(batch_file),
            "--resume",
            str(tmp / "partial.json"),
            "--json",
            str(tmp / "r.json"),
        ],
        env=env,
    )
    assert result.exit_code == 1, result.output
    resumed = _read(tmp / "r.json")
    assert _without_timings(resumed) == _without_timings(_read(tmp / "whole.json"))
    nmbrs_kept = sum(1 for e in kept if e["system"] == "nmbrs")
    checked_again = fleet.nmbrs_calls("Company_GetCurrentPeriod") - before
    assert checked_again == sum(n for n, _ in LOGINS.values()) - nmbrs_kept


def test_resume_refuses_a_report_of_another_shard(runs) -> None:
    _, batch_file, tmp, env, _, _ = runs
    result = runner.invoke(
        app,
        ["batch", str(batch_file), "--shard", "1/3", "--resume", str(tmp / "shard2.json")],
        env=env,
    )
    assert result.exit_code == 2 and "--resume" in result.stderr
