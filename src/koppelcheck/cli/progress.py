"""Progress on stderr: a live bar on a terminal, one plain line per finished check otherwise."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from koppelcheck.runner import Progress, ProgressCallback


@contextmanager
def progress_reporter(total: int, label: str, *, quiet: bool = False) -> Iterator[ProgressCallback]:
    """Yield a callback for the runner. On a terminal it draws a transient bar on stderr."""
    if quiet:
        yield lambda _event: None
        return
    if not sys.stderr.isatty():

        def plain(event: Progress) -> None:
            if event.result is not None:
                sys.stderr.write(f"{event.result.status.value:>6}  {event.check_id}\n")

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
