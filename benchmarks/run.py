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
        target = NmbrsTarget.create(username=scenario.username, domain=scenario.domain,
                                    base_url=f"{server.base_url}/soap/v3")
        started = time.perf_counter()
        report = asyncio.run(verify_nmbrs(target, Secret(scenario.token), translator=Translator("en"),
                                          timeout_s=30, concurrency=concurrency))
        elapsed = time.perf_counter() - started
    return elapsed, sum(simulator.hits.values()), report.summary.pass_


def bench_nmbrs() -> list[Figure]:
    """Option 1 at 200 ms per call: concurrent vs one call at a time."""
    concurrent, calls, passed = _nmbrs_wall(NMBRS_LATENCY_MS, concurrency=8)
    sequential, _, _ = _nmbrs_wall(NMBRS_LATENCY_MS, concurrency=1)
    ratio = concurrent / sequential
    return [
        Figure("Nmbrs option 1, concurrent (8 in flight)", f"{concurrent:.2f} s ({calls} calls, {passed} pass)", "", True),
        Figure("Nmbrs option 1, one call at a time", f"{sequential:.2f} s", "", True),
        Figure("Nmbrs ratio concurrent / one-at-a-time", f"{ratio:.2f}", "≤ 0.45", ratio <= 0.45),
    ]


def bench_afas() -> list[Figure]:
    """AFAS at 150 ms per call, when the AFAS part exists."""
    try:
        from koppelcheck.afas.verify import bench_afas_wall
    except ImportError:
        return []
    concurrent, sequential, calls, peak = bench_afas_wall(AFAS_LATENCY_MS)
    ratio = concurrent / sequential
    return [
        Figure("AFAS, concurrent (≤ 5 in flight)", f"{concurrent:.2f} s ({calls} calls, peak {peak} in flight)", "peak ≤ 5", peak <= 5),
        Figure("AFAS, one call at a time", f"{sequential:.2f} s", "", True),
        Figure("AFAS ratio concurrent / one-at-a-time", f"{ratio:.2f}", "", True),
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
    return [Figure(f"`koppelcheck --help` (median of {HELP_RUNS})", f"{median:.3f} s", "< 0.35 s", median < 0.35)]


def write_doc(figures: list[Figure]) -> None:
    """Write docs/performance.md."""
    lines = [
        "# Performance",
        "",
        "Measured by `make bench` (`benchmarks/run.py`) against the simulators over loopback HTTP,",
        f"with {NMBRS_LATENCY_MS} ms per Nmbrs call and {AFAS_LATENCY_MS} ms per AFAS call added by the simulator.",
        "\"One call at a time\" runs the same probes with one call in flight.",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}.",
        "",
        "| measure | figure | target | met |",
        "|---|---|---|---|",
    ]
    lines += [f"| {f.name} | {f.value} | {f.target or '-'} | {'yes' if f.met else 'NO'} |" for f in figures]
    lines += [
        "",
        "Why the Nmbrs check is fast: its time is set by the discovery chain (List_GetAll →",
        "Company_GetCurrentPeriod → Run_GetList → the background report and its polls), not by the",
        "number of calls; every call whose IDs are known runs at once, up to `--concurrency`.",
        "",
    ]
    DOC.write_text("\n".join(lines), encoding="utf-8")


def main() -> int:
    """Run every benchmark, print and write the figures; exit 1 when a target is missed."""
    benches: list[Callable[[], list[Figure]]] = [bench_nmbrs, bench_afas, bench_help]
    figures = [figure for bench in benches for figure in bench()]
    for figure in figures:
        print(f"{figure.name:55} {figure.value:40} {figure.target:10} {'ok' if figure.met else 'MISSED'}")
    write_doc(figures)
    print(f"written: {DOC.relative_to(ROOT)}")
    return 0 if all(f.met for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
