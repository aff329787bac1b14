"""AFAS Profit as a :class:`koppelcheck.systems.interface.System` (classic token and/or OAuth
client credentials, chosen by the settings, not by the core)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from koppelcheck.afas import form as afas_form
from koppelcheck.afas.bundle_tokens import AfasTokens
from koppelcheck.afas.checks import AfasSettings, build_afas_checks
from koppelcheck.afas.client import AfasClient
from koppelcheck.afas.connectors_zip import expected_connectors, read_connector_ids
from koppelcheck.afas.environment import parse_environment_id
from koppelcheck.afas.oauth import (
    SharedAccessToken,
    client_credentials,
    client_secret_account,
    parse_client_id,
)
from koppelcheck.afas.steps import AFAS_STEPS, DEFAULT_AUTH, afas_steps, default_auth
from koppelcheck.afas.token import parse_token
from koppelcheck.batch.plan import is_env_name
from koppelcheck.credentials import keyring_account
from koppelcheck.errors import InputError
from koppelcheck.http import shared_or_own_client, validate_base_url
from koppelcheck.i18n import Text, Translator
from koppelcheck.models import Status
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

PER_ENVIRONMENT_LIMIT = 5
"""Calls in flight per AFAS environment (its own host), written once, here: AFAS allows at most
8 calls in parallel and recommends about 5 (afas-api.md §7)."""

COMPARED_CONNECTOR_PREFIX = "afas.connector."
"""An AFAS bundle needs at least one check comparing an expected GetConnector (not only the
``afas.connectors`` listing, which compares nothing)."""

_AUTH_FORM_SKIP = {
    "classic": frozenset({"afas.client_id", "afas.client_secret"}),
    "oauth": frozenset({"afas.token_version", "afas.data_token"}),
    "hybrid": frozenset(),
}
"""AFAS form fields that do not apply to one way of authenticating."""

_COMMANDS = {
    "classic": "koppelcheck afas",
    "oauth": "koppelcheck afas --client-id ID",
    "hybrid": "koppelcheck afas --client-id ID --token-file TOKEN.txt",
}


def check_environment_id(value: object) -> object:
    """``12345`` or ``O12345AA`` (a TOML whole number too), as the code given, upper case."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return value  # the model names the wrong type
    return parse_environment_id(value, field="environment_id").code


def check_connectors(value: object) -> list[str]:
    """GetConnector ids (the rules of ``--connector``), without duplicates."""
    if not isinstance(value, list | tuple) or not all(isinstance(c, str) for c in value):
        raise InputError("connectors", Text("input.batch.connectors"))
    try:
        return list(expected_connectors(list(value)))
    except InputError as exc:
        raise InputError("connectors", *exc.texts) from None


def check_token_version(value: object) -> int:
    """The token version AFAS shows beside the token: a whole number, 0 or more. Only 1 is
    known; another is not refused (afas-api.md "Token version": warn, never a hard error)."""
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InputError("token_version", Text("input.afas.token_version"))
    return value


def _client_id(value: str) -> str:
    return parse_client_id(value, field="client_id")


def _base_url(value: str) -> str:
    return validate_base_url(value, "base_url")


AFAS_RULES: dict[str, Rule] = {
    "environment_id": check_environment_id,
    "base_url": text_rule(_base_url),
    "connectors": check_connectors,
    "token_version": check_token_version,
    "client_id": text_rule(_client_id),
}
"""Setting key -> its rule, in the order a run reports the first bad one."""


