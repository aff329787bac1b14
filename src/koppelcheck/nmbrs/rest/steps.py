"""The REST set-up's manual steps as data: what a bureau prepares per debtor before Keylane moves
it from SOAP to REST (reference migration-rest-oauth.md §1.5, §2, §3 C).

Read by ``koppelcheck checklist nmbrs --api rest``, the walkthrough of ``koppelcheck nmbrs --api
rest``, the consent plan and the docs. Prose lives in ``nmbrs/i18n/*/rest.toml`` under
``steps.nmbrs.rest.<key>``; login types and templates come from :mod:`.mapping`.
"""

from __future__ import annotations

from dataclasses import replace

from koppelcheck.i18n import Translator
from koppelcheck.nmbrs.rest import mapping
from koppelcheck.steps import ScreenField, Step, step

AUTH = "nmbrs.rest.auth"
SCOPES = "nmbrs.rest.scopes"
ENDPOINTS = "nmbrs.rest.endpoint.*"


STEP_ID_PREFIX = "nmbrs.rest.step."
"""REST steps have ids of their own (``nmbrs.rest.step.1``): ``nmbrs.step.1`` is the SOAP
manual's step 1, and a SOAP run's readiness checks name a REST step."""


def _rest(number: str, key: str, **extra: object) -> Step:
    built = step("nmbrs", number, f"rest.{key}", **extra)  # type: ignore[arg-type]
    return replace(built, id=STEP_ID_PREFIX + number)


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

READINESS_STEP_ID = REST_STEPS[0].id
"""The step the migration readiness checks (``nmbrs.rest.deadline``, ``.inventory``,
``.coverage``) and the probe's rate-limit check belong to: how the coupling works under REST,
what a bureau prepares before Keylane moves it (no step of the manual verifies them)."""


def rest_step_id(check_id: str) -> str:
    """The id of the REST step that verifies ``check_id`` (``nmbrs.rest.auth``: step 1), else
    :data:`READINESS_STEP_ID`."""
    found = next((s for s in REST_STEPS if s.is_verified_by(check_id)), None)
    return found.id if found is not None else READINESS_STEP_ID


def rest_steps() -> tuple[Step, ...]:
    """The REST steps (for :func:`koppelcheck.steps.steps_for` with option ``rest``)."""
    return REST_STEPS


def day_checklist(t: Translator) -> list[str]:
    """What must be true for one debtor on the day of consent, one line per step."""
    return [s.title_text(t) for s in REST_STEPS if not s.informational]
