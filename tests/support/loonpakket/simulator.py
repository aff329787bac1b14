"""A stand-in for Loonpakket's API on loopback (``koppelcheck simulate loonpakket``)."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

from koppelcheck.simulator.server import SimRequest, SimResponse

DEMO_TOKEN = "lp-3f9c2a7e51d04b86"


@dataclass(frozen=True)
class LoonpakketScenario:
    name: str
    token: str = DEMO_TOKEN
    tenant: str = "42"
    tenant_name: str = "Bakkerij Jansen B.V."
    read_scope: bool = True
    latency_ms: int = 0


SCENARIOS = {
    "healthy": LoonpakketScenario("healthy"),
    "no-scope": LoonpakketScenario("no-scope", read_scope=False),
}


def load_scenario(name_or_path: str | Path) -> LoonpakketScenario:
    """A built-in scenario by name, or a TOML file with the same fields."""
    if isinstance(name_or_path, Path):
        data = tomllib.loads(name_or_path.read_text(encoding="utf-8"))
        return LoonpakketScenario(**data)
    return SCENARIOS[name_or_path]


class LoonpakketSimulator:
    def __init__(self, scenario: LoonpakketScenario) -> None:
        self.scenario = scenario

    def handle(self, request: SimRequest) -> SimResponse:
        s = self.scenario
        if request.header("authorization") != f"Bearer {s.token}":
            return _json(401, {"error": "invalid_token"})
        if request.path == "/api/v1/me":
            return _json(200, {"tenants": [s.tenant]})
        tenant = f"/api/v1/tenants/{s.tenant}"
        if request.path == tenant:
            return _json(200, {"id": s.tenant, "name": s.tenant_name})
        if request.path == tenant + "/employees":
            if not s.read_scope:
                return _json(403, {"error": "insufficient_scope"})
            return _json(200, {"employees": [{"number": 1}]})
        return _json(404, {"error": "not_found"})


def _json(status: int, body: object) -> SimResponse:
    return SimResponse(status, json.dumps(body).encode(), {"Content-Type": "application/json"})
