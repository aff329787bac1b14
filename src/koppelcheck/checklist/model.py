"""The printable checklist as data: what the builder makes and every renderer draws."""

from __future__ import annotations

from dataclasses import dataclass

from koppelcheck.choices import Api, ChecklistFormat, values

FORMATS = values(ChecklistFormat)
"""The checklist's formats (:class:`~koppelcheck.choices.ChecklistFormat`), one renderer each."""
APIS = values(Api)
TICK = "☐"
WIDTH = 88
REGENERATE = "python -m koppelcheck.checklist --write-docs docs/checklists"


@dataclass(frozen=True)
class Entry:
    """One step in one language: what the renderers draw. ``tick`` is False for headings/info."""

    label: str
    title: str
    body: str
    menu: str
    fields: tuple[str, ...]
    calls: tuple[str, ...]
    verification: str
    tick: bool
    children: tuple[Entry, ...] = ()


@dataclass(frozen=True)
class FormLine:
    """One registration-form field to collect: its label, what it is, the expected form."""

    label: str
    help: str
    hint: str


@dataclass(frozen=True)
class Checklist:
    """A whole checklist in one language, ready to render."""

    lang: str
    title: str
    subtitle: str
    intro: str
    entries: tuple[Entry, ...]
    form_heading: str
    form_intro: str
    form_lines: tuple[FormLine, ...]
    form_columns: tuple[str, str, str]
    footer: str
