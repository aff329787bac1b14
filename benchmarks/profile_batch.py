"""Profile one batch run with cProfile: ``python benchmarks/profile_batch.py [EMPLOYERS] [MS]``.

The fleet runs in its own process (``fleet_server.py``); the profiled ``koppelcheck batch`` in
another. Prints the self time by package and the top functions (self and cumulative), the form
docs/performance.md quotes.
"""

from __future__ import annotations

import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def fleet_spec(employers: int, latency_ms: int, folder: str, logins: int = 5) -> dict[str, object]:
    """Four fifths Nmbrs over ``logins`` logins, one fifth AFAS environments."""
    nmbrs = employers * 4 // 5
    return {
        "logins": {str(n + 1): nmbrs // logins for n in range(logins)},
        "afas": list(range(30000, 30000 + employers - nmbrs // logins * logins)),
        "latency_ms": latency_ms,
        "folder": folder,
    }


class FleetProcess:
    """``fleet_server.py`` as a child process: ``batch`` and ``env`` once started."""

    def __init__(self, spec: dict[str, object], folder: str) -> None:
        path = Path(folder) / "spec.json"
        path.write_text(json.dumps(spec), encoding="utf-8")
        self._proc = subprocess.Popen(
            [sys.executable, str(HERE / "fleet_server.py"), str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._proc.stdout is not None
        ready = json.loads(self._proc.stdout.readline())
        self.batch: str = ready["batch"]
        self.env: dict[str, str] = ready["env"]

    def stop(self) -> dict[str, Any]:
        """Stop serving; the calls answered (``nmbrs_calls``, ``afas_calls``) and the CPU seconds
        the fleet spent serving them (``cpu_s``)."""
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.close()
        counts: dict[str, Any] = json.loads(self._proc.stdout.readline())
        self._proc.wait(timeout=60)
        return counts


def package_of(filename: str) -> str:
    """``site-packages/httpcore/_async/x.py`` → ``httpcore``; the standard library by module."""
    parts = Path(filename).parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].removesuffix(".py")
    if "koppelcheck" in parts:
        return "koppelcheck"
    if "asyncio" in parts:
        return "asyncio"
    return "other" if filename.startswith(("<", "~")) else Path(filename).stem


def summarise(profile: Path, top: int = 15) -> str:
    """Self time by package, then the top functions by self and by cumulative time."""
    stats = pstats.Stats(str(profile))
    raw = stats.stats  # type: ignore[attr-defined]
    total = sum(entry[2] for entry in raw.values())
    by_package: Counter[str] = Counter()
    for (filename, _, _), entry in raw.items():
        by_package[package_of(filename)] += entry[2]
    lines = [f"total self time {total:.1f} s", "", "| package | self |", "|---|---|"]
    lines += [f"| {p} | {t / total:.1%} |" for p, t in by_package.most_common(10)]

    def name(key: tuple[str, int, str]) -> str:
        filename, line, function = key
        return f"{package_of(filename)} {Path(filename).name}:{line} {function}"

    for label, index in (("self", 2), ("cumulative", 3)):
        lines += ["", f"| function | {label} |", "|---|---|"]
        ranked = sorted(raw.items(), key=lambda item: -item[1][index])[:top]
        lines += [f"| `{name(k)}` | {v[index] / total:.1%} |" for k, v in ranked]
    return "\n".join(lines)


def main() -> int:
    employers = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    latency_ms = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    with tempfile.TemporaryDirectory() as folder:
        fleet = FleetProcess(fleet_spec(employers, latency_ms, folder), folder)
        profile = Path(folder) / "batch.prof"
        exe = Path(sys.executable).with_name("koppelcheck")
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "cProfile", "-o", str(profile), str(exe), "batch"]
            + [fleet.batch, "--format", "json", "--output", str(Path(folder) / "r.json")],
            env={**os.environ, **fleet.env},
            capture_output=True,
            check=False,
        )
        wall = time.perf_counter() - started
        calls = fleet.stop()
        print(f"{employers} employers, {latency_ms} ms/call: exit {done.returncode}, {wall:.1f} s")
        print(f"calls: {calls}")
        print(summarise(profile))
        if os.environ.get("PROFILE_KEEP"):  # for pstats' callers/callees afterwards
            Path(os.environ["PROFILE_KEEP"]).write_bytes(profile.read_bytes())
    return 0


if __name__ == "__main__":
    sys.exit(main())
