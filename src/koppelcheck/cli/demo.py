"""``koppelcheck demo``: start the simulators in-process, check setups with mistakes made on
purpose, and show what koppelcheck reports and how to fix it."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from koppelcheck.cli.common import handle_errors, run_async, stderr_console
from koppelcheck.cli.options import LANG_METAVAR, check_language, complete_language
from koppelcheck.i18n import Translator

_t = Translator()

NMBRS_SCENARIO = "calls-inactive"
AFAS_SCENARIO = "connector-missing"
NMBRS_REST_SCENARIO = "missing-scope"


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


def _run_nmbrs(translator: Any) -> DemoPart:
    from koppelcheck.nmbrs.calls import ALL_CALLS
    from koppelcheck.nmbrs.target import NmbrsTarget
    from koppelcheck.secret import Secret
    from koppelcheck.simulator.nmbrs import NmbrsSimulator, load_nmbrs_scenario
    from koppelcheck.simulator.server import SimulatorServer
    from koppelcheck.systems import RunOptions, verify

    scenario = load_nmbrs_scenario(NMBRS_SCENARIO)
    with SimulatorServer(NmbrsSimulator(scenario)) as server:
        target = NmbrsTarget.create(
            username=scenario.username,
            domain=scenario.domain,
            base_url=f"{server.base_url}/soap/v3",
        )
        report = run_async(
            verify(
                "nmbrs",
                target,
                Secret(scenario.token, "demo"),
                RunOptions(translator, timeout_s=10),
            )
        )
    expected = {c.check_id for c in ALL_CALLS if c.operation in set(scenario.inactive)}
    return DemoPart("nmbrs", report, frozenset(expected))


def _run_nmbrs_rest(translator: Any) -> DemoPart:
    """The REST probe against the REST simulator; a simulated browser gives the consent."""
    import asyncio

    from koppelcheck.nmbrs.rest.probe import RestSettings, verify_rest
    from koppelcheck.secret import Secret
    from koppelcheck.simulator.nmbrs_rest import make_rest_simulator
    from koppelcheck.simulator.server import SimulatorServer

    simulator = make_rest_simulator(NMBRS_REST_SCENARIO)
    scenario = simulator.scenario

    async def browser(url: str) -> None:
        import httpx

        def visit() -> None:
            with httpx.Client(follow_redirects=True, timeout=10) as client:
                client.get(url)

        asyncio.get_running_loop().run_in_executor(None, visit)

    with SimulatorServer(simulator) as server:
        settings = RestSettings(
            client_id=scenario.client_id,
            client_secret=Secret(scenario.client_secret, "demo"),
            subscription_key=Secret(scenario.subscription_key, "demo"),
            base_url=server.base_url,
            identity_url=server.base_url,
        )
        report, _ = run_async(
            verify_rest(settings, translator=translator, show_url=browser, timeout_s=10, wait_s=30)
        )
    revoked = simulator.live_tokens == 0 and bool(simulator.state.revoked)
    expected = {"nmbrs.rest.scopes", "nmbrs.rest.endpoint.bankaccounts"}
    return DemoPart("nmbrs-rest", report, frozenset(expected if revoked else {"revocation"}))


def _run_afas(translator: Any) -> DemoPart:
    from koppelcheck.afas.checks import AfasSettings, connector_check_id
    from koppelcheck.afas.environment import parse_environment_id
    from koppelcheck.afas.token import parse_token
    from koppelcheck.simulator.afas import AfasSimulator, load_afas_scenario
    from koppelcheck.simulator.server import SimulatorServer
    from koppelcheck.systems import RunOptions, verify

    scenario = load_afas_scenario(AFAS_SCENARIO)
    with SimulatorServer(AfasSimulator(scenario)) as server:
        settings = AfasSettings(
            environment=parse_environment_id(scenario.envid),
            token=parse_token(scenario.token_xml),
            connectors=tuple(c.id for c in scenario.connectors),
            base_url=f"{server.base_url}/ProfitRestServices",
        )
        report = run_async(verify("afas", settings, None, RunOptions(translator, timeout_s=10)))
    expected = {
        connector_check_id(c.id) for c in scenario.connectors if not c.assigned or c.blocked
    }
    return DemoPart("afas", report, frozenset(expected))


def _demo_bundle(translator: Any) -> tuple[Path, str]:
    """A healthy Nmbrs run, signed with a throw-away key, written and verified again."""
    import tempfile

    from koppelcheck.bundle.build import build_and_write_bundle
    from koppelcheck.bundle.keys import SigningKey
    from koppelcheck.bundle.verify import verify_bundle
    from koppelcheck.models import Status
    from koppelcheck.nmbrs.target import NmbrsTarget
    from koppelcheck.registration.provenance import provenance_of
    from koppelcheck.secret import Secret
    from koppelcheck.simulator.nmbrs import NmbrsSimulator, load_nmbrs_scenario
    from koppelcheck.simulator.server import SimulatorServer
    from koppelcheck.systems import RunOptions, get_system, verify

    scenario = load_nmbrs_scenario("healthy")
    company = scenario.companies[0]
    token = Secret(scenario.token, "demo")
    with SimulatorServer(NmbrsSimulator(scenario)) as server:
        target = NmbrsTarget.create(
            username=scenario.username,
            domain=scenario.domain,
            company=company.name,
            base_url=f"{server.base_url}/soap/v3",
        )
        facts: list[Any] = []
        report = run_async(
            verify("nmbrs", target, token, RunOptions(translator, timeout_s=10, facts_out=facts))
        )
    dga = company.employees[0]
    form = {
        "organisation": "Salarisbureau Voorbeeld (demo)",
        "email": scenario.username,
        "contract_number": "RC-DEMO-0001",
        "payroll_tax_number": "123456782L01",
        "nmbrs": {
            "company": company.name,
            "dga_name": dga.display_name,
            "dga_employee_number": dga.number,
            "payroll_frequency": "monthly",
            "thirteenth_month": False,
        },
    }
    context = get_system("nmbrs").form_context(target, facts)
    passed = [c.id for c in report.checks if c.status is Status.PASS]
    path = Path(tempfile.mkdtemp(prefix="koppelcheck-demo-")) / "registratie-demo.json"
    info = build_and_write_bundle(
        path,
        report=report,
        form=form,
        tokens={"username": target.username, "domain": target.domain, "token": token},
        recipient_key_path=None,
        signing_key=SigningKey.generate(),
        provenance=provenance_of(form, context, passed),
    )
    verify_bundle(info.path)
    return info.path, info.thumbprint


@handle_errors
def demo(
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            metavar=LANG_METAVAR,
            autocompletion=complete_language,
            help=_t("cli.demo.lang.help"),
        ),
    ] = None,
) -> None:
    """Run koppelcheck against local simulators with mistakes made on purpose."""
    from koppelcheck.i18n import resolve_language
    from koppelcheck.manual_order import in_manual_order
    from koppelcheck.report.text import render_text

    translator = Translator(check_language(lang))
    console = stderr_console()
    parts: list[DemoPart] = []
    for label, runner in (
        ("Nmbrs", _run_nmbrs),
        ("Nmbrs REST", _run_nmbrs_rest),
        ("AFAS", _run_afas),
    ):
        console.print(translator("console.demo.starting", system=f"[bold]{label}[/]"))
        parts.append(runner(translator))
    for part in parts:
        sys.stdout.write(
            render_text(
                in_manual_order(part.report, resolve_language(lang)),
                lang=resolve_language(lang),
                color=sys.stdout.isatty(),
                width=100,
            )
        )
        sys.stdout.write("\n")
    ok = all(p.as_designed for p in parts)
    for part in parts:
        state = translator("console.demo.as_designed" if part.as_designed else "console.demo.not")
        found = translator.plural("console.demo.found", len(part.expected_failures))
        console.print(f"{part.system}: {found}: {state}")
    bundle_path, thumbprint = _demo_bundle(translator)
    console.print(translator("console.demo.bundle", thumbprint=thumbprint, path=bundle_path))
    console.print("  " + translator("console.demo.verify", path=bundle_path))
    raise typer.Exit(0 if ok else 1)
