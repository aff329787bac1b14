"""The opt-in REST probe: authorization code + PKCE with the bureau's own Nmbrs app, then one
read per REST endpoint that replaces one of the manual's calls (reference §1.10, §3 D).

OAuth parameters, PKCE and the callback's ``state`` check come from Authlib's RFC 6749/7636
helpers; every request goes through koppelcheck's one httpx client (:mod:`koppelcheck.http`).
Tokens live in memory only (as :class:`~koppelcheck.secret.Secret`) and are revoked at the end.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.errors import OAuth2Error
from authlib.oauth2.rfc6749.parameters import (
    parse_authorization_code_response,
    prepare_grant_uri,
    prepare_token_request,
)
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from koppelcheck.checks import CheckSpec, Outcome, outcome
from koppelcheck.errors import InputError, RemoteError
from koppelcheck.http import remote_error_from, shared_or_own_client
from koppelcheck.i18n import MessageList, Text, Translator, os_reason
from koppelcheck.jsontypes import JSON, JSONObject
from koppelcheck.models import Report, Status
from koppelcheck.nmbrs.rest import mapping
from koppelcheck.nmbrs.rest.steps import rest_step_id
from koppelcheck.reporting import build_report, now
from koppelcheck.runner import CheckRunner
from koppelcheck.secret import Redactor, Secret, server_text

AUTH_CHECK = "nmbrs.rest.auth"
SCOPES_CHECK = "nmbrs.rest.scopes"
LIMITS_CHECK = "nmbrs.rest.limits"
ENDPOINT_PREFIX = "nmbrs.rest.endpoint."
CALLBACK_PATH = "/callback"


@dataclass(frozen=True)
class RestSettings:
    """What the probe needs: the bureau's own app, where Nmbrs is, which company to look at."""

    client_id: str
    client_secret: Secret
    subscription_key: Secret
    base_url: str = mapping.API_BASE_URL
    identity_url: str = mapping.IDENTITY_URL
    redirect_uri: str | None = None
    """A loopback ``http://127.0.0.1:<port>/<path>``; None: a free port and ``/callback``."""
    company: str | None = None
    scopes: tuple[str, ...] = mapping.REQUIRED_SCOPES


@dataclass
class Tokens:
    """The tokens of one consent, in memory only."""

    access: Secret
    refresh: Secret | None
    granted: frozenset[str]


@dataclass(frozen=True)
class IdentityRefusal(Exception):
    """The identity service said no: an RFC 6749 ``error`` (never a secret) and its text."""

    error: str
    description: str = ""


@dataclass
class Consent:
    """The outcome of the authorization step: tokens, or why there are none."""

    tokens: Tokens | None = None
    refusal: IdentityRefusal | None = None
    failure: RemoteError | None = None
    revoked: list[str] = field(default_factory=list)


def _basic(client_id: str, secret: Secret) -> str:
    """client_secret_basic with each half percent-encoded first (RFC 6749 §2.3.1; §1.2)."""
    pair = f"{quote(client_id, safe='')}:{quote(secret.reveal(), safe='')}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


