"""a.s.r.'s AFAS Profit manual (Stap 1-4) as data; the prose lives in ``afas/i18n/*/steps.toml``.

What koppelcheck can confirm from the outside: the imported and assigned GetConnectors
(``afas.connector.*``, or ``afas.connectors`` listing them when none were named), the token
(``afas.token``) and that AFAS accepts it (``afas.auth``, which also shows the user sits in the
App Connector's user group). The rest only a person can confirm.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from koppelcheck.afas.facts import CLASSIC_LAST_DAY
from koppelcheck.choices import AfasAuth, values
from koppelcheck.steps import ScreenField, Step, step

CONNECTORS = "afas.connector.*"
CONNECTOR_LIST = "afas.connectors"
"""Lists the App Connector's GetConnectors when no expected ones were given."""
TOKEN = "afas.token"
AUTH = "afas.auth"


def _afas(number: str, key: str, **extra: object) -> Step:
    return step("afas", number, key, **extra)  # type: ignore[arg-type]


_IMPORT = _afas(
    "1",
    "import",
    verified_by=(CONNECTORS, CONNECTOR_LIST),
    substeps=(
        _afas("1.1", "import.mail"),
        _afas("1.2", "import.save"),
        _afas(
            "1.3",
            "import.run",
            menu_path=("Algemeen", "Uitvoer", "Beheer", "Get Connector"),
            verified_by=(CONNECTORS, CONNECTOR_LIST),
        ),
    ),
)

_USER = _afas(
    "2",
    "user",
    verified_by=(AUTH,),
    partly=True,
    substeps=(
        _afas("2.1", "user.tool", menu_path=("Algemeen", "Beheer", "Autorisatietool")),
        _afas("2.2", "user.new", menu_path=("Gebruiker", "Nieuwe gebruiker")),
        _afas("2.3", "user.details"),
        _afas(
            "2.4",
            "user.name",
            fields=(ScreenField("Naam", note="steps.afas.user.name.note"),),
        ),
        _afas("2.5", "user.access", fields=(ScreenField("Profit Windows", checked=True),)),
        _afas(
            "2.6",
            "user.email",
            fields=(ScreenField("E-mailadres", note="steps.afas.user.email.note"),),
        ),
        _afas(
            "2.7",
            "user.system",
            menu_path=("Onderhoud gebruikers", "Eigenschappen gebruiker"),
        ),
        _afas(
            "2.8",
            "user.group",
            menu_path=("Onderhoud groepen", "Gebruikers in groep", "Nieuw"),
            fields=(ScreenField("Gebruikersgroep", note="steps.afas.group.note"),),
            verified_by=(AUTH,),
            partly=True,
        ),
        _afas(
            "2.9",
            "user.rights",
            menu_path=(
                "Autorisatie",
                "Algemeen",
                "Uitvoer",
                "Beheer",
                "App connector",
                "Tabbladen",
            ),
            fields=(
                ScreenField("Activering", "Onderhouden", note="steps.afas.user.rights.note"),
                ScreenField("GetConnectoren", "Onderhouden", note="steps.afas.user.rights.note"),
            ),
            verified_by=(AUTH, CONNECTORS),
            partly=True,
        ),
    ),
)

_APP_CONNECTOR = _afas(
    "3",
    "connector",
    # afas.auditor*: what the AppConnector Auditor says about this App Connector (--auditor).
    verified_by=(TOKEN, AUTH, CONNECTORS, CONNECTOR_LIST, "afas.auditor", "afas.auditor.*"),
    substeps=(
        _afas("3.1", "connector.tool", menu_path=("Algemeen", "Beheer", "App Connector")),
        _afas("3.2", "connector.new"),
        _afas(
            "3.3",
            "connector.description",
            fields=(ScreenField("Omschrijving", note="steps.afas.connector.description.note"),),
        ),
        _afas(
            "3.4",
            "connector.group",
            fields=(ScreenField("Gebruikersgroep", note="steps.afas.group.note"),),
            verified_by=(AUTH,),
            partly=True,
        ),
        _afas("3.5", "connector.finish", body=False),
        _afas(
            "3.6",
            "connector.token",
            menu_path=("Eigenschappen app connector", "Gebruikerstokens", "Nieuw"),
            fields=(
                ScreenField("Gebruiker", note="steps.afas.connector.token.user_note"),
                ScreenField("Omschrijving", note="steps.afas.connector.token.description_note"),
            ),
            # afas.token.expiry and afas.classic.sunset: when this token stops (afas/facts.py).
            verified_by=(TOKEN, AUTH, "afas.token.expiry", "afas.classic.sunset"),
        ),
        _afas(
            "3.7",
            "connector.copy",
            verified_by=(TOKEN, AUTH),
        ),
        _afas("3.8", "connector.done", body=False),
        _afas(
            "3.9",
            "connector.assign",
            menu_path=("GetConnectoren", "Nieuw", "Selectiewizard GetConnectoren"),
            verified_by=(CONNECTORS, CONNECTOR_LIST),
        ),
    ),
)

