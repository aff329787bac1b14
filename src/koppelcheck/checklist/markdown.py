"""The checklist as GitHub-flavoured markdown with ``- [ ]`` task boxes (docs/checklists)."""

from __future__ import annotations

from koppelcheck.checklist.model import Checklist, Entry

_MD_SPECIAL = str.maketrans({c: f"\\{c}" for c in "\\`*[]<>"})


def _md(text: str) -> str:
    """Escape the characters that would change a markdown text's meaning."""
    return text.translate(_MD_SPECIAL)


def _md_details(entry: Entry, pad: str) -> list[str]:
    lines = [f"{pad}{_md(entry.body)}"] if entry.body else []
    if entry.menu:
        lines.append(f"{pad}Menu: **{_md(entry.menu)}**")
    lines.append(f"{pad}*{_md(entry.verification)}*")
    # A backslash at the end of a line is a hard line break in CommonMark.
    lines = [line + "\\" for line in lines[:-1]] + lines[-1:]
    lines += [f"{pad}- {_md(f)}" for f in entry.fields]
    lines += [f"{pad}- [ ] `{call}`" for call in entry.calls]
    return lines


def _md_item(entry: Entry, numbered: bool = True) -> list[str]:
    box = "[ ] " if entry.tick else ""
    label = f"{_md(entry.label)} " if numbered else ""
    lines = [f"- {box}**{label}{_md(entry.title)}**\\"]
    lines += _md_details(entry, "  ")
    for child in entry.children:
        lines += ["", *("  " + line for line in _md_item(child))]
    return lines


def _md_step(entry: Entry) -> list[str]:
    lines = [f"## {_md(entry.label)} — {_md(entry.title)}", ""]
    if entry.tick:
        return [*lines, *_md_item(entry, numbered=False), ""]
    lines += [*_md_details(entry, ""), ""]
    for child in entry.children:
        lines += [*_md_item(child), ""]
    return lines


def render_markdown(checklist: Checklist) -> str:
    """GitHub-flavoured markdown with ``- [ ]`` task boxes."""
    lines = [f"# {_md(checklist.title)}", ""]
    if checklist.subtitle:
        lines += [f"**{_md(checklist.subtitle)}**", ""]
    lines += [_md(checklist.intro), ""]
    for entry in checklist.entries:
        lines += _md_step(entry)
    if checklist.form_lines:
        lines += [f"## {_md(checklist.form_heading)}", "", _md(checklist.form_intro), ""]
    for line in checklist.form_lines:
        lines.append(f"- [ ] **{_md(line.label)}**: {_md(line.help)} *({_md(line.hint)})*")
    lines += ["", "---", "", _md(checklist.footer)]
    return "\n".join(lines) + "\n"
