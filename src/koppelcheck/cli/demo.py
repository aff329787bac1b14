"""``koppelcheck demo``: start the simulators in-process, check setups with mistakes made on
purpose, and show what koppelcheck reports and how to fix it."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

import typer

from koppelcheck.cli.common import handle_errors, stderr_console

NMBRS_SCENARIO = "calls-inactive"
AFAS_SCENARIO = "connector-missing"


@dataclass(frozen=True)
class DemoPart:
    """One system's demonstration: its report, and whether it found exactly the planted mistakes."""

    system: str
    report: Any
    expected_failures: frozenset[str]

    @property
    def as_designed(self) -> bool:
        """True when the failing checks are exactly the planted mistakes."""
        failed = {c.id for c in self.report.checks if c.status.value == "fail"}
        return failed == self.expected_failures


def _run_nmbrs(translator: Any, progress: Callable[[Any], None]) -> DemoPart:
    from koppelcheck.nmbrs.calls import ALL_CALLS
    from koppelcheck.nmbrs.target import NmbrsTarget
    from koppelcheck.nmbrs.verify import verify_nmbrs
    from koppelcheck.secret import Secret
    from koppelcheck.simulator.nmbrs import NmbrsSimulator, load_nmbrs_scenario
    from koppelcheck.simulator.server import SimulatorServer

    scenario = load_nmbrs_scenario(NMBRS_SCENARIO)
    with SimulatorServer(NmbrsSimulator(scenario)) as server:
        target = NmbrsTarget.create(username=scenario.username, domain=scenario.domain,
                                    base_url=f"{server.base_url}/soap/v3")
        report = asyncio.run(verify_nmbrs(target, Secret(scenario.token, "demo"),
                                          translator=translator, timeout_s=10,
                                          on_progress=progress))
    expected = {c.check_id for c in ALL_CALLS if c.operation in set(scenario.inactive)}
    return DemoPart("nmbrs", report, frozenset(expected))


def _run_afas(translator: Any, progress: Callable[[Any], None]) -> DemoPart | None:
    try:
        from koppelcheck.afas.verify import demo_afas_report
    except ImportError:
        return None
    report, expected = demo_afas_report(AFAS_SCENARIO, translator=translator, on_progress=progress)
    return DemoPart("afas", report, frozenset(expected))


@handle_errors
def demo(
    lang: Annotated[str | None, typer.Option("--lang", help="nl or en.")] = None,
) -> None:
    """Run koppelcheck against local simulators with mistakes made on purpose."""
    from koppelcheck.cli.progress import progress_reporter
    from koppelcheck.i18n import Translator, resolve_language
    from koppelcheck.report.text import render_text

    translator = Translator(lang)
    console = stderr_console()
    parts: list[DemoPart] = []
    for label, runner in (("Nmbrs", _run_nmbrs), ("AFAS", _run_afas)):
        console.print(f"[bold]{label}[/]: simulator on 127.0.0.1 …")
        with progress_reporter(21, label, quiet=True) as progress:
            part = runner(translator, progress)
        if part is not None:
            parts.append(part)
    for part in parts:
        sys.stdout.write(render_text(part.report, lang=resolve_language(lang),
                                     color=sys.stdout.isatty(), width=100))
        sys.stdout.write("\n")
    ok = all(p.as_designed for p in parts)
    for part in parts:
        state = "as designed" if part.as_designed else "NOT as designed"
        console.print(f"{part.system}: {len(part.expected_failures)} planted mistake(s) found: {state}")
    raise typer.Exit(0 if ok else 1)
