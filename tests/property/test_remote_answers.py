"""Whatever a server answers, the clients raise koppelcheck's RemoteError or return data.

Answers are built from the simulators' genuine answers and then damaged: any status, content
type and Retry-After, bodies cut short, bytes flipped, text replaced, faults with any text,
deep nesting, entity bombs and external entities, HTML, JSON of any shape. The only exceptions
allowed out of a client are :class:`koppelcheck.errors.RemoteError` subclasses, with a one-line
message that holds neither the token nor a file the server tried to make us read. On the
command line a server answering anything ends in exit 0-4 with a report, never a traceback.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from koppelcheck.afas.client import AfasClient
from koppelcheck.afas.token import parse_token
from koppelcheck.errors import NmbrsFault, RemoteError
from koppelcheck.http import make_async_client
from koppelcheck.nmbrs import calls
from koppelcheck.nmbrs.checks import ACTIVE_EMPLOYEE_TYPE, PROBE_WAGE_CODE
from koppelcheck.nmbrs.client import NmbrsClient
from koppelcheck.retry import RetryPolicy
from koppelcheck.secret import Secret
from koppelcheck.simulator.afas import make_afas_simulator
from koppelcheck.simulator.nmbrs import NmbrsSimulator, load_nmbrs_scenario
from koppelcheck.simulator.server import SimRequest, SimResponse, SimulatorServer
from tests.property.hostile import assert_well_behaved, invoke, prop

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
SECRET_FILE_MARK = "root:x:0:0"
"""What /etc/passwd starts with: an external entity that was resolved would show it."""


def fault_envelope(text: str, soap12: bool = False) -> bytes:
    escaped = html.escape(text, quote=False)
    if soap12:
        return (
            f'<s:Envelope xmlns:s="{SOAP12}"><s:Body><s:Fault><s:Code><s:Value>s:Receiver'
            f"</s:Value></s:Code><s:Reason><s:Text>{escaped}</s:Text></s:Reason></s:Fault>"
            "</s:Body></s:Envelope>"
        ).encode("utf-8", "surrogatepass")
    return (
        f'<soap:Envelope xmlns:soap="{SOAP11}"><soap:Body><soap:Fault><faultcode>soap:Server'
        f"</faultcode><faultstring>{escaped}</faultstring></soap:Fault></soap:Body>"
        "</soap:Envelope>"
    ).encode("utf-8", "surrogatepass")


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n > 1 else "&lol;" * 10}">'.encode()
        for n in range(1, 10)
    )
    + b"]>"
    + fault_envelope("&lol9;").replace(b"&amp;lol9;", b"&lol9;")
)
XXE = (
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    + fault_envelope("&xxe;").replace(b"&amp;xxe;", b"&xxe;")
)
EXTERNAL_DTD = b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://example.com/x.dtd">' + (
    fault_envelope("1002: Unauthorized Access")
)
PARAMETER_ENTITY = (
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>'
    + fault_envelope("x")
)


@dataclass(frozen=True)
class Damage:
    """What happens to the genuine answer's body."""

    kind: str
    data: Any = None

    def apply(self, genuine: bytes) -> bytes:
        if self.kind == "genuine":
            return genuine
        if self.kind == "truncate":
            return genuine[: self.data % (len(genuine) + 1)]
        if self.kind == "flip" and genuine:
            at, byte = self.data
            at %= len(genuine)
            return genuine[:at] + bytes([byte]) + genuine[at + 1 :]
        if self.kind == "texts":  # every text node replaced (wrong types, huge, markup)
            replacement = b">" + self.data.encode("utf-8", "surrogatepass") + b"<"
            return re.sub(rb">[^<]*[^<\s][^<]*<", lambda _: replacement, genuine)
        if self.kind == "nest":
            return b"<a>" * self.data + genuine
        return self.data  # "raw"


