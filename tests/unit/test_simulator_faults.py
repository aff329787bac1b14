"""Fault rules as scenario data, and what each kind makes of an answer. No sockets."""

from __future__ import annotations

import pytest

from koppelcheck.simulator.afas import load_afas_scenario
from koppelcheck.simulator.faults import (
    FaultInjector,
    FaultKind,
    FaultRule,
    faulty_response,
    parse_fault_rules,
)
from koppelcheck.simulator.nmbrs import load_nmbrs_scenario
from koppelcheck.simulator.scenario_files import read_scenario
from koppelcheck.simulator.server import SimResponse


def genuine() -> SimResponse:
    return SimResponse(200, b"<answer>" + b"x" * 100 + b"</answer>", {"Content-Type": "text/xml"})


def server_error() -> SimResponse:
    return SimResponse(500, b"own 500")


def test_rules_parse_with_defaults() -> None:
    (rule,) = parse_fault_rules([{"call": "Children_Get", "kind": "drip"}])
    assert rule == FaultRule("Children_Get", FaultKind.DRIP)
    assert rule.pause_s == 0.25 and rule.times == 0


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"call": "x"}, "'kind' is missing"),
        ({"call": "x", "kind": "explode"}, "kind must be one of hang, reset"),
        ({"kind": "reset"}, "'call' is missing"),
        ({"call": "x", "kind": "reset", "often": 2}, "unknown key"),
        ({"call": "x", "kind": "reset", "times": -1}, "must not be negative"),
    ],
)
def test_bad_rules_are_refused_by_number(item: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        parse_fault_rules([{"call": "ok", "kind": "reset"}, item])
    assert "faults #2" in str(info.value)


def test_a_transient_rule_fires_only_the_first_times() -> None:
    injector = FaultInjector([FaultRule("Partner_Get", FaultKind.RESET, times=2)])
    fired = [injector.pick("Partner_Get") is not None for _ in range(4)]
    assert fired == [True, True, False, False]
    assert injector.pick("Children_Get") is None


def test_a_lasting_rule_always_fires() -> None:
    injector = FaultInjector([FaultRule("metainfo", FaultKind.HANG)])
    assert all(injector.pick("metainfo") for _ in range(5))


def test_each_kind_changes_the_answer_as_documented() -> None:
    def make(kind: FaultKind, seconds: float | None = None) -> SimResponse:
        return faulty_response(FaultRule("c", kind, seconds=seconds), genuine, server_error)

    assert make(FaultKind.HANG).reset and make(FaultKind.HANG).delay_s == 3600
    assert make(FaultKind.RESET).reset and not make(FaultKind.RESET).delay_s
    truncated = make(FaultKind.TRUNCATED)
    assert truncated.truncate_at == len(genuine().body) // 2
    garbled = make(FaultKind.GARBLED)
    assert garbled.status == 200 and garbled.headers["Content-Type"] == "text/xml"
    assert not garbled.body.startswith(b"<")
    assert make(FaultKind.SERVER_ERROR).body == b"own 500"
    html = make(FaultKind.HTML_200)
    assert html.status == 200 and "html" in html.headers["Content-Type"]
    unavailable = make(FaultKind.UNAVAILABLE, 30)
    assert unavailable.status == 503 and unavailable.headers["Retry-After"] == "30"
    drip = make(FaultKind.DRIP, 0.5)
    assert drip.drip_s == 0.5 and drip.body == genuine().body


def test_fault_scenarios_build_on_healthy() -> None:
    healthy = read_scenario("nmbrs", ("healthy",), "healthy")
    faults = load_nmbrs_scenario("faults")
    assert faults.companies and faults.token == healthy["token"]
    assert {rule.kind for rule in faults.faults} == set(FaultKind)
    afas = load_afas_scenario("faults")
    assert {rule.kind for rule in afas.faults} == set(FaultKind)
    assert {rule.call for rule in afas.faults} < {c.id for c in afas.connectors}


def test_an_unknown_base_is_refused_and_own_keys_replace_the_base(tmp_path) -> None:
    unknown = tmp_path / "unknown.toml"
    unknown.write_text('base = "nope"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="not a bundled nmbrs scenario"):
        read_scenario("nmbrs", ("healthy",), unknown)
    # A scenario's own keys replace the base's; lists are replaced whole.
    own = tmp_path / "own.toml"
    own.write_text('base = "healthy"\nname = "own"\ninactive = ["Children_Get"]\n', "utf-8")
    data = read_scenario("nmbrs", ("healthy",), own)
    assert data["name"] == "own" and data["inactive"] == ["Children_Get"]
    assert "base" not in data and data["companies"]
