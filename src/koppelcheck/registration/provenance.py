"""Where each registration form value comes from: ``verified`` by a named check, or ``declared``.

A value is ``verified`` only when the check whose answer proves it passed in the same run; every
other value, whatever was typed, is ``declared``. The rules are data: each system's form
section names its provable fields (``PROOFS``, gathered by :func:`rules`), read by the bundle,
``bundle show``, the ``form.*`` checks and docs/registration-form.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from koppelcheck.registration.section import FormContext, Proof
from koppelcheck.registry import TABLE
from koppelcheck.systems import get_system

Source = Literal["verified", "declared"]


@dataclass(frozen=True)
class Provenance:
    """``verified`` with the id of the check that proves the value, or ``declared``."""

    source: Source
    check: str | None = None

    def to_json(self) -> dict[str, str]:
        """``{"source": "verified", "check": "nmbrs.company"}`` or ``{"source": "declared"}``."""
        return {"source": self.source, **({"check": self.check} if self.check else {})}


DECLARED = Provenance("declared")


def rules() -> dict[str, tuple[str, Proof]]:
    """Form key → (the check whose passing answer proves it, whether that answer proves this
    value): every registered system's ``form_section.PROOFS``. Fields not named there
    (organisation, e-mail, contract and loonheffingennummer, Nmbrs's thirteenth month, AFAS's
    employer codes) cannot be checked through the API: always ``declared``."""
    found: dict[str, tuple[str, Proof]] = {}
    for name in TABLE:
        found.update(get_system(name).form_section.PROOFS)
    return found


def form_keys(form: Mapping[str, object]) -> list[str]:
    """The dotted keys of a form dict's values: ``email``, ``nmbrs.company``, ...

    ``system`` (which form this is) and the other system's empty section are not values.
    """
    keys: list[str] = []
    for key, value in form.items():
        if isinstance(value, Mapping):
            keys.extend(f"{key}.{sub}" for sub in value)
        elif key != "system" and not (key in TABLE and value is None):
            keys.append(key)
    return keys


def _value(form: Mapping[str, object], key: str) -> object:
    head, _, rest = key.partition(".")
    node = form.get(head)
    return node.get(rest) if rest and isinstance(node, Mapping) else node


def provenance_of(
    form: Mapping[str, object], context: FormContext, passed: Iterable[str]
) -> dict[str, Provenance]:
    """Every form key's provenance; ``passed`` are the ids of the checks that passed."""
    passed_ids = set(passed)
    known = rules()
    result: dict[str, Provenance] = {}
    for key in form_keys(form):
        rule = known.get(key)
        value = _value(form, key)
        if rule and rule[0] in passed_ids and rule[1](value, form, context):
            result[key] = Provenance("verified", rule[0])
        else:
            result[key] = DECLARED
    return result
