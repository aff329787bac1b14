"""The generated checklists in docs/checklists must match what the step data renders."""

from __future__ import annotations

from pathlib import Path

from koppelcheck.checklist import REGENERATE, docs_files

DOCS = Path(__file__).resolve().parents[2] / "docs" / "checklists"


def test_docs_checklists_are_current() -> None:
    stale = [
        name
        for name, text in docs_files().items()
        if not (DOCS / name).is_file() or (DOCS / name).read_text(encoding="utf-8") != text
    ]
    names = ", ".join(stale)
    assert not stale, f"docs/checklists is stale ({names}); regenerate with: {REGENERATE}"
