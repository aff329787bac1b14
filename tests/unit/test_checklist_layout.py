"""The checklist package: a model, a builder, and one pure renderer per format."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import koppelcheck.checklist as checklist
from koppelcheck.choices import ChecklistFormat, values

PACKAGE = Path(checklist.__file__).parent
DOCS = Path(__file__).resolve().parents[2] / "docs" / "checklists"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_one_renderer_per_format() -> None:
    assert tuple(checklist.RENDERERS) == checklist.FORMATS == values(ChecklistFormat)
    for fmt in checklist.FORMATS:
        assert (PACKAGE / f"{fmt}.py").is_file()


def test_renderers_only_draw_the_model() -> None:
    """A renderer sees a Checklist, never the step data, a translator or the file system."""
    for fmt in checklist.FORMATS:
        koppelcheck_imports = {m for m in _imports(PACKAGE / f"{fmt}.py") if "koppelcheck" in m}
        assert koppelcheck_imports == {"koppelcheck.checklist.model"}, fmt


def test_the_model_and_builder_do_not_render() -> None:
    for part in ("model.py", "builder.py"):
        imports = _imports(PACKAGE / part)
        assert not {m for m in imports if m.split(".")[-1] in ("text", "markdown", "html")}


def test_write_docs_regenerates_the_docs_unchanged(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "koppelcheck.checklist", "--write-docs", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(p.name for p in DOCS.iterdir())
    for name in written:
        assert (tmp_path / name).read_bytes() == (DOCS / name).read_bytes(), name


@pytest.mark.parametrize(
    ("system", "choice", "field", "accepted"),
    [
        ("nmbrs", {"fmt": "pdf"}, "format", "text, markdown, html"),
        ("nmbrs", {"api": "graphql"}, "api", "soap, rest"),
        ("nmbrs", {"option": "beide"}, "option", "overkoepelend, per-debiteur"),  # Nmbrs's own
        ("afas", {"auth": "basic"}, "auth", "classic, oauth, hybrid"),  # AFAS's own
    ],
)
def test_a_bad_choice_is_refused_in_the_callers_language(
    system: str, choice: dict[str, str], field: str, accepted: str
) -> None:
    """The builder's choices and the system's own (its options, its ways of authenticating) are
    worded in the ``lang`` a library caller asked for."""
    from koppelcheck.checklist import render
    from koppelcheck.errors import InputError

    with pytest.raises(InputError) as info:
        render(system, lang="en", **choice)
    assert info.value.field == field
    assert info.value.message.startswith("unknown ")
    assert info.value.hint == f"choose from: {accepted}"
