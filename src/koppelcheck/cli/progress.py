"""Progress on stderr: a live bar on a terminal, one plain line per finished check otherwise."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from koppelcheck.i18n import Translator
from koppelcheck.runner import Progress, ProgressCallback


@contextmanager
def progress_reporter(
    total: int, label: str, *, quiet: bool = False, lang: str | None = None
) -> Iterator[ProgressCallback]:
    """Yield a callback for the runner. On a terminal it draws a transient bar on stderr;
    otherwise one line per finished check, its status in ``lang``."""
    if quiet:
        yield lambda _event: None
        return
    if not sys.stderr.isatty():
        t = Translator(lang)

        def plain(event: Progress) -> None:
            if event.result is not None:
                value = event.result.status.value
                key = "report.status.manual_open" if value == "manual" else f"report.status.{value}"
                said = t(key) if t.has(key) else value
                sys.stderr.write(f"{said:>12}  {event.check_id}\n")

        yield plain
        return
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn
    from rich.progress import Progress as Bar

    from koppelcheck.cli.common import stderr_console

    bar: Any = Bar(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=stderr_console(),
        transient=True,
    )
    task = bar.add_task(label, total=total)

    def live(event: Progress) -> None:
        if event.result is not None:
            bar.advance(task)

    with bar:
        yield live
