"""A manual as a printable checklist: built from the step data, rendered as text, markdown, html.

:func:`build_checklist` resolves the steps (and the registration form's fields) into one
language; the renderers are pure functions of that :class:`Checklist`. ``python -m
koppelcheck.checklist --write-docs docs/checklists`` regenerates the checklists in ``docs/``.
"""

from __future__ import annotations

import argparse
import html
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from koppelcheck.errors import InputError
from koppelcheck.files import atomic_write
from koppelcheck.i18n import LANGUAGES, Translator
from koppelcheck.nmbrs.calls import ManualOption
from koppelcheck.registration.form import FormField, fields_for
from koppelcheck.steps import ScreenField, Step
from koppelcheck.systems import SYSTEMS, get_system

FORMATS = ("text", "markdown", "html")
APIS = ("soap", "rest")
OPTIONS = tuple(o.value for o in ManualOption)
DEFAULT_OPTION = ManualOption.OVERKOEPELEND.value
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


# --- building -----------------------------------------------------------------------------------


def check_choice(field: str, value: str, accepted: Sequence[str], t: Translator) -> str:
    """``value`` when it is one of ``accepted``; else an InputError naming the field and values."""
    if value in accepted:
        return value
    kind = field.removeprefix("--")
    raise InputError(
        field,
        t(f"checklist.error.{kind}", value=value),
        t("checklist.error.accepted", values=", ".join(accepted)),
    )


def build_checklist(
    system: str,
    option: str | None = None,
    lang: str | None = None,
    api: str = "soap",
    auth: str | None = None,
) -> Checklist:
    """The checklist of ``system`` (and, for Nmbrs, ``option``) in ``lang``; ``api="rest"``
    gives the Nmbrs REST consent steps instead of the manual. For AFAS, ``auth`` picks step 3's
    variant: ``classic`` (a user token; the default until AFAS's end date), ``oauth`` or
    ``hybrid``."""
    from koppelcheck.afas.steps import AUTH_MODES, DEFAULT_AUTH, default_auth

    t = Translator(lang)
    check_choice("system", system, SYSTEMS, t)
    kind = get_system(system)
    check_choice("--api", api, kind.apis, t)
    if api == "rest":
        return _rest_checklist(t)
    option = check_choice("--option", option or DEFAULT_OPTION, OPTIONS, t)
    auth = check_choice("--auth", auth, AUTH_MODES, t) if auth is not None else None
    if not kind.auth_modes:  # one way to authenticate: --auth does not apply
        if auth not in (None, DEFAULT_AUTH):
            raise InputError("--auth", t("checklist.error.auth_system"))
        auth = DEFAULT_AUTH
    auth = auth or default_auth()
    variant = kind.checklist_variant(option, auth)
    steps, command, skip = variant.steps, variant.command, variant.form_skip
    form_step = next((s for s in steps if s.title == f"steps.{system}.form.title"), None)
    subtitle = t(variant.subtitle) if variant.subtitle else ""
    return Checklist(
        lang=t.lang,
        title=t("checklist.title", system=t(f"checklist.system.{system}")),
        subtitle=subtitle,
        intro=t("checklist.intro", command=command),
        entries=tuple(_entry(s, t, top=True) for s in steps),
        form_heading=t("checklist.form.heading"),
        form_intro=t("checklist.form.intro", step=form_step.number if form_step else ""),
        form_lines=tuple(_form_line(f, t) for f in fields_for(system) if f.key not in skip),
        form_columns=(
            t("checklist.form.column.field"),
            t("checklist.form.column.help"),
            t("checklist.form.column.hint"),
        ),
        footer=t("checklist.footer", command=command),
    )


def _rest_checklist(t: Translator) -> Checklist:
    """The REST consent steps (:mod:`koppelcheck.nmbrs.rest.steps`), per debtor; no form."""
    from koppelcheck.nmbrs.rest.mapping import SOAP_END
    from koppelcheck.nmbrs.rest.steps import REST_STEPS

    command = "koppelcheck nmbrs --consent-plan plan.md"
    return Checklist(
        lang=t.lang,
        title=t("checklist.title", system=t("checklist.system.nmbrs")),
        subtitle=t("checklist.api.rest", date=SOAP_END.isoformat()),
        intro=t("checklist.intro", command=command),
        entries=tuple(_entry(s, t, top=True) for s in REST_STEPS),
        form_heading="",
        form_intro="",
        form_lines=(),
        form_columns=("", "", ""),
        footer=t("checklist.footer", command=command),
    )


