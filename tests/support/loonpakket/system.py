"""Loonpakket as a :class:`koppelcheck.systems.interface.System`: everything the core and the CLI
need from it, and nothing they need to be told elsewhere."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from koppelcheck.bundle.tokens import TOKEN_DESCRIPTION, TokenSection
from koppelcheck.credentials import keyring_account
from koppelcheck.errors import InputError
from koppelcheck.http import shared_or_own_client, validate_base_url
from koppelcheck.i18n import Text
from koppelcheck.registration import FormContext
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
    model_keys,
    required_keys,
    settings_from,
    text_rule,
)
from loonpakket.api import LoonpakketClient, LoonpakketTarget, build_checks
from loonpakket.form import FIELDS, LoonpakketSection
from loonpakket.steps import STEPS

if TYPE_CHECKING:
    from koppelcheck.models import Report
    from koppelcheck.secret import Secret
    from koppelcheck.steps import Step
    from koppelcheck.tomlinput import TOMLTable

DEFAULT_BASE_URL = "https://api.loonpakket.example"
PER_HOST_LIMIT = 4


def check_tenant(value: object) -> object:
    """A tenant number: digits (a TOML whole number too)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip().isdigit():
        raise InputError(
            "tenant", Text("loonpakket.input.tenant"), Text("loonpakket.input.tenant_hint")
        )
    return value.strip()


class LoonpakketSettings(BaseModel):
    """One Loonpakket tenant: ``--tenant``, a batch row's ``tenant``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    RULES: ClassVar[Mapping[str, Rule]] = {
        "tenant": check_tenant,
        "base_url": text_rule(lambda url: validate_base_url(url, "base_url")),
    }

    tenant: str
    base_url: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _rules(cls, data: object) -> object:
        return apply_rules(cls.RULES, data)


class LoonpakketTokens(TokenSection):
    """The bundle's Loonpakket section."""

    tenant: str = Field(description="The Loonpakket tenant number.")
    token: str = Field(description=TOKEN_DESCRIPTION)


class LoonpakketSystem:
    name = "loonpakket"
    token_is_xml = False
    per_host_limit: int | None = PER_HOST_LIMIT
    apis = ("rest",)
    auth_modes: tuple[str, ...] = ()
    checklist_docs: tuple[ChecklistDoc, ...] = ()  # a test system: no printed checklist in docs/
    settings_model = LoonpakketSettings
    batch_keys = model_keys(LoonpakketSettings, BATCH_COMMON_KEYS)
    required_batch_keys = required_keys(LoonpakketSettings)
    replay_protocol = "rest"
    asks_dga = False
    form_section = LoonpakketSection
    form_fields = FIELDS
    target_label_keys = ("tenant",)

    def steps(self, option: str | None = None, auth: str | None = None) -> tuple[Step, ...]:
        return STEPS

    def report_steps(self, report: Report) -> tuple[Step, ...]:
        return STEPS

    def checklist_variant(self, option: str | None, auth: str | None, api: str) -> ChecklistVariant:
        return ChecklistVariant(steps=STEPS, command="koppelcheck loonpakket --tenant ID")

    def token_account(self, settings: Settings) -> str:
        # koppelcheck credentials passes its --tenant unchecked: the rule names a bad one.
        return keyring_account(self.name, str(check_tenant(settings.get("tenant"))))

    def client_secret_account(self, settings: Settings) -> str | None:
        return None

    def token_optional(self, settings: Settings) -> bool:
        return False

    def check_count(self, target: LoonpakketTarget, *, rest_readiness: bool = True) -> int:
        return 3

    def validate_batch(self, settings: TOMLTable) -> None:
        checked = apply_rules(LoonpakketSettings.RULES, settings)
        assert isinstance(checked, dict)
        settings.update(checked)
        if set(self.required_batch_keys) <= set(settings):
            settings_from(LoonpakketSettings, settings)

    def prepare(
        self, settings: Settings, token: Secret | None, client_secret: Secret | None
    ) -> LoonpakketTarget:
        checked = settings_from(LoonpakketSettings, settings)
        return LoonpakketTarget(checked.tenant, checked.base_url or DEFAULT_BASE_URL)

    def limit_key(self, target: LoonpakketTarget) -> str:
        return f"{self.name}|{target.base_url}"

    async def verify(
        self, target: LoonpakketTarget, token: Secret | None, run: RunOptions
    ) -> Report:
        assert token is not None  # the token is never optional here
        started = now()
        redactor = Redactor()
        redactor.add(token.reveal())
        async with shared_or_own_client(
            run.http,
            timeout_s=run.timeout_s,
            per_host_limit=PER_HOST_LIMIT,
            ca_bundle=run.ca_bundle,
        ) as http:
            runner = CheckRunner(
                run.translator,
                check_timeout_s=run.timeout_s,
                on_progress=run.on_progress,
                redactor=redactor,
            )
            client = LoonpakketClient(http, target, token)
            results = await runner.run(build_checks(client, target, run.translator))
        return build_report(
            system=self.name,
            option=None,
            target=target.describe(),
            started_at=started,
            results=results,
        )

    def form_context(self, target: LoonpakketTarget, facts: list[Facts]) -> FormContext:
        """The tenant the checks ran against: the form may name no other."""
        return FormContext(facts={"tenant": target.tenant})

    def token_model(self) -> type[BaseModel]:
        return LoonpakketTokens

    def bundle_blockers(self, report: Report) -> list[str]:
        return []

    def simulator(self) -> SimulatorSpec:
        from loonpakket.simulator import SCENARIOS, LoonpakketSimulator, load_scenario

        return SimulatorSpec(tuple(SCENARIOS), load_scenario, LoonpakketSimulator)


LOONPAKKET = LoonpakketSystem()
