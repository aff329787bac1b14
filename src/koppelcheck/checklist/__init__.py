"""A manual as a printable checklist, in four parts: the model (:mod:`.model`), the builder that
resolves the step data into one language (:mod:`.builder`), and one pure renderer per format
(:mod:`.text`, :mod:`.markdown`, :mod:`.html`). :mod:`.docs` regenerates ``docs/checklists``
(``python -m koppelcheck.checklist --write-docs docs/checklists``).
"""

from __future__ import annotations

from collections.abc import Callable

from koppelcheck.checklist.builder import build_checklist, entry_for
from koppelcheck.checklist.html import render_html
from koppelcheck.checklist.markdown import render_markdown
from koppelcheck.checklist.model import (
    APIS,
    FORMATS,
    REGENERATE,
    TICK,
    WIDTH,
    Checklist,
    Entry,
    FormLine,
)
from koppelcheck.checklist.text import render_text
from koppelcheck.choices import ChecklistFormat
from koppelcheck.i18n import Translator
from koppelcheck.systems.interface import choose

__all__ = [
    "APIS",
    "FORMATS",
    "REGENERATE",
    "RENDERERS",
    "TICK",
    "WIDTH",
    "Checklist",
    "Entry",
    "FormLine",
    "build_checklist",
    "docs_files",
    "entry_for",
    "render",
    "render_html",
    "render_markdown",
    "render_text",
    "write_docs",
]

RENDERERS: dict[str, Callable[[Checklist], str]] = {
    ChecklistFormat.TEXT: render_text,
    ChecklistFormat.MARKDOWN: render_markdown,
    ChecklistFormat.HTML: render_html,
}
"""One renderer per format in :data:`FORMATS`."""


def render(
    system: str,
    option: str | None = None,
    fmt: str = "text",
    lang: str | None = None,
    api: str | None = None,
    auth: str | None = None,
) -> str:
    """The checklist of ``system``/``option``/``auth`` in format ``fmt``; bad values raise
    InputError."""
    choose("format", fmt, FORMATS, Translator(lang))
    return RENDERERS[fmt](build_checklist(system, option, lang, api, auth))


from koppelcheck.checklist.docs import docs_files, write_docs  # noqa: E402 - docs uses render
