"""Nmbrs as a :class:`koppelcheck.systems.interface.System` (SOAP v3; REST as its second API)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from koppelcheck.credentials import keyring_account
from koppelcheck.errors import InputError
from koppelcheck.i18n import Text
from koppelcheck.nmbrs.calls import calls_for
from koppelcheck.nmbrs.rest.readiness import READINESS_CHECKS
from koppelcheck.nmbrs.rest.steps import rest_steps
from koppelcheck.nmbrs.steps import nmbrs_steps
from koppelcheck.nmbrs.target import NmbrsTarget, normalise_domain, validate_username
from koppelcheck.systems.interface import (
    BATCH_COMMON_KEYS,
    ChecklistVariant,
    Settings,
    Shared,
    SimulatorSpec,
    model_keys,
    required_keys,
    settings_from,
)
from koppelcheck.tomlinput import TOMLTable

if TYPE_CHECKING:
    import httpx

    from koppelcheck.i18n import Translator
    from koppelcheck.models import Report
    from koppelcheck.secret import Secret
    from koppelcheck.steps import Step


class NmbrsSettings(BaseModel):
    """One Nmbrs login and company: ``--username``/``--domain``/... and a batch employer's keys.

    Values are raw text; :meth:`target` applies the rules (domain form, e-mail, option)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    username: str
    domain: str
    company: str | None = None
    option: str = "overkoepelend"
    environment: str = "production"
    base_url: str | None = None

    def target(self) -> NmbrsTarget:
        """The validated :class:`NmbrsTarget` (InputError naming the key of a bad value)."""
        return NmbrsTarget.create(**self.model_dump())


REST_OPTION = "rest"
"""``steps(option="rest")`` gives the REST consent steps of :mod:`koppelcheck.nmbrs.rest.steps`."""


class NmbrsSystem:
    """Nmbrs: one login (domain, user name, token) per employer; answers shared per login."""

    name = "nmbrs"
    token_is_xml = False
    per_host_limit: int | None = None  # limited per domain by the user's --concurrency
    apis = ("soap", "rest")
    auth_modes: tuple[str, ...] = ()
    settings_model = NmbrsSettings
    batch_keys = model_keys(NmbrsSettings, BATCH_COMMON_KEYS)
    required_batch_keys = required_keys(NmbrsSettings)
    replay_protocol = "soap"
    asks_dga = True

    def steps(self, option: str | None = None, auth: str | None = None) -> tuple[Step, ...]:
        if option == REST_OPTION:
            return rest_steps()
        return nmbrs_steps(option or "overkoepelend")

    def report_steps(self, report: Report) -> tuple[Step, ...]:
        return self.steps(report.option)

    def checklist_variant(self, option: str, auth: str) -> ChecklistVariant:
        return ChecklistVariant(
            steps=self.steps(option),
            command=f"koppelcheck nmbrs --option {option}",
            subtitle=f"checklist.option.{option}",
        )

    def token_account(self, settings: Settings) -> str:
        domain = normalise_domain(settings["domain"])
        return keyring_account(self.name, domain, settings["username"])

    def client_secret_account(self, settings: Settings) -> str | None:
        return None

    def credential_account(
        self,
        *,
        domain: str | None,
        username: str | None,
        environment_id: str | None,
        client_id: str | None,
    ) -> str:
        if client_id is not None:
            raise InputError(
                "client_id",
                Text("input.credentials.client_id_afas"),
                Text("input.credentials.client_id_afas_hint"),
            )
        if not domain or not username:
            raise InputError("domain/username", Text("input.credentials.nmbrs_needs"))
        return keyring_account(self.name, normalise_domain(domain), validate_username(username))

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
        *,
        translator: Translator,
        timeout_s: float,
        http: httpx.AsyncClient | None,
        shared: Shared,
    ) -> Report:
        # lazy: the SOAP client (zeep, requests: 0.3 s) loads when a run starts, not for the
        # checklist, credentials or form commands that also ask this system
        from koppelcheck.nmbrs.checks import AnswerCache
        from koppelcheck.nmbrs.verify import verify_nmbrs

        assert token is not None  # the batch plan requires a token for Nmbrs
        # The token's fingerprint is part of the login: a wrong token must not share answers.
        fingerprint = hashlib.sha256(token.reveal().encode()).hexdigest()[:16]
        login = (target.base_url, target.domain, f"{target.username}:{fingerprint}")
        cache = shared.setdefault(login, AnswerCache())
        return await verify_nmbrs(
            target,
            token,
            translator=translator,
            timeout_s=timeout_s,
            http=http,
            cache=cache,
        )

    def token_model(self) -> type[BaseModel]:
        from koppelcheck.bundle.build import NmbrsTokens  # lazy: the bundle's crypto libraries

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
