"""The AFAS checks: the token's form, the token against ``/metainfo``, and every GetConnector.

``/metainfo`` is fetched once per run and shared. Connector checks require ``afas.auth``, so
a refused token skips them. Where AFAS's public record is unsure, the check says
"undetermined" (``error``) rather than guess.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import date
from enum import Enum
from typing import TYPE_CHECKING

from koppelcheck.afas import deadlines
from koppelcheck.afas.auditor_checks import auditor_checks
from koppelcheck.afas.client import ConnectorProbe
from koppelcheck.afas.deadlines import with_trace
from koppelcheck.checks import CheckFunction, CheckSpec, Outcome, outcome
from koppelcheck.errors import (
    AfasHttpError,
    CallTimeout,
    ProtocolError,
    RemoteError,
    TransportError,
)
from koppelcheck.explain import describe_remote_error, describe_retry_after
from koppelcheck.i18n import MessageList
from koppelcheck.models import Status
from koppelcheck.runner import PASSING

if TYPE_CHECKING:
    from koppelcheck.afas.auditor import AuditorReport
    from koppelcheck.afas.client import AfasClient, MetaInfo
    from koppelcheck.afas.environment import AfasEnvironment
    from koppelcheck.afas.oauth import ClientCredentials, SharedAccessToken
    from koppelcheck.afas.token import AfasToken
    from koppelcheck.i18n import Translator

TOKEN_CHECK = "afas.token"
AUTH_CHECK = "afas.auth"
CONNECTORS_CHECK = "afas.connectors"
AUTH_OAUTH_CHECK = "afas.auth.oauth"
"""Hybrid mode: AFAS accepts the OAuth access token on ``/metainfo`` (``afas.auth``: the token)."""
STATUS_LINK = "https://www.afasstatus.nl"
HELP_API_RESPONSES = "https://help.afas.nl/help/NL/SE/120612.htm"

# 500 texts AFAS uses for "not assigned / not authorised" and "blocked definition", in Dutch
# and English (afas-api.md §6 b; the body language follows Accept-Language or the environment).
_NOT_ASSIGNED_MARKERS = (
    "niet ondersteund",
    "not supported",
    "niet geautoriseerd",
    "not authorized",
    "not authorised",
)
_BLOCKED_MARKERS = ("geblokkeerd", "blocked")


def connector_check_id(connector_id: str) -> str:
    """``afas.connector.<ConnectorId>``."""
    return f"afas.connector.{connector_id}"


@dataclass(frozen=True)
class AfasSettings:
    """The validated inputs of one AFAS run."""

    environment: AfasEnvironment
    token: AfasToken | None
    """The classic user token; None when only OAuth client credentials were given."""
    connectors: tuple[str, ...] = ()
    """GetConnector ids that must be reachable (``--connector`` and ``--connectors-zip``)."""
    base_url: str = ""
    """Where to talk to; empty means the environment's real host."""
    client: ClientCredentials | None = None
    """OAuth client credentials (``--client-id`` and its secret), or None."""
    today: date | None = None
    """The date the deadlines are measured against; None means today (tests pin it)."""
    auditor: AuditorReport | None = None
    """An AppConnector Auditor export read with ``--auditor`` (checks ``afas.auditor.*``)."""

    def __post_init__(self) -> None:
        if self.token is None and self.client is None:
            raise ValueError("AfasSettings needs a token, client credentials or both")

    @property
    def mode(self) -> str:
        """``classic`` (a token), ``oauth`` (client credentials) or ``hybrid`` (both)."""
        if self.client is None:
            return "classic"
        return "oauth" if self.token is None else "hybrid"

    @property
    def check_date(self) -> date:
        """``today`` or the real date."""
        return self.today or date.today()

    @property
    def url(self) -> str:
        """The base URL in use: ``base_url`` or the environment's real host."""
        return self.base_url or self.environment.default_base_url

    def describe(self) -> dict[str, object]:
        """The report's ``target``: what was checked, without any secret."""
        described: dict[str, object] = {
            "environment_id": self.environment.number,
            "environment": self.environment.kind.name.lower(),
        }
        if self.client is not None:
            described["auth"] = self.mode
            described["client_id"] = self.client.client_id
        return described


