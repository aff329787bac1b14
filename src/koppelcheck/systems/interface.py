"""What a payroll system is to koppelcheck: one Protocol every system package implements.

The core (batch, credentials, steps, checklist, bundle, simulate, manual order, registration
flow, replay) looks a system up in :mod:`koppelcheck.systems` and asks it; it never compares a
system's name. A system's package (``koppelcheck.nmbrs``, ``koppelcheck.afas``) holds one module
``system.py`` with an object that satisfies :class:`System`. Variants inside one system (Nmbrs's
SOAP and REST APIs, AFAS's classic token and OAuth client credentials) are the system's own
business: they travel as settings (``option``/``api``/``auth``), never as new branches here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, TypeVar, runtime_checkable

from pydantic import BaseModel, ValidationError

from koppelcheck.errors import InputError
from koppelcheck.i18n import Text, Translator
from koppelcheck.tomlinput import TOMLTable

if TYPE_CHECKING:
    from datetime import date

    import httpx

    from koppelcheck.models import Report
    from koppelcheck.registration.section import FormContext, FormField, Section
    from koppelcheck.runner import ProgressCallback
    from koppelcheck.secret import Secret
    from koppelcheck.simulator.server import Simulator
    from koppelcheck.steps import Step

M = TypeVar("M", bound=BaseModel)

# What passes between the core and a system without the core looking inside. Each system types
# them exactly (NmbrsTarget, AfasSettings, ...); the registry holds systems of different types,
# which Python's types cannot say (no existential types), so they are named once here.
Target: TypeAlias = Any
"""What :meth:`System.prepare` builds and only the same system's methods take back."""
Facts: TypeAlias = Any
"""What a run learnt that the system's :meth:`System.form_context` reads (NmbrsFacts)."""
Shared: TypeAlias = MutableMapping[Any, Any]
"""State a batch keeps across one system's employers (answers shared per login)."""
Scenario: TypeAlias = Any
"""A system's simulator scenario, as its loader builds it and its simulator takes it."""
Settings: TypeAlias = Mapping[str, Any]
"""One employer's raw settings as a batch file gives them (TOML values, by the settings model's
keys): validated by :meth:`System.validate_batch` and the settings model."""
BATCH_COMMON_KEYS = frozenset({"base_url"})
"""Settings every batch employer may have whatever its system (batch/plan.py's common keys)."""


def model_keys(model: type[BaseModel], common: frozenset[str]) -> frozenset[str]:
    """A settings model's keys, less those every batch employer has (``base_url``)."""
    return frozenset(model.model_fields) - common


def required_keys(model: type[BaseModel]) -> tuple[str, ...]:
    """A settings model's required keys, in field order."""
    return tuple(name for name, info in model.model_fields.items() if info.is_required())


def credential_keys(system: System) -> tuple[str, ...]:
    """The settings keys that name a system's keyring accounts (``koppelcheck credentials``
    flags): its required keys for the token (:meth:`System.token_account`), and ``client_id``
    when its settings have one, for a client secret (:meth:`System.client_secret_account`)."""
    client = ("client_id",) if "client_id" in system.settings_model.model_fields else ()
    return (*system.required_batch_keys, *client)


def settings_from(model: type[M], data: Mapping[str, object]) -> M:
    """``data`` as the settings model; a wrong key or type is an InputError naming the key."""
    unknown = sorted(set(data) - set(model.model_fields))
    if unknown:  # before any rule: a misspelt key is the problem, not its neighbours' values
        allowed = ", ".join(model.model_fields)
        raise InputError(unknown[0], Text("input.batch.unknown_key", allowed=allowed))
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        first = exc.errors()[0]  # pydantic's text would quote the value: name the key only
        key = ".".join(str(part) for part in first["loc"]) or "settings"
        if first["type"] == "extra_forbidden":
            allowed = ", ".join(model.model_fields)
            raise InputError(key, Text("input.batch.unknown_key", allowed=allowed)) from None
        raise InputError(key, Text("input.batch.wrong_type", reason=first["type"])) from None


Rule = Callable[[object], object]
"""One setting's rule: the value, normalised, or an InputError naming the setting's key."""


def text_rule(rule: Callable[[str], object]) -> Rule:
    """``rule`` for a text setting: a value of another type is left to the settings model, which
    names the wrong type."""

    def check(value: object) -> object:
        return rule(value) if isinstance(value, str) else value

    return check