damages = st.one_of(
    st.just(Damage("genuine")),
    st.integers(0, 10**6).map(lambda n: Damage("truncate", n)),
    st.tuples(st.integers(0, 10**6), st.integers(0, 255)).map(lambda d: Damage("flip", d)),
    st.one_of(
        st.text(max_size=30),
        st.sampled_from(["-1", "99999999999999999999", "NaN", "true", "x" * 10_000, "&amp;"]),
    ).map(lambda text: Damage("texts", html.escape(text))),
    st.integers(100, 5000).map(lambda depth: Damage("nest", depth)),
    st.binary(max_size=200).map(lambda data: Damage("raw", data)),
)
statuses = st.one_of(
    st.sampled_from([200, 200, 200, 400, 401, 403, 404, 429, 500, 502, 503, 504]),
    st.integers(200, 599),
)
content_types = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "text/xml; charset=utf-8",
            "application/soap+xml",
            "application/json",
            "text/html",
            "text/plain",
            "application/octet-stream",
            "text/xml; charset=iso-8859-1",
            "text/xml; charset=nonsense",
        ]
    ),
)
retry_afters = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "0",
            "5",
            "-1",
            "1.5",
            "9" * 400,
            "\u00b2",  # a digit to str.isdigit(), not to int()
            "Fri, 31 Dec 9999 23:59:59 GMT",
            "Mon, 01 Jan 0001 00:00:00 GMT",
            "Wed, 21 Oct 2015 07:28:00 GMT",
            "tomorrow",
            "",
        ]
    ),
    st.text(st.characters(codec="latin-1", exclude_characters="\r\n\x00"), max_size=20),
)


@dataclass(frozen=True)
class Answer:
    """A hostile answer: status, content type, Retry-After, and the body's damage."""

    status: int
    content_type: str | None
    retry_after: str | None
    damage: Damage

    def response(self, genuine: bytes) -> httpx.Response:
        headers: dict[str, bytes] = {}  # bytes, as on the wire (any latin-1 octet may come)
        if self.content_type is not None:
            headers["content-type"] = self.content_type.encode("latin-1")
        if self.retry_after is not None:
            headers["retry-after"] = self.retry_after.encode("latin-1")
        return httpx.Response(self.status, headers=headers, content=self.damage.apply(genuine))


answers = st.builds(Answer, statuses, content_types, retry_afters, damages)


def assert_only_remote_errors(outcome: BaseException | None, token: str) -> None:
    if outcome is None:
        return
    assert isinstance(outcome, RemoteError), f"{type(outcome).__name__}: {outcome}"
    text = str(outcome)
    assert "\n" not in text and "\r" not in text, repr(text)
    assert token not in text
    assert SECRET_FILE_MARK not in text


# --- Nmbrs --------------------------------------------------------------------------------------

NMBRS_TOKEN = "0f3c9a1e7b2d4c6e8a0b1c2d3e4f5a6b"
_HEALTHY = load_nmbrs_scenario("healthy").companies[0]
VALUES = {  # real ids of the healthy scenario, so that the genuine answers hold data
    "company": _HEALTHY.id,
    "employee": _HEALTHY.employees[0].id,
    "run": _HEALTHY.runs[0].id if _HEALTHY.runs else 1,
    "year": _HEALTHY.runs[0].year if _HEALTHY.runs else 2026,
    "period": 1,
    "employee_type": ACTIVE_EMPLOYEE_TYPE,
    "wage_code": PROBE_WAGE_CODE,
    "task": "00000000-0000-0000-0000-000000000000",
}
NMBRS_CALLS = [
    calls.ENVIRONMENT_GET,
    calls.LIST_GET_ALL,
    calls.COMPANY_GET_CURRENT_PERIOD,
    calls.LIST_GET_BY_COMPANY,
    calls.RUN_GET_LIST,
    calls.EMPLOYEE_CALLS[0],
    calls.WAGE_CODES_BACKGROUND,
    calls.BACKGROUND_TASK_RESULT,
]


def params_of(call: calls.NmbrsCall) -> dict[str, Any]:
    return {p.name: VALUES[p.source] for p in call.params}


def sim_request(request: httpx.Request) -> SimRequest:
    return SimRequest(
        method=request.method,
        path=request.url.path,
        query={k: [v] for k, v in request.url.params.items()},
        headers={k.lower(): v for k, v in request.headers.items()},
        body=request.content,
    )


@pytest.fixture(scope="module")
def nmbrs_genuine() -> NmbrsSimulator:
    """The healthy simulator, in-process: what Nmbrs would genuinely answer each request."""
    scenario = load_nmbrs_scenario("healthy")
    return NmbrsSimulator(scenario)