class SharedMetainfo:
    """``GET /metainfo`` once per run: concurrent callers await the same call and answer."""

    def __init__(self, client: AfasClient) -> None:
        self._client = client
        self._task: asyncio.Future[MetaInfo] | None = None

    async def get(self) -> MetaInfo:
        """The metainfo, fetched on first use; a failure is raised to every caller alike."""
        if self._task is None:
            self._task = asyncio.ensure_future(self._client.get_metainfo())
            self._task.add_done_callback(lambda f: f.cancelled() or f.exception())
        # shield: one caller's time limit must not cancel the call the others share.
        return await asyncio.shield(self._task)


def build_afas_checks(
    settings: AfasSettings,
    client: AfasClient,
    t: Translator,
    *,
    oauth_client: AfasClient | None = None,
    access: SharedAccessToken | None = None,
) -> list[CheckSpec]:
    """The checks of one AFAS run, in report order.

    ``client`` carries the classic token, or the OAuth access token when no token was given;
    in hybrid mode ``oauth_client`` carries the access token and every probe runs with both.
    ``access`` is the shared access token whenever client credentials were given.
    """
    step3 = t("afas.step.3")
    today = settings.check_date
    classic = settings.token is not None
    meta = SharedMetainfo(client)
    oauth_meta = SharedMetainfo(oauth_client) if oauth_client is not None else None
    specs: list[CheckSpec] = []
    auth_requires: tuple[str, ...] = ()
    if classic:
        specs.append(
            CheckSpec(TOKEN_CHECK, t("afas.title.token"), step3, lambda: _check_token(settings, t))
        )
    if access is not None:
        url = settings.url
        specs.append(
            CheckSpec(
                deadlines.OAUTH_CHECK,
                t("afas.title.oauth"),
                step3,
                lambda: deadlines.check_oauth(access, url, t),
            )
        )
        if not classic:
            auth_requires = (deadlines.OAUTH_CHECK,)
    auth_title = t("afas.title.auth") if classic else t("afas.title.auth_oauth")
    specs.append(
        CheckSpec(
            AUTH_CHECK,
            auth_title,
            step3,
            lambda: _check_auth(meta, client, t, oauth=not classic, hybrid=access is not None),
            requires=auth_requires,
        )
    )
    connector_requires: tuple[str, ...] = (AUTH_CHECK,)
    if oauth_meta is not None and oauth_client is not None:
        specs.append(
            CheckSpec(
                AUTH_OAUTH_CHECK,
                t("afas.title.auth_oauth"),
                step3,
                lambda: _check_auth(oauth_meta, oauth_client, t, oauth=True),
                requires=(deadlines.OAUTH_CHECK,),
            )
        )
        connector_requires = (AUTH_CHECK, AUTH_OAUTH_CHECK)
    if not settings.connectors:
        specs.append(
            CheckSpec(
                CONNECTORS_CHECK,
                t("afas.title.connectors"),
                t("afas.step.1"),
                lambda: _list_connectors(meta, t),
                requires=connector_requires,
            )
        )
    for cid in settings.connectors:
        run = _connector_runner(cid, meta, client, t)
        if oauth_meta is not None and oauth_client is not None:
            run = _hybrid_runner(run, _connector_runner(cid, oauth_meta, oauth_client, t), cid, t)
        specs.append(
            CheckSpec(
                connector_check_id(cid),
                t("afas.title.connector", id=cid),
                t("afas.step.1"),
                run,
                requires=connector_requires,
            )
        )
    if classic:
        specs.append(
            CheckSpec(
                deadlines.TOKEN_EXPIRY_CHECK,
                t("afas.title.expiry"),
                step3,
                lambda: deadlines.check_token_expiry(meta, today, t),
                requires=(AUTH_CHECK,),
            )
        )
        specs.append(
            CheckSpec(
                deadlines.SUNSET_CHECK,
                t("afas.title.sunset"),
                step3,
                lambda: deadlines.check_sunset(today, t),
            )
        )
    if settings.auditor is not None:
        specs.extend(auditor_checks(settings.auditor, t))
    return specs


