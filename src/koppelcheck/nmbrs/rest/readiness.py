"""REST readiness in every SOAP run: the check group ``nmbrs.rest.*`` and the consent plan.

- ``nmbrs.rest.deadline``: days left until SOAP ends (warn; fail once it has ended).
- ``nmbrs.rest.inventory``: the login's debtors (``DebtorService.List_GetAll``) and each one's
  companies (``CompanyService.List_GetByDebtor``): one consent per debtor (reference §1.5).
- ``nmbrs.rest.coverage``: the manual's calls without a full REST equivalent (reference §1.10).

The facts come from :mod:`koppelcheck.nmbrs.rest.mapping`; nothing is retyped here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from koppelcheck.checks import CheckSpec, Outcome, outcome
from koppelcheck.errors import NmbrsFault
from koppelcheck.files import atomic_write
from koppelcheck.i18n import MessageList, Translator
from koppelcheck.models import CheckResult, Status
from koppelcheck.nmbrs import calls as catalogue
from koppelcheck.nmbrs.answers import Row, SoapValue, rows
from koppelcheck.nmbrs.calls import ManualOption
from koppelcheck.nmbrs.rest import mapping
from koppelcheck.nmbrs.rest.steps import READINESS_STEP_ID, day_checklist

if TYPE_CHECKING:
    from koppelcheck.nmbrs.checks import Discovery

DEADLINE_CHECK = "nmbrs.rest.deadline"
INVENTORY_CHECK = "nmbrs.rest.inventory"
COVERAGE_CHECK = "nmbrs.rest.coverage"
READINESS_CHECKS = (DEADLINE_CHECK, INVENTORY_CHECK, COVERAGE_CHECK)
INACTIVE_CALL = 1002
PLAN_SCHEMA = "koppelcheck.consent-plan/v1"
LISTED_DEBTORS = 5
"""Debtors the inventory message names; the consent plan (``--consent-plan``) lists them all. A
login of a bureau sees hundreds, and the message is repeated in every report of a batch."""
LISTED_COMPANIES = 5
"""Companies named per debtor in the inventory message."""


@dataclass(frozen=True)
class PlanCompany:
    """A company as the consent plan lists it: its name exactly as in Nmbrs."""

    name: str
    number: int | None
    soap_id: int | None


@dataclass(frozen=True)
class PlanDebtor:
    """One debtor: one consent under REST, exposing all of ``companies`` the login can see."""

    soap_id: int | None
    number: str
    name: str
    companies: tuple[PlanCompany, ...]


@dataclass(frozen=True)
class Inventory:
    """What the inventory found: the debtors, or why it could not tell."""

    debtors: tuple[PlanDebtor, ...] = ()
    inactive: tuple[str, ...] = ()
    """The inventory calls that answered 1002 (not Active); then ``debtors`` is incomplete."""
    option: ManualOption | None = None
    """The manual option of the run that took it (the walkthrough may change it)."""

    @property
    def complete(self) -> bool:
        """Whether every debtor and its companies were listed."""
        return not self.inactive


class CompanyPlan(TypedDict):
    """A company in the consent plan's JSON."""

    name: str
    number: int | None
    soap_id: int | None


class DebtorPlan(TypedDict):
    """A debtor in the consent plan's JSON: one consent, its companies and the day's checklist."""

    name: str
    number: str
    soap_id: int | None
    companies: list[CompanyPlan]
    checklist: list[str]


MayConsent = TypedDict("MayConsent", {"logins": list[str], "templates": list[str], "not": str})
"""Who may give the consent, and who may not."""


class ConsentPlan(TypedDict):
    schema: str
    soap_ends: str
    days_left: int
    manual_option: str
    complete: bool
    inactive_calls: list[str]
    consents_needed: int | None
    may_consent: MayConsent
    unsure: list[str]
    debtors: list[DebtorPlan]
    sources: str


"""The consent plan (``koppelcheck.consent-plan/v1``) as its JSON file holds it."""


def days_left(today: date) -> int:
    """Days from ``today`` until SOAP ends (negative once it has ended)."""
    return (mapping.SOAP_END - today).days


def soap_ended(today: date) -> bool:
    """Whether the Nmbrs SOAP API has ended on ``today`` (reference §2)."""
    return today >= mapping.SOAP_END


def _rows(value: SoapValue) -> list[Row]:
    return rows(value)


