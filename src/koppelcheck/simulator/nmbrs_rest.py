"""A local Nmbrs REST API and identity service, as a pure ``handle(SimRequest) -> SimResponse``.

It follows the public record (``shared/reference/migration-rest-oauth.md`` §1), not our probe:

- identity (§1.1-1.3): ``/.well-known/openid-configuration``; ``/connect/authorize`` (authorization
  code, ``state`` echoed, PKCE S256 or plain; an unknown client or a scope outside the app's
  list answers an HTML error page before any login, as WOWAUTH saw; consent is given at once, as
  if a person approved, and the browser is redirected); ``/connect/token`` (client_secret_basic or
  the secret in the body; codes single use; ``invalid_client``/``invalid_grant``/``invalid_scope``
  as RFC 6749 JSON); ``/connect/revocation``.
- API (§1.6-1.10): ``Authorization: Bearer`` and ``X-Subscription-Key`` on every request; the
  ``{pagination, data}`` envelope; errors as ``{type, httpStatus, code, title, detail}``. A scope
  the token lacks answers 403 40303, as the SDK saw the server do (§1.7, PEER).

Scenarios (``REST_SCENARIOS``): healthy, missing-scope (the consenting user did not grant
``employee.bankaccount.read``), no-access-company (the login's filter hides one company: 40303),
disabled (40304), multi-debtor (one consent for two debtors: ``/api/companies`` answers 40306),
throttled (429 with Retry-After). Values are made up for the simulator.
"""

from __future__ import annotations

import base64
import collections
import hashlib
import json
import secrets
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from koppelcheck.errors import InputError
from koppelcheck.http import is_loopback_host
from koppelcheck.i18n import Text
from koppelcheck.jsontypes import JSONValue
from koppelcheck.nmbrs.rest import mapping
from koppelcheck.simulator.server import SimRequest, SimResponse

REST_SCENARIOS: tuple[str, ...] = (
    "healthy",
    "missing-scope",
    "no-access-company",
    "disabled",
    "multi-debtor",
    "throttled",
)
ALL_SCOPES: frozenset[str] = frozenset(
    {s for e in mapping.PROBE_ENDPOINTS for s in e.scopes} | set(mapping.REQUIRED_SCOPES)
)


@dataclass(frozen=True)
class RestCompany:
    """A company as REST shows it: a uuid, a number, a name, its debtor's uuid."""

    id: str
    number: int
    name: str
    debtor_id: str


@dataclass(frozen=True)
class RestDebtor:
    """A debtor and its companies."""

    id: str
    number: str
    name: str
    companies: tuple[RestCompany, ...]


@dataclass
class RestScenario:
    """One simulated Nmbrs REST environment. Credentials here are demo values."""

    name: str
    description: str
    client_id: str = "PartnerApp_koppelcheck_demo"
    client_secret: str = "demo-secret-*$-9f8e7d6c5b4a3f2e"  # noqa: S105 - a demo value
    subscription_key: str = "demo0subscription0key0a1b2c3d4e5f"
    allowed_scopes: frozenset[str] = ALL_SCOPES
    withheld_scopes: frozenset[str] = frozenset()
    """Scopes the consenting user does not grant (the token's ``scope`` is narrower)."""
    consent_debtors: int = 1
    """How many debtors the consent covers; above 1 ``/api/companies`` answers 40306."""
    hidden_companies: frozenset[int] = frozenset()
    """Company numbers the login's tags/filters hide: 40303."""
    disabled: bool = False
    throttled: bool = False
    basic_auth: bool = True
    """False: the token endpoint refuses client_secret_basic (peers use either, §1.2)."""
    debtors: tuple[RestDebtor, ...] = ()


def _debtor(index: int, name: str, companies: list[tuple[int, str]]) -> RestDebtor:
    debtor_id = str(uuid.UUID(int=0xD0 << 64 | index))
    return RestDebtor(
        debtor_id,
        f"D-{index}00",
        name,
        tuple(
            RestCompany(str(uuid.UUID(int=0xC0 << 64 | number)), number, title, debtor_id)
            for number, title in companies
        ),
    )


_DEBTORS = (
    _debtor(1, "Jansen Holding", [(1, "Bakkerij Jansen B.V."), (3, "Jansen Vastgoed B.V.")]),
    _debtor(2, "De Vries Mobiliteit", [(2, "Garage De Vries")]),
)


