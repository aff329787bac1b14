"""The committed JSON Schemas in docs/schemas/ match the models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from koppelcheck.schemas import main, schema_files, write_schemas

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.parametrize("name", sorted(schema_files()))
def test_committed_schema_is_current(name: str) -> None:
    committed = DOCS / "schemas" / name
    assert committed.exists(), f"{committed} is missing; run: python -m koppelcheck.schemas"
    assert committed.read_text(encoding="utf-8") == schema_files()[name], (
        f"docs/schemas/{name} is stale; regenerate it with: python -m koppelcheck.schemas"
    )


def test_schemas_describe_the_contract_documents() -> None:
    files = {name: json.loads(text) for name, text in schema_files().items()}
    report, batch = files["report.schema.json"], files["batch.schema.json"]
    assert report["$id"] == "koppelcheck.report/v1"
    assert batch["$id"] == "koppelcheck.batch/v1"
    assert {"schema", "tool", "system", "summary", "exit_code", "checks"} <= set(report["required"])
    assert "pass" in report["$defs"]["Summary"]["properties"]
    assert set(report["$defs"]["Status"]["enum"]) == {
        "pass",
        "fail",
        "error",
        "warn",
        "skip",
        "manual",
    }


def test_write_schemas_and_main(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    written = write_schemas(tmp_path)
    assert sorted(p.name for p in written) == sorted(schema_files())
    assert all(p.read_text(encoding="utf-8").endswith("}\n") for p in written)
    assert main([str(tmp_path / "other")]) == 0
    assert (tmp_path / "other" / "schemas" / "report.schema.json").exists()
    assert "report.schema.json" in capsys.readouterr().out