class AfasInputs(BaseModel):
    """One AFAS environment's settings: ``--environment-id``/``--connector``/... , a batch
    employer's keys and the registration form's ``afas.client_id``/``afas.token_version``.

    A classic token, OAuth client credentials (``client_id`` with where its secret is: never the
    secret) or both. The one place these inputs are checked (:data:`AFAS_RULES`), so a bad value
    gets the same message naming its key from a flag, a batch file or the form; built into
    :class:`koppelcheck.afas.checks.AfasSettings` by :meth:`AfasSystem.prepare`."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    RULES: ClassVar[Mapping[str, Rule]] = AFAS_RULES

    environment_id: str
    connectors: list[str] = Field(default_factory=list)
    connectors_zip: str | None = None
    token_version: int | None = None
    client_id: str | None = None
    client_secret_env: str | None = None
    client_secret_keyring: bool = False
    base_url: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _rules(cls, data: object) -> object:
        return apply_rules(cls.RULES, data)


_ACCEPT_LANGUAGE = {"nl": "nl-nl", "en": "en-us"}
"""AFAS answers its error messages in the language asked for."""

_CLIENT_AUTH = ("oauth", "hybrid")
"""The ways of authenticating with client credentials (step 3's OAuth variant)."""


def _environment_number(settings: Settings) -> str:
    """The environment number a keyring account is keyed by; InputError when it is missing or
    wrong (``koppelcheck credentials`` passes its flags unchecked)."""
    environment_id = settings.get("environment_id")
    if not environment_id:
        raise InputError(
            "environment_id",
            Text("input.credentials.afas_needs"),
            Text("input.credentials.afas_needs_hint"),
        )
    return parse_environment_id(str(environment_id)).number


class AfasSystem:
    """AFAS: one environment per employer; a user token, client credentials, or both."""

    name = "afas"
    token_is_xml = True
    per_host_limit: int | None = PER_ENVIRONMENT_LIMIT
    apis = ("soap",)  # the checklist's single variant (AFAS has one API)
    auth_modes: tuple[str, ...] = ("classic", "oauth", "hybrid")
    checklist_docs = (
        ChecklistDoc("afas"),
        ChecklistDoc("afas-oauth", auth="oauth"),
        ChecklistDoc("afas-hybrid", auth="hybrid"),
    )
    settings_model = AfasInputs
    batch_keys = model_keys(AfasInputs, BATCH_COMMON_KEYS)
    required_batch_keys = required_keys(AfasInputs)
    replay_protocol = "rest"
    asks_dga = False
    form_section = afas_form.AfasSection
    form_fields = afas_form.FIELDS
    target_label_keys = ("environment_id",)

    def steps(self, option: str | None = None, auth: str | None = None) -> tuple[Step, ...]:
        return afas_steps(auth) if auth is not None else AFAS_STEPS

    def report_steps(self, report: Report) -> tuple[Step, ...]:
        auth = report.target.get("auth")
        return self.steps(auth=str(auth)) if auth in _CLIENT_AUTH else self.steps()

    def checklist_variant(self, option: str | None, auth: str | None, api: str) -> ChecklistVariant:
        """Step 3 as the way of authenticating has it (default: classic until AFAS's end date,
        then OAuth); AFAS has no manual options, so ``option`` does not apply."""
        chosen = choose("auth", auth or default_auth(), self.auth_modes)
        return ChecklistVariant(
            steps=self.steps(auth=chosen),
            command=_COMMANDS[chosen],
            subtitle=Text(f"checklist.auth.{chosen}") if chosen != DEFAULT_AUTH else None,
            form_skip=_AUTH_FORM_SKIP[chosen],
        )

    def token_account(self, settings: Settings) -> str:
        return keyring_account(self.name, _environment_number(settings))

    def client_secret_account(self, settings: Settings) -> str | None:
        """``afas:<environment>:oauth:<client id>`` when the settings name a client."""
        if "client_id" not in settings:
            return None
        number = _environment_number(settings)
        return client_secret_account(number, parse_client_id(str(settings["client_id"])))

    def token_optional(self, settings: Settings) -> bool:
        return "client_id" in settings  # a token beside it makes it hybrid

    def validate_batch(self, settings: TOMLTable) -> None:
        if not isinstance(settings.get("client_secret_keyring", False), bool):
            raise InputError("client_secret_keyring", Text("input.batch.boolean"))
        checked = apply_rules(AfasInputs.RULES, settings)  # also when a required key is missing
        assert isinstance(checked, dict)
        settings.update(checked)
        if set(self.required_batch_keys) <= set(settings):
            settings_from(AfasInputs, settings)  # the types of the other keys
        _validate_client(settings)

    def prepare(
        self, settings: Settings, token: Secret | None, client_secret: Secret | None
    ) -> AfasSettings:
        inputs = settings_from(AfasInputs, settings)
        connectors = list(inputs.connectors)
        if inputs.connectors_zip:
            connectors += read_connector_ids(inputs.connectors_zip, field="connectors_zip")
        return AfasSettings(
            environment=parse_environment_id(inputs.environment_id, field="environment_id"),
            token=parse_token(token, inputs.token_version, field="token") if token else None,
            connectors=tuple(dict.fromkeys(connectors)),
            base_url=inputs.base_url or "",
            client=client_credentials(inputs.client_id, client_secret, field="client_secret")
            if client_secret is not None and inputs.client_id is not None
            else None,
        )

    def check_count(self, target: AfasSettings, *, rest_readiness: bool = True) -> int:
        """The specs :func:`build_afas_checks` builds for these settings: the clients are only
        held by the checks' closures, so none is made (or called) to count them."""
        hybrid = target.token is not None and target.client is not None
        unused: Any = object()
        specs = build_afas_checks(
            target,
            unused,
            Translator("en"),
            oauth_client=unused if hybrid else None,
            access=unused if target.client is not None else None,
        )
        return len(specs)

    def limit_key(self, target: AfasSettings) -> str:
        return f"{self.name}|{target.url}"

    async def verify(
        self,
        target: AfasSettings,
        token: Secret | None,
        run: RunOptions,
    ) -> Report:
        """Every AFAS check for ``target`` (an :class:`AfasSettings`, which holds its token and
        client credentials: ``token`` is not read).

        A shared ``http`` client should come from :func:`koppelcheck.http.make_async_client`
        with ``per_host_limit=PER_ENVIRONMENT_LIMIT``; otherwise one is made and closed here.
        ``concurrency`` never raises the AFAS limit.
        """
        settings = target
        started = now()
        limit = min(run.concurrency or PER_ENVIRONMENT_LIMIT, PER_ENVIRONMENT_LIMIT)
        redactor = token_redactor(settings)
        async with shared_or_own_client(
            run.http, timeout_s=run.timeout_s, per_host_limit=limit, ca_bundle=run.ca_bundle
        ) as client:
            language = _ACCEPT_LANGUAGE.get(run.translator.lang)
            access = (
                SharedAccessToken(client, settings.url, settings.client)
                if settings.client is not None
                else None
            )
            # Classic or hybrid: the main client carries the token; OAuth only: the access token.
            main = settings.token if settings.token is not None else access
            assert main is not None  # AfasSettings holds a token, client credentials or both
            afas = AfasClient(client, settings.url, main, accept_language=language)
            oauth_client = (
                AfasClient(client, settings.url, access, accept_language=language)
                if access is not None and settings.token is not None
                else None
            )
            # A probe may wait behind others for one of the 5 slots: allow one call time per
            # round. Hybrid mode probes twice; OAuth fetches a token first.
            probes = len(settings.connectors) * (2 if oauth_client is not None else 1)
            rounds = 2 + (1 if access is not None else 0) + probes // PER_ENVIRONMENT_LIMIT
            runner = CheckRunner(
                run.translator,
                check_timeout_s=run.timeout_s * rounds,
                on_progress=run.on_progress,
                redactor=redactor,
            )
            checks = build_afas_checks(
                settings, afas, run.translator, oauth_client=oauth_client, access=access
            )
            results = await runner.run(checks)
        return build_report(
            system=self.name,
            option=None,
            target=settings.describe(),
            started_at=started,
            results=results,
        )

    def form_context(self, target: AfasSettings, facts: list[Facts]) -> FormContext:
        """The environment the checks ran against (the form's participant number must match)."""
        return FormContext(environment_id=target.environment.code)

    def token_model(self) -> type[BaseModel]:
        return AfasTokens

    def bundle_blockers(self, report: Report) -> list[str]:
        """An AFAS run that compared no expected GetConnector: ``["afas.connector.*"]``."""
        compared = [
            c
            for c in report.checks
            if c.id.startswith(COMPARED_CONNECTOR_PREFIX) and c.status in (Status.PASS, Status.WARN)
        ]
        return [] if compared else [COMPARED_CONNECTOR_PREFIX + "*"]

    def simulator(self) -> SimulatorSpec:
        # lazy: the simulator loads only when one is started
        from koppelcheck.simulator.afas import AFAS_SCENARIOS, AfasSimulator, load_afas_scenario

        return SimulatorSpec(AFAS_SCENARIOS, load_afas_scenario, AfasSimulator)


def _validate_client(settings: TOMLTable) -> None:
    """A batch row's ``client_id`` with ``client_secret_env`` or ``client_secret_keyring``, as
    for tokens (where the secret is: a batch file's own rule, the id itself is the model's)."""
    env = settings.get("client_secret_env")
    keyring = settings.get("client_secret_keyring", False)
    if env is not None and not is_env_name(str(env)):
        raise InputError("client_secret_env", Text("input.batch.env_name"))
    if "client_id" not in settings:
        if env is not None or keyring:
            raise InputError("client_id", Text("input.batch.client_id_required"))
        return
    if env is None and not keyring:
        raise InputError(
            "client_secret_env", Text("input.batch.token_source", kind="client_secret")
        )


def token_redactor(settings: AfasSettings) -> Redactor:
    """A redactor that masks every form of the token (data, XML, base64 of the XML) and of the
    OAuth client secret (as is, ``id:secret`` of the Basic header, form-encoded, and base64)."""
    redactor = Redactor()
    forms = settings.token.secret_forms() if settings.token is not None else ()
    if settings.client is not None:
        forms += settings.client.secret_forms()
    for value in forms:
        redactor.add(value)
    return redactor


AFAS = AfasSystem()
