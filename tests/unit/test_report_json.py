"""The JSON report: one document, the contract's keys, valid against the generated schema."""

from __future__ import annotations

import json
from typing import Any

from koppelcheck.report import render
from koppelcheck.report.json import render_batch_json, render_json
from koppelcheck.schemas import batch_json_schema, report_json_schema
from tests.unit.test_report_samples import batch_report, make_report

_TYPES = {
    "string": str,
    "integer": int,
    "boolean": bool,
    "object": dict,
    "array": list,
    "null": type(None),
}


def _resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    return root["$defs"][ref.rsplit("/", 1)[-1]] if ref else node


def _errors(value: Any, node: dict[str, Any], root: dict[str, Any], at: str) -> list[str]:
    """A small validator for the subset pydantic emits (jsonschema is not installed)."""
    node = _resolve(node, root)
    if "anyOf" in node:
        if all(_errors(value, option, root, at) for option in node["anyOf"]):
            return [f"{at}: matches no anyOf branch"]
        return []
    if "enum" in node and value not in node["enum"]:
        return [f"{at}: {value!r} not in {node['enum']}"]
    kind = node.get("type")
    if kind and not (isinstance(value, _TYPES[kind]) and not (kind == "integer" and value is True)):
        return [f"{at}: expected {kind}, got {type(value).__name__}"]
    errors: list[str] = []
    if kind == "object":
        errors += [f"{at}: missing {k}" for k in node.get("required", []) if k not in value]
        props = node.get("properties", {})
        extra = node.get("additionalProperties", True)
        for key, item in value.items():
            sub = props.get(key, extra if isinstance(extra, dict) else None)
            if sub is not None:
                errors += _errors(item, sub, root, f"{at}.{key}")
            elif extra is False:
                errors.append(f"{at}: unexpected key {key}")
    if kind == "array" and "items" in node:
        for i, item in enumerate(value):
            errors += _errors(item, node["items"], root, f"{at}[{i}]")
    return errors


def test_json_is_one_pretty_document_with_newline() -> None:
    out = render(make_report(), "json")
    assert out.endswith("}\n")
    assert out.count("\n") > 10  # pretty, not one line
    json.loads(out)  # exactly one document: trailing data would raise


def test_json_has_the_contract_keys_and_values() -> None:
    report = make_report()
    doc = json.loads(render_json(report))
    assert doc["schema"] == "koppelcheck.report/v1"
    assert doc["tool"] == {"name": "koppelcheck", "version": "9.8.7"}
    assert doc["system"] == "nmbrs" and doc["option"] == "overkoepelend"
    assert doc["summary"] == {"pass": 1, "fail": 1, "error": 1, "warn": 1, "skip": 1, "manual": 2}
    assert doc["exit_code"] == 1
    failing = doc["checks"][1]
    assert set(failing) >= {"id", "status", "title", "message", "step", "fix", "duration_ms"}
    assert failing["status"] == "fail"
    assert failing["fix"] == {
        "text": report.checks[1].fix.text,
        "links": report.checks[1].fix.links,
        "key": report.checks[1].fix.key,
        "params": report.checks[1].fix.params,
    }


def test_json_validates_against_the_report_schema() -> None:
    schema = report_json_schema()
    assert _errors(json.loads(render_json(make_report())), schema, schema, "$") == []


def test_validator_catches_a_broken_document() -> None:
    schema = report_json_schema()
    doc = json.loads(render_json(make_report()))
    del doc["checks"][0]["status"]
    doc["summary"]["pass"] = "one"
    errors = _errors(doc, schema, schema, "$")
    assert any("missing status" in e for e in errors)
    assert any("summary.pass" in e for e in errors)


def test_batch_json_has_the_contract_shape_and_validates() -> None:
    batch = batch_report()
    doc = json.loads(render_batch_json(batch))
    assert doc["schema"] == "koppelcheck.batch/v1"
    assert [e["id"] for e in doc["employers"]] == ["bakkerij-jansen", "garage-de-vries"]
    first = doc["employers"][0]
    assert {"id", "system", "exit_code", "report"} <= set(first)
    assert first["report"]["schema"] == "koppelcheck.report/v1"
    assert doc["summary"]["pass"] == 2
    schema = batch_json_schema()
    assert _errors(doc, schema, schema, "$") == []