async def call_nmbrs(simulator: NmbrsSimulator, call: calls.NmbrsCall, answer: Answer) -> Any:
    scenario = simulator.scenario

    def handler(request: httpx.Request) -> httpx.Response:
        genuine = simulator.handle(sim_request(request))
        return answer.response(genuine.body)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        client = NmbrsClient(
            http,
            base_url="https://api.nmbrs.nl/soap/v3",
            username=scenario.username,
            token=Secret(scenario.token),
            domain=scenario.domain,
        )
        return await client.call(call, **params_of(call))


@prop(300)
@given(call=st.sampled_from(NMBRS_CALLS), answer=answers)
@example(call=calls.LIST_GET_ALL, answer=Answer(200, None, None, Damage("raw", b"[" * 100_000)))
@example(call=calls.LIST_GET_ALL, answer=Answer(200, None, None, Damage("nest", 5000)))
def test_nmbrs_client_raises_only_remote_errors(
    call: calls.NmbrsCall, answer: Answer, nmbrs_genuine: NmbrsSimulator
) -> None:
    try:
        asyncio.run(call_nmbrs(nmbrs_genuine, call, answer))
    except Exception as exc:  # noqa: BLE001 - the property is about which exceptions escape
        assert_only_remote_errors(exc, nmbrs_genuine.scenario.token)


@prop(200)
@given(
    call=st.sampled_from(NMBRS_CALLS),
    text=st.one_of(
        st.text(max_size=300),
        st.sampled_from(
            [
                "Server was unable to process request. ---> 1002: Unauthorized Access\r\n\tat x",
                "--->\n--->",
                "9999:\n",
                "<Token>" + NMBRS_TOKEN + "</Token>",
                "x" * 100_000,
            ]
        ),
    ),
    status=st.sampled_from([200, 500, 503]),
    soap12=st.booleans(),
)
def test_an_nmbrs_fault_is_one_short_line(
    call: calls.NmbrsCall, text: str, status: int, soap12: bool, nmbrs_genuine: NmbrsSimulator
) -> None:
    answer = Answer(status, "text/xml", None, Damage("raw", fault_envelope(text, soap12)))
    try:
        asyncio.run(call_nmbrs(nmbrs_genuine, call, answer))
    except NmbrsFault as fault:
        assert_only_remote_errors(fault, NMBRS_TOKEN)
        assert len(fault.title) <= 200
    except RemoteError as exc:
        assert_only_remote_errors(exc, NMBRS_TOKEN)
    else:
        pytest.fail("a SOAP fault was taken for an answer")


@pytest.mark.parametrize(
    "body", [BILLION_LAUGHS, XXE, EXTERNAL_DTD, PARAMETER_ENTITY], ids=["lol", "xxe", "dtd", "pe"]
)
@pytest.mark.parametrize("status", [200, 500])
def test_nmbrs_entities_are_never_expanded_nor_fetched(
    body: bytes, status: int, nmbrs_genuine: NmbrsSimulator
) -> None:
    answer = Answer(status, "text/xml", None, Damage("raw", body))
    started = time.monotonic()
    with pytest.raises(RemoteError) as caught:
        asyncio.run(call_nmbrs(nmbrs_genuine, calls.LIST_GET_ALL, answer))
    assert time.monotonic() - started < 2
    assert_only_remote_errors(caught.value, NMBRS_TOKEN)
    assert "lollol" not in str(caught.value)
    if isinstance(caught.value, NmbrsFault):
        assert "lol" not in caught.value.title and SECRET_FILE_MARK not in caught.value.title


# --- AFAS ---------------------------------------------------------------------------------------

AFAS_SIM = make_afas_simulator("healthy")
AFAS_TOKEN = parse_token(AFAS_SIM.scenario.token_data)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=12,
)
AFAS_KEYS = ["getConnectors", "updateConnectors", "info", "rows", "skip", "take", "id"]
AFAS_KEYS += ["externalMessage", "message", "error", "profitLogReference", "retry_after"]
afas_shaped = st.dictionaries(st.sampled_from(AFAS_KEYS), json_values, max_size=5).map(
    lambda doc: Damage("raw", json.dumps(doc).encode())
)
afas_damages = st.one_of(
    damages,
    afas_shaped,
    json_values.map(lambda value: Damage("raw", json.dumps(value).encode())),
    st.sampled_from(
        [
            Damage("raw", b"[" * 100_000),
            Damage("raw", b'{"a":' * 50_000),
            Damage("raw", json.dumps({"externalMessage": "line one\nline two\r\n"}).encode()),
            Damage("raw", json.dumps({"message": {"nested": "x\ny"}}).encode()),
            Damage("raw", json.dumps({"error": {"message": "a\u2028b"}}).encode()),
            Damage("raw", b"<!DOCTYPE html><html><body>Proxy</body></html>"),
            Damage("raw", b"\xef\xbb\xbf{}"),
            Damage("raw", b"NaN"),
        ]
    ),
)
afas_answers = st.builds(Answer, statuses, content_types, retry_afters, afas_damages)