class LoopbackListener:
    """Waits on 127.0.0.1 for the browser's one redirect and answers it with a short page."""

    def __init__(self, redirect_uri: str | None) -> None:
        parts = urlsplit(redirect_uri) if redirect_uri else None
        self._port = parts.port or 80 if parts else 0
        self._path = (parts.path or "/") if parts else CALLBACK_PATH
        self._host = parts.hostname if parts else "127.0.0.1"
        self._server: asyncio.Server | None = None
        self._result: asyncio.Future[str] | None = None

    async def start(self) -> str:
        """Listen; return the redirect URI to register in the authorization request."""
        self._result = asyncio.get_running_loop().create_future()
        try:
            self._server = await asyncio.start_server(self._serve, "127.0.0.1", self._port)
        except OSError as exc:  # before anything is sent: the address is the user's input
            raise InputError(
                "redirect_uri",
                Text("console.simulate.cannot_listen", port=self._port, reason=os_reason(exc)),
                Text("input.rest.registered_port"),
            ) from None
        port = self._server.sockets[0].getsockname()[1]
        return f"http://{self._host}:{port}{self._path}"

    async def wait(self) -> str:
        """The full callback URL the browser was sent to."""
        assert self._result is not None
        return await self._result

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = (await asyncio.wait_for(reader.readline(), 10)).decode("latin-1")
            while (await asyncio.wait_for(reader.readline(), 10)).strip():
                pass
            target = line.split(" ")[1] if line.count(" ") >= 2 else ""
            ours = urlsplit(target).path == self._path
            body = b"koppelcheck: you can close this window." if ours else b"not found"
            status = b"200 OK" if ours else b"404 Not Found"
            writer.write(
                b"HTTP/1.1 " + status + b"\r\nContent-Type: text/plain; charset=utf-8\r\n"
                b"Content-Length: "
                + str(len(body)).encode()
                + b"\r\nConnection: close\r\n\r\n"
                + body
            )
            await writer.drain()
            if ours and self._result is not None and not self._result.done():
                self._result.set_result(f"http://127.0.0.1{target}")
        except (TimeoutError, ConnectionError, IndexError):
            pass
        finally:
            writer.close()


async def authorize(
    http: httpx.AsyncClient,
    settings: RestSettings,
    show_url: Callable[[str], Awaitable[None] | None],
    *,
    wait_s: float = 300.0,
) -> Consent:
    """Authorization code + PKCE S256 + state through a loopback redirect; then the token."""
    listener = LoopbackListener(settings.redirect_uri)
    redirect_uri = await listener.start()
    try:
        state = generate_token(32)
        verifier = generate_token(64)
        url = prepare_grant_uri(
            settings.identity_url + mapping.AUTHORIZE_PATH,
            settings.client_id,
            "code",
            redirect_uri=redirect_uri,
            scope=" ".join(settings.scopes),
            state=state,
            code_challenge=create_s256_code_challenge(verifier),
            code_challenge_method="S256",
        )
        shown = show_url(url)
        if shown is not None:
            await shown
        try:
            callback = await asyncio.wait_for(listener.wait(), wait_s)
        except TimeoutError:
            return Consent(refusal=IdentityRefusal("timeout", f"{wait_s:g} s"))
        query = dict(_query(callback))
        if "error" in query:
            return Consent(
                refusal=IdentityRefusal(query["error"], query.get("error_description", ""))
            )
        try:
            code = parse_authorization_code_response(callback, state=state)["code"]
        except (OAuth2Error, KeyError) as exc:
            return Consent(refusal=IdentityRefusal("state", type(exc).__name__))
        body = prepare_token_request(
            "authorization_code", code=code, redirect_uri=redirect_uri, code_verifier=verifier
        )
        try:
            response = await _post_with_client_auth(
                http, settings, settings.identity_url + mapping.TOKEN_PATH, body
            )
        except httpx.TransportError as exc:
            return Consent(failure=remote_error_from(exc, "token", http.timeout.read))
        return _token_answer(response, settings)
    finally:
        await listener.close()


async def _post_with_client_auth(
    http: httpx.AsyncClient, settings: RestSettings, url: str, body: str
) -> httpx.Response:
    """POST a form with ``client_secret_basic``; on ``invalid_client`` once more with the
    credentials in the body (``client_secret_post``): peers use either (reference §1.2)."""
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/json",
    }
    basic = {**headers, "Authorization": _basic(settings.client_id, settings.client_secret)}
    response = await http.post(url, content=body, headers=basic)
    if response.status_code not in (400, 401) or _oauth_error(response) != "invalid_client":
        return response

    posted = f"{body}&" + urlencode(
        {"client_id": settings.client_id, "client_secret": settings.client_secret.reveal()}
    )
    return await http.post(url, content=posted, headers=headers)


