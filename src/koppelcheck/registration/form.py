"""The a.s.r. registration form: its fields as data, the pydantic model, the form file, validation.

The form is the common fields (organisation, e-mail, contract and loonheffingennummer), then one
section per registered system, which the system brings in its own package (``form_section``,
``form_fields``; see :mod:`koppelcheck.registration.section`). The fields, the form file's keys
and the :class:`Form` model follow from the registry (:data:`koppelcheck.registry.TABLE`): nothing
here names a system. Field values come from two places: the form file (``--form``, TOML, the keys
in :data:`FORM_FILE_KEYS`) and the check's own inputs (user name, domain, environment id,
tokens), which the caller merges into the same dict under the system's section. What only the
APIs know is passed as a :class:`FormContext`. Nothing here writes a file or prints.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    ValidationError,
    create_model,
    model_validator,
)
from pydantic_core import ErrorDetails

from koppelcheck import tomlinput
from koppelcheck.errors import InputError
from koppelcheck.i18n import Translator, os_reason, render
from koppelcheck.registration import validators as v
from koppelcheck.registration.section import FormContext as FormContext  # public here too
from koppelcheck.registration.section import FormField as FormField
from koppelcheck.registration.section import Required, Section
from koppelcheck.registry import TABLE
from koppelcheck.systems import get_system
from koppelcheck.systems.interface import SettingInvalid

FORM_FILE_FIELD = "form"


COMMON_FIELDS: tuple[FormField, ...] = (
    FormField("organisation"),
    FormField("email"),
    FormField("contract_number"),
    FormField("payroll_tax_number"),
)
"""The fields every registration has, first in a.s.r.'s web form."""

SECRET_FIELD_NAMES = frozenset({"token", "api_token", "data_token", "password", "secret"})
"""Key names that hold a secret wherever they appear: never given as a flag value."""
INPUT_KEYS = frozenset({"token", "environment_id", "token_file"})
"""Keys of the check's own inputs, refused in a form file whatever the system."""

if TYPE_CHECKING:  # built from the registry on first use (module __getattr__ below)
    FORM_FIELDS: tuple[FormField, ...]
    """Every field in the order of a.s.r.'s web form: the common ones, then per system."""
    FORM_FILE_KEYS: frozenset[str]
    """The dotted keys a form file may hold."""
    CREDENTIAL_KEYS: frozenset[str]
    """Keys refused in a form file anywhere: they come from the check's own inputs."""


def registered() -> tuple[str, ...]:
    """The registered systems in the order of a.s.r.'s web form (sorted: AFAS's part first)."""
    return tuple(sorted(TABLE))


def fields_for(system: str) -> tuple[FormField, ...]:
    """The fields one system's registration asks for: the common ones, then its own."""
    return tuple(f for f in layout().fields if f.system in (None, system))


class Form(BaseModel):
    """A validated registration form for one system; only that system's section is set.

    This class holds the common fields; the model :func:`validate_form` uses (:func:`form_model`)
    is built from it with ``system`` as a choice of the registered systems and one optional
    section per system, named after it (``form.<system>``); :attr:`section` is the one set.
    """

    model_config = ConfigDict(
        extra="forbid", frozen=True, arbitrary_types_allowed=True, str_strip_whitespace=True
    )

    system: str
    organisation: Required
    email: Annotated[str, BeforeValidator(v.check_email)]
    contract_number: Required
    payroll_tax_number: Annotated[str, BeforeValidator(v.normalise_payroll_tax_number)]

    @model_validator(mode="before")
    @classmethod
    def _section_required(cls, data: object) -> object:
        """The chosen system's section must be there (an empty one reports its fields)."""
        if isinstance(data, Mapping) and data.get("system") in TABLE:
            data = {data["system"]: {}, **data}
        return data

    @property
    def section(self) -> Section | None:
        """The chosen system's section (None only on a form built without one)."""
        found = getattr(self, self.system, None)
        return found if isinstance(found, Section) else None


@dataclass(frozen=True)
class Layout:
    """The form as the registered systems make it: fields, form file keys and model."""

    fields: tuple[FormField, ...]
    file_keys: frozenset[str]
    credential_keys: frozenset[str]
    model: type[Form]


@cache
def _layout(names: tuple[str, ...]) -> Layout:
    systems = {name: get_system(name) for name in names}
    fields = COMMON_FIELDS + tuple(f for s in systems.values() for f in s.form_fields)
    sections: dict[str, object] = {
        name: (system.form_section | None, None) for name, system in systems.items()
    }
    model = create_model(  # type: ignore[call-overload]
        "Form",
        __base__=Form,
        __module__=__name__,
        system=(Literal.__getitem__(names), ...),
        **sections,
    )
    return Layout(
        fields=fields,
        file_keys=frozenset(f.key for f in fields if f.in_file),
        credential_keys=frozenset({f.name for f in fields if not f.in_file} | INPUT_KEYS),
        model=model,
    )


def layout() -> Layout:
    """The form of the systems registered now (built once per registry)."""
    return _layout(registered())


def form_model() -> type[Form]:
    """The :class:`Form` model with a section per registered system."""
    return layout().model


