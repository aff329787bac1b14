"""A faithful local AFAS Profit REST API (App Connector with GetConnectors), as a pure object.

It follows ``shared/reference/afas-api.md``: paths under ``/ProfitRestServices`` (matched
case-insensitively, as working clients use both spellings), ``GET /metainfo`` in the OpenAPI
example's shape, ``GET /connectors/<id>?skip&take`` answering ``{"skip","take","rows"}``, 401 with
an empty body for a bad token, 500 with ``externalMessage``/``errorNumber``/``profitLogReference``
for a GetConnector that is not assigned or is blocked (401 with an empty body in scenario
``connector-unassigned-401``, as the OpenAPI and help page 120612 say), and 503 with ``Retry-After``
in maintenance. Also ``GET /profitversion`` and ``GET /metainfo/get/<id>``, the documented response
headers, ``skip=2&take=-1`` as a 500 and a query string over 2049 characters as a 404.
Scenarios are TOML data in ``scenarios/afas/``; docs/fidelity.md gives each behaviour's source.

OAuth (migration-rest-oauth.md §4.3): ``POST /oauth/token`` with ``grant_type=client_credentials``
and the client authenticated in the form body or, from Profit 9, with HTTP Basic; ``invalid_client``
is 401 with ``WWW-Authenticate: Basic`` for Basic and 400 otherwise; two methods at once or a
repeated parameter is ``invalid_request``. A token lives ``expires_in`` 3600 s, ``token_type``
Bearer, with no refresh token (``null`` before Profit 9, omitted from it).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, unquote

from koppelcheck.afas import facts
from koppelcheck.jsontypes import JSONValue
from koppelcheck.simulator.faults import (
    FaultInjector,
    FaultRule,
    faulty_response,
    parse_fault_rules,
)
from koppelcheck.simulator.scenario_files import read_scenario
from koppelcheck.simulator.server import SimRequest, SimResponse
from koppelcheck.tomlinput import TOMLTable

BASE_PATH = "/ProfitRestServices"
AFAS_SCENARIOS: tuple[str, ...] = (
    "healthy",
    "connector-missing",
    "bad-token",
    "maintenance",
    "slow",
    "faults",
    "flaky",
    "connector-unassigned-401",
    "oauth",
    "hybrid",
    "classic-expiring",
    "bad-secret",
)
NOT_SUPPORTED_ERROR_NUMBER = -2147180996
UNEXPECTED_ERROR_NUMBER = -2147180999
"""afas-api.md §6: the documented 500 for ``skip=2&take=-1``."""
MAX_QUERY_LENGTH = 2049
"""afas-api.md §3: a longer query string answers 404."""
_JSON = {"Content-Type": "application/json; charset=utf-8"}
_TOKEN_XML = re.compile(r"^<token><version>([^<]*)</version><data>([^<]*)</data></token>$")
_MESSAGES = {
    "nl": {
        "not_supported": "General message: Deze GetConnector wordt niet ondersteund of de "
        "gebruiker is niet geautoriseerd.",
        "blocked": "General message: Deze GetConnector (definitie) is geblokkeerd.",
        "unexpected": "Er is een onverwachte fout opgetreden.",
    },
    # English wording from AFAS's troubleshooting page; the exact live text is not public.
    "en": {
        "not_supported": "General message: GetConnector not supported for this app or the user "
        "is not authorized.",
        "blocked": "General message: This GetConnector (definition) is blocked.",
        "unexpected": "An unexpected error has occurred.",
    },
}
_MAINTENANCE_BODY = {
    "error": {
        "code": "503",
        "message": "Service temporarily unavailable due to scheduled maintenance. "
        "Please check afasstatus.nl for details.",
    },
}


@dataclass(frozen=True)
class AfasConnector:
    """One GetConnector in the simulated environment."""

    id: str
    description: str = ""
    assigned: bool = True
    """Whether it is on the App Connector's GetConnectoren tab (manual step 3.9)."""
    blocked: bool = False
    """Whether its definition is blocked."""
    rows: int = 3
    """How many (made-up) rows it holds."""


AUTH_TYPES = ("classic", "hybrid", "oauth")
"""The App Connector's authentication type: Classic token, Hybrid (both) or OAuth."""