def choose(field: str, value: str, accepted: Sequence[str], t: Translator | None = None) -> str:
    """``value`` when it is one of ``accepted``; else an InputError naming ``field`` (``system``,
    ``option``, ``auth``, ``api``, ``format``) and the values it takes, in ``t``'s language when
    given (a library caller's ``lang``), else rendered later in the CLI's."""
    if value in accepted:
        return value
    message = Text(f"checklist.error.{field}", value=value)
    hint = Text("checklist.error.accepted", values=", ".join(accepted))
    if t is not None:
        raise InputError(field, message.render(t), hint.render(t))
    raise InputError(field, message, hint)


def apply_rules(rules: Mapping[str, Rule], data: object) -> object:
    """``data`` with every given value that has a rule replaced by what its rule returns: a
    settings model's ``mode="before"`` validator, the one place a system's inputs are checked
    whether they come from flags, a batch row, the registration form or the library."""
    if not isinstance(data, Mapping):
        return data
    checked = dict(data)
    for key, rule in rules.items():
        if checked.get(key) is not None:
            checked[key] = rule(checked[key])
    return checked


class SettingInvalid(ValueError):
    """A setting's rule refused a value inside another model: the rule's InputError, kept."""

    def __init__(self, error: InputError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass(frozen=True)
class SimulatorSpec:
    """A system's local simulator: its scenario names, the loader and the simulator class."""

    scenarios: tuple[str, ...]
    load: Callable[[str | Path], Scenario]
    """A bundled scenario by name, or a scenario file by path."""
    simulator: Callable[[Scenario], Simulator]


@dataclass(frozen=True)
class ChecklistVariant:
    """What a checklist of one system (option, way of authenticating) shows.

    ``subtitle`` is shown under the title (None: none); ``form_skip`` are form keys that do not
    apply; ``with_form`` is False for a checklist that ends before a.s.r.'s form (Nmbrs's REST
    consent).
    """

    steps: tuple[Step, ...]
    command: str
    subtitle: Text | None = None
    form_skip: frozenset[str] = frozenset()
    with_form: bool = True


@dataclass(frozen=True)
class ChecklistDoc:
    """One printed checklist of a system in ``docs/checklists``: its file stem (``nmbrs-rest``)
    and the variant it shows (``python -m koppelcheck.checklist --write-docs``)."""

    stem: str
    option: str | None = None
    auth: str | None = None
    api: str = "soap"


@dataclass(frozen=True)
class RunOptions:
    """How one run of a system's checks goes: the same for the commands, batch, demo and
    library (:func:`koppelcheck.systems.verify`)."""

    translator: Translator
    timeout_s: float = 30.0
    http: httpx.AsyncClient | None = None
    """A client the caller shares (a batch: one per run); without it the run makes one with
    ``ca_bundle`` and closes it again."""
    shared: Shared | None = None
    """State a batch keeps across employers (Nmbrs: answers per login)."""
    on_progress: ProgressCallback | None = None
    ca_bundle: str | None = None
    concurrency: int | None = None
    """Calls in flight per :meth:`System.limit_key` group (None: the system's default; AFAS's
    own limit always applies)."""
    facts_out: list[Facts] | None = None
    """Receives what the run learnt for the registration form (:meth:`System.form_context`)."""
    rest_readiness: bool = True
    """For a system with a migration readiness group (Nmbrs)."""
    today: date | None = None


@runtime_checkable
class System(Protocol):
    """One payroll system. Attributes are data known without a client; methods build things."""

    name: str
    """The registry key and the ``system`` value of reports, batch files and forms."""
    token_is_xml: bool
    """Whether the system's token is an XML document (AFAS) rather than a plain string."""
    per_host_limit: int | None
    """Calls in flight per :meth:`limit_key` group the system allows (AFAS: 5 per environment);
    None leaves it to the user's ``--concurrency``."""
    apis: tuple[str, ...]
    """The APIs a checklist may show (``soap``, ``rest``); the first is the default."""
    auth_modes: tuple[str, ...]
    """Ways to authenticate a user can choose (``--auth``); empty when there is one."""
    checklist_docs: tuple[ChecklistDoc, ...]
    """The checklists ``docs/checklists`` holds for the system, one file per language each."""
    settings_model: type[BaseModel]
    """The system's settings (pydantic, ``extra="forbid"``): one key per setting, shared by its
    flags (``--environment-id`` is ``environment_id``), batch files, the library and the
    registration form. The one place the inputs are checked: its ``RULES`` class variable (key ->
    :data:`Rule`) runs in a ``mode="before"`` validator (:func:`apply_rules`); the form reuses a
    shared field's rule through :func:`setting_rule`."""
    batch_keys: frozenset[str]
    """The keys an employer of this system may have in a batch file (besides the common ones):
    the settings model's fields."""
    required_batch_keys: tuple[str, ...]
    """The settings model's required fields."""
    replay_protocol: str
    """How a recorded request is matched on replay: ``soap`` (service + operation) or ``rest``."""
    asks_dga: bool
    """Whether the registration form asks the manual's DGA question first."""
    form_section: type[Section]
    """The system's section of a.s.r.'s registration form (pydantic, a
    :class:`~koppelcheck.registration.section.Section`): the form's ``<name>`` part, with its own
    rules, provable fields (``PROOFS``) and warnings (:meth:`Section.warnings`, default none)."""
    target_label_keys: tuple[str, ...]
    """The keys of the report's ``target`` that name what was checked, most specific first:
    the first one with a value is the report's title (``acme`` for Nmbrs, ``12345`` for AFAS)."""
    form_fields: tuple[FormField, ...]
    """The section's fields in the order of a.s.r.'s web form (keys ``<name>.<field>``; texts
    ``form.field.<name>.<field>.*`` in the package's catalogues)."""

    # --- manual steps ---------------------------------------------------------------------------
    def steps(self, option: str | None = None, auth: str | None = None) -> tuple[Step, ...]:
        """The manual's steps (for one option or way of authenticating)."""
        ...

    def report_steps(self, report: Report) -> tuple[Step, ...]:
        """The steps a finished report is ordered by (its option / authentication variant)."""
        ...

    def checklist_variant(self, option: str | None, auth: str | None, api: str) -> ChecklistVariant:
        """Steps, command, subtitle and skipped form fields of a printable checklist; ``api`` is
        one of :attr:`apis`. None picks the system's default; an option or way of authenticating
        the system does not know raises InputError naming ``option`` or ``auth`` (:func:`choose`).
        """
        ...

    # --- credentials ------------------------------------------------------------------------------
    def token_account(self, settings: Settings) -> str:
        """The keyring account of the token for these settings. ``koppelcheck credentials``
        passes only the :func:`credential_keys` its flags gave, unchecked: a missing or wrong
        one is an InputError naming its key (a KeyError is named by the CLI)."""
        ...

    def client_secret_account(self, settings: Settings) -> str | None:
        """The keyring account of a second secret (AFAS OAuth client secret) when the settings
        name one (``client_id``), else None; checked as :meth:`token_account`."""
        ...

    def token_optional(self, settings: Settings) -> bool:
        """Whether these batch settings may run without a token (AFAS client credentials)."""
        ...

    def check_count(self, target: Target, *, rest_readiness: bool = True) -> int:
        """How many checks a run of ``target`` builds, known without a client (progress bars)."""
        ...

    # --- settings and checks ---------------------------------------------------------------
    def validate_batch(self, settings: TOMLTable) -> None:
        """Apply the single-employer rules to one batch employer's settings (normalising them in
        place); InputError naming the batch key."""
        ...

    def prepare(
        self, settings: Settings, token: Secret | None, client_secret: Secret | None
    ) -> Target:
        """The target the checks run against (NmbrsTarget, AfasSettings)."""
        ...

    def limit_key(self, target: Target) -> str:
        """The key whose calls share one concurrency limit."""
        ...

    async def verify(
        self,
        target: Target,
        token: Secret | None,
        run: RunOptions,
    ) -> Report:
        """Run the system's checks for ``target`` (from :meth:`prepare`) as ``run`` says and
        return the report. A system ignores an option that means nothing to it. No exit-code
        policy travels here: that is the CLI's."""
        ...

    # --- bundle, form, simulator -----------------------------------------------------------
    def form_context(self, target: Target, facts: list[Facts]) -> FormContext:
        """What the registration form is checked against after a run of ``target``; ``facts``
        is what :meth:`verify` put in ``facts_out`` (empty before a run)."""
        ...

    def token_model(self) -> type[BaseModel]:
        """The bundle's token section of this system."""
        ...

    def bundle_blockers(self, report: Report) -> list[str]:
        """What keeps a clean report from a bundle (check ids or patterns); ``[]`` if nothing."""
        ...

    def simulator(self) -> SimulatorSpec:
        """The local simulator of this system."""
        ...
