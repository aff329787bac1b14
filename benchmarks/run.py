"""Benchmarks (``make bench``): wall time of the checks against the simulators with latency,
against the same probes one after another, and the start-up time of ``koppelcheck --help``.

Writes the figures to ``docs/performance.md``. Speed targets live here, not in timed tests.
"""

from __future__ import annotations

import asyncio
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "performance.md"

NMBRS_LATENCY_MS = 200
AFAS_LATENCY_MS = 150
HELP_RUNS = 7


@dataclass
class Figure:
    """One measured row."""

    name: str
    value: str
    target: str
    met: bool


def _nmbrs_wall(latency_ms: int, concurrency: int) -> tuple[float, int, int]:
    from koppelcheck.i18n import Translator
    from koppelcheck.nmbrs.target import NmbrsTarget
    from koppelcheck.nmbrs.verify import verify_nmbrs
    from koppelcheck.secret import Secret
    from koppelcheck.simulator.nmbrs import NmbrsSimulator, load_nmbrs_scenario
    from koppelcheck.simulator.server import SimulatorServer

    scenario = load_nmbrs_scenario("healthy")
    simulator = NmbrsSimulator(scenario)
    with SimulatorServer(simulator, latency_ms=latency_ms) as server:
        target = NmbrsTarget.create(
            username=scenario.username,
            domain=scenario.domain,
            base_url=f"{server.base_url}/soap/v3",
        )
        started = time.perf_counter()
        report = asyncio.run(
            verify_nmbrs(
                target,
                Secret(scenario.token),
                translator=Translator("en"),
                timeout_s=30,
                concurrency=concurrency,
            )
        )
        elapsed = time.perf_counter() - started
    return elapsed, sum(simulator.hits.values()), report.summary.pass_


def bench_nmbrs() -> list[Figure]:
    """Option 1 at 200 ms per call: concurrent vs one call at a time."""
    concurrent, calls, passed = _nmbrs_wall(NMBRS_LATENCY_MS, concurrency=8)
    sequential, _, _ = _nmbrs_wall(NMBRS_LATENCY_MS, concurrency=1)
    ratio = concurrent / sequential
    return [
        Figure(
            "Nmbrs option 1, concurrent (8 in flight)",
            f"{concurrent:.2f} s ({calls} calls, {passed} pass)",
            "",
            True,
        ),
        Figure("Nmbrs option 1, one call at a time", f"{sequential:.2f} s", "", True),
        Figure("Nmbrs ratio concurrent / one-at-a-time", f"{ratio:.2f}", "≤ 0.45", ratio <= 0.45),
    ]


def _afas_wall(latency_ms: int, per_host_limit: int) -> tuple[float, int, int]:
    from koppelcheck.afas.checks import AfasSettings
    from koppelcheck.afas.environment import parse_environment_id
    from koppelcheck.afas.token import parse_token
    from koppelcheck.afas.verify import verify_afas
    from koppelcheck.http import make_async_client
    from koppelcheck.i18n import Translator
    from koppelcheck.simulator.afas import AfasSimulator, load_afas_scenario
    from koppelcheck.simulator.server import SimulatorServer

    scenario = load_afas_scenario("healthy")
    simulator = AfasSimulator(scenario)
    with SimulatorServer(simulator, latency_ms=latency_ms) as server:
        settings = AfasSettings(
            parse_environment_id(scenario.envid),
            parse_token(scenario.token_xml),
            tuple(c.id for c in scenario.connectors),
            f"{server.base_url}/ProfitRestServices",
        )

        async def run() -> tuple[float, int]:
            async with make_async_client(timeout_s=30, per_host_limit=per_host_limit) as http:
                started = time.perf_counter()
                await verify_afas(settings, translator=Translator("en"), http=http)
                peak = max(http._transport.peak_in_flight.values())  # noqa: SLF001 - a benchmark probe
                return time.perf_counter() - started, peak

        elapsed, peak = asyncio.run(run())
    return elapsed, sum(simulator.hits.values()), peak


def bench_afas() -> list[Figure]:
    """The AFAS check at 150 ms per call: at most 5 in flight vs one at a time."""
    concurrent, calls, peak = _afas_wall(AFAS_LATENCY_MS, per_host_limit=5)
    sequential, _, _ = _afas_wall(AFAS_LATENCY_MS, per_host_limit=1)
    return [
        Figure(
            "AFAS, concurrent (≤ 5 in flight)",
            f"{concurrent:.2f} s ({calls} calls, peak {peak} in flight)",
            "peak ≤ 5",
            peak <= 5,
        ),
        Figure("AFAS, one call at a time", f"{sequential:.2f} s", "", True),
        Figure("AFAS ratio concurrent / one-at-a-time", f"{concurrent / sequential:.2f}", "", True),
    ]


BATCH_LOGINS = 5
BATCH_NMBRS_PER_LOGIN = 80
BATCH_AFAS = 100
BATCH_LATENCY_MS = 100
NMBRS_PER_DOMAIN = 8
AFAS_PER_ENVIRONMENT = 5