def _int(value: SoapValue) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class Readiness:
    """Builds the ``nmbrs.rest.*`` checks of one SOAP run; shares the probe's discovery cache."""

    def __init__(
        self,
        discovery: Discovery,
        option: ManualOption,
        t: Translator,
        *,
        today: date | None = None,
        requires: tuple[str, ...] = (),
    ) -> None:
        self._discovery = discovery
        self._option = option
        self._t = t
        self._today = today or date.today()
        self._requires = requires
        self._inventory: Inventory | None = None

    def checks(self) -> list[CheckSpec]:
        """The three readiness checks."""
        t = self._t
        return [
            CheckSpec(
                DEADLINE_CHECK,
                t("rest.deadline.title"),
                "",
                self._check_deadline,
                step_id=READINESS_STEP_ID,
            ),
            CheckSpec(
                INVENTORY_CHECK,
                t("rest.inventory.title"),
                "",
                self._check_inventory,
                requires=self._requires,
                step_id=READINESS_STEP_ID,
            ),
            CheckSpec(
                COVERAGE_CHECK,
                t("rest.coverage.title"),
                "",
                self._check_coverage,
                step_id=READINESS_STEP_ID,
            ),
        ]

    @property
    def inventory(self) -> Inventory | None:
        """The inventory, once its check ran."""
        return self._inventory

    # -- checks --------------------------------------------------------------------------------

    async def _check_deadline(self) -> Outcome:
        t = self._t
        left = days_left(self._today)
        end = mapping.SOAP_END.isoformat()
        if left <= 0:
            return outcome(Status.FAIL, t("rest.deadline.ended", date=end), t("rest.deadline.fix"))
        return outcome(
            Status.WARN, t.plural("rest.deadline.left", left, date=end), t("rest.deadline.fix")
        )

    async def _check_coverage(self) -> Outcome:
        t = self._t
        soap_names = {f"{c.service}.{c.operation}" for c in catalogue.calls_for(self._option)}
        partial = [m for m in mapping.CALL_MAPPING if m.soap in soap_names and not m.full]
        full = sum(1 for m in mapping.CALL_MAPPING if m.soap in soap_names and m.full)
        lost = MessageList(
            "; ",
            (
                t("rest.coverage.lost", call=m.soap.split(".")[1], lost=t(m.lost_key))
                for m in partial
            ),
        )
        return outcome(
            Status.WARN,
            t("rest.coverage.message", full=full, total=len(soap_names), lost=lost),
            t("rest.coverage.fix"),
        )

    async def _check_inventory(self) -> Outcome:
        t = self._t
        inventory = await self.take_inventory()
        calls = " + ".join(f"{c.service}.{c.operation}" for c in catalogue.INVENTORY_CALLS)
        if not inventory.complete:
            return outcome(
                Status.WARN,
                t("rest.inventory.inactive", calls=", ".join(inventory.inactive)),
                t("rest.inventory.inactive.fix", calls=calls),
            )
        message = inventory_message(inventory.debtors, self._option, t)
        return outcome(Status.WARN, message, t("rest.inventory.fix"))

    async def take_inventory(self) -> Inventory:
        """List the debtors and their companies once (a 1002 on either call: incomplete)."""
        if self._inventory is not None:
            return self._inventory
        listing = await self._discovery.answer(catalogue.DEBTOR_LIST_GET_ALL)
        if not listing.ok:
            if _code(listing.error) != INACTIVE_CALL:
                assert listing.error is not None
                raise listing.error
            self._inventory = Inventory(
                inactive=(_name(catalogue.DEBTOR_LIST_GET_ALL),), option=self._option
            )
            return self._inventory
        debtors: list[PlanDebtor] = []
        inactive: list[str] = []
        for row in _rows(listing.value):
            debtor_id = _int(row.get("Id"))
            answer = await self._discovery.answer(
                catalogue.LIST_GET_BY_DEBTOR, DebtorId=debtor_id or 0
            )
            companies: tuple[PlanCompany, ...] = ()
            if answer.ok:
                companies = tuple(
                    PlanCompany(str(c.get("Name") or ""), _int(c.get("Number")), _int(c.get("ID")))
                    for c in _rows(answer.value)
                )
            elif _code(answer.error) == INACTIVE_CALL:
                inactive.append(_name(catalogue.LIST_GET_BY_DEBTOR))
            else:
                assert answer.error is not None
                raise answer.error
            debtors.append(
                PlanDebtor(
                    debtor_id, str(row.get("Number") or ""), str(row.get("Name") or ""), companies
                )
            )
        self._inventory = Inventory(
            tuple(debtors), tuple(dict.fromkeys(inactive)), option=self._option
        )
        return self._inventory


def _code(error: BaseException | None) -> int | None:
    return error.code if isinstance(error, NmbrsFault) else None


def _name(call: catalogue.NmbrsCall) -> str:
    return f"{call.service}.{call.operation}"


def ended_note(results: list[CheckResult], today: date, t: Translator) -> list[CheckResult]:
    """After SOAP has ended, say so on every SOAP check that could not connect (``error``)."""
    if not soap_ended(today):
        return results
    note = t("rest.deadline.soap_ended", date=mapping.SOAP_END.isoformat())
    return [
        r.with_texts(
            message=t("core.sentences", sentences=MessageList(" ", [r.as_message("message"), note]))
        )
        if r.status is Status.ERROR and not r.id.startswith("nmbrs.rest.")
        else r
        for r in results
    ]


# -- the consent plan ------------------------------------------------------------------------------


