"""The registration payload (``koppelcheck.registration/v1``) and writing a signed bundle.

The payload model below is the single source of the bundle's JSON Schema
(``docs/schemas/registration.schema.json``; regenerate with :func:`write_json_schema`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Final, Literal, TypeAlias

from joserfc.jwk import OKPKey
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
    create_model,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from koppelcheck import __version__
from koppelcheck.bundle.encrypt import load_recipient_key, seal_secrets
from koppelcheck.bundle.keys import SigningKey
from koppelcheck.bundle.sign import canonical_json, serialize_bundle, sign_payload
from koppelcheck.errors import BundleRefusedError as BundleRefusedError  # part of this API
from koppelcheck.errors import InputError
from koppelcheck.files import atomic_write
from koppelcheck.i18n import Translator
from koppelcheck.jsontypes import JSONObject
from koppelcheck.models import Report, Status, Summary, ToolInfo
from koppelcheck.registration.provenance import DECLARED, Provenance, form_keys
from koppelcheck.systems import REGISTERED, SYSTEMS, find_system, get_system

REGISTRATION_SCHEMA: Final = "koppelcheck.registration/v1"
SCHEMA_ID = "urn:koppelcheck:schema:registration:v1"


class _Strict(BaseModel):
    """Frozen, and unknown fields are refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class _TokenSections(_Strict):
    """The registered systems' token sections, of which a bundle holds exactly one."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", json_schema_extra={"minProperties": 1, "maxProperties": 1}
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> _TokenSections:
        """Exactly one system's credentials."""
        given = [name for name in type(self).model_fields if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("exactly one system's credentials")
        return self


def _one_of(names: tuple[str, ...]) -> str:
    """``nmbrs`` and ``afas``: the names as the schema's prose lists them."""
    quoted = [f"``{name}``" for name in names]
    return " and ".join([", ".join(quoted[:-1]), quoted[-1]] if len(quoted) > 1 else quoted)


if TYPE_CHECKING:
    Tokens: TypeAlias = _TokenSections
else:  # one optional section per registered system, each the system's own token_model()
    Tokens = create_model(
        "Tokens",
        __base__=_TokenSections,
        __doc__=f"The credentials of the checked system: exactly one of {_one_of(REGISTERED)}.",
        **{
            name: (get_system(name).token_model() | SkipJsonSchema[None], None)
            for name in REGISTERED
        },
    )


def _registered(name: str) -> str:
    if find_system(name) is None:
        raise ValueError(f"not a registered system: {name}")
    return name


SystemField = Annotated[
    str,
    AfterValidator(_registered),
    WithJsonSchema({"enum": list(REGISTERED), "title": "System", "type": "string"}),
]
"""A registered system's name (the registry decides; the schema lists them)."""


class CheckEvidence(_Strict):
    """One check of the report: its id and status (for a manual step, whether it was confirmed)."""

    id: str
    status: Status
    confirmed: bool | SkipJsonSchema[None] = Field(
        default=None,
        description=(
            "Only for status `manual` (a step no API can confirm): whether the administrator "
            "confirmed having done it."
        ),
    )


class FieldProvenance(_Strict):
    """Where one form value comes from."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra={
            "if": {"properties": {"source": {"const": "verified"}}},
            "then": {"required": ["check"]},
            "else": {"not": {"required": ["check"]}},
        },
    )

    source: Literal["verified", "declared"] = Field(
        description=(
            "`verified`: the answer of the check named in `check` (which passed in this run) "
            "proves the value. `declared`: typed by the administrator; no API answer proves it."
        )
    )
    check: str | SkipJsonSchema[None] = Field(
        default=None,
        description="For `verified` only: the id of the check whose answer proves the value.",
    )

    @model_validator(mode="after")
    def _check_iff_verified(self) -> FieldProvenance:
        """A verified value names its check; a declared one names none."""
        if (self.source == "verified") != (self.check is not None):
            raise ValueError("check is required for verified values and only for them")
        return self


class Evidence(_Strict):
    """What the checks found, so a.s.r. can see the setup was verified."""

    summary: Summary
    checks: list[CheckEvidence]
    report_sha256: str = Field(
        pattern="^[0-9a-f]{64}$",
        description=(
            "SHA-256 (hex) of the RFC 8785 canonical JSON of the koppelcheck.report/v1 report."
        ),
    )


class RegistrationPayload(_Strict):
    """The signed payload of a registration bundle (``koppelcheck.registration/v1``)."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        populate_by_name=True,
        serialize_by_alias=True,
        json_schema_serialization_defaults_required=True,
        title="koppelcheck registration bundle payload",
    )

    schema_: Literal["koppelcheck.registration/v1"] = Field(
        default=REGISTRATION_SCHEMA, alias="schema"
    )
    created_at: AwareDatetime = Field(description="When the bundle was written (UTC, RFC 3339).")
    tool: ToolInfo
    system: SystemField
    form: dict[str, object] = Field(
        description=(
            "The registration form fields, as validated by koppelcheck (see docs/bundle.md)."
        )
    )
    provenance: dict[str, FieldProvenance] = Field(
        description=(
            "Every form value's provenance, keyed by its dotted form key (`email`, "
            "`nmbrs.company`, `nmbrs.payroll_frequency`, ...): exactly the keys of `form`. "
            "A `verified` value names a check that passed in `evidence`."
        )
    )
    tokens: Tokens
    evidence: Evidence

    @model_validator(mode="after")
    def _tokens_of_system(self) -> RegistrationPayload:
        """The token section is the one of ``system``."""
        if getattr(self.tokens, self.system) is None:
            raise ValueError("tokens must be those of the system")
        return self

    @model_validator(mode="after")
    def _claims_bound_to_evidence(self) -> RegistrationPayload:
        """Every form value has a provenance; every ``verified`` one a passing check."""
        if set(self.provenance) != set(form_keys(self.form)):
            raise ValueError("provenance must name exactly the form's fields")
        passed = {c.id for c in self.evidence.checks if c.status is Status.PASS}
        unproven = [
            key
            for key, origin in self.provenance.items()
            if origin.source == "verified" and origin.check not in passed
        ]
        if unproven:
            raise ValueError(f"verified without a passing check: {', '.join(sorted(unproven))}")
        return self

    def to_json_dict(self) -> JSONObject:
        """The payload as JSON data, without absent token sections."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


def registration_json_schema() -> JSONObject:
    """The JSON Schema (2020-12) of the payload."""
    schema = RegistrationPayload.model_json_schema(by_alias=True, mode="serialization")
    # Counts are never negative, and a bundle is only written without failures or errors.
    summary = schema.get("$defs", {}).get("Summary", {}).get("properties", {})
    for name, count in summary.items():
        count["minimum"] = 0
        if name in ("fail", "error"):
            count["maximum"] = 0
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def write_json_schema(path: str | Path) -> Path:
    """Write :func:`registration_json_schema` to ``path`` (how the docs copy is regenerated)."""
    text = json.dumps(registration_json_schema(), indent=2, ensure_ascii=False) + "\n"
    return atomic_write(path, text)


# --- building --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BundleInfo:
    """Where a bundle was written and the thumbprint (``kid``) of the key that signed it."""

    path: Path
    thumbprint: str


def report_sha256(report: Report) -> str:
    """SHA-256 (hex) of the RFC 8785 canonical JSON of the report."""
    return hashlib.sha256(canonical_json(report.to_json_dict())).hexdigest()


def _evidence(report: Report) -> Evidence:
    """The report's summary, every check's id and status, and the report's hash."""
    checks = [
        CheckEvidence(
            id=check.id,
            status=check.status,
            confirmed=check.confirmed if check.status is Status.MANUAL else None,
        )
        for check in report.checks
    ]
    return Evidence(summary=report.summary, checks=checks, report_sha256=report_sha256(report))


