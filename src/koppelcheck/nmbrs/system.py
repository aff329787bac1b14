"""Nmbrs as a :class:`koppelcheck.systems.interface.System` (SOAP v3; REST as its second API)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date as _date
from typing import TYPE_CHECKING, ClassVar

from pydantic import BaseModel, ConfigDict, model_validator

from koppelcheck.credentials import keyring_account
from koppelcheck.errors import InputError
from koppelcheck.http import shared_or_own_client
from koppelcheck.i18n import Text
from koppelcheck.nmbrs import form as nmbrs_form
from koppelcheck.nmbrs.bundle_tokens import NmbrsTokens
from koppelcheck.nmbrs.calls import ManualOption, calls_for
from koppelcheck.nmbrs.checks import AnswerCache, NmbrsFacts, NmbrsProbe, SoapCaller
from koppelcheck.nmbrs.rest.mapping import SOAP_END
from koppelcheck.nmbrs.rest.readiness import READINESS_CHECKS, ended_note
from koppelcheck.nmbrs.rest.steps import REST_STEPS, rest_steps
from koppelcheck.nmbrs.steps import nmbrs_steps
from koppelcheck.nmbrs.target import RULES as TARGET_RULES
from koppelcheck.nmbrs.target import NmbrsTarget, normalise_domain, validate_username
from koppelcheck.registration.section import FormContext
from koppelcheck.reporting import build_report, now
from koppelcheck.runner import CheckRunner
from koppelcheck.secret import Redactor
from koppelcheck.systems.interface import (
    BATCH_COMMON_KEYS,
    ChecklistDoc,
    ChecklistVariant,
    Facts,
    Rule,
    RunOptions,
    Settings,
    SimulatorSpec,
    apply_rules,
    choose,
    model_keys,
    required_keys,
    settings_from,
    text_rule,
)
from koppelcheck.tomlinput import TOMLTable

if TYPE_CHECKING:
    from koppelcheck.models import Report
    from koppelcheck.secret import Secret
    from koppelcheck.steps import Step


class NmbrsSettings(BaseModel):
    """One Nmbrs login and company: ``--username``/``--domain``/... , a batch employer's keys and
    the registration form's ``nmbrs.username``/``nmbrs.domain``.

    The one place these inputs are checked: every text goes through its rule in
    :data:`koppelcheck.nmbrs.target.RULES` (domain form, e-mail, option, ...), so a bad value
    gets the same message naming its key from a flag, a batch file or the form."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    RULES: ClassVar[Mapping[str, Rule]] = {k: text_rule(r) for k, r in TARGET_RULES.items()}

    username: str
    domain: str
    company: str | None = None
    option: str = "overkoepelend"
    environment: str = "production"
    base_url: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _rules(cls, data: object) -> object:
        return apply_rules(cls.RULES, data)

    def target(self) -> NmbrsTarget:
        """The validated :class:`NmbrsTarget` (InputError naming the key of a bad value)."""
        return NmbrsTarget.create(**self.model_dump())


DEFAULT_CONCURRENCY = 24
"""Calls in flight per domain: every call of one check whose inputs are known can be under way
(the fan-out after List_GetAll is under 20), so none waits a round behind another. Nmbrs names no
in-flight cap, only a rate (150 calls per second); the transport keeps to that
(:data:`koppelcheck.http.NMBRS_CALLS_PER_S`)."""

REST_OPTION = "rest"
"""``steps(option="rest")`` gives the REST consent steps of :mod:`koppelcheck.nmbrs.rest.steps`."""


_OPTIONS = tuple(option.value for option in ManualOption)


