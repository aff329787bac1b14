"""JSON Schemas of the JSON report and the batch report, generated from the models.

``docs/schemas/report.schema.json`` and ``docs/schemas/batch.schema.json`` are written from
here; a test fails when they are stale. Regenerate with ``python -m koppelcheck.schemas``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from koppelcheck.files import atomic_write
from koppelcheck.jsontypes import JSON, JSONObject
from koppelcheck.models import BATCH_SCHEMA, REPORT_SCHEMA, BatchReport, Report

_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _require_every_property(node: JSONObject) -> None:
    """Mark every property required: koppelcheck always writes every field, defaults included."""
    properties = node.get("properties")
    if isinstance(properties, dict):
        required: list[JSON] = list(properties)
        node["required"] = required
    definitions = node.get("$defs")
    for definition in definitions.values() if isinstance(definitions, dict) else ():
        if isinstance(definition, dict):
            _require_every_property(definition)


def _schema(model: type[Report] | type[BatchReport], schema_id: str) -> JSONObject:
    # The schemas describe the documents koppelcheck writes, hence the serialization mode.
    generated: JSONObject = model.model_json_schema(by_alias=True, mode="serialization")
    _require_every_property(generated)
    return {"$schema": _DIALECT, "$id": schema_id, **generated}


def report_json_schema() -> JSONObject:
    """The JSON Schema of the report (``koppelcheck.report/v1``)."""
    return _schema(Report, REPORT_SCHEMA)


def batch_json_schema() -> JSONObject:
    """The JSON Schema of the batch report (``koppelcheck.batch/v1``)."""
    return _schema(BatchReport, BATCH_SCHEMA)


def schema_text(schema: JSONObject) -> str:
    """A schema as the committed file holds it: sorted keys, indent 2, trailing newline."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def schema_files() -> dict[str, str]:
    """Each schema file's name (under ``docs/schemas/``) and its content."""
    return {
        "report.schema.json": schema_text(report_json_schema()),
        "batch.schema.json": schema_text(batch_json_schema()),
    }


def write_schemas(docs_dir: str | Path) -> list[Path]:
    """Write the schema files into ``<docs_dir>/schemas/``; returns the paths written."""
    folder = Path(docs_dir) / "schemas"
    folder.mkdir(parents=True, exist_ok=True)
    return [atomic_write(folder / name, text) for name, text in schema_files().items()]


def main(argv: list[str] | None = None) -> int:
    """``python -m koppelcheck.schemas [DOCS_DIR]``: regenerate the schemas (default ``docs``)."""
    args = sys.argv[1:] if argv is None else argv
    for path in write_schemas(args[0] if args else "docs"):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
