"""Peak memory of one ``koppelcheck afas`` run against a hostile server on loopback.

Each case starts the CLI in a fresh process (``python -m koppelcheck.cli.app``) against the AFAS
simulator, with one connector's answer replaced by something hostile, and reports the child's
peak resident set size (``ru_maxrss``). The figures go into docs/security.md ("Answer size").

    .venv/bin/python benchmarks/hostile_memory.py            # every case
    .venv/bin/python benchmarks/hostile_memory.py endless    # one case
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.integration.hostile_server import (  # noqa: E402
    Hostile,
    HostileServer,
    endless,
    gzip_bomb,
    repeated,
)

from koppelcheck.simulator.afas import AfasSimulator, load_afas_scenario  # noqa: E402

JSON = {"Content-Type": "application/json"}


def cases() -> dict[str, Callable[[], Hostile | None]]:
    return {
        "genuine (baseline)": lambda: None,
        "1 GiB body": lambda: Hostile(200, JSON, repeated(1 << 30), 1 << 30),
        "endless body": lambda: Hostile(200, JSON, endless(), None),
        "4 GiB gzip bomb (about 4 MB sent)": lambda: Hostile(
            200, {**JSON, "Content-Encoding": "gzip"}, gzip_bomb(4 << 30)
        ),
        "1 GiB deflate bomb": lambda: Hostile(
            200, {**JSON, "Content-Encoding": "deflate"}, zlib.compress(bytes(1 << 30), 9)
        ),
    }


def main() -> int:
    wanted = sys.argv[1:]
    print(f"{'case':40} {'peak RSS':>10} {'exit':>5} {'seconds':>8}")
    for name, make in cases().items():
        if wanted and not any(w in name for w in wanted):
            continue
        hostile = make()
        scenario = load_afas_scenario("healthy")
        target = f"/connectors/{scenario.connectors[0].id}"

        def pick(
            request: object, hostile: Hostile | None = hostile, target: str = target
        ) -> Hostile | None:
            return hostile if getattr(request, "path", "").endswith(target) else None

        with HostileServer(AfasSimulator(scenario), pick) as server:
            connectors = [arg for c in scenario.connectors for arg in ("--connector", c.id)]
            args = [
                *("afas", "--environment-id", scenario.envid, *connectors),
                *("--base-url", f"{server.base_url}/ProfitRestServices", "--no-input"),
                *("--timeout", "120", "--format", "json", "--lang", "en"),
            ]
            code = (
                "import resource, sys\n"
                "from koppelcheck.cli.app import main\n"
                f"sys.argv[1:] = {args!r}\n"
                "try:\n    main()\n"
                "finally:\n"
                "    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
                "    sys.stderr.write(f'PEAK_KIB={peak}\\n')\n"
            )
            env = {**os.environ, "KOPPELCHECK_AFAS_TOKEN": scenario.token_data}
            started = time.perf_counter()
            result = subprocess.run(
                [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
            )
            seconds = time.perf_counter() - started
        peak_kib = next(
            int(line.split("=", 1)[1])
            for line in result.stderr.splitlines()
            if line.startswith("PEAK_KIB=")
        )
        print(f"{name:40} {peak_kib / 1024:>7.0f} MiB {result.returncode:>5} {seconds:>8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