_FORM = _afas(
    "4",
    "form",
    menu_path=("www.asr.nl/salarisverwerkers", "Aanleveren gegevens in eigen beheer"),
    verified_by=(AUTH,),
    partly=True,
)

AFAS_STEPS: tuple[Step, ...] = (_IMPORT, _USER, _APP_CONNECTOR, _FORM)
"""AFAS Stap 1-4 in manual order."""


# --- the OAuth variant of step 3 (AFAS retires classic tokens, migration-rest-oauth.md §4) -----

AUTH_MODES = values(AfasAuth)
"""How the App Connector authenticates: classic token (today's manual), OAuth, or Hybrid (both)."""
DEFAULT_AUTH = "classic"
"""The checklist's default until AFAS's end date for classic tokens (``afas.facts``)."""


def default_auth(today: date | None = None) -> str:
    """``classic`` until the last day classic tokens work (2027-08-31, ``afas.facts``), then
    ``oauth``: after it a.s.r.'s manual as written no longer works."""
    return DEFAULT_AUTH if (today or date.today()) <= CLASSIC_LAST_DAY else "oauth"


OAUTH = "afas.oauth"
AUTH_OAUTH = "afas.auth.oauth"
TOKEN_EXPIRY = "afas.token.expiry"
SUNSET = "afas.classic.sunset"

_AUTH_TYPE_VALUE = {"oauth": "OAuth", "hybrid": "Hybrid"}
"""The authentication types AFAS names (AFAS-AUTH-EN); the field is "Authenticatietype"."""


def _oauth_substeps(auth: str) -> tuple[Step, ...]:
    """Steps 3.6-3.7 for OAuth client credentials instead of a user token (MIG §4.3)."""
    return (
        _afas(
            "3.6",
            f"connector.oauth.{auth}",
            fields=(
                ScreenField(
                    "Authenticatietype",
                    _AUTH_TYPE_VALUE[auth],
                    note="steps.afas.connector.oauth.type_note",
                ),
            ),
            # Hybrid keeps the user token: its expiry and AFAS's end date belong here too.
            verified_by=(OAUTH, TOKEN_EXPIRY, SUNSET) if auth == "hybrid" else (OAUTH,),
            partly=True,
        ),
        _afas("3.7", "connector.oauth.copy", verified_by=(OAUTH, AUTH, AUTH_OAUTH)),
    )


def afas_steps(auth: str = DEFAULT_AUTH) -> tuple[Step, ...]:
    """The AFAS steps for ``auth`` (:data:`AUTH_MODES`): classic is a.s.r.'s manual as written;
    ``oauth`` and ``hybrid`` replace the user token (3.6-3.7) by the authentication type and a
    generated client id and secret. ValueError for another value."""
    if auth not in AUTH_MODES:
        raise ValueError(auth)
    if auth == "classic":
        return AFAS_STEPS
    substeps = tuple(s for s in _APP_CONNECTOR.substeps if s.number not in ("3.6", "3.7"))
    position = next(i for i, s in enumerate(substeps) if s.number == "3.8")
    oauth_step = replace(
        _APP_CONNECTOR,
        title=f"steps.afas.connector.oauth.{auth}.step_title",
        verified_by=(*_APP_CONNECTOR.verified_by, OAUTH, AUTH_OAUTH),
        substeps=(*substeps[:position], *_oauth_substeps(auth), *substeps[position:]),
    )
    return tuple(oauth_step if s is _APP_CONNECTOR else s for s in AFAS_STEPS)
