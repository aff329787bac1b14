"""Write a finished report: the chosen format to stdout or ``--output``, extra formats to files.

Files are opened only after the run and written atomically, all or nothing, so an interrupted run
leaves none.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from koppelcheck.cli.options import CommonOptions
from koppelcheck.files import Writer, atomic_write_all, is_stdout
from koppelcheck.models import Report

Render = Callable[[str, bool], "str | Writer"]
"""``(format, for_terminal) -> text``: how one kind of report renders itself; a large report
(a batch) may give a :data:`~koppelcheck.files.Writer` that streams it instead."""


def text_style(options: CommonOptions, *, for_terminal: bool) -> dict[str, Any]:
    """Colour, width and encoding for a text report: plain UTF-8 unless written to a terminal."""
    import shutil

    return {
        "color": for_terminal and not options.no_color,
        "width": max(60, min(shutil.get_terminal_size((100, 24)).columns, 160)),
        "encoding": (sys.stdout.encoding or "utf-8") if for_terminal else "utf-8",
    }


def emit(render: Render, options: CommonOptions) -> None:
    """Write the chosen format to stdout or ``--output``, and ``--json/--junit/--html`` files.

    Every format is rendered before anything is written (a streamed one as it is written into
    its temporary file), and the files are written all or nothing: a run interrupted here leaves
    no file of it behind.
    """
    files: list[tuple[Any, str | Writer]] = []
    if options.output is not None and not is_stdout(options.output):
        files.append((options.output, render(options.format, False)))
        text = None
    else:
        text = render(options.format, sys.stdout.isatty())
    for fmt, path in (
        ("json", options.json_path),
        ("junit", options.junit_path),
        ("html", options.html_path),
    ):
        if path is not None:
            files.append((path, render(fmt, False)))
    if callable(text):
        text(sys.stdout.write)
        sys.stdout.flush()
    elif text is not None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
    atomic_write_all(files, lang=options.lang)


def emit_report(report: Report, options: CommonOptions) -> None:
    """Write one check run's report where the options say."""
    from koppelcheck.i18n import resolve_language
    from koppelcheck.report import render

    lang = resolve_language(options.lang)

    def render_report(fmt: str, for_terminal: bool) -> str:
        if fmt == "text":
            from koppelcheck.report.text import render_text

            return render_text(report, lang=lang, **text_style(options, for_terminal=for_terminal))
        return render(report, fmt, lang=lang)

    emit(render_report, options)