def _oauth_error(response: httpx.Response) -> str | None:
    try:
        data = response.json()
    except (ValueError, RecursionError):  # RecursionError: nested too deep
        return None
    return server_text(data.get("error"), 100) if isinstance(data, dict) else None


def _query(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query)


def _token_answer(response: httpx.Response, settings: RestSettings) -> Consent:
    try:
        data = response.json()
    except (ValueError, RecursionError):  # RecursionError: nested too deep
        data = None
    if not isinstance(data, dict):
        return Consent(refusal=IdentityRefusal("unreadable", f"HTTP {response.status_code}"))
    if "error" in data or not response.is_success or not data.get("access_token"):
        return Consent(
            refusal=IdentityRefusal(
                server_text(data.get("error") or f"http_{response.status_code}", 100),
                # Sanitised, and secrets masked before it is shortened (koppelcheck.secret).
                server_text(data.get("error_description") or "", 200),
            )
        )
    # RFC 6749 §5.1: no scope in the answer means the scopes asked for.
    granted = frozenset(str(data.get("scope") or " ".join(settings.scopes)).split())
    refresh = data.get("refresh_token")
    return Consent(
        tokens=Tokens(
            Secret(str(data["access_token"]), "oauth"),
            Secret(str(refresh), "oauth") if refresh else None,
            granted,
        )
    )


async def revoke(http: httpx.AsyncClient, settings: RestSettings, tokens: Tokens) -> list[str]:
    """Revoke the refresh token, then the access token (``/connect/revocation``); return which
    kinds were accepted. Never raises: a failed revocation is reported by the caller."""
    done: list[str] = []
    pairs = [("refresh_token", tokens.refresh), ("access_token", tokens.access)]
    for hint, token in pairs:
        if token is None:
            continue

        body = urlencode({"token": token.reveal(), "token_type_hint": hint})
        try:
            response = await _post_with_client_auth(
                http, settings, settings.identity_url + mapping.REVOCATION_PATH, body
            )
        except httpx.HTTPError:
            continue
        if response.is_success:
            done.append(hint)
    return done


@dataclass(frozen=True)
class ApiAnswer:
    """One API call's answer: status, the Nmbrs error code, the JSON, a Retry-After."""

    status: int
    code: int | None = None
    data: JSON = None
    retry_after: str | None = None
    error: RemoteError | None = None


