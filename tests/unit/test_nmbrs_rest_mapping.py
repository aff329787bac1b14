"""The REST facts as data: complete, agreeing with the OpenAPI description, and in the docs."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from koppelcheck.nmbrs.calls import ManualOption, calls_for
from koppelcheck.nmbrs.rest import mapping

DOCS = Path(__file__).resolve().parents[2] / "docs" / "nmbrs.md"


def test_every_call_of_both_options_has_a_mapping() -> None:
    for option in ManualOption:
        for call in calls_for(option):
            found = mapping.mapping_for(f"{call.service}.{call.operation}")
            assert found is not None, call.operation
            assert found.endpoint and mapping.endpoint(found.endpoint)
    partial = {m.soap for m in mapping.CALL_MAPPING if not m.full}
    assert partial == {"EmployeeService.Partner_Get", "EmployeeService.Schedule_GetList"}


def test_a_write_scope_satisfies_its_read_twin_but_not_the_reverse() -> None:
    assert mapping.satisfied_by("employee.info.read", frozenset({"employee.info"}))
    assert not mapping.satisfied_by("employee.info", frozenset({"employee.info.read"}))
    assert mapping.blocked_by("employee.bankaccount.read") == ["bankaccounts"]


def test_endpoints_and_scopes_agree_with_the_openapi_description() -> None:
    yaml = pytest.importorskip("yaml")
    pytest.importorskip("nmbrs_rest")
    raw = (resources.files("nmbrs_rest") / "_spec" / "nmbrs-openapi.yaml").read_text()
    spec = yaml.safe_load(raw)
    declared = spec["components"]["securitySchemes"]["Bearer"]["flows"]["authorizationCode"]
    assert set(mapping.REQUIRED_SCOPES) <= set(declared["scopes"])
    for endpoint in mapping.PROBE_ENDPOINTS:
        operation = spec["paths"][endpoint.path]["get"]
        scopes = {s for entry in operation["security"] for s in entry.get("Bearer", [])}
        assert scopes == set(endpoint.scopes), endpoint.path
    assert spec["servers"][0]["url"] == mapping.API_BASE_URL


def test_docs_hold_the_current_tables() -> None:
    text = DOCS.read_text(encoding="utf-8")
    start = text.index("<!-- rest-tables:start -->\n") + len("<!-- rest-tables:start -->\n")
    end = text.index("<!-- rest-tables:end -->")
    assert text[start:end] == mapping.docs_tables(), "regenerate from mapping.docs_tables()"
