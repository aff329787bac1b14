"""REST readiness in every SOAP run: deadline, inventory, coverage, the consent plan."""

from __future__ import annotations

import json
from datetime import date

import pytest

from koppelcheck.i18n import Translator
from koppelcheck.models import Status
from koppelcheck.nmbrs.calls import ManualOption
from koppelcheck.nmbrs.rest import mapping
from koppelcheck.nmbrs.rest.readiness import (
    consent_plan,
    days_left,
    plan_markdown,
    write_consent_plan,
)
from koppelcheck.nmbrs.target import NmbrsTarget
from koppelcheck.secret import Secret
from koppelcheck.systems import RunOptions, verify

pytestmark = pytest.mark.integration


async def run(server, simulator, *, today=date(2026, 12, 1), option="overkoepelend", **kw):
    scenario = simulator.scenario
    target = NmbrsTarget.create(
        username=scenario.username,
        domain=scenario.domain,
        base_url=f"{server.base_url}/soap/v3",
        option=option,
    )
    facts: list = []
    report = await verify(
        "nmbrs",
        target,
        Secret(scenario.token),
        RunOptions(Translator("en"), timeout_s=10, today=today, facts_out=facts, **kw),
    )
    return report, facts[-1], {c.id: c for c in report.checks}


def test_days_left_counts_to_the_first_of_march_2027() -> None:
    assert date(2027, 3, 1) == mapping.SOAP_END
    assert days_left(date(2026, 12, 1)) == 90
    assert days_left(date(2027, 3, 1)) == 0


async def test_healthy_run_lists_debtors_consents_and_coverage(nmbrs_server) -> None:
    server, simulator = nmbrs_server("healthy")
    report, facts, by_id = await run(server, simulator)
    deadline = by_id["nmbrs.rest.deadline"]
    assert deadline.status is Status.WARN and "90 days" in deadline.message
    inventory = by_id["nmbrs.rest.inventory"]
    assert inventory.status is Status.WARN
    assert "2 debtors: 2 consents needed" in inventory.message
    assert "Jansen Holding" in inventory.message and "Bakkerij Jansen B.V." in inventory.message
    assert "umbrella" in inventory.message  # option 1 has no REST counterpart
    coverage = by_id["nmbrs.rest.coverage"]
    assert "Partner_Get" in coverage.message and "Schedule_GetList" in coverage.message
    assert "birth date" in coverage.message
    assert report.exit_code == 0
    assert [d.name for d in facts.inventory.debtors] == ["Jansen Holding", "De Vries Mobiliteit"]
    assert simulator.hits[("DebtorService", "List_GetAll")] == 1
    assert simulator.hits[("CompanyService", "List_GetByDebtor")] == 2


async def test_per_debtor_option_does_not_mention_the_umbrella_login(nmbrs_server) -> None:
    server, simulator = nmbrs_server("healthy")
    _, _, by_id = await run(server, simulator, option="per-debiteur")
    assert "umbrella" not in by_id["nmbrs.rest.inventory"].message


@pytest.mark.parametrize("switch", ["DebtorService.List_GetAll", "List_GetByDebtor"])
async def test_inactive_inventory_call_is_inconclusive_naming_both_calls(
    nmbrs_server, switch
) -> None:
    server, simulator = nmbrs_server("healthy")
    simulator.set_active(switch, False)
    report, facts, by_id = await run(server, simulator)
    inventory = by_id["nmbrs.rest.inventory"]
    assert inventory.status is Status.WARN
    assert "Cannot tell" in inventory.message
    assert "DebtorService.List_GetAll" in inventory.fix.text
    assert "CompanyService.List_GetByDebtor" in inventory.fix.text
    assert not facts.inventory.complete
    # the manual's own List_GetAll is another switch: it still passes
    assert by_id["nmbrs.call.CompanyService.List_GetAll"].status is Status.PASS


async def test_readiness_can_be_left_out(nmbrs_server) -> None:
    server, simulator = nmbrs_server("healthy")
    report, _, by_id = await run(server, simulator, rest_readiness=False)
    assert not [c for c in by_id if c.startswith("nmbrs.rest.")]
    assert ("DebtorService", "List_GetAll") not in simulator.hits


async def test_after_the_deadline_soap_errors_say_soap_has_ended(nmbrs_server) -> None:
    server, simulator = nmbrs_server("healthy")
    server.stop()  # nothing answers any more
    report, _, by_id = await run(server, simulator, today=date(2027, 3, 2))
    assert by_id["nmbrs.rest.deadline"].status is Status.FAIL
    assert by_id["nmbrs.auth"].status is Status.ERROR
    assert "no longer supports SOAP since 2027-03-01" in by_id["nmbrs.auth"].message


async def test_consent_plan_json_and_markdown(nmbrs_server, tmp_path) -> None:
    server, simulator = nmbrs_server("healthy")
    _, facts, _ = await run(server, simulator)
    plan = consent_plan(facts.inventory, ManualOption.OVERKOEPELEND, "en", date(2026, 12, 1))
    assert plan["consents_needed"] == 2 and plan["days_left"] == 90
    first = plan["debtors"][0]
    assert first["companies"] == [{"name": "Bakkerij Jansen B.V.", "number": 1, "soap_id": 54613}]
    assert plan["may_consent"]["not"] == "Master Accountant login"
    assert len(first["checklist"]) == 5
    assert any("40306" in note for note in plan["unsure"])
    write_consent_plan(tmp_path / "plan.json", plan, "en")
    assert json.loads((tmp_path / "plan.json").read_text())["debtors"][1]["name"] == (
        "De Vries Mobiliteit"
    )
    write_consent_plan(tmp_path / "plan.md", plan, "nl")
    text = (tmp_path / "plan.md").read_text()
    assert text.startswith("# Toestemmingsplan") and "| Garage De Vries | 2 | 54614 |" in text
    assert text.count("- [ ] ") == 10
    assert simulator.scenario.token not in text + json.dumps(plan)


def test_plan_markdown_escapes_names() -> None:
    from koppelcheck.nmbrs.rest.readiness import Inventory, PlanCompany, PlanDebtor

    inventory = Inventory((PlanDebtor(1, "1", "A|B *C*", (PlanCompany("X|Y", 1, 2),)),))
    text = plan_markdown(
        consent_plan(inventory, ManualOption.PER_DEBITEUR, "en", date(2026, 12, 1)), "en"
    )
    assert "A\\|B \\*C\\*" in text and "X\\|Y" in text
