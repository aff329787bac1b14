"""Benchmarks (``make bench``): every figure of docs/performance.md, each as min / median / max
over 3 runs, beside its target, with the simulators in their own processes.

- one Nmbrs check at 200 ms per call, from process start to exit, against 19 calls one after
  another and against the dependency-chain floor;
- an AFAS check with 12 GetConnectors (more than the 5 AFAS allows in flight);
- a batch of 500 and of 5,000 employers at 100 ms per call: wall against the ideal, client CPU
  per call, peak RSS, checks ending ``error``;
- ``koppelcheck --help`` and ``koppelcheck nmbrs --help``;
- client CPU per HTTP call on loopback, bare httpx against koppelcheck's client.

``BENCH_SIZES=500`` skips the 5,000-employer batch (it takes minutes); ``BENCH_ONLY=batch`` runs
the batch rows alone (while developing; nothing is written then); ``BENCH_WRITE=0`` only
prints (``PYTHONPATH=<older src> BENCH_WRITE=0`` measures older code the same way). Speed
targets live here, not in timed tests. Writes docs/performance.md.
"""

from __future__ import annotations

import compileall
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from profile_batch import FleetProcess, fleet_spec  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "performance.md"
EXE = str(Path(sys.executable).with_name("koppelcheck"))
RUNS = 3
NMBRS_LATENCY_S = 0.2
CHECK_CALLS = 19
CHAIN = 5  # List_GetAll → Company_GetCurrentPeriod → Run_GetList → background start → result
BATCH_LATENCY_S = 0.1
NMBRS_RATE_PER_S = 120  # koppelcheck.http.NMBRS_CALLS_PER_S
NMBRS_IN_FLIGHT = 8  # koppelcheck batch --concurrency default
AFAS_IN_FLIGHT = 5
AFAS_CONNECTORS = 12
HELP_RUNS = 7


@dataclass
class Figure:
    """One measured row."""

    name: str
    value: str
    target: str
    met: bool


def spread(samples: Sequence[float], digits: int = 2, unit: str = "") -> str:
    """``min / median / max`` of ``samples``."""
    low, mid, high = min(samples), statistics.median(samples), max(samples)
    return f"{low:.{digits}f} / {mid:.{digits}f} / {high:.{digits}f}{unit}"