def _entry(step: Step, t: Translator, top: bool = False) -> Entry:
    """Resolve one step (and its sub-steps) into the translator's language."""
    children = tuple(_entry(s, t) for s in step.substeps)
    return Entry(
        label=_label(step, t, top),
        title=step.title_text(t),
        body=step.body_text(t),
        menu=" → ".join(step.menu_path),
        fields=tuple(_field(f, t) for f in step.fields),
        calls=tuple(call.label for call in step.calls) if not children else (),
        verification=_verification(step, t),
        tick=not (step.informational or children),
        children=children,
    )


def entry_for(step: Step, t: Translator) -> Entry:
    """One step with its sub-steps as the checklist shows it (the walkthrough's panels too)."""
    return _entry(step, t)


def _label(step: Step, t: Translator, top: bool) -> str:
    if not top:
        return step.number
    return t("checklist.before") if step.number == "0" else t("checklist.step", number=step.number)


def _field(field: ScreenField, t: Translator) -> str:
    """``Type: Master Accountant``, ``Actief: aanvinken``, ``Naam: vrij te kiezen ...``."""
    parts = []
    if field.checked is not None:
        parts.append(t("checklist.field.tick" if field.checked else "checklist.field.untick"))
    if field.value:
        parts.append(field.value)
    value = " ".join(parts)
    note = t(field.note) if field.note else ""
    if value and note:
        value = f"{value} ({note})"
    text = value or note
    return f"{field.label}: {text}" if text else field.label


def _verification(step: Step, t: Translator) -> str:
    if step.informational:
        return t("checklist.verify.info")
    if step.manual_only:
        return t("checklist.verify.manual")
    checks = ", ".join(_check_names(step))
    return t("checklist.verify.partly" if step.partly else "checklist.verify.auto", checks=checks)


def _check_names(step: Step) -> list[str]:
    """The step's checks, with the call checks summed up as ``nmbrs.call.*``."""
    call_ids = {call.check_id for call in step.calls}
    names = [c for c in step.verified_by if c not in call_ids]
    return (["nmbrs.call.*"] if call_ids else []) + names


def _form_line(field: FormField, t: Translator) -> FormLine:
    hint = field.text(t, "hint")
    if field.optional:
        hint = f"{hint}; {t('checklist.form.optional')}"
    return FormLine(field.text(t, "label"), field.text(t, "help"), hint)


# --- text ---------------------------------------------------------------------------------------


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


# --- markdown -----------------------------------------------------------------------------------

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


# --- html ---------------------------------------------------------------------------------------

_CSS = """
*{box-sizing:border-box}
body{font:11pt/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#111;
 max-width:48rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.6em;margin:0 0 .2em}h2{font-size:1.2em;margin:1.6em 0 .4em;
 border-bottom:1px solid #999;padding-bottom:.15em}
.subtitle{font-weight:600;margin:.2em 0 .8em}
.num{color:#555;margin-right:.4em}
ul.items{list-style:none;padding:0;margin:.4em 0}
ul.items li{display:flex;gap:.55em;margin:.55em 0}
ul.items ul.items li{margin:.2em 0}
.box{flex:0 0 auto;width:.95em;height:.95em;border:1.5px solid #111;border-radius:2px;
 margin-top:.25em}
.nobox{flex:0 0 .95em}
.body{margin:.15em 0}.menu{margin:.15em 0;font-weight:600}
.verify{margin:.15em 0;color:#444;font-style:italic;font-size:.92em}
ul.fields{margin:.2em 0 .2em 1.1em;padding:0}
code{font:.92em ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
table{border-collapse:collapse;width:100%;font-size:.95em}
th,td{border:1px solid #999;padding:.3em .45em;text-align:left;vertical-align:top}
th{background:#eee}td.tick{width:1.6em}
footer{margin-top:2em;color:#444;font-size:.9em}
@page{size:A4;margin:16mm 14mm}
@media print{
 body{max-width:none;margin:0;padding:0;font-size:10pt}
 h2{break-after:avoid;page-break-after:avoid}
 ul.items li,tr{break-inside:avoid;page-break-inside:avoid}
 section.form{break-before:page;page-break-before:always}
 th{background:none}
}
"""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _html_entry(entry: Entry) -> str:
    box = f'<span class="{"box" if entry.tick else "nobox"}" aria-hidden="true"></span>'
    parts = [f'<span class="num">{_e(entry.label)}</span><strong>{_e(entry.title)}</strong>']
    parts.append(_html_details(entry))
    if entry.children:
        parts.append(_html_items(entry.children))
    return f"<li>{box}<div>{''.join(parts)}</div></li>"