class RestProbe:
    """The checks of one REST probe, after consent. Each endpoint is called once."""

    def __init__(
        self, http: httpx.AsyncClient, settings: RestSettings, consent: Consent, t: Translator
    ) -> None:
        self._http = http
        self._settings = settings
        self._consent = consent
        self._t = t
        self._answers: dict[str, asyncio.Task[ApiAnswer]] = {}
        self.via_debtors = False
        self.company_name = "?"

    # -- calls ---------------------------------------------------------------------------------

    async def get(self, path: str, **params: str | int) -> ApiAnswer:
        """GET once per (path, params), with Bearer and X-Subscription-Key."""
        key = f"{path}?{sorted(params.items())}"
        if key not in self._answers:
            self._answers[key] = asyncio.ensure_future(self._get(path, params))
        return await asyncio.shield(self._answers[key])

    async def _get(self, path: str, params: dict[str, str | int]) -> ApiAnswer:
        tokens = self._consent.tokens
        assert tokens is not None
        headers = {
            "Authorization": f"Bearer {tokens.access.reveal()}",
            mapping.SUBSCRIPTION_HEADER: self._settings.subscription_key.reveal(),
            "Accept": "application/json",
        }
        try:
            response = await self._http.get(
                self._settings.base_url + path, params=params, headers=headers
            )
        except httpx.TransportError as exc:
            return ApiAnswer(0, error=remote_error_from(exc, path, self._http.timeout.read))
        data: JSON = None
        if "json" in response.headers.get("content-type", ""):
            try:
                data = response.json()
            except (ValueError, RecursionError):  # RecursionError: nested too deep
                data = None
        code = data.get("code") if isinstance(data, dict) else None
        return ApiAnswer(
            response.status_code,
            code if isinstance(code, int) else None,
            data,
            response.headers.get("retry-after"),
        )

    async def companies(self) -> list[JSONObject]:
        """The consent's companies: ``/api/companies``, or per debtor after a 40306."""
        answer = await self.get(mapping.COMPANIES.path, pageSize=mapping.MAX_PAGE_SIZE)
        if answer.status == 200:
            return _data(answer)
        if answer.code != 40306:
            return []
        self.via_debtors = True
        found: list[JSONObject] = []
        for debtor in _data(await self.get(mapping.DEBTORS.path, pageSize=mapping.MAX_PAGE_SIZE)):
            path = mapping.DEBTOR_COMPANIES.path.format(debtorId=debtor.get("debtorId"))
            found += _data(await self.get(path, pageSize=mapping.MAX_PAGE_SIZE))
        return found

    async def company_id(self) -> str | None:
        """The company named by ``--company`` (exactly), else the first one."""
        rows = await self.companies()
        wanted = self._settings.company
        chosen = next((r for r in rows if wanted and r.get("name") == wanted), None)
        chosen = chosen or (rows[0] if rows else None)
        if chosen is None:
            return None
        self.company_name = str(chosen.get("name") or "?")
        return str(chosen.get("companyId"))

    async def year(self, company: str) -> int:
        """The company's current period's year (``GET {c}/period``), else this year."""
        rows = _data(await self.get(mapping.PERIOD.path.format(companyId=company), pageSize=1))
        period = rows[0].get("period") if rows else None
        year = period.get("year") if isinstance(period, dict) else None
        return year if isinstance(year, int) and 1900 < year < 3000 else date.today().year

    async def run_id(self, company: str) -> tuple[str | None, int]:
        """A payroll run of the company's current year, and that year."""
        year = await self.year(company)
        rows = _data(await self.get(mapping.RUNS.path.format(companyId=company), year=year))
        return (str(rows[0].get("payrollRunId")) if rows else None), year

    # -- checks --------------------------------------------------------------------------------

    def checks(self) -> list[CheckSpec]:
        """Auth, scopes, one check per endpoint, and what a customer-side probe cannot prove."""
        t = self._t
        specs = [
            CheckSpec(
                AUTH_CHECK,
                t("rest.probe.auth.title"),
                "",
                self._check_auth,
                step_id=rest_step_id(AUTH_CHECK),
            ),
            CheckSpec(
                SCOPES_CHECK,
                t("rest.probe.scopes.title"),
                "",
                self._check_scopes,
                requires=(AUTH_CHECK,),
                step_id=rest_step_id(SCOPES_CHECK),
            ),
        ]
        for endpoint in mapping.PROBE_ENDPOINTS:
            if endpoint in (mapping.DEBTORS, mapping.DEBTOR_COMPANIES):
                continue  # asked only after a 40306, inside the companies check
            specs.append(
                CheckSpec(
                    ENDPOINT_PREFIX + endpoint.name,
                    t("rest.probe.endpoint.title", path=endpoint.path),
                    "",
                    self._endpoint_check(endpoint),
                    requires=(AUTH_CHECK,),
                    step_id=rest_step_id(ENDPOINT_PREFIX + endpoint.name),
                )
            )
        specs.append(
            CheckSpec(
                LIMITS_CHECK,
                t("rest.probe.limits.title"),
                "",
                self._limits,
                step_id=rest_step_id(LIMITS_CHECK),
            )
        )
        return specs

    async def _check_auth(self) -> Outcome:
        t = self._t
        consent = self._consent
        if consent.tokens is not None:
            return outcome(Status.PASS, t("rest.probe.auth.pass", client=self._settings.client_id))
        if consent.failure is not None:
            raise consent.failure
        refusal = consent.refusal or IdentityRefusal("unknown")
        known = ("invalid_client", "invalid_grant", "invalid_scope", "access_denied", "state")
        key = refusal.error if refusal.error in known else "other"
        return outcome(
            Status.FAIL,
            t(f"rest.probe.auth.{key}", error=refusal.error, description=refusal.description),
            t(f"rest.probe.auth.{key}.fix"),
        )

    async def _check_scopes(self) -> Outcome:
        t = self._t
        tokens = self._consent.tokens
        assert tokens is not None
        missing = [
            s for s in mapping.REQUIRED_SCOPES if not mapping.satisfied_by(s, tokens.granted)
        ]
        if not missing:
            return outcome(
                Status.PASS, t.plural("rest.probe.scopes.pass", len(mapping.REQUIRED_SCOPES))
            )
        parts = [
            t("rest.probe.scopes.item", scope=s, endpoints=", ".join(mapping.blocked_by(s)) or "—")
            for s in missing
        ]
        return outcome(
            Status.FAIL,
            t("rest.probe.scopes.missing", missing=MessageList("; ", parts)),
            t("rest.probe.scopes.fix"),
        )

    def _endpoint_check(self, endpoint: mapping.RestEndpoint) -> Callable[[], Awaitable[Outcome]]:
        async def check() -> Outcome:
            answer, note = await self._call(endpoint)
            return self._judge(endpoint, answer, note)

        return check

    async def _call(self, endpoint: mapping.RestEndpoint) -> tuple[ApiAnswer | None, str]:
        one = {"pageSize": 1}
        if endpoint is mapping.USER_INFO:
            return await self.get(endpoint.path, **one), ""
        if endpoint is mapping.COMPANIES:
            answer = await self.get(endpoint.path, pageSize=mapping.MAX_PAGE_SIZE)
            if answer.code == 40306:
                count = len(await self.companies())
                return answer, self._t("rest.probe.multi_debtor", count=count)
            return answer, ""
        company = await self.company_id()
        if company is None:
            return None, ""
        if endpoint is mapping.RUNS:
            year = await self.year(company)
            return await self.get(endpoint.path.format(companyId=company), year=year), ""
        if endpoint in (mapping.WAGECODES, mapping.DOCUMENT):
            run, year = await self.run_id(company)
            if run is None:
                return None, ""
            path = mapping.WAGECODES.path.format(companyId=company, payrollRunId=run)
            started = await self.get(path, year=year)
            if endpoint is mapping.WAGECODES or started.status != 200:
                return (started, "") if endpoint is mapping.WAGECODES else (None, "")
            task = started.data.get("taskId") if isinstance(started.data, dict) else None
            return await self._poll(mapping.DOCUMENT.path.format(taskId=task)), ""
        return await self.get(endpoint.path.format(companyId=company), **one), ""

    async def _poll(self, path: str) -> ApiAnswer:
        answer = ApiAnswer(0)
        for attempt in range(10):
            answer = await self._get(path, {})
            if answer.status != 202:
                return answer
            await asyncio.sleep(min(0.2 * 2**attempt, 2.0))
        return answer

    def _judge(
        self, endpoint: mapping.RestEndpoint, answer: ApiAnswer | None, note: str
    ) -> Outcome:
        t = self._t
        path = endpoint.path
        if answer is None:
            return outcome(Status.SKIP, t("rest.probe.endpoint.no_ids", path=path))
        if answer.error is not None:
            raise answer.error
        status, code = answer.status, answer.code
        tokens = self._consent.tokens
        granted = tokens.granted if tokens else frozenset()
        if status == 202:  # §1.9: the document is still being made; the call itself was allowed
            return outcome(Status.PASS, t("rest.probe.endpoint.processing"))
        if status == 200:
            replaces = ", ".join(
                m.soap.split(".")[1] for m in mapping.CALL_MAPPING if m.endpoint == endpoint.name
            )
            key = "rest.probe.endpoint.pass" if replaces else "rest.probe.endpoint.pass_plain"
            return outcome(Status.PASS, t(key, replaces=replaces))
        if code == 40306:
            return outcome(
                Status.WARN,
                t(
                    "core.sentences",
                    sentences=MessageList(
                        " ", [t("rest.probe.endpoint.40306", path=path), *([note] if note else [])]
                    ),
                ),
                t("rest.probe.endpoint.40306.fix"),
            )
        if status == 403 and code == 40304:
            return outcome(
                Status.FAIL,
                t("rest.probe.endpoint.40304", path=path),
                t("rest.probe.endpoint.40304.fix"),
            )
        if status == 403:
            if not any(mapping.satisfied_by(s, granted) for s in endpoint.scopes):
                return outcome(
                    Status.FAIL,
                    t("rest.probe.endpoint.scope", path=path, scope=" / ".join(endpoint.scopes)),
                    t("rest.probe.scopes.fix"),
                )
            return outcome(
                Status.FAIL,
                t("rest.probe.endpoint.40303", path=path, company=self.company_name),
                t("rest.probe.endpoint.40303.fix"),
            )
        if status == 404:
            return outcome(
                Status.FAIL,
                t("rest.probe.endpoint.404", path=path, code=code or "-"),
                t("rest.probe.endpoint.404.fix"),
            )
        if status == 429:
            return outcome(
                Status.ERROR,
                t("rest.probe.endpoint.429", path=path, wait=answer.retry_after or "?"),
                t("rest.probe.endpoint.429.fix"),
            )
        if status == 401:
            return outcome(
                Status.FAIL,
                t("rest.probe.endpoint.401", path=path, code=code or "-"),
                t("rest.probe.endpoint.401.fix"),
            )
        return outcome(
            Status.ERROR, t("rest.probe.endpoint.other", path=path, status=status, code=code or "-")
        )

    async def _limits(self) -> Outcome:
        t = self._t
        text = MessageList(" ", (t(key) for key in mapping.CANNOT_PROVE_KEYS))
        return Outcome(Status.MANUAL, t("rest.probe.limits.message", limits=text))