def load_rest_scenario(name: str) -> RestScenario:
    """A bundled scenario by name; an unknown name is an InputError naming the choices."""
    healthy = RestScenario("healthy", "Everything granted and visible.", debtors=_DEBTORS)
    variants = {
        "healthy": healthy,
        "missing-scope": replace(
            healthy,
            description="The consenting user did not grant employee.bankaccount.read.",
            withheld_scopes=frozenset({"employee.bankaccount", "employee.bankaccount.read"}),
        ),
        "no-access-company": replace(
            healthy,
            description="The login's filter hides Jansen Vastgoed B.V. (40303).",
            hidden_companies=frozenset({3}),
        ),
        "disabled": replace(
            healthy, description="The environment is disabled (40304).", disabled=True
        ),
        "multi-debtor": replace(
            healthy,
            description="One consent covers two debtors: /api/companies answers 40306.",
            consent_debtors=2,
        ),
        "throttled": replace(healthy, description="Every API call answers 429.", throttled=True),
    }
    if name not in variants:
        raise InputError(
            "scenario",
            Text("console.simulate.unknown_scenario", scenario=repr(name)),
            Text("input.scenario.one_of", names=", ".join(REST_SCENARIOS)),
        )
    return replace(variants[name], name=name)


@dataclass
class _Grant:
    scopes: frozenset[str]
    debtors: tuple[RestDebtor, ...]
    redirect_uri: str = ""
    challenge: str = ""
    method: str = ""


@dataclass
class RestState:
    """What the simulator remembers: codes, tokens, revocations (for tests)."""

    codes: dict[str, _Grant] = field(default_factory=dict)
    access: dict[str, _Grant] = field(default_factory=dict)
    refresh: dict[str, _Grant] = field(default_factory=dict)
    revoked: list[str] = field(default_factory=list)
    tasks: dict[str, int] = field(default_factory=dict)


def _json(status: int, body: JSONValue, headers: dict[str, str] | None = None) -> SimResponse:
    return SimResponse(
        status=status,
        body=json.dumps(body).encode(),
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
    )


def _problem(status: int, code: int, title: str, detail: str, kind: str) -> SimResponse:
    return _json(
        status,
        {
            "type": kind,
            "httpStatus": status,
            "code": code,
            "title": title,
            "detail": detail,
            "docUrl": "https://developer.nmbrs.com/docs/errors",
        },
    )


def _oauth_error(status: int, error: str, description: str) -> SimResponse:
    return _json(
        status, {"error": error, "error_description": description}, {"Cache-Control": "no-store"}
    )


def _html(status: int, text: str) -> SimResponse:
    body = f"<!DOCTYPE html><html><body><h1>{text}</h1></body></html>".encode()
    return SimResponse(status=status, body=body, headers={"Content-Type": "text/html"})