async def call_afas(answer: Answer, what: str) -> Any:
    def handler(request: httpx.Request) -> httpx.Response:
        genuine = AFAS_SIM.handle(sim_request(request))
        return answer.response(genuine.body)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        client = AfasClient(http, "https://12345.rest.afas.online/ProfitRestServices", AFAS_TOKEN)
        if what == "metainfo":
            return await client.get_metainfo()
        return await client.probe_connector("BP_Werknemers")


@prop(300)
@given(answer=afas_answers, what=st.sampled_from(["metainfo", "connector"]))
@example(answer=Answer(200, None, None, Damage("raw", b"[" * 100_000)), what="metainfo")
@example(
    answer=Answer(
        500,
        "application/json",
        None,
        Damage("raw", json.dumps({"externalMessage": "line one\nline two"}).encode()),
    ),
    what="connector",
)
def test_afas_client_raises_only_remote_errors(answer: Answer, what: str) -> None:
    try:
        asyncio.run(call_afas(answer, what))
    except Exception as exc:  # noqa: BLE001 - the property is about which exceptions escape
        assert_only_remote_errors(exc, AFAS_SIM.scenario.token_data)


OAUTH_SIM = make_afas_simulator("oauth")
assert OAUTH_SIM.scenario.oauth is not None
OAUTH_SECRET = OAUTH_SIM.scenario.oauth.client_secret
OAUTH_KEYS = ["access_token", "token_type", "expires_in", "refresh_token", "error"]
OAUTH_KEYS += ["error_description", "scope"]
oauth_shaped = st.dictionaries(st.sampled_from(OAUTH_KEYS), json_values, max_size=5).map(
    lambda doc: Damage("raw", json.dumps(doc).encode())
)
oauth_answers = st.builds(
    Answer,
    statuses,
    content_types,
    retry_afters,
    st.one_of(afas_damages, oauth_shaped),
)


async def call_token_endpoint(answer: Answer) -> Any:
    from koppelcheck.afas.oauth import client_credentials, fetch_access_token
    from koppelcheck.secret import Secret

    def handler(request: httpx.Request) -> httpx.Response:
        genuine = OAUTH_SIM.handle(sim_request(request))
        return answer.response(genuine.body)

    assert OAUTH_SIM.scenario.oauth is not None
    credentials = client_credentials(OAUTH_SIM.scenario.oauth.client_id, Secret(OAUTH_SECRET))
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        return await fetch_access_token(
            http, "https://12345.rest.afas.online/ProfitRestServices", credentials
        )


@prop(200)
@given(answer=oauth_answers)
@example(answer=Answer(200, "application/json", None, Damage("raw", b'{"access_token": 7}')))
@example(answer=Answer(401, None, None, Damage("raw", b"")))
def test_the_token_endpoint_raises_only_remote_errors(answer: Answer) -> None:
    try:
        token = asyncio.run(call_token_endpoint(answer))
    except Exception as exc:  # noqa: BLE001 - the property is about which exceptions escape
        assert_only_remote_errors(exc, OAUTH_SECRET)
    else:
        assert token.authorization().startswith("Bearer ")


# --- through the real transport: retries, Retry-After, the time budget --------------------------