def _tokens(
    system: str, tokens: Mapping[str, object], recipient: OKPKey | None, t: Translator
) -> Tokens:
    """The token section for ``system``, each token encrypted when there is a recipient."""
    fields = seal_secrets(tokens, recipient)
    model = get_system(system).token_model()
    expected = ", ".join(sorted(model.model_fields))
    required = {name for name, info in model.model_fields.items() if info.is_required()}
    if not required <= set(fields) <= set(model.model_fields):
        raise InputError("tokens", t("bundle.tokens.fields", fields=expected))
    try:
        return Tokens.model_validate({system: model(**fields)})
    except ValidationError:  # its text would quote the values, tokens included
        raise InputError("tokens", t("bundle.tokens.fields", fields=expected)) from None


def build_payload(
    *,
    report: Report,
    form: Mapping[str, object] | BaseModel,
    tokens: Mapping[str, object],
    recipient: OKPKey | None = None,
    now: datetime | None = None,
    lang: str | None = None,
    provenance: Mapping[str, Provenance] | None = None,
) -> RegistrationPayload:
    """The payload for ``report``; ``tokens`` holds the fields of ``report.system`` (see Tokens).

    Secrets in the form (:class:`Secret` values, ``*_token`` fields) are treated like the
    tokens: encrypted to the recipient when there is one. ``provenance`` maps dotted form keys
    to a :class:`~koppelcheck.registration.provenance.Provenance`; a key it does not name is
    ``declared`` (a claim nothing checked is never called verified).
    """
    t = Translator(lang)
    if isinstance(form, BaseModel):
        form = form.model_dump()
    known = provenance or {}
    origins = {
        key: FieldProvenance.model_validate(known.get(key, DECLARED).to_json())
        for key in form_keys(form)
    }
    if find_system(report.system) is None:
        choices = ", ".join(SYSTEMS)
        raise InputError(
            "system", t("bundle.system.unknown", system=report.system, systems=choices)
        )
    return RegistrationPayload(
        created_at=(now or datetime.now(UTC)).replace(microsecond=0),
        tool=ToolInfo(version=_version()),
        system=report.system,
        form=seal_secrets(form, recipient),
        provenance=origins,
        tokens=_tokens(report.system, tokens, recipient, t),
        evidence=_evidence(report),
    )


