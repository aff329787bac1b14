"""The Nmbrs simulator's scenario model: who logs in, which calls are off, the companies."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from koppelcheck.errors import InputError
from koppelcheck.i18n import Text
from koppelcheck.simulator.faults import FaultRule, parse_fault_rules
from koppelcheck.simulator.scenario_files import read_scenario
from koppelcheck.tomlinput import TOMLTable

NMBRS_SCENARIOS: tuple[str, ...] = (
    "healthy",
    "calls-inactive",
    "bad-token",
    "slow",
    "discovery-inactive",
    "faults",
    "flaky",
)


@dataclass(frozen=True)
class NmbrsEmployee:
    """An employee as List_GetByCompany shows it."""

    id: int
    number: int
    display_name: str


@dataclass(frozen=True)
class NmbrsRun:
    """A payroll run of a company."""

    id: int
    number: int
    year: int
    period_start: int
    period_end: int


@dataclass(frozen=True)
class NmbrsCompany:
    """A company with its current period (``yyyy-pp-type``, e.g. ``2026-11-M``)."""

    id: int
    number: int
    name: str
    current_period: str
    employees: tuple[NmbrsEmployee, ...] = ()
    runs: tuple[NmbrsRun, ...] = ()

    @property
    def period_type(self) -> str:
        """``M`` (monthly), ``W4`` (four-weekly) or ``W1`` (weekly)."""
        return self.current_period.split("-")[2]


@dataclass(frozen=True)
class NmbrsDebtor:
    """A debtor (an employer in an accountant environment) and the IDs of its companies."""

    id: int
    number: str
    name: str
    company_ids: tuple[int, ...]


@dataclass
class NmbrsScenario:
    """One simulated Nmbrs environment. The credentials in the bundled scenarios are demo values.

    ``token`` is what the administrator copied (what a demo client sends); ``server_token`` is the
    token Nmbrs knows, the same unless the scenario is about a token copied wrong.
    """

    name: str
    description: str
    username: str
    token: str
    domain: str
    companies: tuple[NmbrsCompany, ...]
    inactive: frozenset[str] = frozenset()
    subscription_valid: bool = True
    latency_ms: int = 0
    """Per-call delay; ``SimulatorServer(sim, latency_ms=scenario.latency_ms)`` applies it."""
    polls_before_success: int = 1
    server_token: str = ""
    faults: tuple[FaultRule, ...] = ()
    """Injected faults per operation (:mod:`koppelcheck.simulator.faults`)."""
    undeclared_elements: bool = False
    """Answers carry elements the served WSDL does not declare (``Company/LegalForm`` at the end,
    ``RunInfo/RunType`` mid-sequence), as a server newer than its WSDL would: for testing that a
    client tolerates them. Off by default, so that answers validate against the served WSDL."""
    debtors: tuple[NmbrsDebtor, ...] = ()
    """The login's debtors (``[[debtors]]``); none given means one debtor holding every company."""

    def debtor_list(self) -> tuple[NmbrsDebtor, ...]:
        """The debtors DebtorService.List_GetAll answers."""
        if self.debtors:
            return self.debtors
        return (NmbrsDebtor(1, "1", self.domain, tuple(c.id for c in self.companies)),)

    @property
    def accepted_token(self) -> str:
        """The token the simulated Nmbrs accepts."""
        return self.server_token or self.token

    def company(self, company_id: int) -> NmbrsCompany | None:
        """The company with this ID, if any."""
        return next((c for c in self.companies if c.id == company_id), None)

    def employee(self, employee_id: int) -> tuple[NmbrsCompany, NmbrsEmployee] | None:
        """The employee with this ID and its company, if any."""
        for company in self.companies:
            for employee in company.employees:
                if employee.id == employee_id:
                    return company, employee
        return None


def load_nmbrs_scenario(name_or_path: str | Path) -> NmbrsScenario:
    """Load a bundled scenario by name, or a scenario TOML file by path."""
    if str(name_or_path) not in NMBRS_SCENARIOS and not Path(name_or_path).is_file():
        raise InputError(
            "scenario",
            Text("console.simulate.unknown_scenario", scenario=repr(str(name_or_path))),
            Text("input.scenario.one_of_or_file", names=", ".join(NMBRS_SCENARIOS)),
        )
    name = str(name_or_path) if str(name_or_path) in NMBRS_SCENARIOS else Path(name_or_path)
    try:
        return _scenario_from(read_scenario("nmbrs", NMBRS_SCENARIOS, name))
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise InputError("scenario", Text("input.scenario.invalid", reason=exc)) from exc


def _scenario_from(data: TOMLTable) -> NmbrsScenario:
    companies = tuple(
        NmbrsCompany(
            id=int(c["id"]),
            number=int(c["number"]),
            name=str(c["name"]),
            current_period=str(c["current_period"]),
            employees=tuple(NmbrsEmployee(**e) for e in c.get("employees", [])),
            runs=tuple(NmbrsRun(**r) for r in c.get("runs", [])),
        )
        for c in data.get("companies", [])
    )
    return NmbrsScenario(
        name=str(data["name"]),
        description=str(data.get("description", "")),
        username=str(data["username"]),
        token=str(data["token"]),
        domain=str(data["domain"]),
        companies=companies,
        inactive=frozenset(data.get("inactive", [])),
        subscription_valid=bool(data.get("subscription_valid", True)),
        latency_ms=int(data.get("latency_ms", 0)),
        polls_before_success=int(data.get("polls_before_success", 1)),
        server_token=str(data.get("server_token", "")),
        faults=parse_fault_rules(data.get("faults", [])),
        undeclared_elements=bool(data.get("undeclared_elements", False)),
        debtors=tuple(
            NmbrsDebtor(
                id=int(d["id"]),
                number=str(d["number"]),
                name=str(d["name"]),
                company_ids=tuple(int(c) for c in d.get("companies", [])),
            )
            for d in data.get("debtors", [])
        ),
    )