@dataclass(frozen=True)
class AfasOAuthClient:
    """The App Connector's OAuth client (demo values only)."""

    client_id: str
    client_secret: str
    revoked: bool = False
    """The secret was revoked or regenerated: every client authentication fails."""
    basic: bool = True
    """Whether HTTP Basic client authentication is accepted (from Profit 9)."""
    profit9: bool = True
    """Profit 9 omits ``refresh_token``; before it the field is ``null``."""


@dataclass(frozen=True)
class AfasScenario:
    """A simulated AFAS environment with one App Connector and its one valid token."""

    name: str
    description: str
    environment: str
    envid: str
    token_data: str
    token_version: str = "1"
    token_revoked: bool = False
    app_name: str = "Benefits-Plaza"
    user_group: str = ""
    token_expiry: str = "0"
    connectors: tuple[AfasConnector, ...] = ()
    maintenance: bool = False
    retry_after: int = 7200
    ip_restricted: bool = False
    latency_ms: int = 0
    faults: tuple[FaultRule, ...] = ()
    """Injected faults per route: ``metainfo`` or a GetConnector id."""
    auth_type: str = "classic"
    """``classic``, ``hybrid`` or ``oauth`` (:data:`AUTH_TYPES`)."""
    oauth: AfasOAuthClient | None = None
    unassigned_status: int = 500
    """How a GetConnector that is not assigned answers: 500 "niet ondersteund" (observed, Go
    library, troubleshooting page) or 401 with an empty body (OpenAPI, help page 120612).
    The sources conflict (afas-api.md §6 (b)); both are simulated."""
    profit_version: str = "22.22.5"
    """What ``GET /profitversion`` answers (the OpenAPI example's value)."""

    @property
    def token_xml(self) -> str:
        """The token XML an administrator would copy from AFAS (demo values only)."""
        return (
            f"<token><version>{self.token_version}</version><data>{self.token_data}</data></token>"
        )


def load_afas_scenario(name_or_path: str | Path) -> AfasScenario:
    """A built-in scenario by name, or a scenario TOML file by path (ValueError when malformed)."""
    return scenario_from_dict(read_scenario("afas", AFAS_SCENARIOS, name_or_path))


def scenario_from_dict(data: TOMLTable) -> AfasScenario:
    """Build a scenario from parsed TOML; unknown or missing keys are a ValueError."""
    try:
        token = data.get("token", {})
        maintenance = data.get("maintenance", {})
        connectors = tuple(AfasConnector(**item) for item in data.get("connectors", []))
        auth_type = str(data.get("auth_type", "classic"))
        if auth_type not in AUTH_TYPES:
            raise ValueError(f"AFAS scenario: auth_type must be one of {', '.join(AUTH_TYPES)}")
        oauth = AfasOAuthClient(**data["oauth"]) if "oauth" in data else None
        return AfasScenario(
            name=str(data["name"]),
            description=str(data.get("description", "")),
            environment=str(data["environment"]),
            envid=str(data.get("envid") or f"O{data['environment']}AA"),
            token_data=str(token["data"]),
            token_version=str(token.get("version", 1)),
            token_revoked=bool(token.get("revoked", False)),
            app_name=str(data.get("app_name", "Benefits-Plaza")),
            user_group=str(data.get("user_group", "")),
            token_expiry=str(data.get("token_expiry", "0")),
            connectors=connectors,
            maintenance=bool(maintenance.get("enabled", False)),
            retry_after=int(maintenance.get("retry_after", 7200)),
            ip_restricted=bool(data.get("ip_restricted", False)),
            latency_ms=int(data.get("latency_ms", 0)),
            faults=parse_fault_rules(data.get("faults", [])),
            auth_type=auth_type,
            oauth=oauth,
            unassigned_status=int(data.get("unassigned_status", 500)),
            profit_version=str(data.get("profit_version", "22.22.5")),
        )
    except (KeyError, TypeError) as exc:
        raise ValueError(f"AFAS scenario: missing or unknown key ({exc})") from None


def make_afas_simulator(name: str) -> AfasSimulator:
    """A simulator for a built-in scenario."""
    return AfasSimulator(load_afas_scenario(name))


