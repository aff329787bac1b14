"""The AFAS simulator as a pure object: routes, auth, metainfo shape, errors, maintenance."""

from __future__ import annotations

import base64
import json
import re
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path

import pytest

from koppelcheck.afas.token import parse_token
from koppelcheck.simulator.afas import (
    AFAS_SCENARIOS,
    AfasSimulator,
    load_afas_scenario,
    make_afas_simulator,
)
from koppelcheck.simulator.server import SimRequest, SimResponse


def request(
    sim: AfasSimulator,
    path: str,
    *,
    token: str | None = "scenario",
    method: str = "GET",
    query: dict[str, list[str]] | None = None,
    lang: str = "",
) -> SimResponse:
    headers = {}
    if token == "scenario":
        headers["authorization"] = parse_token(sim.scenario.token_data).authorization()
    elif token is not None:
        headers["authorization"] = token
    if lang:
        headers["accept-language"] = lang
    return sim.handle(SimRequest(method, path, query or {}, headers))


def body(response: SimResponse) -> dict:
    assert response.headers["Content-Type"].startswith("application/json")
    return json.loads(response.body)


@pytest.mark.parametrize("name", AFAS_SCENARIOS)
def test_every_scenario_loads_with_a_64_hex_demo_token(name: str) -> None:
    scenario = load_afas_scenario(name)
    assert scenario.name == name
    assert re.fullmatch(r"[0-9A-F]{64}", scenario.token_data)
    assert {c.id for c in scenario.connectors} >= {"BP_Werknemers", "BP_Salarissen"}


def test_metainfo_has_the_openapi_shape() -> None:
    sim = make_afas_simulator("healthy")
    response = request(sim, "/ProfitRestServices/metainfo")
    data = body(response)
    assert response.status == 200
    assert set(data) == {"updateConnectors", "getConnectors", "info"}
    assert set(data["info"]) == {"envid", "appName", "group", "tokenExpiry"}
    assert [c["id"] for c in data["getConnectors"]] == [
        "BP_Werknemers",
        "BP_Dienstverbanden",
        "BP_Salarissen",
        "BP_Verzuim",
    ]


@pytest.mark.parametrize(
    "path",
    [
        "/profitrestservices/metainfo",
        "/PROFITRESTSERVICES/MetaInfo",
        "/ProfitRestServices/metainfo/",
    ],
)
def test_path_is_case_insensitive(path: str) -> None:
    assert request(make_afas_simulator("healthy"), path).status == 200


@pytest.mark.parametrize(
    "path",
    [
        "/metainfo",
        "/ProfitRestServices/",
        "/ProfitRestServices/x",
        "/ProfitRestServices/connectors/",
    ],
)
def test_unknown_paths_are_404(path: str) -> None:
    assert request(make_afas_simulator("healthy"), path).status == 404


def test_connector_rows_follow_skip_and_take() -> None:
    sim = make_afas_simulator("healthy")
    response = request(
        sim, "/ProfitRestServices/connectors/BP_Werknemers", query={"skip": ["0"], "take": ["1"]}
    )
    data = body(response)
    assert (data["skip"], data["take"], len(data["rows"])) == (0, 1, 1)
    everything = body(
        request(
            sim,
            "/ProfitRestServices/connectors/BP_Werknemers",
            query={"skip": ["-1"], "take": ["-1"]},
        )
    )
    assert len(everything["rows"]) == 3
    empty = body(request(sim, "/ProfitRestServices/connectors/BP_Verzuim"))
    assert empty["rows"] == []


@pytest.mark.parametrize(
    "token",
    [
        None,
        "",
        "Bearer abc",
        "AfasToken "
        + base64.b64encode(b"<token><version>1</version><data>00</data></token>").decode(),
        # raw XML: refused from Profit 7
        "AfasToken <token><version>1</version><data>x</data></token>",
    ],
)
def test_bad_or_missing_token_is_401_with_empty_body(token: str | None) -> None:
    response = request(make_afas_simulator("healthy"), "/ProfitRestServices/metainfo", token=token)
    assert (response.status, response.body) == (401, b"")


def test_revoked_token_is_401() -> None:
    sim = make_afas_simulator("bad-token")
    assert request(sim, "/ProfitRestServices/metainfo").status == 401
    assert request(sim, "/ProfitRestServices/connectors/BP_Werknemers").status == 401


def test_unassigned_connector_is_500_not_supported() -> None:
    sim = make_afas_simulator("connector-missing")
    response = request(sim, "/ProfitRestServices/connectors/BP_Salarissen")
    data = body(response)
    assert response.status == 500
    assert data["externalMessage"] == (
        "General message: Deze GetConnector wordt niet ondersteund "
        "of de gebruiker is niet geautoriseerd."
    )
    assert data["errorNumber"] == -2147180996
    assert re.fullmatch(r"[0-9A-F]{32}", data["profitLogReference"])
    ids = [c["id"] for c in body(request(sim, "/ProfitRestServices/metainfo"))["getConnectors"]]
    assert "BP_Salarissen" not in ids


def test_unknown_or_differently_cased_connector_is_not_supported_in_english_too() -> None:
    sim = make_afas_simulator("healthy")
    for cid in ("Nope", "bp_werknemers"):
        response = request(sim, f"/ProfitRestServices/connectors/{cid}", lang="en-us")
        assert response.status == 500
        assert "not supported" in body(response)["externalMessage"]


