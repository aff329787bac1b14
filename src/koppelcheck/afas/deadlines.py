"""The checks that count down to the end of classic tokens, and the OAuth token check.

``afas.token.expiry`` reads ``/metainfo`` ``info.tokenExpiry``; ``afas.classic.sunset`` compares
today with AFAS's dates; ``afas.oauth`` runs the client-credentials flow. The dates and texts
come from :mod:`koppelcheck.afas.facts`.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING

from koppelcheck.afas import facts
from koppelcheck.afas.oauth import token_url
from koppelcheck.checks import Outcome, outcome
from koppelcheck.errors import (
    AfasHttpError,
    CallTimeout,
    OAuthRefused,
    ProtocolError,
    TransportError,
)
from koppelcheck.explain import describe_remote_error
from koppelcheck.i18n import MessageList
from koppelcheck.models import Status

if TYPE_CHECKING:
    from koppelcheck.afas.checks import SharedMetainfo
    from koppelcheck.afas.oauth import SharedAccessToken
    from koppelcheck.i18n import Translator

TOKEN_EXPIRY_CHECK = "afas.token.expiry"
SUNSET_CHECK = "afas.classic.sunset"
OAUTH_CHECK = "afas.oauth"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def with_trace(result: Outcome, exc: object, t: Translator) -> Outcome:
    """``result`` with AFAS's ``X-Trace-Identifier`` added to its message, when ``exc`` has one."""
    trace = getattr(exc, "trace_id", None)
    if not trace:
        return result
    sentences = MessageList(" ", [result.message, t("afas.trace", trace=trace)])
    return replace(result, message=t("core.sentences", sentences=sentences))


def parse_token_expiry(value: str) -> date | None:
    """The date in an ISO 8601 ``tokenExpiry`` (date or date-time); None when it is not one.

    Its format is not documented (migration-rest-oauth.md §4.1 [INFERRED]): only ISO 8601 is
    read, anything else is reported as unreadable rather than guessed (day-month or month-day).
    """
    text = value.strip()
    if not _ISO_DATE.match(text):
        return None
    try:
        return datetime.fromisoformat(text).date() if len(text) > 10 else date.fromisoformat(text)
    except ValueError:
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            return None


async def check_token_expiry(meta: SharedMetainfo, today: date, t: Translator) -> Outcome:
    """``afas.token.expiry``: the classic token's expiry date from ``/metainfo``."""
    raw = (await meta.get()).token_expiry.strip()
    if raw in facts.NO_EXPIRY_VALUES:
        return outcome(Status.PASS, t("afas.expiry.none"))
    expiry = parse_token_expiry(raw)
    if expiry is None:
        shown = raw if len(raw) <= 40 else raw[:39] + "…"
        return outcome(Status.WARN, t("afas.expiry.unreadable", value=shown), t("afas.expiry.fix"))
    days = (expiry - today).days
    if days < 0:
        return outcome(
            Status.FAIL,
            t.plural("afas.expiry.passed", -days, date=expiry.isoformat()),
            t("afas.expiry.fix"),
        )
    if days <= facts.TOKEN_EXPIRY_WARN_DAYS:
        return outcome(
            Status.WARN,
            t.plural("afas.expiry.soon", days, date=expiry.isoformat()),
            t("afas.expiry.fix"),
        )
    return outcome(Status.PASS, t.plural("afas.expiry.later", days, date=expiry.isoformat()))


async def check_sunset(today: date, t: Translator) -> Outcome:
    """``afas.classic.sunset``: a classic token in use, measured against AFAS's dates."""
    expiry, last = facts.CLASSIC_TOKEN_EXPIRY.isoformat(), facts.CLASSIC_LAST_DAY.isoformat()
    fix = t("afas.sunset.fix", profit=facts.OAUTH_SWITCH_PROFIT_VERSION)
    days = (facts.CLASSIC_LAST_DAY - today).days
    if days < 0:
        return outcome(
            Status.FAIL,
            t("afas.sunset.over", last=last, source=facts.AUTH_SOURCE),
            fix,
        )
    return outcome(
        Status.WARN,
        t.plural("afas.sunset.warn", days, expiry=expiry, last=last, source=facts.AUTH_SOURCE),
        fix,
    )


async def check_oauth(access: SharedAccessToken, base_url: str, t: Translator) -> Outcome:
    """``afas.oauth``: the client-credentials flow at ``<base>/oauth/token``."""
    url = token_url(base_url)
    try:
        token = await access.get()
    except OAuthRefused as exc:
        if exc.invalid_client:
            result = outcome(
                Status.FAIL,
                t("afas.oauth.invalid_client", status=exc.status, client_id=_client_id(access)),
                t("afas.oauth.invalid_client.fix", profit=facts.OAUTH_SWITCH_PROFIT_VERSION),
            )
        else:
            result = outcome(
                Status.ERROR,
                t(
                    "afas.oauth.refused",
                    status=exc.status,
                    error=exc.error,
                    description=exc.description or "-",
                ),
                t("afas.oauth.refused.fix"),
            )
        return with_trace(result, exc, t)
    except AfasHttpError as exc:
        key = "afas.oauth.http_error.404" if exc.status == 404 else "afas.oauth.http_error"
        return with_trace(
            outcome(Status.ERROR, t(key, status=exc.status, url=url), t("afas.oauth.error.fix")),
            exc,
            t,
        )
    except CallTimeout:
        raise  # the runner words timeouts
    except (TransportError, ProtocolError) as exc:
        unreachable = outcome(
            Status.ERROR,
            t("afas.oauth.unreachable", url=url, reason=describe_remote_error(exc, t)),
            t("afas.oauth.error.fix"),
        )
        return with_trace(unreachable, exc, t)
    how = t(f"afas.oauth.method.{token.client_auth}")
    seconds = str(token.expires_in) if token.expires_in is not None else "?"
    return outcome(
        Status.PASS, t("afas.oauth.pass", client_id=_client_id(access), method=how, seconds=seconds)
    )


def _client_id(access: SharedAccessToken) -> str:
    return access.credentials.client_id