def __getattr__(name: str) -> object:
    """``FORM_FIELDS``, ``FORM_FILE_KEYS`` and ``CREDENTIAL_KEYS``, from the registry: a system's
    package imports :mod:`koppelcheck.registration.section`, so they cannot be built on import."""
    if name == "FORM_FIELDS":
        return layout().fields
    if name == "FORM_FILE_KEYS":
        return layout().file_keys
    if name == "CREDENTIAL_KEYS":
        return layout().credential_keys
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --- the form file ---------------------------------------------------------------------------


def load_form_file(path: str | Path, lang: str | None = None) -> tomlinput.TOMLTable:
    """Read a form file (TOML) into a dict; unreadable, credentials or unknown keys: InputError."""
    t = Translator(lang)
    try:
        data = tomlinput.loads(Path(path).read_text(encoding="utf-8-sig"))  # Notepad adds a BOM
    except OSError as exc:
        raise InputError(
            FORM_FILE_FIELD, t("form.file.unreadable", path=path, reason=render(os_reason(exc), t))
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, tomlinput.TooDeep) as exc:
        raise InputError(
            FORM_FILE_FIELD, t("form.file.toml", path=path, reason=exc), t("form.file.hint")
        ) from None
    _check_file_keys(data, t)
    return data


def _file_keys(data: Mapping[str, object]) -> list[str]:
    """Every dotted key in the file; a section (table) counts as its keys."""
    keys: list[str] = []
    for key, value in data.items():
        if key in TABLE and isinstance(value, Mapping):
            keys.extend(f"{key}.{sub}" for sub in value)
        else:
            keys.append(key)
    return keys


def _check_file_keys(data: Mapping[str, object], t: Translator) -> None:
    keys = _file_keys(data)
    known = layout()
    credentials = [k for k in keys if k.rpartition(".")[2] in known.credential_keys]
    if credentials:
        raise InputError(
            credentials[0],
            t("form.file.credential", keys=", ".join(credentials)),
            t("form.file.credential_hint"),
        )
    unknown = [k for k in keys if k not in known.file_keys]
    if unknown:
        allowed = ", ".join(sorted(known.file_keys))
        raise InputError(
            unknown[0],
            t("form.file.unknown", keys=", ".join(unknown)),
            t("form.file.allowed", keys=allowed),
        )


def check_field_flag_key(key: str, lang: str | None = None) -> None:
    """A ``--field KEY`` must be a form file key: a credential (a token above all: it would sit
    in shell history and ``ps``) or an unknown key is refused with exit 2."""
    t = Translator(lang)
    known = layout()
    if key.rpartition(".")[2] in known.credential_keys | SECRET_FIELD_NAMES:
        raise InputError(
            "field", t("form.flag.credential", name=key), t("form.flag.credential_hint")
        )
    if key not in known.file_keys:
        allowed = ", ".join(sorted(known.file_keys))
        raise InputError(
            "field", t("form.flag.unknown", name=key), t("form.file.allowed", keys=allowed)
        )


# --- validation ------------------------------------------------------------------------------


def form_warnings(
    form: Form, context: FormContext | None = None, lang: str | None = None
) -> list[tuple[str, str]]:
    """What is odd but not wrong in a valid form, as (dotted key, message): what its system's
    section says (:meth:`Section.warnings`; Nmbrs: a DGA name unlike the employee's in Nmbrs)."""
    t = Translator(lang)
    section = form.section
    if section is None:
        return []
    return [(key, text.render(t)) for key, text in section.warnings(context or FormContext())]


def form_errors(
    data: Mapping[str, object],
    system: str,
    context: FormContext | None = None,
    lang: str | None = None,
) -> list[InputError]:
    """Every bad field of the form, in form order, each naming its dotted key; [] when valid."""
    return _validate(data, system, context, lang)[1]


def validate_form(
    data: Mapping[str, object],
    system: str,
    context: FormContext | None = None,
    lang: str | None = None,
) -> Form:
    """The validated :class:`Form`; the first bad field raises :class:`InputError`."""
    form, errors = _validate(data, system, context, lang)
    if errors:
        raise errors[0]
    assert form is not None
    return form


def _validate(
    data: Mapping[str, object], system: str, context: FormContext | None, lang: str | None
) -> tuple[Form | None, list[InputError]]:
    t = Translator(lang)
    names = registered()
    if system not in names:
        error = InputError("system", t("form.error.system", system=system), " | ".join(names))
        return None, [error]
    other = set(names) - {system}
    payload = {k: val for k, val in data.items() if k not in other and k != "system"}
    payload["system"] = system
    try:
        form = form_model().model_validate(payload, context={"form": context or FormContext()})
    except ValidationError as exc:
        return None, [_to_input_error(err, t) for err in exc.errors()]
    return form, []


def _to_input_error(err: ErrorDetails, t: Translator) -> InputError:
    """One pydantic error as an InputError on a dotted form key, in the user's language."""
    field = ".".join(str(p) for p in err["loc"] if not isinstance(p, int))
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, SettingInvalid):  # a setting's own rule: its message and hint
        message, hint = cause.error.said(t)
        return InputError(field, message, hint)
    if isinstance(cause, v.Invalid):
        field = cause.field or field
        message = t(f"form.error.{cause.key}", **cause.params)
    elif err["type"] == "missing":
        message = t("form.error.missing")
    elif err["type"] == "extra_forbidden":
        message = t("form.error.unknown")
    else:
        message = t("form.error.invalid")
    hint_key = f"form.field.{field}.hint"
    return InputError(field, message, t(hint_key) if t.has(hint_key) else "")