def test_blocked_connector_is_500_blocked(tmp_path: Path) -> None:
    folder = resources.files("koppelcheck.simulator") / "scenarios" / "afas"
    text = (folder / "healthy.toml").read_text(encoding="utf-8")
    custom = tmp_path / "blocked.toml"
    custom.write_text(text.replace("rows = 0", "rows = 0\nblocked = true"), encoding="utf-8")
    sim = AfasSimulator(load_afas_scenario(custom))
    response = request(sim, "/ProfitRestServices/connectors/BP_Verzuim")
    assert response.status == 500
    assert "Deze GetConnector (definitie) is geblokkeerd" in body(response)["externalMessage"]


def test_maintenance_is_503_with_retry_after_before_auth() -> None:
    sim = make_afas_simulator("maintenance")
    response = request(sim, "/ProfitRestServices/metainfo", token=None)
    assert response.status == 503
    assert response.headers["Retry-After"] == "7200"
    data = body(response)
    assert data["retry_after"] == 7200
    assert "scheduled maintenance" in data["error"]["message"]


def test_set_assigned_and_hits() -> None:
    sim = make_afas_simulator("connector-missing")
    path = "/ProfitRestServices/connectors/BP_Salarissen"
    assert request(sim, path).status == 500
    sim.set_assigned("BP_Salarissen", True)
    assert request(sim, path).status == 200
    assert sim.hits["connectors/BP_Salarissen"] == 2
    with pytest.raises(KeyError):
        sim.set_assigned("Nope", True)


def test_hits_are_thread_safe() -> None:
    sim = make_afas_simulator("healthy")
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: request(sim, "/ProfitRestServices/metainfo"), range(400)))
    assert sim.hits["metainfo"] == 400


def test_malformed_scenario_is_a_value_error(tmp_path: Path) -> None:
    path = tmp_path / "x.toml"
    path.write_text('name = "x"\n', encoding="utf-8")
    with pytest.raises(ValueError):
        load_afas_scenario(path)
    path.write_text(
        'name = "x"\nenvironment = "1"\n[token]\ndata = "A"\n[[connectors]]\nidd = 1\n',
        encoding="utf-8",
    )
    with pytest.raises(ValueError):
        load_afas_scenario(path)


# ---------------------------------------------------------------- issue 16: fidelity additions


def test_unassigned_401_scenario_lists_it_not_and_answers_401_empty() -> None:
    sim = make_afas_simulator("connector-unassigned-401")
    ids = [c["id"] for c in body(request(sim, "/ProfitRestServices/metainfo"))["getConnectors"]]
    assert "BP_Salarissen" not in ids and "BP_Werknemers" in ids
    probe = request(sim, "/ProfitRestServices/connectors/BP_Salarissen")
    assert (probe.status, probe.body) == (401, b"")
    meta = request(sim, "/ProfitRestServices/metainfo/get/BP_Salarissen")
    assert meta.status == 401


def test_profitversion_and_connector_metainfo() -> None:
    sim = make_afas_simulator("healthy")
    assert body(request(sim, "/ProfitRestServices/profitversion")) == {"version": "22.22.5"}
    meta = body(request(sim, "/ProfitRestServices/metainfo/get/BP_Werknemers"))
    assert meta["name"] == "BP_Werknemers"
    assert {"id", "fieldId", "dataType", "label", "length", "controlType"} <= set(meta["fields"][0])
    row = body(request(sim, "/ProfitRestServices/connectors/BP_Werknemers", query={"take": ["1"]}))[
        "rows"
    ][0]
    assert [f["id"] for f in meta["fields"]] == list(row)
    missing = make_afas_simulator("connector-missing")
    assert request(missing, "/ProfitRestServices/metainfo/get/BP_Salarissen").status == 500


def test_documented_headers_on_every_answer() -> None:
    sim = make_afas_simulator("healthy")
    for path in ("/ProfitRestServices/metainfo", "/ProfitRestServices/connectors/Nope"):
        headers = request(sim, path).headers
        assert headers["Strict-Transport-Security"] == "max-age=31536000"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Cache-Control"]
        assert re.fullmatch(r"[0-9a-f]{32}", headers["X-Trace-Identifier"])
    first = request(sim, "/ProfitRestServices/metainfo").headers["X-Trace-Identifier"]
    assert first != request(sim, "/ProfitRestServices/metainfo").headers["X-Trace-Identifier"]
    maintenance = request(make_afas_simulator("maintenance"), "/ProfitRestServices/metainfo")
    assert "X-Trace-Identifier" not in maintenance.headers


def test_skip_2_take_minus_1_is_the_documented_500() -> None:
    sim = make_afas_simulator("healthy")
    response = request(
        sim, "/ProfitRestServices/connectors/BP_Werknemers", query={"skip": ["2"], "take": ["-1"]}
    )
    assert response.status == 500
    assert body(response)["errorNumber"] == -2147180999
    assert body(response)["externalMessage"] == "Er is een onverwachte fout opgetreden."
    assert re.fullmatch(r"[0-9A-F]{32}", body(response)["profitLogReference"])


def test_query_string_over_2049_characters_is_404() -> None:
    sim = make_afas_simulator("healthy")
    path = "/ProfitRestServices/connectors/BP_Werknemers"
    fits = {"filtervalues": ["x" * (2049 - len("filtervalues="))]}
    assert request(sim, path, query=fits).status == 200
    too_long = {"filtervalues": ["x" * (2050 - len("filtervalues="))]}
    assert request(sim, path, query=too_long).status == 404
