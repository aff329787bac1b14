"""``--trace FILE.har`` for a command: record while it runs, then say on stderr where the trace
is."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from koppelcheck.cli.common import stderr_console
from koppelcheck.i18n import Translator
from koppelcheck.trace import HarRecorder, recording


@contextmanager
def traced_run(path: Path | None, lang: str | None) -> Iterator[None]:
    """:func:`koppelcheck.trace.recording` for a command: afterwards, one line on stderr says
    where the trace is."""
    if path is None:
        yield
        return
    recorders: list[HarRecorder] = []
    try:
        with recording(path, lang) as recorder:
            if recorder is not None:
                recorders.append(recorder)
            yield
    finally:
        if recorders:
            har = recorders[0].har()["log"]
            replaced = sum(
                r["count"]
                for r in har["_redactions"]
                if not str(r["kind"]).startswith(
                    ("header:", "soap-header:", "secret", "known-secret")
                )
            )
            stderr_console().print(
                Translator(lang).plural(
                    "core.trace.written",
                    len(har["entries"]),
                    path=path,
                    redactions=replaced,
                ),
                markup=False,
                highlight=False,
            )