def bench_batch() -> list[Figure]:
    """500 employers (400 Nmbrs over 5 logins, 100 AFAS) at 100 ms per call, in a child process."""
    import resource
    import tempfile

    from koppelcheck.simulator.fleet import running_fleet

    logins = {n: (BATCH_NMBRS_PER_LOGIN, frozenset()) for n in range(1, BATCH_LOGINS + 1)}
    environments = {30000 + n: ((), False) for n in range(BATCH_AFAS)}
    with (
        running_fleet(logins, environments, latency_ms=BATCH_LATENCY_MS) as fleet,
        tempfile.TemporaryDirectory() as folder,
    ):
        batch_file = Path(folder) / "bureau.toml"
        batch_file.write_text(fleet.batch_toml(), encoding="utf-8")
        exe = Path(sys.executable).with_name("koppelcheck")
        started = time.perf_counter()
        completed = subprocess.run(
            [
                str(exe),
                "batch",
                str(batch_file),
                "--format",
                "json",
                "--output",
                str(Path(folder) / "r.json"),
            ],
            env={**os.environ, **fleet.env},
            capture_output=True,
            check=False,
        )
        wall = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        nmbrs_calls = sum(sum(sim.hits.values()) for _, sim in fleet.nmbrs.values())
        afas_calls = sum(sum(sim.hits.values()) for _, sim in fleet.afas.values())
    latency = BATCH_LATENCY_MS / 1000
    ideal = max(
        nmbrs_calls * latency / (BATCH_LOGINS * NMBRS_PER_DOMAIN),
        afas_calls * latency / (BATCH_AFAS * AFAS_PER_ENVIRONMENT),
    )
    sequential = (nmbrs_calls + afas_calls) * latency
    return [
        Figure(
            "Batch: 500 employers (400 Nmbrs / 5 logins, 100 AFAS), wall time",
            f"{wall:.1f} s, exit {completed.returncode} "
            f"({nmbrs_calls} Nmbrs + {afas_calls} AFAS calls)",
            "",
            completed.returncode == 0,
        ),
        Figure("Batch: ideal (calls × latency ÷ allowed concurrency)", f"{ideal:.1f} s", "", True),
        Figure("Batch: wall / ideal", f"{wall / ideal:.2f}", "≤ 1.5", wall / ideal <= 1.5),
        Figure("Batch: one call after another would take", f"{sequential:.0f} s", "", True),
        Figure(
            "Batch: peak RSS of the koppelcheck process",
            f"{peak_mb:.0f} MB",
            "≤ 250 MB",
            peak_mb <= 250,
        ),
    ]


def _time_command(argv: list[str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def bench_help() -> list[Figure]:
    """Median wall time of ``koppelcheck --help``."""
    exe = Path(sys.executable).with_name("koppelcheck")
    median = _time_command([str(exe), "--help"], HELP_RUNS)
    return [
        Figure(
            f"`koppelcheck --help` (median of {HELP_RUNS})",
            f"{median:.3f} s",
            "< 0.35 s",
            median < 0.35,
        )
    ]


def write_doc(figures: list[Figure]) -> None:
    """Write docs/performance.md."""
    lines = [
        "# Performance",
        "",
        "Measured by `make bench` (`benchmarks/run.py`) against the simulators over loopback HTTP,",
        f"with {NMBRS_LATENCY_MS} ms per Nmbrs call and {AFAS_LATENCY_MS} ms per AFAS call"
        " added by the simulator.",
        '"One call at a time" runs the same probes with one call in flight.',
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores,"
        f" Python {platform.python_version()}.",
        "",
        "| measure | figure | target | met |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {f.name} | {f.value} | {f.target or '-'} | {'yes' if f.met else 'NO'} |"
        for f in figures
    ]
    lines += [
        "",
        "Why the Nmbrs check is fast: its time is set by the discovery chain (List_GetAll →",
        "Company_GetCurrentPeriod → Run_GetList → the background report and its polls), not by the",
        "number of calls; every call whose IDs are known runs at once, up to `--concurrency`.",
        "",
        "The batch figure is CPU-bound on this 2-core machine, and it varies from run to run: on",
        "2026-11-21, with the same code, five runs gave 26.1 to 30.7 s (1.45 to 1.71 × the ideal).",
        "The same runs of the code before the retries and fault handling (c589324) gave 26.2 and",
        "27.0 s. Most of the CPU goes to httpcore's connection pool, which scans every connection",
        "of the pool on each request. One pool per host measured worse: 30.5 s and 252 MB, as each",
        "pool builds its own TLS context.",
        "",
    ]
    DOC.write_text("\n".join(lines), encoding="utf-8")


def main() -> int:
    """Run every benchmark, print and write the figures; exit 1 when a target is missed."""
    benches: list[Callable[[], list[Figure]]] = [bench_nmbrs, bench_afas, bench_batch, bench_help]
    figures = [figure for bench in benches for figure in bench()]
    for figure in figures:
        print(
            f"{figure.name:55} {figure.value:40} {figure.target:10}",
            "ok" if figure.met else "MISSED",
        )
    write_doc(figures)
    print(f"written: {DOC.relative_to(ROOT)}")
    return 0 if all(f.met for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
