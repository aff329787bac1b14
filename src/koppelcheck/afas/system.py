"""AFAS Profit as a :class:`koppelcheck.systems.interface.System` (classic token and/or OAuth
client credentials, chosen by the settings, not by the core)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from koppelcheck.afas.connectors_zip import expected_connectors, read_connector_ids
from koppelcheck.afas.environment import parse_environment_id
from koppelcheck.afas.facts import PER_ENVIRONMENT_LIMIT
from koppelcheck.afas.oauth import client_credentials, client_secret_account, parse_client_id
from koppelcheck.afas.steps import AFAS_STEPS, DEFAULT_AUTH, afas_steps
from koppelcheck.afas.token import parse_token
from koppelcheck.batch.plan import is_env_name
from koppelcheck.credentials import keyring_account
from koppelcheck.errors import InputError
from koppelcheck.http import validate_base_url
from koppelcheck.i18n import Text, Translator
from koppelcheck.models import Status
from koppelcheck.systems.interface import (
    BATCH_COMMON_KEYS,
    ChecklistVariant,
    Settings,
    Shared,
    SimulatorSpec,
    model_keys,
    required_keys,
)
from koppelcheck.tomlinput import TOMLTable

if TYPE_CHECKING:
    import httpx

    from koppelcheck.afas.checks import AfasSettings
    from koppelcheck.models import Report
    from koppelcheck.secret import Secret
    from koppelcheck.steps import Step

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


class AfasInputs(BaseModel):
    """One AFAS environment's settings: ``--environment-id``/``--connector``/... and a batch
    employer's keys. A classic token, OAuth client credentials (``client_id`` with where its
    secret is: never the secret) or both; raw values, checked by :meth:`AfasSystem.validate_batch`
    and built into :class:`koppelcheck.afas.checks.AfasSettings` by :meth:`AfasSystem.prepare`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    environment_id: str | int
    connectors: list[str] = Field(default_factory=list)
    connectors_zip: str | None = None
    token_version: int | None = None
    client_id: str | None = None
    client_secret_env: str | None = None
    client_secret_keyring: bool = False
    base_url: str | None = None


_CLIENT_AUTH = ("oauth", "hybrid")
"""The ways of authenticating with client credentials (step 3's OAuth variant)."""


