"""The checklist as plain text with ☐ tick boxes, wrapped at 88 columns."""

from __future__ import annotations

import textwrap

from koppelcheck.checklist.model import TICK, WIDTH, Checklist, Entry


def _wrap(text: str, indent: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent) or []


def _text_entry(entry: Entry, depth: int) -> list[str]:
    pad = "  " * depth
    box = f"{TICK} " if entry.tick else ""
    head = f"{pad}{box}{entry.label}  {entry.title}"
    inner = pad + " " * (len(box) + len(entry.label) + 2)
    lines = [head] if depth else [head, "-" * min(len(head), WIDTH)]
    lines += _wrap(entry.body, inner)
    if entry.menu:
        lines += _wrap(f"Menu: {entry.menu}", inner)
    lines += [line for f in entry.fields for line in _wrap(f"• {f}", inner)]
    lines += [f"{inner}{TICK} {call}" for call in entry.calls]
    lines += _wrap(f"[{entry.verification}]", inner)
    for child in entry.children:
        lines += ["", *_text_entry(child, depth + 1)]
    return lines


def render_text(checklist: Checklist) -> str:
    """Plain text with ☐ tick boxes, wrapped at 88 columns."""
    lines = [checklist.title, "=" * min(len(checklist.title), WIDTH)]
    if checklist.subtitle:
        lines.append(checklist.subtitle)
    lines += ["", *_wrap(checklist.intro, "")]
    for entry in checklist.entries:
        lines += ["", "", *_text_entry(entry, 0)]
    if checklist.form_lines:
        lines += ["", "", checklist.form_heading, "-" * len(checklist.form_heading)]
        lines += _wrap(checklist.form_intro, "")
    for line in checklist.form_lines:
        lines += ["", f"{TICK} {line.label}", *_wrap(line.help, "  ")]
        lines += _wrap(f"({line.hint})", "  ")
    lines += ["", *_wrap(checklist.footer, "")]
    return "\n".join(lines) + "\n"