def _html_details(entry: Entry) -> str:
    parts = [f'<p class="body">{_e(entry.body)}</p>'] if entry.body else []
    if entry.menu:
        parts.append(f'<p class="menu">Menu: {_e(entry.menu)}</p>')
    if entry.fields:
        parts.append(
            '<ul class="fields">' + "".join(f"<li>{_e(f)}</li>" for f in entry.fields) + "</ul>"
        )
    if entry.calls:
        calls = "".join(
            f'<li><span class="box" aria-hidden="true"></span><code>{_e(c)}</code></li>'
            for c in entry.calls
        )
        parts.append(f'<ul class="items">{calls}</ul>')
    parts.append(f'<p class="verify">{_e(entry.verification)}</p>')
    return "".join(parts)


def _html_items(entries: Sequence[Entry]) -> str:
    return '<ul class="items">' + "".join(_html_entry(e) for e in entries) + "</ul>"


def _html_step(entry: Entry) -> str:
    head = f'<h2><span class="num">{_e(entry.label)}</span>{_e(entry.title)}</h2>'
    if entry.children:
        return (
            f'<section class="step">{head}{_html_details(entry)}{_html_items(entry.children)}'
            "</section>"
        )
    return f'<section class="step">{head}{_html_items([entry])}</section>'


def _html_form(checklist: Checklist) -> str:
    if not checklist.form_lines:
        return ""
    field, help_, hint = (_e(c) for c in checklist.form_columns)
    rows = "".join(
        f'<tr><td class="tick"><span class="box" aria-hidden="true"></span></td>'
        f"<td><strong>{_e(line.label)}</strong></td><td>{_e(line.help)}</td>"
        f"<td>{_e(line.hint)}</td></tr>"
        for line in checklist.form_lines
    )
    return (
        f'<section class="form"><h2>{_e(checklist.form_heading)}</h2>'
        f"<p>{_e(checklist.form_intro)}</p><table><thead><tr><th></th><th>{field}</th>"
        f"<th>{help_}</th><th>{hint}</th></tr></thead><tbody>{rows}</tbody></table></section>"
    )


def render_html(checklist: Checklist) -> str:
    """One self-contained HTML page (inline CSS, no external assets) that prints well on A4."""
    subtitle = f'<p class="subtitle">{_e(checklist.subtitle)}</p>' if checklist.subtitle else ""
    body = "\n".join(_html_step(e) for e in checklist.entries)
    return (
        f'<!DOCTYPE html>\n<html lang="{_e(checklist.lang)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(checklist.title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<header><h1>{_e(checklist.title)}</h1>{subtitle}<p>{_e(checklist.intro)}</p></header>\n"
        f"{body}\n{_html_form(checklist)}\n<footer>{_e(checklist.footer)}</footer>\n"
        "</body>\n</html>\n"
    )


RENDERERS: dict[str, Callable[[Checklist], str]] = {
    "text": render_text,
    "markdown": render_markdown,
    "html": render_html,
}
"""One renderer per format in :data:`FORMATS`."""


def render(
    system: str,
    option: str | None = None,
    fmt: str = "text",
    lang: str | None = None,
    api: str = "soap",
    auth: str | None = None,
) -> str:
    """The checklist of ``system``/``option``/``auth`` in format ``fmt``; bad values raise
    InputError."""
    check_choice("--format", fmt, FORMATS, Translator(lang))
    return RENDERERS[fmt](build_checklist(system, option, lang, api, auth))


# --- generated docs -----------------------------------------------------------------------------


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


if __name__ == "__main__":
    raise SystemExit(main())
