"""Where a batch's memory goes: ``python benchmarks/memory_batch.py N [MS] [--all] [--trace]``.

Runs ``koppelcheck batch`` against ``fleet_server.py`` (its own process) like ``make bench``,
in a child interpreter that samples its own resident set every 0.2 s and prints the peak while
the employers ran and the peak overall (the reports written). ``--all`` writes every format
(JSON, JUnit, HTML to files, Markdown to ``--output``), not only JSON. ``--trace`` also starts
``tracemalloc`` and prints, right before the reports are written, the live Python memory by
file (what the run still holds then); it slows the run about 2 ×.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from profile_batch import FleetProcess, fleet_spec  # noqa: E402

_CHILD = r"""
import atexit, json, os, resource, sys, threading, time
out, trace = sys.argv[1], sys.argv[2] == "1"
sys.argv = ["koppelcheck", *sys.argv[3:]]
if trace:
    import tracemalloc
    tracemalloc.start(1)
state = {"peak_run_kb": 0, "samples": []}
def rss_kb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0
def sample():
    while True:
        state["samples"].append(rss_kb())
        files = len(os.listdir("/proc/self/fd"))
        state["open_files"] = max(state.get("open_files", 0), files)
        time.sleep(0.2)
threading.Thread(target=sample, daemon=True).start()
def before_writing():
    if "before_write_kb" in state:
        return
    state["before_write_kb"] = rss_kb()
    state["peak_run_kb"] = max(state["samples"] + [rss_kb()])
    if os.environ.get("MEMORY_OBJECTS"):
        import gc
        from collections import Counter
        gc.collect()
        kinds = Counter(f"{type(o).__module__}.{type(o).__qualname__}" for o in gc.get_objects())
        state["objects"] = kinds.most_common(30)
    if trace:
        import gc, tracemalloc
        gc.collect()
        snap = tracemalloc.take_snapshot()
        stats = snap.statistics("filename")
        state["traced_total"] = sum(s.size for s in stats)
        state["top_files"] = [
            ["/".join(s.traceback[0].filename.split("/")[-3:]), s.size, s.count] for s in stats[:25]
        ]
        lines = snap.statistics("lineno")
        state["top_lines"] = [
            ["/".join(s.traceback[0].filename.split("/")[-2:]) + f":{s.traceback[0].lineno}",
             s.size, s.count]
            for s in lines[:25]
        ]
import importlib
def hooked(module_name, attr):
    module = importlib.import_module(module_name)
    inner = getattr(module, attr, None)
    if inner is None:
        return
    def wrapper(*args, **kwargs):
        before_writing()
        return inner(*args, **kwargs)
    setattr(module, attr, wrapper)
# A batch calls this once, when every employer is done and before any report is written.
hooked("koppelcheck.cli.exit_policy", "batch_with_exit_policy")
def done():
    state["peak_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    state["samples"] = len(state["samples"])
    with open(out, "w") as handle:
        json.dump(state, handle)
atexit.register(done)
from koppelcheck.cli.app import main
main()
"""


def main() -> int:
    args = [a for a in sys.argv[1:] if a.isdigit()]
    employers = int(args[0]) if args else 2000
    latency_ms = int(args[1]) if len(args) > 1 else 20
    every = "--all" in sys.argv
    trace = "--trace" in sys.argv
    with tempfile.TemporaryDirectory() as folder:
        fleet = FleetProcess(fleet_spec(employers, latency_ms, folder), folder)
        result = Path(folder) / "memory.json"
        out = Path(folder)
        argv = ["batch", fleet.batch, "--format", "json", "--output", str(out / "r.json")]
        if every:
            argv[3] = "markdown"
            argv += ["--json", str(out / "j.json"), "--junit", str(out / "r.xml")]
            argv += ["--html", str(out / "r.html")]
        started = time.perf_counter()
        try:
            done = subprocess.run(
                [sys.executable, "-c", _CHILD, str(result), "1" if trace else "0", *argv],
                env={**os.environ, **fleet.env},
                stdout=subprocess.DEVNULL,
                stderr=None if os.environ.get("MEM_DEBUG") else subprocess.DEVNULL,
                check=False,
            )
        finally:
            calls = fleet.stop()
        wall = time.perf_counter() - started
        state = json.loads(result.read_text(encoding="utf-8"))
        if "--keep" in sys.argv:  # the reports, for a closer look
            import shutil

            keep = Path(sys.argv[sys.argv.index("--keep") + 1])
            keep.mkdir(parents=True, exist_ok=True)
            for report in out.glob("[rj].*"):
                shutil.copy(report, keep / report.name)
        sizes = {
            p.name: p.stat().st_size
            for p in out.iterdir()
            if p.suffix in (".json", ".xml", ".html") and p.name.startswith(("r", "j"))
        }
    print(
        f"{employers} employers, {latency_ms} ms, {'all formats' if every else 'json'}: "
        f"exit {done.returncode}, {wall:.0f} s, calls {calls}"
    )
    print(
        f"peak RSS {state['peak_kb'] / 1024:.0f} MB;"
        f" while running {state['peak_run_kb'] / 1024:.0f} MB;"
        f" before writing {state.get('before_write_kb', 0) / 1024:.0f} MB"
        f"; at most {state.get('open_files', 0)} open files; files {sizes}"
    )
    for name, count in state.get("objects", []):
        print(f"  {count:9,d}  {name}")
    if trace:
        print(f"traced Python memory before writing: {state['traced_total'] / 1e6:.1f} MB")
        for name, size, count in state["top_files"]:
            print(f"  {size / 1e6:8.2f} MB {count:9,d} blocks  {name}")
        print("by line:")
        for name, size, count in state["top_lines"]:
            print(f"  {size / 1e6:8.2f} MB {count:9,d} blocks  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
