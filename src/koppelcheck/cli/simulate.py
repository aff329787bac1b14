"""``koppelcheck simulate afas|nmbrs``: serve a faithful local AFAS or Nmbrs on 127.0.0.1."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from koppelcheck.cli.common import handle_errors, stderr_console
from koppelcheck.cli.lazy_group import SimulateGroup
from koppelcheck.cli.options import bounded_int
from koppelcheck.i18n import Text, Translator, os_reason

_t = Translator()
simulate_app = typer.Typer(cls=SimulateGroup, help=_t("cli.simulate.help"), no_args_is_help=True)

PortOpt = Annotated[
    int,
    typer.Option(
        "--port",
        metavar="PORT",
        help=_t("cli.simulate.port.help"),
        parser=bounded_int(0, 65535),
    ),
]


def _complete_scenarios(module: str, constant: str) -> Callable[[str], list[str]]:
    """Shell completion for ``--scenario``: the simulator's scenario names, read only when a shell
    asks (the simulators are not imported for ``--help``)."""

    def complete(incomplete: str) -> list[str]:
        names: tuple[str, ...] = getattr(importlib.import_module(module), constant)
        return [name for name in names if name.startswith(incomplete)]

    return complete


def _scenario_option(module: str, constant: str) -> Any:
    return typer.Option(
        "--scenario",
        metavar="NAME",
        autocompletion=_complete_scenarios(module, constant),
        help=_t("cli.simulate.scenario.help"),
    )


NmbrsScenarioOpt = Annotated[
    str, _scenario_option("koppelcheck.simulator.nmbrs.scenario", "NMBRS_SCENARIOS")
]
AfasScenarioOpt = Annotated[str, _scenario_option("koppelcheck.simulator.afas", "AFAS_SCENARIOS")]
RestScenarioOpt = Annotated[
    str, _scenario_option("koppelcheck.simulator.nmbrs_rest", "REST_SCENARIOS")
]
ScenarioFileOpt = Annotated[
    Path | None,
    typer.Option("--scenario-file", metavar="PATH", help=_t("cli.simulate.scenario_file.help")),
]
ReplayOpt = Annotated[
    Path | None, typer.Option("--replay", metavar="PATH", help=_t("cli.simulate.replay.help"))
]
LatencyOpt = Annotated[
    int | None,
    typer.Option(
        "--latency-ms",
        metavar="MS",
        help=_t("cli.simulate.latency_ms.help"),
        parser=bounded_int(0, 600_000),
    ),
]


def make_simulator(system: str, scenario: str, scenario_file: Path | None) -> tuple[Any, Any]:
    """The simulator and its scenario; an unknown scenario is an InputError (exit 2)."""
    from koppelcheck.errors import InputError
    from koppelcheck.systems import get_system

    source: str | Path = scenario_file if scenario_file is not None else scenario
    spec = get_system(system).simulator()
    names, load, cls = spec.scenarios, spec.load, spec.simulator
    if scenario_file is None and scenario not in names:
        raise InputError(
            "--scenario",
            _t("console.simulate.unknown_scenario", scenario=repr(scenario)),
            ", ".join(names),
        )
    if scenario_file is not None and not scenario_file.is_file():
        raise InputError("--scenario-file", _t("input.file.not_found", path=scenario_file))
    try:
        loaded = load(source)
    except InputError as exc:  # the loader names its own field ("scenario"); name the flag
        flag = "--scenario-file" if scenario_file is not None else "--scenario"
        raise InputError(flag, *exc.texts) from None
    except (ValueError, KeyError, TypeError, OSError) as exc:
        raise InputError(
            "--scenario-file", _t("console.simulate.invalid", system=system, reason=exc)
        ) from None
    return cls(loaded), loaded


def serve(
    system: str,
    port: int,
    scenario: str,
    scenario_file: Path | None,
    latency_ms: int | None,
    path: str,
    replay: Path | None = None,
) -> None:
    from koppelcheck.errors import InputError
    from koppelcheck.simulator.server import SimulatorServer

    if replay is not None:
        from types import SimpleNamespace

        from koppelcheck.simulator.replay import ReplaySimulator, load_har

        try:
            simulator: Any = ReplaySimulator(system, load_har(replay))
        except ValueError as exc:
            raise InputError(
                "--replay", _t("console.simulate.not_har", path=replay, reason=exc)
            ) from None
        loaded: Any = SimpleNamespace(name=f"--replay {replay.name}", latency_ms=0)
    else:
        simulator, loaded = make_simulator(system, scenario, scenario_file)
    latency = latency_ms if latency_ms is not None else int(getattr(loaded, "latency_ms", 0) or 0)
    try:
        server = SimulatorServer(simulator, port=port, latency_ms=latency)
    except OSError as exc:
        raise InputError(
            "--port",
            Text("console.simulate.cannot_listen", port=port, reason=os_reason(exc)),
            _t("console.simulate.other_port"),
        ) from None
    console = stderr_console()
    from rich.markup import escape

    name = escape(loaded.name)  # a scenario file's name is text, not markup
    console.print(
        _t("console.simulate.banner", system=system, scenario=f"[bold]{name}[/]", latency=latency)
    )
    console.print(f"  --base-url {server.base_url}{path}")
    console.print("  " + _t("console.simulate.stop_hint"))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        console.print(_t("console.simulate.stopped"))
        raise typer.Exit(130) from None  # Ctrl-C exits 130 everywhere, a server included
    finally:
        server.stop()


@simulate_app.command("nmbrs", help=_t("cli.simulate.nmbrs.help"))
@handle_errors
def simulate_nmbrs(
    port: PortOpt = 0,
    scenario: NmbrsScenarioOpt = "healthy",
    scenario_file: ScenarioFileOpt = None,
    latency_ms: LatencyOpt = None,
    replay: ReplayOpt = None,
) -> None:
    """Serve the Nmbrs SOAP v3 simulator (scenarios: healthy, calls-inactive, bad-token, ...)."""
    serve("nmbrs", port, scenario, scenario_file, latency_ms, "/soap/v3", replay)


@simulate_app.command("afas", help=_t("cli.simulate.afas.help"))
@handle_errors
def simulate_afas(
    port: PortOpt = 0,
    scenario: AfasScenarioOpt = "healthy",
    scenario_file: ScenarioFileOpt = None,
    latency_ms: LatencyOpt = None,
    replay: ReplayOpt = None,
) -> None:
    """Serve the AFAS Profit REST simulator (scenarios: healthy, connector-missing, ...)."""
    serve("afas", port, scenario, scenario_file, latency_ms, "/ProfitRestServices", replay)


@simulate_app.command("nmbrs-rest", help=_t("cli.simulate.nmbrs_rest.help"))
@handle_errors
def simulate_nmbrs_rest(port: PortOpt = 0, scenario: RestScenarioOpt = "healthy") -> None:
    """Serve the Nmbrs REST simulator: identity service and API (scenarios: healthy, ...)."""
    from koppelcheck.errors import InputError
    from koppelcheck.simulator.nmbrs_rest import REST_SCENARIOS, make_rest_simulator
    from koppelcheck.simulator.server import SimulatorServer

    if scenario not in REST_SCENARIOS:
        raise InputError(
            "--scenario",
            _t("console.simulate.unknown_scenario", scenario=repr(scenario)),
            ", ".join(REST_SCENARIOS),
        )
    simulator = make_rest_simulator(scenario)
    try:
        server = SimulatorServer(simulator, port=port)
    except OSError as exc:
        raise InputError(
            "--port",
            Text("console.simulate.cannot_listen", port=port, reason=os_reason(exc)),
            _t("console.simulate.other_port"),
        ) from None
    s = simulator.scenario
    console = stderr_console()
    console.print(_t("console.simulate.rest_banner", scenario=f"[bold]{scenario}[/]"))
    console.print(f"  --base-url {server.base_url} --identity-url {server.base_url}")
    console.print(f"  --client-id {s.client_id} " + _t("console.simulate.rest_secret_hint"))
    console.print("  " + _t("console.simulate.stop_hint"))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        console.print(_t("console.simulate.stopped"))
        raise typer.Exit(130) from None
    finally:
        server.stop()