def _simulator(system: str, latency_ms: int) -> tuple[subprocess.Popen[str], str]:
    """``koppelcheck simulate SYSTEM`` in its own process; its base URL."""
    proc = subprocess.Popen(
        [EXE, "simulate", system, "--latency-ms", str(latency_ms), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "KOPPELCHECK_LANG": "en", "COLUMNS": "200"},
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        found = re.search(r"--base-url (\S+)", line)
        if found:
            return proc, found.group(1)
    raise RuntimeError(f"the {system} simulator did not start")


def _timed(argv: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    done = subprocess.run(argv, env={**os.environ, **env}, capture_output=True, text=True)
    return time.perf_counter() - started, done


def bench_one_check() -> list[Figure]:
    """One Nmbrs check at 200 ms per call, process start to exit."""
    from koppelcheck.simulator.nmbrs import load_nmbrs_scenario

    scenario = load_nmbrs_scenario("healthy")
    proc, url = _simulator("nmbrs", round(NMBRS_LATENCY_S * 1000))
    argv = [EXE, "nmbrs", "--username", scenario.username, "--domain", scenario.domain]
    argv += ["--base-url", url, "--no-input", "--format", "json"]
    env = {"KOPPELCHECK_NMBRS_TOKEN": scenario.token}
    try:
        _timed(argv, env)  # the simulator's own first answers are slow: warm it, as Nmbrs is
        runs = [_timed(argv, env) for _ in range(RUNS)]
    finally:
        proc.terminate()
        proc.wait()
    walls = [wall for wall, _ in runs]
    passed = {json.loads(done.stdout)["summary"]["pass"] for _, done in runs}
    sequential = CHECK_CALLS * NMBRS_LATENCY_S
    ratios = [wall / sequential for wall in walls]
    floor = CHAIN * NMBRS_LATENCY_S
    return [
        Figure(
            f"One Nmbrs check, {NMBRS_LATENCY_S * 1000:.0f} ms/call, process start to exit",
            spread(walls, unit=" s") + f" ({sorted(passed)} pass)",
            "",
            all(done.returncode == 0 for _, done in runs),
        ),
        Figure(
            f"… ÷ {CHECK_CALLS} calls one after another ({sequential:.1f} s)",
            spread(ratios),
            "≤ 0.35",
            statistics.median(ratios) <= 0.35,
        ),
        Figure(
            f"… the dependency-chain floor: {CHAIN} round trips ({floor:.1f} s)",
            f"{floor / sequential:.2f} of one after another",
            "",
            True,
        ),
    ]


def bench_sdk() -> list[Figure]:
    """The PyPI ``nmbrs`` SDK making the same 19 calls one after another (benchmarks/
    sdk_19_calls.py), against one koppelcheck check, both from process start, same simulator."""
    from koppelcheck.simulator.nmbrs import load_nmbrs_scenario

    scenario = load_nmbrs_scenario("healthy")
    proc, url = _simulator("nmbrs", round(NMBRS_LATENCY_S * 1000))
    sdk = [sys.executable, str(Path(__file__).with_name("sdk_19_calls.py"))]
    sdk += [url.removesuffix("/soap/v3"), scenario.username, scenario.token]
    ours = [EXE, "nmbrs", "--username", scenario.username, "--domain", scenario.domain]
    ours += ["--base-url", url, "--no-input", "--format", "json"]
    env = {"KOPPELCHECK_NMBRS_TOKEN": scenario.token}
    try:
        _timed(sdk, {}), _timed(ours, env)  # warm the simulator
        pairs = [(_timed(sdk, {}), _timed(ours, env)) for _ in range(RUNS)]
    finally:
        proc.terminate()
        proc.wait()
    sdk_s = [run[0] for run, _ in pairs]
    ours_s = [run[0] for _, run in pairs]
    ratios = [a / b for a, b in zip(sdk_s, ours_s, strict=True)]
    failed = [run[1].stderr[-300:] for run, _ in pairs if run[1].returncode != 0]
    return [
        Figure(
            "PyPI `nmbrs` SDK, the same 19 calls one after another, start to exit",
            spread(sdk_s, unit=" s") + (f" (failed: {failed[0]!r})" if failed else ""),
            "",
            not failed,
        ),
        Figure(
            "… SDK ÷ one koppelcheck check (koppelcheck faster by)",
            spread(ratios) + " ×",
            "≥ 4 ×",
            statistics.median(ratios) >= 4,
        ),
    ]


def bench_afas_many() -> list[Figure]:
    """An AFAS check with 12 GetConnectors at 150 ms: at most 5 in flight."""
    with tempfile.TemporaryDirectory() as folder:
        spec = {"logins": {}, "afas": [40000], "latency_ms": 150, "folder": folder}
        fleet = FleetProcess({**spec, "afas_connectors": AFAS_CONNECTORS}, folder)
        argv = [EXE, "batch", fleet.batch, "--format", "json"]
        try:
            runs = [_timed(argv, fleet.env) for _ in range(RUNS)]
        finally:
            calls = fleet.stop()
    walls = [wall for wall, _ in runs]
    rounds = -(-(calls["afas_calls"] // RUNS) // AFAS_IN_FLIGHT)
    return [
        Figure(
            f"AFAS, {AFAS_CONNECTORS} GetConnectors at 150 ms (≤ 5 in flight), start to exit",
            spread(walls, unit=" s")
            + f" ({calls['afas_calls'] // RUNS} calls, floor {rounds} rounds"
            + f" = {rounds * 0.15:.2f} s)",
            "exit 0",
            all(done.returncode == 0 for _, done in runs),
        )
    ]


_OWN_USAGE = """
import json, resource, subprocess, sys
done = subprocess.run(sys.argv[2:])
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as out:
    json.dump([usage.ru_utime + usage.ru_stime, usage.ru_maxrss], out)
sys.exit(done.returncode)
"""
"""Runs a command and writes its CPU seconds and peak RSS (KiB): the batch's own, nothing else's."""


def bench_batch(employers: int, runs: int) -> list[Figure]:
    """A bureau's batch at 100 ms per call: 4/5 Nmbrs over 5 logins, 1/5 AFAS environments."""
    walls, ratios, cpu_ms, rss, errors, exits = [], [], [], [], [], set()
    sim_ms: list[float] = []
    cores: list[float] = []
    calls: dict[str, Any] = {}
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            spec = fleet_spec(employers, round(BATCH_LATENCY_S * 1000), folder)
            fleet = FleetProcess(spec, folder)
            report = Path(folder) / "r.json"
            argv = [EXE, "batch", fleet.batch, "--format", "json", "--output", str(report)]
            usage = Path(folder) / "usage.json"
            try:
                wall, done = _timed(
                    [sys.executable, "-c", _OWN_USAGE, str(usage), *argv], fleet.env
                )
            finally:
                calls = fleet.stop()
            cpu_s, peak_kb = json.loads(usage.read_text(encoding="utf-8"))
            exits.add(done.returncode)
            document = json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}
            errors.append(document.get("summary", {}).get("error", -1))
        total = calls["nmbrs_calls"] + calls["afas_calls"]
        cpu_ms.append(cpu_s * 1000 / total)
        sim_ms.append(calls["cpu_s"] * 1000 / total)
        rss.append(peak_kb / 1024)
        logins = len(spec["logins"])  # type: ignore[arg-type]
        per_login = min(NMBRS_IN_FLIGHT / BATCH_LATENCY_S, NMBRS_RATE_PER_S)
        ideal = max(
            calls["nmbrs_calls"] / (logins * per_login),
            calls["afas_calls"] * BATCH_LATENCY_S / (len(spec["afas"]) * AFAS_IN_FLIGHT),  # type: ignore[arg-type]
        )
        walls.append(wall)
        ratios.append(wall / ideal)
        cores.append(cpu_s / ideal)
    name = f"Batch {employers:,} employers at 100 ms"
    return [
        Figure(
            f"{name}: wall",
            spread(walls, 1, " s") + f", exit {sorted(exits)}, {total:,} calls",
            "",
            exits <= {0},
        ),
        Figure(f"{name}: wall ÷ ideal", spread(ratios), "≤ 1.2", statistics.median(ratios) <= 1.2),
        Figure(
            f"{name}: client CPU per call",
            spread(cpu_ms, 2, " ms"),
            "≤ 1.0 ms",
            statistics.median(cpu_ms) <= 1.0,
        ),
        Figure(
            f"{name}: client CPU ÷ ideal (cores the client needs to keep up with the ideal)",
            spread(cores),
            "",
            True,
        ),
        Figure(
            f"{name}: the fleet simulator's CPU per call (its own process)",
            spread(sim_ms, 2, " ms"),
            "",
            True,
        ),
        Figure(f"{name}: peak RSS", spread(rss, 0, " MB"), "≤ 250 MB", max(rss) <= 250),
        Figure(
            f"{name}: checks ending `error`",
            spread(errors, 0),
            "0",
            max(errors) == 0,
        ),
    ]


def bench_http_layers() -> list[Figure]:
    """Client CPU per HTTP call on loopback, bare httpx against koppelcheck's client
    (benchmarks/http_layers.py; its server in its own process)."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("http_layers.py")), "1500"],
        capture_output=True,
        text=True,
        check=False,
    )
    figures = []
    for line in done.stdout.splitlines():
        name, _, value = line.partition("  ")
        if "uvloop" in name or not value.strip():
            continue
        figures.append(
            Figure(f"HTTP POST on loopback, client CPU: {name.strip()}", value.strip(), "", True)
        )
    return figures or [Figure("HTTP POST on loopback", done.stderr[-200:], "", False)]


def bench_help() -> list[Figure]:
    """Median wall time of ``--help`` and ``nmbrs --help``."""
    figures = []
    for args in (["--help"], ["nmbrs", "--help"]):
        samples = [_timed([EXE, *args], {})[0] for _ in range(HELP_RUNS)]
        figures.append(
            Figure(
                f"`koppelcheck {' '.join(args)}` ({HELP_RUNS} runs)",
                spread(samples, unit=" s"),
                "≤ 0.2 s",
                statistics.median(samples) <= 0.2,
            )
        )
    return figures


def write_doc(figures: list[Figure], notes: str) -> None:
    """Write the figures into docs/performance.md, keeping the notes after them."""
    lines = [
        "# Performance",
        "",
        "Measured by `make bench` (`benchmarks/run.py`) over loopback HTTP against the simulators,",
        "each in its own process; latency is added by the simulator. Figures are min / median /",
        f"max over {RUNS} runs. Machine: {platform.machine()}, {os.cpu_count()} cores, Python"
        f" {platform.python_version()}, shared with other work (compare ratios, not seconds).",
        "Batches above 500 employers run once (the 5,000-employer batch takes about 10 minutes",
        "here): their min, median and max are that one run.",
        "",
        "| measure | min / median / max | target | met |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {f.name} | {f.value} | {f.target or '-'} | {'yes' if f.met else 'NO'} |"
        for f in figures
    ]
    DOC.write_text("\n".join(lines) + "\n" + notes, encoding="utf-8")


def main() -> int:
    """Run every benchmark, print and write the figures; exit 1 when a target is missed."""
    sizes = [int(n) for n in os.environ.get("BENCH_SIZES", "500,5000").split(",") if n]
    # Start-up is measured as an installed package has it: bytecode compiled once. With
    # PYTHONDONTWRITEBYTECODE set, an editable install recompiles every module on every run.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    compileall.compile_dir(ROOT / "src", quiet=1)
    benches: list[Callable[[], list[Figure]]] = []
    if os.environ.get("BENCH_ONLY") != "batch":  # BENCH_ONLY=batch: the batch rows alone
        benches += [bench_one_check, bench_sdk, bench_afas_many, bench_help, bench_http_layers]
    benches += [lambda n=n: bench_batch(n, RUNS if n <= 500 else 1) for n in sizes]  # type: ignore[misc]
    figures = []
    for bench in benches:
        for figure in bench():
            figures.append(figure)
            print(
                f"{figure.name:70} {figure.value:45} {figure.target:8}",
                "ok" if figure.met else "MISSED",
                flush=True,
            )
    if os.environ.get("BENCH_WRITE", "1") == "0" or os.environ.get("BENCH_ONLY"):
        return 0 if all(f.met for f in figures) else 1
    old = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    notes = old[old.index("\n## ") + 1 :] if "\n## " in old else ""
    write_doc(figures, "\n" + notes if notes else "")
    print(f"written: {DOC.relative_to(ROOT)}")
    return 0 if all(f.met for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