class NmbrsRestSimulator:
    """Answers Nmbrs REST and identity requests from a scenario. Thread-safe."""

    def __init__(self, scenario: RestScenario) -> None:
        self.scenario = scenario
        self.state = RestState()
        self.requests: list[tuple[str, str]] = []
        self.hits: collections.Counter[tuple[str, str]] = collections.Counter()
        """Requests per (method, path), as the SOAP simulator counts them."""
        self._lock = threading.Lock()

    # -- dispatch ------------------------------------------------------------------------------

    def handle(self, request: SimRequest) -> SimResponse:
        """Answer one HTTP request."""
        path = request.path.rstrip("/") or "/"
        with self._lock:
            self.requests.append((request.method, path))
            self.hits[(request.method, path)] += 1
        if path == mapping.DISCOVERY_PATH and request.method == "GET":
            return self._discovery(request)
        if path == mapping.AUTHORIZE_PATH and request.method == "GET":
            return self._authorize(request)
        if path == mapping.TOKEN_PATH and request.method == "POST":
            return self._token(request)
        if path == mapping.REVOCATION_PATH and request.method == "POST":
            return self._revoke(request)
        if path.startswith("/api/") and request.method == "GET":
            return self._api(request, path)
        return _html(404, "Not Found")

    def _issuer(self, request: SimRequest) -> str:
        return f"http://{request.header('host') or '127.0.0.1'}"

    # -- identity ------------------------------------------------------------------------------

    def _discovery(self, request: SimRequest) -> SimResponse:
        issuer = self._issuer(request)
        return _json(
            200,
            {
                "issuer": issuer,
                "authorization_endpoint": issuer + mapping.AUTHORIZE_PATH,
                "token_endpoint": issuer + mapping.TOKEN_PATH,
                "revocation_endpoint": issuer + mapping.REVOCATION_PATH,
                "scopes_supported": sorted(ALL_SCOPES | {"openid"}),
                "response_types_supported": ["code"],
                "grant_types_supported": ["authorization_code", "refresh_token"],
                "code_challenge_methods_supported": ["plain", "S256"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                ],
            },
        )

    def _authorize(self, request: SimRequest) -> SimResponse:
        q = {k: v[0] for k, v in request.query.items() if v}
        scenario = self.scenario
        if q.get("client_id") != scenario.client_id:
            return _html(400, "invalid_client")
        redirect = q.get("redirect_uri", "")
        parts = urlsplit(redirect)
        if parts.scheme not in ("http", "https") or not is_loopback_host(parts.hostname or ""):
            return _html(400, "Invalid redirect_uri")  # only this machine is ever redirected to
        requested = frozenset(q.get("scope", "").split())
        if (
            q.get("response_type") != "code"
            or not requested
            or not requested <= (scenario.allowed_scopes)
        ):
            # WOWAUTH: a scope outside the app's list fails before any login screen.
            return _html(400, f"Invalid scope (error {uuid.uuid4()})")
        code = secrets.token_urlsafe(24)
        with self._lock:
            self.state.codes[code] = _Grant(
                scopes=requested - scenario.withheld_scopes,
                debtors=scenario.debtors[: scenario.consent_debtors],
                redirect_uri=redirect,
                challenge=q.get("code_challenge", ""),
                method=q.get("code_challenge_method", "plain"),
            )
        query = {"code": code, "scope": " ".join(sorted(requested)), "state": q.get("state", "")}
        sep = "&" if parts.query else "?"
        return SimResponse(status=302, headers={"Location": redirect + sep + urlencode(query)})

    def _client_ok(self, request: SimRequest, form: dict[str, str]) -> bool:
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        auth = request.header("authorization")
        if auth.lower().startswith("basic "):
            if not self.scenario.basic_auth:
                return False
            try:
                raw = base64.b64decode(auth[6:].strip()).decode()
            except (ValueError, UnicodeDecodeError):
                return False
            user, _, password = raw.partition(":")
            client_id, secret = unquote(user), unquote(password)  # RFC 6749 §2.3.1
        # Bytes: compare_digest refuses a str that is not ASCII (a hostile secret may be any).
        return client_id == self.scenario.client_id and secrets.compare_digest(
            secret.encode(), self.scenario.client_secret.encode()
        )

    def _token(self, request: SimRequest) -> SimResponse:
        form = {k: v[0] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
        if not self._client_ok(request, form):
            return _oauth_error(401, "invalid_client", "Invalid client credentials")
        grant_type = form.get("grant_type")
        with self._lock:
            if grant_type == "authorization_code":
                grant = self.state.codes.pop(form.get("code", ""), None)
                if grant is None or grant.redirect_uri != form.get("redirect_uri"):
                    return _oauth_error(400, "invalid_grant", "Invalid authorization code")
                if not _pkce_ok(grant, form.get("code_verifier", "")):
                    return _oauth_error(400, "invalid_grant", "Invalid code verifier")
            elif grant_type == "refresh_token":
                grant = self.state.refresh.pop(form.get("refresh_token", ""), None)
                if grant is None:
                    return _oauth_error(400, "invalid_grant", "Invalid refresh token")
            else:
                return _oauth_error(400, "unsupported_grant_type", str(grant_type))
            access = secrets.token_urlsafe(32)
            self.state.access[access] = grant
            answer: dict[str, JSONValue] = {
                "access_token": access,
                "expires_in": 3600,
                "token_type": "Bearer",
                "scope": " ".join(sorted(grant.scopes)),
            }
            if mapping.OFFLINE_ACCESS in grant.scopes:
                refresh = secrets.token_urlsafe(32)
                self.state.refresh[refresh] = grant
                answer["refresh_token"] = refresh
        return _json(200, answer, {"Cache-Control": "no-store"})

    def _revoke(self, request: SimRequest) -> SimResponse:
        form = {k: v[0] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
        if not self._client_ok(request, form):
            return _oauth_error(401, "invalid_client", "Invalid client credentials")
        token = form.get("token", "")
        with self._lock:
            found = self.state.access.pop(token, None) or self.state.refresh.pop(token, None)
            if found is not None:
                self.state.revoked.append(token)
        return SimResponse(status=200)  # RFC 7009: 200 also for an unknown token

    @property
    def live_tokens(self) -> int:
        """Access and refresh tokens not yet revoked."""
        with self._lock:
            return len(self.state.access) + len(self.state.refresh)

    # -- API -----------------------------------------------------------------------------------

    def _api(self, request: SimRequest, path: str) -> SimResponse:
        scenario = self.scenario
        if request.header(mapping.SUBSCRIPTION_HEADER.lower()) != scenario.subscription_key:
            # The APIM gateway's answer [INFERRED, §1.7].
            body: dict[str, JSONValue] = {
                "statusCode": 401,
                "message": "Access denied due to invalid subscription key.",
            }
            return _json(401, body)
        auth = request.header("authorization")
        if not auth.lower().startswith("bearer "):
            return _problem(401, 40101, "Missing_Token", "No bearer token", "authenticationError")
        with self._lock:
            grant = self.state.access.get(auth[7:].strip())
        if grant is None:
            return _problem(401, 40102, "Invalid_Token", "Token invalid", "authenticationError")
        if scenario.throttled:
            response = _problem(
                429, 42908, "Too_Many_Calls", "Above the threshold", "throttlingError"
            )
            response.headers["Retry-After"] = "30"
            return response
        if scenario.disabled:
            return _problem(
                403,
                40304,
                "Invalid_Subscription",
                "This environment is disabled, there is no valid subscription.",
                "authenticationError",
            )
        route = _route(path)
        if route is None:
            return _problem(404, 40401, "Not_Found", "Resource not found", "invalidRequestError")
        name, params = route
        endpoint = mapping.endpoint(name)
        if not any(mapping.satisfied_by(s, grant.scopes) for s in endpoint.scopes):
            return _denied()
        return self._answer(request, name, params, grant)

    def _answer(
        self, request: SimRequest, name: str, params: dict[str, str], grant: _Grant
    ) -> SimResponse:
        debtors = grant.debtors
        if name == "user-info":
            row = {
                "name": "Demo Gebruiker",
                "email": "demo@voorbeeld.nl",
                "language": "nl",
                "debtorId": debtors[0].id,
                "userId": str(uuid.UUID(int=0xE0 << 64 | 1)),
            }
            return _page(request, [row])
        if name == "debtors":
            return _page(
                request, [{"debtorId": d.id, "number": d.number, "name": d.name} for d in debtors]
            )
        if name == "companies":
            if len(debtors) > 1:  # [PEER SDK] 40306, §1.5 point 4
                return _problem(
                    403,
                    40306,
                    "Multiple_Debtors",
                    "Consent covers more than one debtor; use /api/debtors/{debtorId}/companies.",
                    "authenticationError",
                )
            return _page(request, [_company_row(c) for d in debtors for c in d.companies])
        if name == "debtor-companies":
            debtor = next((d for d in debtors if d.id == params["debtorId"]), None)
            if debtor is None:
                return _denied()
            return _page(request, [_company_row(c) for c in debtor.companies])
        if name == "document":
            with self._lock:
                polls = self.state.tasks.get(params["taskId"])
                if polls is None:
                    return _problem(404, 40401, "Not_Found", "No such task", "invalidRequestError")
                self.state.tasks[params["taskId"]] = polls + 1
            if polls == 0:
                return _json(202, "Document is being processed")
            body = b"<reports><report><employeeid>1</employeeid></report></reports>"
            return SimResponse(body=body, headers={"Content-Type": "application/octet-stream"})
        company = self._company(params.get("companyId", ""), debtors)
        if isinstance(company, SimResponse):
            return company
        return self._company_answer(request, name, params, company)

    def _company(
        self, company_id: str, debtors: tuple[RestDebtor, ...]
    ) -> RestCompany | SimResponse:
        everything = [c for d in self.scenario.debtors for c in d.companies]
        company = next((c for c in everything if c.id == company_id), None)
        if company is None:
            return _problem(
                404, 40404, "Invalid_Company", "Company not found", "invalidRequestError"
            )
        visible = company.debtor_id in {d.id for d in debtors}
        if not visible or company.number in self.scenario.hidden_companies:
            return _denied()
        return company

    def _company_answer(
        self, request: SimRequest, name: str, params: dict[str, str], company: RestCompany
    ) -> SimResponse:
        employee = str(uuid.UUID(int=0xF0 << 64 | company.number))
        if name == "period":
            period = {"year": 2026, "period": 11}
            row: dict[str, JSONValue] = {
                "period": period,
                "periodType": "month",
                "displayPeriod": "2026-11-M",
            }
            return _page(request, [row])
        if name == "runs":
            run: dict[str, JSONValue] = {
                "payrollRunId": str(uuid.UUID(int=0xA0 << 64 | company.number)),
                "number": 1,
                "description": "Run 1",
                "year": 2026,
                "periodStart": 11,
                "periodEnd": 11,
                "createdAt": "2026-11-24T14:30:00Z",
                "type": "normal",
                "locked": True,
            }
            return _page(request, [run])
        if name == "employees":
            return _page(request, [{"employeeId": employee}])
        if name == "wagecodes":
            task = str(uuid.uuid4())
            with self._lock:
                self.state.tasks[task] = 0
            return _json(200, {"taskId": task})
        return _page(request, [{"employeeId": employee}])


def _denied() -> SimResponse:
    return _problem(
        403,
        40303,
        "Unauthorized_AccessData",
        "You do not have access for the debtor or company you are trying to reach. Contact the"
        " administrator of the environment and review access rights by tags/filters for your"
        " login on Template User.",
        "authenticationError",
    )


def _company_row(company: RestCompany) -> dict[str, JSONValue]:
    return {
        "companyId": company.id,
        "number": str(company.number),
        "name": company.name,
        "debtorId": company.debtor_id,
    }


def _page(request: SimRequest, rows: Sequence[JSONValue]) -> SimResponse:
    try:
        size = max(1, min(mapping.MAX_PAGE_SIZE, int(request.query.get("pageSize", ["20"])[0])))
        number = max(1, int(request.query.get("pageNumber", ["1"])[0]))
    except ValueError:
        return _problem(400, 40033, "Parameter_Invalid", "pageSize", "validationError")
    pages = max(1, -(-len(rows) // size))
    base = f"https://api.nmbrsapp.com{request.path}?pageSize={size}&pageNumber="
    pagination: dict[str, JSONValue] = {
        "pageNumber": number,
        "pageSize": size,
        "firstPage": base + "1",
        "lastPage": base + str(pages),
        "totalPages": pages,
        "totalRecords": len(rows),
        "nextPage": base + str(number + 1) if number < pages else None,
        "previousPage": base + str(number - 1) if number > 1 else None,
    }
    return _json(200, {"pagination": pagination, "data": rows[(number - 1) * size : number * size]})


def _pkce_ok(grant: _Grant, verifier: str) -> bool:
    if not grant.challenge:
        return True
    if grant.method == "S256":
        digest = hashlib.sha256(verifier.encode()).digest()
        expected = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    else:
        expected = verifier
    return secrets.compare_digest(expected.encode(), grant.challenge.encode())


def _route(path: str) -> tuple[str, dict[str, str]] | None:
    """The probe endpoint a path belongs to, with its path parameters."""
    got = path.strip("/").split("/")
    for endpoint in mapping.PROBE_ENDPOINTS:
        want = endpoint.path.strip("/").split("/")
        if len(want) != len(got):
            continue
        params: dict[str, str] = {}
        for w, g in zip(want, got, strict=True):
            if w.startswith("{"):
                params[w.strip("{}")] = g
            elif w.lower() != g.lower():
                break
        else:
            return endpoint.name, params
    return None


def make_rest_simulator(scenario: str = "healthy") -> NmbrsRestSimulator:
    """A REST simulator for a bundled scenario name."""
    return NmbrsRestSimulator(load_rest_scenario(scenario))