@dataclass
class _State:
    assigned: dict[str, bool] = field(default_factory=dict)
    hits: Counter[str] = field(default_factory=Counter)
    access_tokens: dict[str, float] = field(default_factory=dict)
    """Issued access tokens and when (``time.monotonic()``) each expires."""
    schemes: Counter[str] = field(default_factory=Counter)
    """Which ``Authorization`` schemes the API calls used (``AfasToken``, ``Bearer``, ...)."""


class AfasSimulator:
    """Answers AFAS Profit REST requests for one scenario. Thread-safe; ``hits`` counts routes."""

    def __init__(self, scenario: AfasScenario) -> None:
        self.scenario = scenario
        self._lock = threading.Lock()
        self._state = _State(assigned={c.id: c.assigned for c in scenario.connectors})
        self._faults = FaultInjector(scenario.faults)

    @property
    def hits(self) -> Counter[str]:
        """A copy of the per-route call counts (``metainfo``, ``connectors/<id>``, ``other``)."""
        with self._lock:
            return Counter(self._state.hits)

    def set_assigned(self, connector_id: str, assigned: bool) -> None:
        """Assign or unassign a GetConnector, as the administrator would on tab GetConnectoren."""
        with self._lock:
            if connector_id not in self._state.assigned:
                raise KeyError(connector_id)
            self._state.assigned[connector_id] = assigned

    def inject(self, *rules: FaultRule) -> None:
        """Add injected faults while running, as a flaky network would start to misbehave."""
        for rule in rules:
            self._faults.add(rule)

    @property
    def schemes(self) -> Counter[str]:
        """A copy of the ``Authorization`` schemes API calls used (the token endpoint excluded)."""
        with self._lock:
            return Counter(self._state.schemes)

    def handle(self, request: SimRequest) -> SimResponse:
        """Answer one request, with the documented response headers."""
        return _with_headers(self._handle(request))

    def _handle(self, request: SimRequest) -> SimResponse:
        if _query_length(request) > MAX_QUERY_LENGTH:
            return SimResponse(404)  # afas-api.md §3/§6: a query string over 2049 characters
        route = self._route(request.path)
        with self._lock:
            self._state.hits[route or "other"] += 1
        if route == "oauth/token":
            return self._token_endpoint(request)
        if route is None or request.method not in ("GET", "HEAD"):
            return SimResponse(404)
        rule = self._faults.pick(unquote(route.removeprefix("connectors/")))
        if rule is not None:
            return faulty_response(
                rule,
                genuine=lambda: self._genuine(route, request),
                server_error=lambda: SimResponse(500),
            )
        return self._genuine(route, request)

    def _genuine(self, route: str, request: SimRequest) -> SimResponse:
        if self.scenario.maintenance:
            headers = {**_JSON, "Retry-After": str(self.scenario.retry_after)}
            body = {**_MAINTENANCE_BODY, "retry_after": self.scenario.retry_after}
            return SimResponse(503, json.dumps(body).encode(), headers)
        header = request.header("authorization")
        if not self._authorised(header):
            if header.startswith("Bearer "):  # Profit 9: a refused bearer is named (§4.3)
                return SimResponse(
                    401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
                )
            return SimResponse(401)
        if self.scenario.ip_restricted:
            return SimResponse(403)
        if route == "metainfo":
            return _json(200, self._metainfo())
        if route == "profitversion":
            # afas-api.md §5: the OpenAPI example. Whether it answers when the ProfitVersion
            # connector is not activated on tab Connectoren is undocumented; here it always does.
            return _json(200, {"version": self.scenario.profit_version})
        if route.startswith("metainfo/get/"):
            return self._connector_meta(route.removeprefix("metainfo/get/"), request)
        return self._connector(route.removeprefix("connectors/"), request)

    @staticmethod
    def _route(path: str) -> str | None:
        if not path.lower().startswith(BASE_PATH.lower() + "/"):
            return None
        rest = path[len(BASE_PATH) + 1 :].rstrip("/")
        if rest.lower() in ("metainfo", "profitversion"):
            return rest.lower()
        parts = rest.split("/")
        if len(parts) == 3 and [p.lower() for p in parts[:2]] == ["metainfo", "get"] and parts[2]:
            return f"metainfo/get/{parts[2]}"
        if rest.lower() == facts.OAUTH_TOKEN_PATH.strip("/"):
            return "oauth/token"
        head, _, connector_id = rest.partition("/")
        if head.lower() == "connectors" and connector_id and "/" not in connector_id:
            return f"connectors/{connector_id}"
        return None

    def _authorised(self, header: str) -> bool:
        # From Profit 7 the token must be base64 (afas-api.md §2): a raw XML header is refused.
        scheme, _, value = header.partition(" ")
        with self._lock:
            self._state.schemes[scheme or "(none)"] += 1
        if scheme == "Bearer":
            return self.scenario.auth_type != "classic" and self._bearer_valid(value.strip())
        if scheme != "AfasToken" or self.scenario.token_revoked:
            return False
        if self.scenario.auth_type == "oauth":
            return False  # OAuth only: classic tokens are no longer accepted (§4.1)
        try:
            xml = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        match = _TOKEN_XML.match(xml)
        return match is not None and match.groups() == (
            self.scenario.token_version,
            self.scenario.token_data,
        )

    def _bearer_valid(self, token: str) -> bool:
        with self._lock:
            expires = self._state.access_tokens.get(token)
        return expires is not None and time.monotonic() < expires

    def _token_endpoint(self, request: SimRequest) -> SimResponse:
        """``POST /oauth/token``, client credentials only (MIG §4.3)."""
        if request.method != "POST":
            return SimResponse(405, headers={"Allow": "POST"})
        try:
            pairs = parse_qsl(request.body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            return _oauth_error(400, "invalid_request")
        names = [name for name, _ in pairs]
        if len(names) != len(set(names)):
            return _oauth_error(400, "invalid_request", "duplicate parameters")
        form = dict(pairs)
        basic = request.header("authorization")
        in_body = "client_secret" in form
        if basic and in_body:
            return _oauth_error(400, "invalid_request", "more than one authentication method")
        if form.get("grant_type") != facts.OAUTH_GRANT_TYPE:
            return _oauth_error(400, "unsupported_grant_type")
        client = self.scenario.oauth if self.scenario.auth_type != "classic" else None
        if basic:
            given = _basic_pair(basic)
            ok = (
                client is not None
                and client.basic
                and not client.revoked
                and given == (client.client_id, client.client_secret)
            )
            if not ok:
                return _oauth_error(401, "invalid_client", www_authenticate='Basic realm="AFAS"')
        else:
            ok = (
                client is not None
                and not client.revoked
                and form.get("client_id") == client.client_id
                and form.get("client_secret") == client.client_secret
            )
            if not ok:
                return _oauth_error(400, "invalid_client")
        assert client is not None
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._state.access_tokens[token] = time.monotonic() + facts.OAUTH_TOKEN_LIFETIME_S
        body: dict[str, JSONValue] = {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": facts.OAUTH_TOKEN_LIFETIME_S,
        }
        if not client.profit9:
            body["refresh_token"] = None
        response = _json(200, body)
        response.headers["Cache-Control"] = "no-store"
        return response

    def _metainfo(self) -> dict[str, JSONValue]:
        s = self.scenario
        with self._lock:
            assigned = [c for c in s.connectors if self._state.assigned.get(c.id)]
        return {
            "updateConnectors": [],
            "getConnectors": [{"id": c.id, "description": c.description or c.id} for c in assigned],
            "info": {
                "envid": s.envid,
                "appName": s.app_name,
                "group": s.user_group,
                "tokenExpiry": s.token_expiry,
            },
        }

    def _connector(self, connector_id: str, request: SimRequest) -> SimResponse:
        cid = unquote(connector_id)
        # Connector ids are matched exactly; whether AFAS ignores case is not documented.
        connector = next((c for c in self.scenario.connectors if c.id == cid), None)
        lang = "en" if request.header("accept-language").lower().startswith("en") else "nl"
        with self._lock:
            assigned = connector is not None and self._state.assigned.get(cid, False)
        if connector is None or not assigned:
            return self._not_assigned(lang)
        if connector.blocked:
            return _profit_error(_MESSAGES[lang]["blocked"])
        skip, take = _int_param(request, "skip", 0), _int_param(request, "take", 100)
        if take == -1 and skip != -1:
            # afas-api.md §3/§6: skip=2&take=-1 is a documented 500. Other skips with take=-1
            # are a GUESS (the same).
            return _profit_error(_MESSAGES[lang]["unexpected"], UNEXPECTED_ERROR_NUMBER)
        rows = [_demo_row(connector.id, i) for i in range(connector.rows)]
        # skip=-1&take=-1 means "everything" (AFAS docs); take=0 returns one row (PracticalAfas).
        selected = rows if take == -1 else rows[max(skip, 0) : max(skip, 0) + max(take, 1)]
        return _json(200, {"skip": skip, "take": take, "rows": selected})

    def _not_assigned(self, lang: str) -> SimResponse:
        if self.scenario.unassigned_status == 401:
            return SimResponse(401)  # OpenAPI and help page 120612: 401 (afas-api.md §6 (b))
        return _profit_error(_MESSAGES[lang]["not_supported"])

    def _connector_meta(self, connector_id: str, request: SimRequest) -> SimResponse:
        """``GET /metainfo/get/<id>`` in the OpenAPI shape (afas-api.md §4); a connector that is
        not assigned answers as its data endpoint would (vaartijd observed 500)."""
        cid = unquote(connector_id)
        connector = next((c for c in self.scenario.connectors if c.id == cid), None)
        lang = "en" if request.header("accept-language").lower().startswith("en") else "nl"
        with self._lock:
            assigned = connector is not None and self._state.assigned.get(cid, False)
        if connector is None or not assigned:
            return self._not_assigned(lang)
        fields = [
            {
                "id": key,
                "fieldId": f"U{index + 1:03d}",
                "dataType": "date" if key == "Geboortedatum" else "string",
                "label": key,
                "length": 0 if key == "Geboortedatum" else 255,
                "controlType": 4 if key == "Geboortedatum" else 1,
                "decimals": 0,
                "decimalsFieldId": "",
            }
            for index, key in enumerate(_demo_row(cid, 0))
        ]
        name = connector.id
        return _json(200, {"name": name, "description": connector.description, "fields": fields})


def _query_length(request: SimRequest) -> int:
    return len("&".join(f"{k}={v}" for k, values in request.query.items() for v in values))


def _with_headers(response: SimResponse) -> SimResponse:
    """The headers AFAS documents on its answers (afas-api.md §7, migration-rest-oauth.md §4.2):
    HSTS with max-age=31536000 (OpenAPI header examples), X-Trace-Identifier on every call
    (Profit 7), Cache-Control and X-Content-Type-Options (issue 16's reading of the OpenAPI;
    their values are a GUESS). Existing headers are kept."""
    defaults = {
        "Cache-Control": "no-cache, no-store",
        "Strict-Transport-Security": "max-age=31536000",
        "X-Content-Type-Options": "nosniff",
    }
    if response.status != 503:  # "every call that reaches the application layer" (Profit 7)
        defaults["X-Trace-Identifier"] = uuid.uuid4().hex
    response.headers = {**defaults, **response.headers}
    return response


def _basic_pair(header: str) -> tuple[str, str] | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    return (client_id, secret) if sep else None


def _oauth_error(
    status: int, error: str, description: str = "", *, www_authenticate: str = ""
) -> SimResponse:
    body = {"error": error, **({"error_description": description} if description else {})}
    response = _json(status, body)
    if www_authenticate:
        response.headers["WWW-Authenticate"] = www_authenticate
    return response


def _int_param(request: SimRequest, name: str, default: int) -> int:
    try:
        return int(request.query.get(name, [str(default)])[0])
    except ValueError:
        return 0


def _demo_row(connector_id: str, index: int) -> dict[str, str]:
    """A made-up row; no real person's data."""
    return {
        "Werkgever": "01",
        "Medewerker": f"DEMO{index + 1:04d}",
        "Naam": f"Voorbeeldmedewerker {index + 1}",
        "Geboortedatum": "1980-01-01T00:00:00Z",
        "Bron": connector_id,
    }


def _json(status: int, body: JSONValue) -> SimResponse:
    return SimResponse(status, json.dumps(body, separators=(",", ":")).encode(), dict(_JSON))


def _profit_error(message: str, number: int = NOT_SUPPORTED_ERROR_NUMBER) -> SimResponse:
    return _json(
        500,
        {
            "externalMessage": message,
            "errorNumber": number,
            "profitLogReference": uuid.uuid4().hex.upper(),
        },
    )
