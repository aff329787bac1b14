"""Write a finished report: the chosen format to stdout or ``--output``, extra formats to files.

Files are opened only after the run and written atomically, so an interrupted run leaves none.
"""

from __future__ import annotations

import sys

from koppelcheck.cli.options import CommonOptions
from koppelcheck.files import atomic_write
from koppelcheck.models import Report


def _render(report: Report, fmt: str, options: CommonOptions, *, for_terminal: bool) -> str:
    from koppelcheck.i18n import resolve_language
    from koppelcheck.report import render

    lang = resolve_language(options.lang)
    if fmt == "text":
        from koppelcheck.report.text import render_text

        color = for_terminal and not options.no_color
        encoding = (sys.stdout.encoding or "utf-8") if for_terminal else "utf-8"
        return render_text(report, lang=lang, color=color, width=_width(), encoding=encoding)
    return render(report, fmt, lang=lang)


def _width() -> int:
    import shutil

    return max(60, min(shutil.get_terminal_size((100, 24)).columns, 160))


def emit_report(report: Report, options: CommonOptions) -> None:
    """Write the report where the options say."""
    if options.output is not None:
        atomic_write(options.output, _render(report, options.format, options, for_terminal=False))
    else:
        text = _render(report, options.format, options, for_terminal=sys.stdout.isatty())
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
    for fmt, path in (
        ("json", options.json_path),
        ("junit", options.junit_path),
        ("html", options.html_path),
    ):
        if path is not None:
            atomic_write(path, _render(report, fmt, options, for_terminal=False))
