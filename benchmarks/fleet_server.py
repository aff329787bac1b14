"""A simulated bureau in its own process, for ``make bench`` and profiling.

``python benchmarks/fleet_server.py SPEC.json`` starts the fleet SPEC describes
(``{"logins": {"1": 80}, "afas": [30000, ...], "afas_connectors": 4, "latency_ms": 100,
"folder": "..."}``), writes the batch file into ``folder``, prints one JSON line (the batch file's
path and the token variables), and serves until its stdin closes; then it prints one JSON line
with the calls each simulator answered and the CPU seconds it spent serving them. Its own
interpreter: the client's CPU is not shared with the simulators' (as with the real services).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import threading
from pathlib import Path

from koppelcheck.simulator import fleet as fleet_module
from koppelcheck.simulator.fleet import running_fleet
from koppelcheck.simulator.server import SimulatorServer


def _start_quietly(self: SimulatorServer) -> SimulatorServer:
    """Serve with a 1 s stop poll, not the tests' 20 ms: a fleet of 1,000 servers polling every
    20 ms burns a core of its own (this process exits without stopping them one by one)."""
    server = self._server  # noqa: SLF001 - the benchmark's own serving loop
    self._thread = threading.Thread(  # noqa: SLF001
        target=server.serve_forever, kwargs={"poll_interval": 1.0}, daemon=True
    )
    self._thread.start()  # noqa: SLF001
    return self


SimulatorServer.start = _start_quietly  # type: ignore[method-assign]


def main() -> int:
    spec = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    connectors = int(spec.get("afas_connectors", len(fleet_module.FLEET_CONNECTORS)))
    if connectors != len(fleet_module.FLEET_CONNECTORS):  # e.g. > 5 to exercise the AFAS limit
        extra = tuple(f"BP_Extra{n}" for n in range(connectors))
        fleet_module.FLEET_CONNECTORS = (*fleet_module.FLEET_CONNECTORS, *extra)[:connectors]
    logins = {int(k): (int(n), frozenset()) for k, n in spec["logins"].items()}
    environments = {int(n): ((), False) for n in spec["afas"]}
    with running_fleet(logins, environments, latency_ms=int(spec["latency_ms"])) as fleet:
        batch = Path(spec["folder"]) / "fleet.toml"
        batch.write_text(fleet.batch_toml(), encoding="utf-8")
        print(json.dumps({"batch": str(batch), "env": fleet.env}), flush=True)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        started_cpu = usage.ru_utime + usage.ru_stime  # serving only, not start-up
        sys.stdin.read()  # serve until the parent closes our stdin
        nmbrs = sum(sum(sim.hits.values()) for _, sim in fleet.nmbrs.values())
        afas = sum(sum(sim.hits.values()) for _, sim in fleet.afas.values())
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu_s = usage.ru_utime + usage.ru_stime - started_cpu
        print(json.dumps({"nmbrs_calls": nmbrs, "afas_calls": afas, "cpu_s": cpu_s}), flush=True)
        os._exit(0)  # daemon threads and sockets end with the process; no slow one-by-one stop
    return 0


if __name__ == "__main__":
    sys.exit(main())