class AfasSystem:
    """AFAS: one environment per employer; a user token, client credentials, or both."""

    name = "afas"
    token_is_xml = True
    per_host_limit: int | None = PER_ENVIRONMENT_LIMIT
    apis = ("soap",)  # the checklist's single variant (AFAS has one API)
    auth_modes: tuple[str, ...] = ("classic", "oauth", "hybrid")
    settings_model = AfasInputs
    batch_keys = model_keys(AfasInputs, BATCH_COMMON_KEYS)
    required_batch_keys = required_keys(AfasInputs)
    replay_protocol = "rest"
    asks_dga = False

    def steps(self, option: str | None = None, auth: str | None = None) -> tuple[Step, ...]:
        return afas_steps(auth) if auth is not None else AFAS_STEPS

    def report_steps(self, report: Report) -> tuple[Step, ...]:
        auth = report.target.get("auth")
        return self.steps(auth=str(auth)) if auth in _CLIENT_AUTH else self.steps()

    def checklist_variant(self, option: str, auth: str) -> ChecklistVariant:
        return ChecklistVariant(
            steps=self.steps(auth=auth),
            command=_COMMANDS[auth],
            subtitle=f"checklist.auth.{auth}" if auth != DEFAULT_AUTH else "",
            form_skip=_AUTH_FORM_SKIP[auth],
        )

    def token_account(self, settings: Settings) -> str:
        number = parse_environment_id(str(settings["environment_id"])).number
        return keyring_account(self.name, number)

    def client_secret_account(self, settings: Settings) -> str | None:
        """``afas:<environment>:oauth:<client id>`` when the settings name a client."""
        if "client_id" not in settings:
            return None
        number = parse_environment_id(str(settings["environment_id"])).number
        return client_secret_account(number, settings["client_id"])

    def credential_account(
        self,
        *,
        domain: str | None,
        username: str | None,
        environment_id: str | None,
        client_id: str | None,
    ) -> str:
        if not environment_id:
            raise InputError(
                "environment_id",
                Text("input.credentials.afas_needs"),
                Text("input.credentials.afas_needs_hint"),
            )
        number = parse_environment_id(environment_id).number
        if client_id is not None:  # an OAuth client secret, keyed by its client id
            return client_secret_account(number, parse_client_id(client_id))
        return keyring_account(self.name, number)

    def token_optional(self, settings: Settings) -> bool:
        return "client_id" in settings  # a token beside it makes it hybrid

    def validate_batch(self, settings: TOMLTable) -> None:
        if "environment_id" in settings:
            parse_environment_id(str(settings["environment_id"]), field="environment_id")
        if "base_url" in settings:
            validate_base_url(str(settings["base_url"]), field="base_url")
        connectors = settings.get("connectors", [])
        if not isinstance(connectors, list) or not all(
            isinstance(c, str) and c.strip() for c in connectors
        ):
            raise InputError("connectors", Text("input.batch.connectors"))
        try:  # the rules of --connector
            settings["connectors"] = list(expected_connectors(connectors))
        except InputError as exc:
            raise InputError("connectors", *exc.texts) from None
        version = settings.get("token_version", 1)
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise InputError("token_version", Text("input.batch.whole_number"))
        _validate_client(settings)

    def prepare(
        self, settings: Settings, token: Secret | None, client_secret: Secret | None
    ) -> AfasSettings:
        from koppelcheck.afas.checks import AfasSettings  # lazy: runs the system (see verify)

        connectors = list(settings.get("connectors", []))
        if settings.get("connectors_zip"):
            connectors += read_connector_ids(settings["connectors_zip"], field="connectors_zip")
        return AfasSettings(
            environment=parse_environment_id(
                str(settings["environment_id"]), field="environment_id"
            ),
            token=parse_token(token, settings.get("token_version"), field="token")
            if token
            else None,
            connectors=tuple(dict.fromkeys(connectors)),
            base_url=validate_base_url(settings["base_url"], "base_url")
            if settings.get("base_url")
            else "",
            client=client_credentials(settings["client_id"], client_secret, field="client_secret")
            if client_secret is not None
            else None,
        )

    def check_count(self, target: AfasSettings, *, rest_readiness: bool = True) -> int:
        """The specs :func:`build_afas_checks` builds for these settings: the clients are only
        held by the checks' closures, so none is made (or called) to count them."""
        from koppelcheck.afas.checks import build_afas_checks  # lazy: runs the system (see verify)

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
        *,
        translator: Translator,
        timeout_s: float,
        http: httpx.AsyncClient | None,
        shared: Shared,
    ) -> Report:
        # lazy: the checks and their clients load when a run starts, not for the checklist,
        # credentials or form commands that also ask this system
        from koppelcheck.afas.verify import verify_afas

        return await verify_afas(
            target,
            translator=translator,
            timeout_s=timeout_s,
            http=http,
        )

    def token_model(self) -> type[BaseModel]:
        from koppelcheck.bundle.build import AfasTokens  # lazy: the bundle's crypto libraries

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
    """``client_id`` with ``client_secret_env`` or ``client_secret_keyring``, as for tokens."""
    env = settings.get("client_secret_env")
    keyring = settings.get("client_secret_keyring", False)
    if env is not None and not is_env_name(str(env)):
        raise InputError("client_secret_env", Text("input.batch.env_name"))
    if not isinstance(keyring, bool):
        raise InputError("client_secret_keyring", Text("input.batch.boolean"))
    if "client_id" not in settings:
        if env is not None or keyring:
            raise InputError("client_id", Text("input.batch.client_id_required"))
        return
    settings["client_id"] = parse_client_id(str(settings["client_id"]), field="client_id")
    if env is None and not keyring:
        raise InputError(
            "client_secret_env", Text("input.batch.token_source", kind="client_secret")
        )


AFAS = AfasSystem()
