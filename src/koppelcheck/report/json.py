"""The JSON report: exactly one document per the contract (``koppelcheck.report/v1``)."""

from __future__ import annotations

import json

from koppelcheck.jsontypes import JSONObject
from koppelcheck.models import BatchReport, Report


def _dump(document: JSONObject) -> str:
    # Non-ASCII stays readable (UTF-8, as RFC 8259 prescribes); the writer must encode UTF-8.
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def render_json(report: Report) -> str:
    """The report as one pretty JSON document, ending with a newline."""
    return _dump(report.to_json_dict())


def render_batch_json(batch: BatchReport) -> str:
    """The batch report (``koppelcheck.batch/v1``) as one pretty JSON document."""
    return _dump(batch.model_dump(mode="json", by_alias=True))
