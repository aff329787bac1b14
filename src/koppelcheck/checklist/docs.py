"""The checklists in ``docs/checklists``: ``python -m koppelcheck.checklist --write-docs DIR``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from koppelcheck.checklist import render
from koppelcheck.checklist.model import OPTIONS
from koppelcheck.files import atomic_write
from koppelcheck.i18n import LANGUAGES


def docs_files() -> dict[str, str]:
    """The markdown checklists ``docs/checklists`` holds: file name -> content, nl and en."""
    variants: list[tuple[str, str | None, str | None, str]] = [
        ("afas", None, None, "afas"),
        ("afas", None, "oauth", "afas-oauth"),
        ("afas", None, "hybrid", "afas-hybrid"),
    ]
    variants += [("nmbrs", o, None, f"nmbrs-{o}") for o in OPTIONS]
    files: dict[str, str] = {}
    for system, option, auth, stem in variants:
        for lang in LANGUAGES:
            suffix = ".md" if lang == "nl" else f".{lang}.md"
            files[stem + suffix] = render(system, option, "markdown", lang, auth=auth)
    for lang in LANGUAGES:
        suffix = ".md" if lang == "nl" else f".{lang}.md"
        files["nmbrs-rest" + suffix] = render("nmbrs", None, "markdown", lang, api="rest")
    return files


def write_docs(folder: str | Path) -> list[Path]:
    """Write :func:`docs_files` into ``folder`` (atomically, each file); return the paths."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    return [atomic_write(target / name, text) for name, text in docs_files().items()]


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m koppelcheck.checklist --write-docs DIR``: regenerate the docs checklists."""
    parser = argparse.ArgumentParser(
        prog="python -m koppelcheck.checklist", description=main.__doc__
    )
    parser.add_argument("--write-docs", metavar="DIR", required=True)
    args = parser.parse_args(argv)
    for path in write_docs(args.write_docs):
        print(path)
    return 0
