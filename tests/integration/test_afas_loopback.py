"""The AFAS checks against the AFAS simulator over real loopback HTTP."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest

from koppelcheck.afas.checks import AfasSettings
from koppelcheck.afas.environment import parse_environment_id
from koppelcheck.afas.system import PER_ENVIRONMENT_LIMIT as AFAS_PARALLEL_LIMIT
from koppelcheck.afas.token import parse_token
from koppelcheck.http import make_async_client
from koppelcheck.i18n import Translator
from koppelcheck.models import Report, Status
from koppelcheck.simulator.afas import (
    BASE_PATH,
    AfasConnector,
    AfasScenario,
    AfasSimulator,
    load_afas_scenario,
)
from koppelcheck.simulator.server import SimRequest, SimResponse, SimulatorServer
from koppelcheck.systems import RunOptions, verify

pytestmark = pytest.mark.integration

CONNECTORS = ("BP_Werknemers", "BP_Dienstverbanden", "BP_Salarissen", "BP_Verzuim")


@pytest.fixture
def afas_server() -> Iterator[Callable[..., tuple[SimulatorServer, AfasSimulator]]]:
    """``server, simulator = afas_server("healthy")`` on 127.0.0.1; stopped after the test."""
    started: list[SimulatorServer] = []

    def start(
        scenario: str | AfasScenario = "healthy",
        app: object | None = None,
        latency_ms: int | None = None,
    ) -> tuple[SimulatorServer, AfasSimulator]:
        loaded = scenario if isinstance(scenario, AfasScenario) else load_afas_scenario(scenario)
        simulator = AfasSimulator(loaded)
        server = SimulatorServer(
            app or simulator, latency_ms=(loaded.latency_ms if latency_ms is None else latency_ms)
        ).start()
        started.append(server)
        return server, simulator

    yield start
    for server in started:
        server.stop()


def settings_for(
    server: SimulatorServer, scenario: AfasScenario, connectors: tuple[str, ...] = CONNECTORS
) -> AfasSettings:
    return AfasSettings(
        parse_environment_id(scenario.envid),
        parse_token(scenario.token_xml),
        connectors,
        server.base_url + BASE_PATH,
    )


async def check(server: SimulatorServer, simulator: AfasSimulator, **kwargs) -> Report:
    settings = settings_for(server, simulator.scenario, **kwargs)
    return await verify("afas", settings, None, RunOptions(Translator("en"), timeout_s=10))


async def test_healthy_passes_everything(afas_server) -> None:
    server, simulator = afas_server("healthy")
    report = await check(server, simulator)
    assert {c.id for c in report.checks if c.status is not Status.PASS} == {
        "afas.classic.sunset"  # every classic run warns about AFAS's end of classic tokens
    }, [(c.id, c.message) for c in report.checks if c.status is not Status.PASS]
    assert report.exit_code == 0
    assert simulator.hits["metainfo"] == 1
    assert "no rows" in next(c for c in report.checks if c.id.endswith("BP_Verzuim")).message


async def test_connector_missing_is_exactly_one_fail_and_passes_after_the_fix(afas_server) -> None:
    server, simulator = afas_server("connector-missing")
    report = await check(server, simulator)
    failed = [c.id for c in report.checks if c.status is Status.FAIL]
    assert failed == ["afas.connector.BP_Salarissen"]
    assert report.exit_code == 1
    simulator.set_assigned("BP_Salarissen", True)
    assert (await check(server, simulator)).exit_code == 0


async def test_bad_token_fails_auth_and_skips_connectors(afas_server) -> None:
    server, simulator = afas_server("bad-token")
    report = await check(server, simulator)
    statuses = {c.id: c.status for c in report.checks}
    assert statuses["afas.auth"] is Status.FAIL
    assert {statuses[f"afas.connector.{c}"] for c in CONNECTORS} == {Status.SKIP}
    assert not any(key.startswith("connectors/") for key in simulator.hits)


async def test_maintenance_is_errors_and_exit_4(afas_server) -> None:
    server, simulator = afas_server("maintenance")
    report = await check(server, simulator)
    auth = next(c for c in report.checks if c.id == "afas.auth")
    assert auth.status is Status.ERROR and "7200" in auth.message
    assert report.summary.fail == 0
    assert report.exit_code == 4


async def test_slow_scenario_still_passes(afas_server) -> None:
    server, simulator = afas_server("slow")
    report = await check(server, simulator)
    assert report.exit_code == 0


class Measuring:
    """Wraps a simulator; holds each request ``hold_s`` and records the most at once."""

    def __init__(self, inner: AfasSimulator, hold_s: float) -> None:
        self.inner, self.hold_s = inner, hold_s
        self._lock = threading.Lock()
        self.now = self.peak = 0

    def handle(self, request: SimRequest) -> SimResponse:
        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
        try:
            time.sleep(self.hold_s)
            return self.inner.handle(request)
        finally:
            with self._lock:
                self.now -= 1


async def test_at_most_five_calls_in_flight_with_twelve_connectors(afas_server) -> None:
    ids = tuple(f"BP_Connector{n:02d}" for n in range(12))
    scenario = replace(
        load_afas_scenario("slow"), connectors=tuple(AfasConnector(i, rows=2) for i in ids)
    )
    measuring = Measuring(AfasSimulator(scenario), hold_s=0.2)
    server, _ = afas_server(scenario, app=measuring, latency_ms=0)
    http = make_async_client(timeout_s=10, per_host_limit=AFAS_PARALLEL_LIMIT)
    started = time.perf_counter()
    async with http:
        report = await verify(
            "afas",
            settings_for(server, scenario, ids),
            None,
            RunOptions(Translator("en"), timeout_s=10, http=http),
        )
        peaks = http._transport.peak_in_flight  # the limiting transport's own count
    elapsed = time.perf_counter() - started
    assert report.summary.pass_ == 15, [(c.id, c.message) for c in report.checks]
    assert max(peaks.values()) == AFAS_PARALLEL_LIMIT
    assert measuring.peak == AFAS_PARALLEL_LIMIT
    # 1 metainfo + 12 probes at 0.2 s each: sequential would take 2.6 s; 5 at once ~0.8 s.
    assert elapsed < 2.0


async def test_unassigned_connector_answering_401_is_the_same_fail_over_http(afas_server) -> None:
    """koppelcheck's 401 branch (help page 120612) on a real socket: the same verdict as the 500
    "niet ondersteund" reading, and the token is not blamed."""
    server, simulator = afas_server("connector-unassigned-401")
    report = await check(server, simulator)
    statuses = {c.id: c.status for c in report.checks}
    assert [cid for cid, status in statuses.items() if status is Status.FAIL] == [
        "afas.connector.BP_Salarissen"
    ]
    assert statuses["afas.auth"] is Status.PASS
    assert simulator.hits["connectors/BP_Salarissen"] >= 1
    server_500, simulator_500 = afas_server("connector-missing")
    report_500 = await check(server_500, simulator_500)
    message = next(c for c in report.checks if c.id == "afas.connector.BP_Salarissen").message
    message_500 = next(
        c for c in report_500.checks if c.id == "afas.connector.BP_Salarissen"
    ).message
    # Each answer carries its own X-Trace-Identifier, which the message names; the rest is equal.
    trace = re.compile(r" \(AFAS trace identifier [0-9a-f]+: [^)]*\)")
    assert trace.search(message) and trace.search(message_500)
    assert trace.sub("", message) == trace.sub("", message_500)
