"""The JSON report: exactly one document per the contract (``koppelcheck.report/v1``)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable

from koppelcheck.batch.store import BatchLines, as_lines
from koppelcheck.jsontypes import JSONObject
from koppelcheck.models import BatchReport, Report

Write = Callable[[str], object]
"""Where a streaming renderer puts its text, piece by piece (``handle.write``)."""


def _dump(document: JSONObject) -> str:
    # Non-ASCII stays readable (UTF-8, as RFC 8259 prescribes); the writer must encode UTF-8.
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def render_json(report: Report) -> str:
    """The report as one pretty JSON document, ending with a newline."""
    return _dump(report.to_json_dict())


def render_batch_json(batch: BatchReport) -> str:
    """The batch report (``koppelcheck.batch/v1``) as one pretty JSON document."""
    out = io.StringIO()
    write_batch_json(batch, out.write)
    return out.getvalue()


def write_batch_json(batch: BatchReport | BatchLines, put: Write) -> None:
    """:func:`render_batch_json`, one employer at a time: the same bytes, never the whole
    document in memory (``employers`` is the document's last key)."""

    lines = as_lines(batch)
    head = _dump(lines.header.model_dump(mode="json", by_alias=True))
    empty = '"employers": []\n}\n'
    if not len(lines):
        put(head)
        return
    assert head.endswith(empty)  # the model's last field; a new field after it breaks this
    put(head[: -len(empty)] + '"employers": [\n')
    for index, line in enumerate(lines.employers()):
        text = json.dumps(line.model_dump(mode="json", by_alias=True), indent=2, ensure_ascii=False)
        put(("" if index == 0 else ",\n") + "    " + text.replace("\n", "\n    "))
    put("\n  ]\n}\n")