def _hybrid_runner(
    classic: CheckFunction, oauth: CheckFunction, cid: str, t: Translator
) -> CheckFunction:
    """Probe one GetConnector with both credentials; a difference is a failure naming which."""

    async def run() -> Outcome:
        by_token, by_oauth = await asyncio.gather(_outcome_of(classic, t), _outcome_of(oauth, t))
        if by_token.status in PASSING and by_oauth.status in PASSING:
            worse = by_token if by_token.status is Status.WARN else by_oauth
            return worse if worse.status is Status.WARN else by_token
        if by_token.status in PASSING or by_oauth.status in PASSING:
            bad_key = "oauth" if by_token.status in PASSING else "token"
            bad = by_oauth if bad_key == "oauth" else by_token
            status = Status.FAIL if bad.status is Status.FAIL else Status.ERROR
            return outcome(
                status,
                t(f"afas.connector.hybrid.{bad_key}", id=cid, reason=bad.message),
                " ".join(filter(None, [t("afas.connector.hybrid.fix"), bad.fix.text])),
                list(bad.fix.links),
            )
        return by_token  # both fail alike: the classic wording names the cause

    return run


async def _outcome_of(check: CheckFunction, t: Translator) -> Outcome:
    """Run one probe; a remote error becomes an ``error`` outcome worded like the runner's."""
    try:
        return await check()
    except RemoteError as exc:
        return outcome(Status.ERROR, describe_remote_error(exc, t))


async def _check_token(settings: AfasSettings, t: Translator) -> Outcome:
    token = settings.token
    assert token is not None  # only built when a token was given
    form = t(f"afas.token.form.{token.form.value}")
    if not token.problems:
        return outcome(
            Status.PASS,
            t("afas.token.pass", form=form, version=token.version, masked=token.data.masked),
        )
    found = " ".join(
        t(f"afas.token.problem.{p.value}", length=token.data_length, version=token.version)
        for p in token.problems
    )
    return outcome(
        Status.WARN,
        t("afas.token.warn", form=form, problems=found, masked=token.data.masked),
        t("afas.token.fix"),
    )


async def _check_auth(
    meta: SharedMetainfo,
    client: AfasClient,
    t: Translator,
    *,
    oauth: bool = False,
    hybrid: bool = False,
) -> Outcome:
    try:
        info = await meta.get()
    except AfasHttpError as exc:
        refused = _auth_refused(exc, t, oauth=oauth)
        if hybrid and not oauth and exc.status == 401:
            # Authentication type OAuth no longer accepts classic tokens (MIG §4.1).
            fix = MessageList(" ", [t("afas.auth.401.hybrid"), refused.fix.as_message()])
            fix_text = t("core.sentences", sentences=fix)
            refused = replace(refused, fix=refused.fix.with_text(fix_text))
        return with_trace(refused, exc, t)
    except CallTimeout:
        raise  # the runner words timeouts
    except (TransportError, ProtocolError) as exc:
        unreachable = outcome(
            Status.ERROR,
            t("afas.auth.unreachable", url=client.base_url, reason=describe_remote_error(exc, t)),
            t("afas.auth.unreachable.fix"),
        )
        return with_trace(unreachable, exc, t)
    return outcome(
        Status.PASS,
        t(
            "afas.auth.oauth.pass" if oauth else "afas.auth.pass",
            app=info.app_name or "-",
            group=info.group or "-",
            envid=info.envid or "-",
        ),
    )


def _auth_refused(exc: AfasHttpError, t: Translator, *, oauth: bool = False) -> Outcome:
    if exc.status == 401:
        key = "afas.auth.oauth.401" if oauth else "afas.auth.401"
        return outcome(Status.FAIL, t(key), t(f"{key}.fix"), [HELP_API_RESPONSES])
    if exc.status == 403:
        return outcome(Status.FAIL, t("afas.auth.403"), t("afas.auth.403.fix"))
    if exc.status == 503:
        return _unavailable(exc, t)
    if exc.status == 404:
        return outcome(Status.ERROR, t("afas.auth.404"), t("afas.auth.unreachable.fix"))
    return _undetermined(exc, t)


def _unavailable(exc: AfasHttpError, t: Translator) -> Outcome:
    return outcome(
        Status.ERROR,
        t("afas.unavailable", when=describe_retry_after(exc.retry_after, t)),
        t("afas.unavailable.fix"),
        [STATUS_LINK],
    )