def consent_plan(
    inventory: Inventory | None, option: ManualOption, lang: str | None, today: date
) -> ConsentPlan:
    """The consent plan as data (no secrets): per debtor its companies, who may consent, and the
    checklist of what must be true on the day."""
    t = Translator(lang)
    inventory = inventory or Inventory(inactive=("?",))
    option = inventory.option or option
    return {
        "schema": PLAN_SCHEMA,
        "soap_ends": mapping.SOAP_END.isoformat(),
        "days_left": days_left(today),
        "manual_option": option.value,
        "complete": inventory.complete,
        "inactive_calls": list(inventory.inactive),
        "consents_needed": len(inventory.debtors) if inventory.complete else None,
        "may_consent": {
            "logins": list(mapping.CONSENT_LOGINS),
            "templates": list(mapping.CONSENT_TEMPLATES),
            "not": mapping.NOT_CONSENTING,
        },
        "unsure": [t("rest.plan.unsure.multi_debtor")],
        "debtors": [
            {
                "name": d.name,
                "number": d.number,
                "soap_id": d.soap_id,
                "companies": [
                    {"name": c.name, "number": c.number, "soap_id": c.soap_id} for c in d.companies
                ],
                "checklist": day_checklist(t),
            }
            for d in inventory.debtors
        ],
        "sources": "shared/reference/migration-rest-oauth.md §1.5, §1.10, §2, §3 C",
    }


def inventory_message(debtors: tuple[PlanDebtor, ...], option: ManualOption, t: Translator) -> str:
    """How many consents, and the first :data:`LISTED_DEBTORS` debtors with their first
    :data:`LISTED_COMPANIES` companies; the rest is counted, so the message stays short."""
    parts = [t.plural("rest.inventory.count", len(debtors))]  # one consent per debtor
    for debtor in debtors[:LISTED_DEBTORS]:
        names = [f"{c.name} ({c.number})" for c in debtor.companies[:LISTED_COMPANIES]]
        companies = ", ".join(names) or "—"
        if len(debtor.companies) > LISTED_COMPANIES:
            hidden = len(debtor.companies) - LISTED_COMPANIES
            companies += " " + t.plural("rest.inventory.more_companies", hidden)
        parts.append(
            t("rest.inventory.debtor", name=debtor.name, number=debtor.number, companies=companies)
        )
    if len(debtors) > LISTED_DEBTORS:
        parts.append(t.plural("rest.inventory.more_debtors", len(debtors) - LISTED_DEBTORS))
    if option is ManualOption.OVERKOEPELEND:
        parts.append(t("rest.inventory.umbrella"))
    return t("core.sentences", sentences=MessageList(" ", parts))


def plan_markdown(plan: ConsentPlan, lang: str | None) -> str:
    """The consent plan as Markdown, for a person to work through."""
    t = Translator(lang)
    lines = [f"# {t('rest.plan.title')}", ""]
    lines.append(t.plural("rest.plan.intro", plan["days_left"], date=plan["soap_ends"]))
    lines.append("")
    if not plan["complete"]:
        lines += [t("rest.plan.incomplete", calls=", ".join(plan["inactive_calls"])), ""]
    else:
        lines += [t("rest.plan.count", consents=plan["consents_needed"]), ""]
    who = plan["may_consent"]
    lines += [
        t(
            "rest.plan.who",
            logins=" / ".join(who["logins"]),
            templates="; ".join(who["templates"]),
            not_=who["not"],
        ),
        "",
        f"*{t('rest.plan.unsure_heading')}* " + " ".join(plan["unsure"]),
        "",
    ]
    for debtor in plan["debtors"]:
        lines += [
            f"## {_md(debtor['name'])} ({_md(debtor['number'])}, SOAP id {debtor['soap_id']})",
            "",
        ]
        lines += [
            f"| {t('rest.plan.col.name')} | {t('rest.plan.col.number')} | SOAP id |",
            "|---|---|---|",
        ]
        lines += [
            f"| {_md(c['name'])} | {c['number']} | {c['soap_id']} |" for c in debtor["companies"]
        ]
        lines += ["", *(f"- [ ] {_md(item)}" for item in debtor["checklist"]), ""]
    lines += [f"_{t('rest.plan.sources')}: {plan['sources']}_", ""]
    return "\n".join(lines)


_MD_SPECIAL: dict[str, str | int | None] = {c: f"\\{c}" for c in "\\`*[]<>|_"}


def _md(text: str) -> str:
    return str(text).translate(str.maketrans(_MD_SPECIAL))


def write_consent_plan(path: str | Path, plan: ConsentPlan, lang: str | None) -> None:
    """Write the plan atomically: Markdown for ``.md``, JSON otherwise."""
    target = Path(path)
    if target.suffix.lower() == ".md":
        atomic_write(target, plan_markdown(plan, lang))
    else:
        atomic_write(target, json.dumps(plan, ensure_ascii=False, indent=2) + "\n")
