"""The REST set-up's manual steps as data: what a bureau prepares per debtor before Keylane moves
it from SOAP to REST (reference migration-rest-oauth.md §1.5, §2, §3 C).

Read by ``koppelcheck checklist nmbrs --api rest``, the walkthrough of ``koppelcheck nmbrs --api
rest``, the consent plan and the docs. Prose lives in ``i18n/*/steps.toml`` under
``steps.nmbrs.rest.<key>``; login types and templates come from :mod:`.mapping`.
"""

from __future__ import annotations

from koppelcheck.i18n import Translator
from koppelcheck.nmbrs.rest import mapping
from koppelcheck.steps import ScreenField, Step, step

AUTH = "nmbrs.rest.auth"
SCOPES = "nmbrs.rest.scopes"
ENDPOINTS = "nmbrs.rest.endpoint.*"


def _rest(number: str, key: str, **extra: object) -> Step:
    return step("nmbrs", number, f"rest.{key}", **extra)  # type: ignore[arg-type]


REST_STEPS: tuple[Step, ...] = (
    _rest("0", "about", informational=True),
    _rest(
        "1",
        "login",
        fields=(
            ScreenField("Type", " / ".join(mapping.CONSENT_LOGINS)),
            *(ScreenField("Template", name) for name in mapping.CONSENT_TEMPLATES),
            ScreenField("Type", mapping.NOT_CONSENTING, note="steps.nmbrs.rest.login.not_note"),
        ),
        verified_by=(AUTH,),
        partly=True,
    ),
    _rest(
        "2",
        "filter",
        fields=(ScreenField("Actief", checked=True),),
        verified_by=(SCOPES, ENDPOINTS),
        partly=True,
    ),
    _rest("3", "person"),
    _rest("4", "lasting"),
    _rest("5", "overview"),
)
"""Step 0 explains; 1-5 are done per debtor (reference §3 C; 'per debtor': §1.5)."""


def rest_steps() -> tuple[Step, ...]:
    """The REST steps (for :func:`koppelcheck.steps.steps_for` with option ``rest``)."""
    return REST_STEPS


def day_checklist(t: Translator) -> list[str]:
    """What must be true for one debtor on the day of consent, one line per step."""
    return [s.title_text(t) for s in REST_STEPS if not s.informational]