@prop(40)
@given(
    status=st.sampled_from([502, 503, 504, 200, 500]),
    retry_after=retry_afters,
    system=st.sampled_from(["nmbrs", "afas"]),
)
@example(status=503, retry_after="\u00b2", system="afas")
@example(status=503, retry_after="9" * 400, system="nmbrs")
def test_retry_after_of_any_shape(status: int, retry_after: str | None, system: str) -> None:
    """Retries honour Retry-After only when it is readable and fits in the budget."""
    answer = Answer(status, "text/plain", retry_after, Damage("raw", b"busy"))

    def handler(request: httpx.Request) -> httpx.Response:
        return answer.response(b"")

    async def run() -> Any:
        http = make_async_client(
            timeout_s=0.3,
            per_host_limit=2,
            transport=httpx.MockTransport(handler),
            retry_policy=RetryPolicy(initial_backoff_s=0.01, jitter_s=0, min_attempt_s=0.05),
        )
        async with http:
            if system == "afas":
                url = "https://12345.rest.afas.online/ProfitRestServices"
                return await AfasClient(http, url, AFAS_TOKEN).get_metainfo()
            client = NmbrsClient(
                http,
                base_url="https://api.nmbrs.nl/soap/v3",
                username="salaris@voorbeeld.nl",
                token=Secret(NMBRS_TOKEN),
                domain="voorbeeld",
            )
            return await client.call(calls.LIST_GET_ALL)

    started = time.monotonic()
    try:
        asyncio.run(run())
    except Exception as exc:  # noqa: BLE001 - the property is about which exceptions escape
        assert_only_remote_errors(exc, NMBRS_TOKEN)
    assert time.monotonic() - started < 3


# --- on the command line: a server that answers anything ----------------------------------------


class AnythingServer:
    """A loopback server whose every answer is the current :class:`Answer`."""

    def __init__(self) -> None:
        self.answer = Answer(200, None, None, Damage("raw", b""))
        self.hits = 0

    def handle(self, request: SimRequest) -> SimResponse:
        self.hits += 1
        response = self.answer.response(b"")
        headers = {k: v for k, v in response.headers.items() if k != "content-length"}
        return SimResponse(response.status_code, response.content, headers)


@pytest.fixture(scope="module")
def anything() -> Iterator[tuple[AnythingServer, str]]:
    fake = AnythingServer()
    with SimulatorServer(fake) as server:
        yield fake, server.base_url


cli_answers = st.builds(
    Answer,
    st.sampled_from([200, 400, 401, 403, 404, 500, 503]),
    content_types,
    retry_afters.filter(lambda v: v is None or v.isascii()),
    st.one_of(
        st.binary(max_size=200).map(lambda data: Damage("raw", data)),
        afas_shaped,
        st.text(max_size=200).map(lambda text: Damage("raw", fault_envelope(text))),
        st.sampled_from([Damage("raw", BILLION_LAUGHS), Damage("raw", XXE)]),
    ),
)


@prop(10)
@given(answer=cli_answers, system=st.sampled_from(["nmbrs", "afas"]))
@example(answer=Answer(503, "text/plain", "9" * 400, Damage("raw", b"maintenance")), system="afas")
@example(
    answer=Answer(500, None, None, Damage("raw", fault_envelope("[/]\n[bold]"))), system="nmbrs"
)
def test_cli_against_a_server_that_answers_anything(
    answer: Answer, system: str, anything: tuple[AnythingServer, str]
) -> None:
    fake, base_url = anything
    fake.answer = answer
    if system == "nmbrs":
        args = ["nmbrs", "--username", "salaris@voorbeeld.nl", "--domain", "voorbeeld"]
        args += ["--base-url", base_url + "/soap/v3"]
        env = {"KOPPELCHECK_NMBRS_TOKEN": NMBRS_TOKEN}
    else:
        args = ["afas", "--environment-id", "O12345AA", "--connector", "BP_Werknemers"]
        args += ["--base-url", base_url + "/ProfitRestServices"]
        env = {"KOPPELCHECK_AFAS_TOKEN": AFAS_SIM.scenario.token_data}
    args += ["--no-input", "--timeout", "1", "--format", "json", "--lang", "en"]
    result = invoke(args, env=env)
    assert_well_behaved(result, what=answer)
    assert result.exit_code in (0, 1, 4), result.stderr
    report = json.loads(result.stdout)  # stdout is exactly one JSON document
    for check in report["checks"]:
        assert "The check crashed" not in check["message"], check
        assert SECRET_FILE_MARK not in check["message"]
        assert "\n" not in check["message"], check
    token = env.popitem()[1]
    assert token not in result.stdout + result.stderr
