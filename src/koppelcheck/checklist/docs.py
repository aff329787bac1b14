"""The checklists in ``docs/checklists``: ``python -m koppelcheck.checklist --write-docs DIR``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from koppelcheck.checklist import render
from koppelcheck.files import atomic_write
from koppelcheck.i18n import LANGUAGES
from koppelcheck.systems import SYSTEMS, get_system


def docs_files() -> dict[str, str]:
    """The markdown checklists ``docs/checklists`` holds: file name -> content, nl and en."""
    files: dict[str, str] = {}
    for name in SYSTEMS:
        for doc in get_system(name).checklist_docs:
            for lang in LANGUAGES:
                suffix = ".md" if lang == "nl" else f".{lang}.md"
                files[doc.stem + suffix] = render(
                    name, doc.option, "markdown", lang, api=doc.api, auth=doc.auth
                )
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