class NmbrsSystem:
    """Nmbrs: one login (domain, user name, token) per employer; answers shared per login."""

    name = "nmbrs"
    token_is_xml = False
    per_host_limit: int | None = None  # limited per domain by the user's --concurrency
    apis = ("soap", "rest")
    auth_modes: tuple[str, ...] = ()
    checklist_docs = (
        *(ChecklistDoc(f"nmbrs-{option.value}", option=option.value) for option in ManualOption),
        ChecklistDoc("nmbrs-rest", api="rest"),
    )
    settings_model = NmbrsSettings
    batch_keys = model_keys(NmbrsSettings, BATCH_COMMON_KEYS)
    required_batch_keys = required_keys(NmbrsSettings)
    replay_protocol = "soap"
    asks_dga = True
    form_section = nmbrs_form.NmbrsSection
    form_fields = nmbrs_form.FIELDS
    target_label_keys = ("domain",)

    def steps(self, option: str | None = None, auth: str | None = None) -> tuple[Step, ...]:
        if option == REST_OPTION:
            return rest_steps()

        return nmbrs_steps(option or "overkoepelend")

    def report_steps(self, report: Report) -> tuple[Step, ...]:
        return self.steps(report.option)

    def checklist_variant(self, option: str | None, auth: str | None, api: str) -> ChecklistVariant:
        """The manual of one option, or (``api="rest"``) the REST consent steps, per debtor and
        without the form. Nmbrs has one way to authenticate: an ``auth`` other than the
        manual's own (``classic``) is refused."""
        if auth not in (None, "classic"):
            raise InputError("auth", Text("checklist.error.auth_system"))
        if api == "rest":
            return ChecklistVariant(
                steps=REST_STEPS,
                command="koppelcheck nmbrs --consent-plan plan.md",
                subtitle=Text("checklist.api.rest", date=SOAP_END.isoformat()),
                with_form=False,
            )
        chosen = choose("option", option or ManualOption.OVERKOEPELEND.value, _OPTIONS)
        return ChecklistVariant(
            steps=self.steps(chosen),
            command=f"koppelcheck nmbrs --option {chosen}",
            subtitle=Text(f"checklist.option.{chosen}"),
        )

    def token_account(self, settings: Settings) -> str:
        domain, username = settings.get("domain"), settings.get("username")
        if not domain or not username:
            raise InputError("domain/username", Text("input.credentials.nmbrs_needs"))
        return keyring_account(self.name, normalise_domain(domain), validate_username(username))

    def client_secret_account(self, settings: Settings) -> str | None:
        return None

    def token_optional(self, settings: Settings) -> bool:
        return False

    def validate_batch(self, settings: TOMLTable) -> None:
        if set(self.required_batch_keys) <= set(settings):
            settings_from(NmbrsSettings, settings).target()

    def prepare(
        self, settings: Settings, token: Secret | None, client_secret: Secret | None
    ) -> NmbrsTarget:
        return settings_from(NmbrsSettings, settings).target()

    def check_count(self, target: NmbrsTarget, *, rest_readiness: bool = True) -> int:
        """``nmbrs.auth``, ``nmbrs.company``, one per call of the option, the REST readiness."""
        readiness = len(READINESS_CHECKS) if rest_readiness else 0
        return 2 + len(calls_for(target.option)) + readiness  # as NmbrsProbe.checks() builds

    def limit_key(self, target: NmbrsTarget) -> str:
        return f"{self.name}|{target.base_url}|{target.domain}"

    async def verify(
        self,
        target: NmbrsTarget,
        token: Secret | None,
        run: RunOptions,
    ) -> Report:
        """Every Nmbrs check for ``target``: login, company, each call of the option and (with
        ``rest_readiness``) the ``nmbrs.rest.*`` migration group.

        A batch shares one ``http`` client (which limits calls in flight per domain) and, through
        ``shared``, one answer cache per login; a single run makes its own client and closes it.
        """
        # lazy: the SOAP client (zeep, requests: 0.3 s) loads when a run starts, not for the
        # checklist, credentials or form commands that also ask this system
        from koppelcheck.nmbrs.client import NmbrsClient

        assert token is not None  # an Nmbrs login always has a token (the plan requires one)
        cache: AnswerCache | None = None
        if run.shared is not None:
            # The token's fingerprint is part of the login: a wrong token must not share answers.
            fingerprint = hashlib.sha256(token.reveal().encode()).hexdigest()[:16]
            login = (target.base_url, target.domain, f"{target.username}:{fingerprint}")
            cache = run.shared.setdefault(login, AnswerCache())
        started = now()
        redactor = Redactor()
        redactor.add(token)
        async with shared_or_own_client(
            run.http,
            timeout_s=run.timeout_s,
            per_host_limit=run.concurrency or DEFAULT_CONCURRENCY,
            ca_bundle=run.ca_bundle,
        ) as client:
            soap: SoapCaller = NmbrsClient(
                client,
                base_url=target.base_url,
                username=target.username,
                token=token,
                domain=target.domain,
            )
            probe = NmbrsProbe(
                soap,
                target,
                run.translator,
                poll_budget_s=min(20.0, run.timeout_s),
                cache=cache,
                rest_readiness=run.rest_readiness,
                today=run.today,
            )
            runner = CheckRunner(
                run.translator,
                check_timeout_s=run.timeout_s * 4,
                on_progress=run.on_progress,
                redactor=redactor,
            )
            results = await runner.run(probe.checks())
            results = ended_note(results, run.today or _date.today(), run.translator)
            if run.facts_out is not None:
                run.facts_out.append(probe.facts())
        return build_report(
            system=self.name,
            option=target.option.value,
            target=target.describe(),
            started_at=started,
            results=results,
        )

    def form_context(self, target: NmbrsTarget, facts: list[Facts]) -> FormContext:
        """What the last run learnt (companies, employees, period, the checked company)."""
        known = facts[-1] if facts else NmbrsFacts()
        return FormContext(
            companies=known.companies,
            employees=known.employees,
            period=known.period,
            checked_company=known.company,
        )

    def token_model(self) -> type[BaseModel]:
        return NmbrsTokens

    def bundle_blockers(self, report: Report) -> list[str]:
        return []

    def simulator(self) -> SimulatorSpec:
        # lazy: the simulator (its WSDLs, server) loads only when one is started
        from koppelcheck.simulator.nmbrs import (
            NMBRS_SCENARIOS,
            NmbrsSimulator,
            load_nmbrs_scenario,
        )

        return SimulatorSpec(NMBRS_SCENARIOS, load_nmbrs_scenario, NmbrsSimulator)


NMBRS = NmbrsSystem()
