"""AFAS's dates, endpoints and documented texts for classic tokens, OAuth and the Auditor: written
once here, with their source, and read by the checks, the simulator, the checklist and the docs.

Sources are sections of ``shared/reference/migration-rest-oauth.md`` (``MIG``) and
``shared/reference/afas-api.md`` (``API``), which cite AFAS's own documentation.
"""

from __future__ import annotations

from datetime import date

# --- classic tokens are being retired (MIG §4.1, AFAS-AUTH-EN dated 2026-09-30) ---------------

CLASSIC_TOKEN_EXPIRY = date(2027, 5, 1)
"""Existing classic tokens carry this expiry date from September 2026 and expire on it."""
CLASSIC_LAST_DAY = date(2027, 8, 31)
"""The last day App Connectors with a classic token work (AFAS-AUTH-NL: "vervalt per 31 augustus
2027")."""
OAUTH_SWITCH_PROFIT_VERSION = 9
"""From Profit 9 an existing App Connector's authentication type can be switched from Classic
token to Hybrid or OAuth; linked connectors and IP restrictions stay (MIG §4.1)."""
AUTH_SOURCE = (
    "AFAS documentation, Authentication "
    "(AFASSoftware/OASContent, profit/en/authentication.md, 2026-09-30)"
)
"""Where the deadlines and the OAuth behaviour come from, as the report names it."""

TOKEN_EXPIRY_WARN_DAYS = 180
"""A ``tokenExpiry`` within this many days is a warning (issue 13's rule; it matches the default
validity of a Profit 9 client secret, MIG §4.3)."""
NO_EXPIRY_VALUES = ("", "0")
"""``/metainfo`` ``info.tokenExpiry`` values meaning "no validity period" (API §4: the OpenAPI
example shows "0"; that this means "none" is marked [GUESS] there, so it is read that way, and
an unreadable value is reported as such rather than guessed)."""

# --- OAuth client credentials (MIG §4.3, AFAS-AUTH-EN/NL; API §2 "OAuth (newer)") -------------

OAUTH_TOKEN_PATH = "/oauth/token"
"""The token endpoint under the REST base URL (``…/ProfitRestServices/oauth/token``)."""
OAUTH_GRANT_TYPE = "client_credentials"
OAUTH_BODY_AUTH = "client_secret_post"
"""Client authentication in the form body: accepted now."""
OAUTH_BASIC_AUTH = "client_secret_basic"
"""HTTP Basic client authentication: accepted from Profit 9."""
OAUTH_TOKEN_LIFETIME_S = 3600
"""``expires_in`` of an access token; ``token_type`` is Bearer; no refresh token for client
credentials (``null`` before Profit 9, omitted from Profit 9)."""
OAUTH_INVALID_CLIENT = "invalid_client"
"""Unknown client or failed client authentication: HTTP 401 with ``WWW-Authenticate: Basic`` for
Basic authentication, otherwise HTTP 400."""

TRACE_HEADER = "X-Trace-Identifier"
"""From Profit 7 every call that reaches the application layer answers with this header; AFAS
support asks for it (MIG §4.2, AFAS-P7 2026-04-08)."""

# --- the AppConnector Auditor (MIG §4.4, AUDITOR 2025-01-21 and 2025-11-08) ------------------

AUDITOR_APP_SECTION = 'App Connector "'
"""The report's section per App Connector starts ``App Connector "Name"``."""
AUDITOR_GETCONNECTOR_SECTIONS = ("GetConnectors: General", "UpdateConnectors", "Other Connectors")
AUDITOR_PRIVACY_FIELDS = "privacy-sensitive fields"
"""The per-GetConnector entry listing privacy-sensitive fields."""
AUDITOR_GETCONNECTOR_ENTRIES = (
    "based on data collection",
    AUDITOR_PRIVACY_FIELDS,
    "this getconnector is authorized",
    "filters",
    "slow filter",
    "very large table",
    "more than 10 tables",
    "more than 5 levels",
)
"""What the report lists per GetConnector (lower case, matched within a heading)."""

AUDITOR_EXPECTED: dict[str, tuple[str, str]] = {
    # message title -> (koppelcheck key, the a.s.r. manual step that causes it on purpose)
    "Connector user has access to Profit Windows": ("profit-windows", "2.5"),
    "Authorization group has more than 1 user": ("group-users", "2.8"),
    "No IP address restrictions are set up": ("ip-restrictions", "3"),
}
"""Messages the a.s.r. manual causes on purpose: reported as information naming the step."""

AUDITOR_TOKEN_MESSAGES: dict[str, str] = {
    "No tokens have been issued": "no-tokens",
    "More than 1 token has been issued": "token-count",
    "A token has been issued with a limited validity period": "token-validity",
    "A token has not been used for more than 3 months": "token-unused",
    "A token was issued more than 12 months ago": "token-age",
}
"""Token age and token count messages: warnings with the fix."""

AUDITOR_OTHER_MESSAGES: dict[str, str] = {
    "Calls from the IP addresses of AFAS Connect are allowed": "afas-connect-ips",
}
"""Other documented messages: information."""
