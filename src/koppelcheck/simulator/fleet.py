"""A bureau's worth of simulated employers: Nmbrs logins with many companies, AFAS environments.

Used by the batch tests and ``make bench``. Every credential here is a made-up demo value.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

from koppelcheck.simulator.afas import AfasConnector, AfasScenario, AfasSimulator
from koppelcheck.simulator.nmbrs import (
    NmbrsCompany,
    NmbrsEmployee,
    NmbrsRun,
    NmbrsScenario,
    NmbrsSimulator,
)
from koppelcheck.simulator.server import SimulatorServer

FLEET_CONNECTORS = ("BP_Werknemers", "BP_Dienstverbanden", "BP_Salarissen", "BP_Verzuim")


def demo_token(label: str, length: int = 32) -> str:
    """A deterministic made-up hex token for a demo login."""
    return hashlib.sha256(label.encode()).hexdigest()[:length].upper()


def nmbrs_login(
    login: int, companies: int, *, inactive: frozenset[str] = frozenset()
) -> NmbrsScenario:
    """One Nmbrs login (domain ``bureau<login>``) that sees ``companies`` companies."""
    return NmbrsScenario(
        name=f"login-{login}",
        description="fleet login (demo values)",
        username=f"salaris{login}@bureau.nl",
        token=demo_token(f"nmbrs-{login}"),
        domain=f"bureau{login}",
        companies=tuple(
            NmbrsCompany(
                id=login * 10_000 + i,
                number=i,
                name=f"Werkgever {login}-{i} B.V.",
                current_period="2026-11-M",
                employees=(NmbrsEmployee(login * 100_000 + i, 1, f"Medewerker {i}"),),
                runs=(NmbrsRun(login * 1_000_000 + i, 1, 2026, 11, 11),),
            )
            for i in range(1, companies + 1)
        ),
        inactive=inactive,
        polls_before_success=0,
    )


def afas_environment(
    number: int, *, missing: tuple[str, ...] = (), bad_token: bool = False
) -> AfasScenario:
    """One AFAS environment with the fleet's GetConnectors, ``missing`` ones not assigned."""
    return AfasScenario(
        name=f"env-{number}",
        description="fleet environment (demo values)",
        environment=str(number),
        envid=f"O{number}AA",
        token_data=demo_token(f"afas-{number}", 64),
        token_revoked=bad_token,
        connectors=tuple(AfasConnector(c, assigned=c not in missing) for c in FLEET_CONNECTORS),
    )


@dataclass
class Fleet:
    """Running simulators and the batch file that points at them."""

    nmbrs: dict[int, tuple[SimulatorServer, NmbrsSimulator]] = field(default_factory=dict)
    afas: dict[int, tuple[SimulatorServer, AfasSimulator]] = field(default_factory=dict)
    employers: list[dict[str, object]] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)

    def batch_toml(self) -> str:
        """The batch file (TOML) for every employer of the fleet."""
        blocks = ['[defaults]\noption = "overkoepelend"\n']
        for employer in self.employers:
            lines = ["[[employer]]"]
            for key, value in employer.items():
                if isinstance(value, list):
                    lines.append(
                        f"{key} = [{', '.join(repr(v).replace(chr(39), chr(34)) for v in value)}]"
                    )
                else:
                    lines.append(f'{key} = "{value}"')
            blocks.append("\n".join(lines) + "\n")
        return "\n".join(blocks)

    def nmbrs_calls(self, operation: str) -> int:
        """How often ``operation`` was called across all Nmbrs simulators."""
        return sum(
            n
            for _, sim in self.nmbrs.values()
            for (_, op), n in sim.hits.items()
            if op == operation
        )


@contextmanager
def running_fleet(
    nmbrs_logins: dict[int, tuple[int, frozenset[str]]],
    afas_environments: dict[int, tuple[tuple[str, ...], bool]],
    *,
    latency_ms: int = 0,
) -> Iterator[Fleet]:
    """Start the simulators: ``{login: (companies, inactive calls)}`` and
    ``{environment number: (missing connectors, bad token)}``; stop them on exit."""
    fleet = Fleet()
    with ExitStack() as stack:
        for login, (companies, inactive) in nmbrs_logins.items():
            scenario = nmbrs_login(login, companies, inactive=inactive)
            simulator = NmbrsSimulator(scenario)
            server = stack.enter_context(SimulatorServer(simulator, latency_ms=latency_ms))
            fleet.nmbrs[login] = (server, simulator)
            variable = f"FLEET_NMBRS_{login}"
            fleet.env[variable] = scenario.token
            for company in scenario.companies:
                fleet.employers.append(
                    {
                        "id": f"nmbrs-{login}-{company.number}",
                        "system": "nmbrs",
                        "username": scenario.username,
                        "domain": scenario.domain,
                        "token_env": variable,
                        "company": company.name,
                        "base_url": f"{server.base_url}/soap/v3",
                    }
                )
        for number, (missing, bad_token) in afas_environments.items():
            afas = afas_environment(number, missing=missing, bad_token=bad_token)
            afas_simulator = AfasSimulator(afas)
            afas_server = stack.enter_context(
                SimulatorServer(afas_simulator, latency_ms=latency_ms)
            )
            fleet.afas[number] = (afas_server, afas_simulator)
            variable = f"FLEET_AFAS_{number}"
            fleet.env[variable] = afas.token_data
            fleet.employers.append(
                {
                    "id": f"afas-{number}",
                    "system": "afas",
                    "environment_id": f"O{number}AA",
                    "token_env": variable,
                    "connectors": list(FLEET_CONNECTORS),
                    "base_url": f"{afas_server.base_url}/ProfitRestServices",
                }
            )
        yield fleet