def _undetermined(exc: AfasHttpError, t: Translator) -> Outcome:
    if not exc.message and not exc.profit_log_reference:
        return outcome(
            Status.ERROR, t("afas.http_error.bare", status=exc.status), t("core.fix.retry_later")
        )
    reference = exc.profit_log_reference or "-"
    return outcome(
        Status.ERROR,
        t("afas.http_error", status=exc.status, message=exc.message or "-", reference=reference),
        t("afas.http_error.fix", reference=reference),
    )


async def _list_connectors(meta: SharedMetainfo, t: Translator) -> Outcome:
    ids = ", ".join((await meta.get()).get_connector_ids()) or t("afas.connectors.none")
    return outcome(Status.WARN, t("afas.connectors.unknown", ids=ids), t("afas.connectors.fix"))


class _Refusal(Enum):
    NOT_ASSIGNED = "not_assigned"
    BLOCKED = "blocked"
    UNAVAILABLE = "unavailable"
    OTHER = "other"


def _classify(exc: AfasHttpError) -> _Refusal:
    text = exc.message.lower()
    if exc.status == 500 and any(m in text for m in _BLOCKED_MARKERS):
        return _Refusal.BLOCKED
    # 401 on a connector: "GetConnector not added to the App Connector" (help page 120612);
    # AFAS's troubleshooting page and field notes show a 500 with "niet ondersteund" instead.
    if exc.status == 401 or (exc.status == 500 and any(m in text for m in _NOT_ASSIGNED_MARKERS)):
        return _Refusal.NOT_ASSIGNED
    return _Refusal.UNAVAILABLE if exc.status == 503 else _Refusal.OTHER


def _connector_runner(
    cid: str, meta: SharedMetainfo, client: AfasClient, t: Translator
) -> CheckFunction:
    async def run() -> Outcome:
        info = await meta.get()
        answer: ConnectorProbe | AfasHttpError | None
        try:
            answer = await client.probe_connector(cid)
        except AfasHttpError as exc:
            answer = exc
        except RemoteError as exc:
            if info.get_connectors is None or cid in info.get_connector_ids():
                if exc.trace_id is None:
                    raise  # the runner words it
                # Worded as the runner does, with AFAS's trace identifier added.
                reason = t("core.error.remote", reason=describe_remote_error(exc, t))
                return with_trace(outcome(Status.ERROR, reason, t("core.fix.retry_later")), exc, t)
            answer = None  # metainfo already shows it is not assigned; the probe adds nothing
        return _judge(cid, info, answer, t)

    return run


def _judge(
    cid: str, info: MetaInfo, answer: ConnectorProbe | AfasHttpError | None, t: Translator
) -> Outcome:
    known = info.get_connectors is not None
    listed = cid in info.get_connector_ids()
    refusal = _classify(answer) if isinstance(answer, AfasHttpError) else None
    if refusal is _Refusal.BLOCKED:
        assert answer is not None
        blocked = outcome(
            Status.FAIL, t("afas.connector.blocked", id=cid), t("afas.connector.blocked.fix")
        )
        return with_trace(blocked, answer, t)
    if isinstance(answer, ConnectorProbe):
        if listed or not known:
            key = "afas.connector.rows" if answer.has_rows else "afas.connector.no_rows"
            return outcome(Status.PASS, t(key, id=cid, rows=answer.row_count))
        return outcome(
            Status.WARN,
            t("afas.connector.unlisted_but_ok", id=cid),
            _case_note(cid, info, t) or t("afas.connector.unlisted_but_ok.fix", id=cid),
        )
    if (known and not listed) or refusal is _Refusal.NOT_ASSIGNED:
        key = "afas.connector.refused" if listed else "afas.connector.not_assigned"
        fix = " ".join(filter(None, [_case_note(cid, info, t), t(f"{key}.fix")]))
        refused = outcome(Status.FAIL, t(key, id=cid), fix, [HELP_API_RESPONSES])
        return with_trace(refused, answer, t) if answer is not None else refused
    assert isinstance(answer, AfasHttpError)
    judged = (
        _unavailable(answer, t) if refusal is _Refusal.UNAVAILABLE else _undetermined(answer, t)
    )
    return with_trace(judged, answer, t)


def _case_note(cid: str, info: MetaInfo, t: Translator) -> str:
    """Say so explicitly when AFAS lists the id with different capitals."""
    twins = [c for c in info.get_connector_ids() if c.lower() == cid.lower() and c != cid]
    return t("afas.connector.case_differs", id=cid, afas_id=twins[0]) if twins else ""