def _data(answer: ApiAnswer) -> list[JSONObject]:
    data = answer.data.get("data") if isinstance(answer.data, dict) else None
    return [row for row in data if isinstance(row, dict)] if isinstance(data, list) else []


async def verify_rest(
    settings: RestSettings,
    *,
    translator: Translator,
    show_url: Callable[[str], Awaitable[None] | None],
    timeout_s: float = 30.0,
    ca_bundle: str | None = None,
    http: httpx.AsyncClient | None = None,
    wait_s: float = 300.0,
) -> tuple[Report, Consent]:
    """Consent, probe, revoke (also when cancelled, e.g. by Ctrl-C); return (report, consent)."""
    started = now()
    redactor = Redactor()
    redactor.add(settings.client_secret)
    redactor.add(settings.subscription_key)
    consent = Consent()
    async with shared_or_own_client(
        http, timeout_s=timeout_s, per_host_limit=4, ca_bundle=ca_bundle
    ) as client:
        try:
            consent = await authorize(client, settings, show_url, wait_s=wait_s)
            if consent.tokens is not None:
                redactor.add(consent.tokens.access)
                if consent.tokens.refresh is not None:
                    redactor.add(consent.tokens.refresh)
            runner = CheckRunner(translator, check_timeout_s=timeout_s * 4, redactor=redactor)
            results = await runner.run(RestProbe(client, settings, consent, translator).checks())
        finally:
            if consent.tokens is not None:
                consent.revoked = await asyncio.shield(revoke(client, settings, consent.tokens))
    report = build_report(
        system="nmbrs",
        option="rest",
        target={
            "domain": urlsplit(settings.base_url).netloc,
            "client_id": settings.client_id,
            "base_url": settings.base_url,
            "identity_url": settings.identity_url,
        },
        started_at=started,
        results=results,
    )
    return report, consent