def _version() -> str:
    """koppelcheck's version."""
    return __version__


def bundle_blockers(report: Report) -> list[str]:
    """What keeps a clean report from a bundle, as its system says (an AFAS run that compared no
    expected GetConnector: ``["afas.connector.*"]``); else ``[]``."""
    system = find_system(report.system)
    return system.bundle_blockers(report) if system is not None else []


def refuse_unless_clean(report: Report, *, lang: str | None = None) -> None:
    """BundleRefusedError when a check failed or errored, or an AFAS run compared no expected
    GetConnector: such a setup must not be registered."""
    failing = [check.id for check in report.failing()]
    if failing:
        message = Translator(lang)("bundle.refused", checks=", ".join(failing))
        raise BundleRefusedError(message, failing)
    blockers = bundle_blockers(report)
    if blockers:
        raise BundleRefusedError(Translator(lang)("bundle.refused.no_connectors"), blockers)


def build_and_write_bundle(
    path: str | Path,
    *,
    report: Report,
    form: Mapping[str, object] | BaseModel,
    tokens: Mapping[str, object],
    recipient_key_path: Path | None,
    signing_key: SigningKey,
    lang: str | None = None,
    provenance: Mapping[str, Provenance] | None = None,
) -> BundleInfo:
    """Build, sign and atomically write (mode 0600) the registration bundle for ``report``.

    ``form`` is the validated registration form (a dict, or the form model). ``tokens`` holds
    the fields of ``report.system``: nmbrs ``{username, domain, token}`` or afas
    ``{environment_id, token_version, token}``; tokens may be :class:`~koppelcheck.secret.Secret`.
    With ``recipient_key_path`` every token (and every secret in the form) becomes a JWE to that
    X25519 key. Raises BundleRefusedError when a check failed or errored, and
    InputError for a bad recipient key; nothing is written then.
    """
    refuse_unless_clean(report, lang=lang)
    recipient = _recipient(recipient_key_path, lang)
    payload = build_payload(
        report=report,
        form=form,
        tokens=tokens,
        recipient=recipient,
        lang=lang,
        provenance=provenance,
    )
    try:
        canonical = canonical_json(payload.to_json_dict())
    except ValueError:  # rfc8785: a number JSON cannot carry exactly (NaN, > 2**53)
        raise InputError("form", Translator(lang)("bundle.form.number")) from None
    signed = sign_payload(canonical, signing_key)
    target = atomic_write(path, serialize_bundle(signed), mode=0o600, lang=lang)
    return BundleInfo(path=target, thumbprint=signing_key.thumbprint)


def _recipient(path: Path | None, lang: str | None) -> OKPKey | None:
    """The recipient's public key, or None when no ``--recipient-key`` was given."""
    if path is None:
        return None
    return load_recipient_key(path, lang=lang)
