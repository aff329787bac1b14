"""AFAS OAuth client credentials, hybrid probes, token expiry and the sunset (respx)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import date
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from koppelcheck.afas import facts
from koppelcheck.afas.checks import AfasSettings
from koppelcheck.afas.deadlines import check_sunset, parse_token_expiry
from koppelcheck.afas.environment import parse_environment_id
from koppelcheck.afas.oauth import client_credentials, parse_client_id, token_url
from koppelcheck.afas.token import parse_token
from koppelcheck.errors import InputError
from koppelcheck.i18n import Translator
from koppelcheck.models import Report, Status
from koppelcheck.secret import Secret
from koppelcheck.systems import RunOptions, verify

BASE = "https://12345.rest.afas.online/ProfitRestServices"
DATA = "7C8DA34E" * 8
CLIENT_ID = "asr-benefits-plaza"
SECRET = "s3cr3t-Client-Value-0123456789abcdefXYZ"
ACCESS = "access-token-value-9f8e7d6c5b4a39281706"
TRACE = "0HN7TRACE00000000000000001"
ROWS = {"skip": 0, "take": 1, "rows": [{"Medewerker": "1"}]}
TODAY = date(2026, 12, 1)


def metainfo(*ids: str, expiry: str = "0") -> dict[str, object]:
    return {
        "getConnectors": [{"id": i, "description": i} for i in ids],
        "info": {"envid": "O12345AA", "appName": "BP", "group": "PR-006", "tokenExpiry": expiry},
    }


def granted() -> httpx.Response:
    return httpx.Response(
        200, json={"access_token": ACCESS, "token_type": "Bearer", "expires_in": 3600}
    )


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_mocked=True, assert_all_called=False) as mock:
        yield mock


def settings(
    *connectors: str, token: bool = False, client: bool = True, today: date = TODAY
) -> AfasSettings:
    creds = client_credentials(CLIENT_ID, Secret(SECRET)) if client else None
    return AfasSettings(
        parse_environment_id("O12345AA"),
        parse_token(DATA) if token else None,
        connectors,
        BASE,
        client=creds,
        today=today,
    )


async def run(s: AfasSettings, lang: str = "en") -> Report:
    async with httpx.AsyncClient() as http:
        report = await verify("afas", s, None, RunOptions(Translator(lang), timeout_s=5, http=http))
    text = report.model_dump_json()
    for secret in (SECRET, ACCESS, base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()):
        assert secret not in text
    return report


def by_id(report: Report) -> dict[str, object]:
    return {c.id: c for c in report.checks}


def bearer_only(route: respx.Route) -> bool:
    return all(
        call.request.headers["Authorization"] == f"Bearer {ACCESS}" for call in route.calls
    ) and bool(route.calls)


# --- OAuth mode -----------------------------------------------------------------------------


async def test_client_credentials_in_the_body_then_bearer_on_every_probe(router) -> None:
    token = router.post("/oauth/token").mock(return_value=granted())
    meta = router.get("/metainfo").respond(200, json=metainfo("BP_A"))
    probe = router.get("/connectors/BP_A").respond(200, json=ROWS)
    report = await run(settings("BP_A"))
    assert [c.id for c in report.checks] == ["afas.oauth", "afas.auth", "afas.connector.BP_A"]
    assert {c.status for c in report.checks} == {Status.PASS}
    assert report.exit_code == 0
    request = token.calls.last.request
    assert token.call_count == 1
    assert request.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert "authorization" not in request.headers  # body authentication first, not both
    assert parse_qs(request.content.decode()) == {
        "grant_type": ["client_credentials"],
        "client_id": [CLIENT_ID],
        "client_secret": [SECRET],
    }
    assert bearer_only(meta) and bearer_only(probe)
    assert "in the form body" in by_id(report)["afas.oauth"].message
    assert report.target == {
        "environment_id": "12345",
        "environment": "production",
        "auth": "oauth",
        "client_id": CLIENT_ID,
    }


async def test_body_refused_then_http_basic_is_tried(router) -> None:
    token = router.post("/oauth/token").mock(
        side_effect=[httpx.Response(400, json={"error": "invalid_client"}), granted()]
    )
    router.get("/metainfo").respond(200, json=metainfo())
    report = await run(settings("BP_A"))
    basic = token.calls[1].request
    expected = base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
    assert basic.headers["authorization"] == f"Basic {expected}"
    assert "client_secret" not in parse_qs(basic.content.decode())
    check = by_id(report)["afas.oauth"]
    assert check.status is Status.PASS
    assert "HTTP Basic" in check.message


@pytest.mark.parametrize(
    "basic_answer",
    [
        httpx.Response(401, headers={"WWW-Authenticate": 'Basic realm="AFAS"'}),
        httpx.Response(
            401, json={"error": "invalid_client"}, headers={"WWW-Authenticate": "Basic"}
        ),
        httpx.Response(400, json={"error": "invalid_client"}),
    ],
)
async def test_a_wrong_secret_fails_with_the_fix_and_the_trace(router, basic_answer) -> None:
    basic_answer.headers[facts.TRACE_HEADER] = TRACE
    router.post("/oauth/token").mock(
        side_effect=[httpx.Response(400, json={"error": "invalid_client"}), basic_answer]
    )
    meta = router.get("/metainfo").respond(200, json=metainfo())
    report = await run(settings("BP_A"))
    check = by_id(report)["afas.oauth"]
    assert check.status is Status.FAIL
    assert "invalid_client" in check.message and TRACE in check.message
    for part in ("shown only once", "Hybrid or OAuth", "Profit 9", "Algemeen > Beheer"):
        assert part in check.fix.text
    assert by_id(report)["afas.auth"].status is Status.SKIP
    assert not meta.called
    assert report.exit_code == 1


async def test_another_oauth_error_is_undetermined_and_basic_is_not_tried(router) -> None:
    token = router.post("/oauth/token").respond(
        400,
        json={"error": "unsupported_grant_type", "error_description": "not for this client"},
        headers={facts.TRACE_HEADER: TRACE},
    )
    report = await run(settings())
    check = by_id(report)["afas.oauth"]
    assert check.status is Status.ERROR
    assert "unsupported_grant_type" in check.message and TRACE in check.message
    assert token.call_count == 1


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (httpx.Response(503, headers={facts.TRACE_HEADER: TRACE}), ("HTTP 503", TRACE)),
        (httpx.Response(404), ("HTTP 404", "/oauth/token")),
        (httpx.Response(200, html="<html>sign in</html>"), ("JSON",)),
        (
            httpx.Response(200, json={"access_token": ACCESS, "token_type": "DPoP"}),
            ("DPoP", "Bearer"),
        ),
        (httpx.Response(200, json={"token_type": "Bearer"}), ("access_token",)),
    ],
)
async def test_odd_token_answers_are_errors_not_passes(router, answer, words) -> None:
    router.post("/oauth/token").mock(return_value=answer)
    report = await run(settings())
    check = by_id(report)["afas.oauth"]
    assert check.status is Status.ERROR, check.message
    for word in words:
        assert word in check.message


async def test_a_refused_bearer_on_metainfo_names_the_authentication_type(router) -> None:
    router.post("/oauth/token").mock(return_value=granted())
    router.get("/metainfo").respond(401, headers={facts.TRACE_HEADER: TRACE})
    report = await run(settings("BP_A"))
    check = by_id(report)["afas.auth"]
    assert check.status is Status.FAIL
    assert "OAuth" in check.message and TRACE in check.message
    assert "Hybrid or OAuth" in check.fix.text


def test_the_token_endpoint_moves_with_the_base_url() -> None:
    assert token_url("http://127.0.0.1:8080/ProfitRestServices/") == (
        "http://127.0.0.1:8080/ProfitRestServices/oauth/token"
    )


@pytest.mark.parametrize("bad", ["", "two words", "x" * 201, "naïve\u200b"])
def test_a_bad_client_id_is_an_input_error_naming_the_flag(bad) -> None:
    with pytest.raises(InputError) as caught:
        parse_client_id(bad)
    assert caught.value.field == "client_id"


def test_client_credentials_never_show_the_secret() -> None:
    creds = client_credentials(f' "{CLIENT_ID}" ', Secret(f"{SECRET}\n"))
    assert creds.client_id == CLIENT_ID
    assert SECRET not in repr(creds) and SECRET not in str(creds)
    assert creds.secret.reveal() == SECRET


# --- hybrid mode ----------------------------------------------------------------------------


async def test_hybrid_probes_every_connector_with_both(router) -> None:
    router.post("/oauth/token").mock(return_value=granted())
    router.get("/metainfo").respond(200, json=metainfo("BP_A"))
    probe = router.get("/connectors/BP_A").respond(200, json=ROWS)
    report = await run(settings("BP_A", token=True))
    assert [c.id for c in report.checks] == [
        "afas.token",
        "afas.oauth",
        "afas.auth",
        "afas.auth.oauth",
        "afas.connector.BP_A",
        "afas.token.expiry",
        "afas.classic.sunset",
    ]
    assert by_id(report)["afas.connector.BP_A"].status is Status.PASS
    schemes = sorted(call.request.headers["Authorization"].split()[0] for call in probe.calls)
    assert schemes == ["AfasToken", "Bearer"]


@pytest.mark.parametrize(
    ("refused_scheme", "named"),
    [("Bearer", "not with OAuth"), ("AfasToken", "not with the classic token")],
)
async def test_hybrid_reachable_with_one_credential_only_fails_naming_it(
    router, refused_scheme, named
) -> None:
    router.post("/oauth/token").mock(return_value=granted())
    router.get("/metainfo").respond(200, json=metainfo("BP_A"))

    def answer(request: httpx.Request) -> httpx.Response:
        if request.headers["Authorization"].startswith(refused_scheme):
            return httpx.Response(401, headers={facts.TRACE_HEADER: TRACE})
        return httpx.Response(200, json=ROWS)

    router.get("/connectors/BP_A").mock(side_effect=answer)
    report = await run(settings("BP_A", token=True))
    check = by_id(report)["afas.connector.BP_A"]
    assert check.status is Status.FAIL
    assert named in check.message and TRACE in check.message
    assert "both" in check.fix.text


# --- deadlines ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expiry", "status", "words"),
    [
        ("0", Status.PASS, ("no expiry",)),
        ("", Status.PASS, ("no expiry",)),
        ("2027-05-01", Status.WARN, ("2027-05-01", "151 days left")),
        ("2027-05-01T00:00:00Z", Status.WARN, ("2027-05-01", "151 days")),
        ("2026-12-01", Status.WARN, ("2026-12-01", "0 days")),
        ("2027-05-30T00:00:00", Status.WARN, ("180 days",)),
        ("2027-05-31", Status.PASS, ("2027-05-31", "181 days")),
        ("2026-11-30", Status.FAIL, ("2026-11-30", "1 day ago")),
        ("01-05-2027", Status.WARN, ("'01-05-2027'",)),
        ("2027-13-45", Status.WARN, ("'2027-13-45'",)),
    ],
)
async def test_token_expiry(router, expiry, status, words) -> None:
    router.get("/metainfo").respond(200, json=metainfo(expiry=expiry))
    report = await run(settings(token=True, client=False))
    check = by_id(report)["afas.token.expiry"]
    assert check.status is status, check.message
    for word in words:
        assert word in check.message
    if status is not Status.PASS:
        assert "Hybrid" in check.fix.text


@pytest.mark.parametrize(
    ("today", "status"),
    [
        (date(2026, 12, 1), Status.WARN),
        (date(2027, 5, 2), Status.WARN),
        (date(2027, 8, 31), Status.WARN),
        (date(2027, 9, 1), Status.FAIL),
    ],
)
async def test_sunset_warns_until_the_last_day_then_fails(router, today, status) -> None:
    router.get("/metainfo").respond(200, json=metainfo())
    report = await run(settings(token=True, client=False, today=today))
    check = by_id(report)["afas.classic.sunset"]
    assert check.status is status
    assert "2027-08-31" in check.message
    if status is Status.WARN:
        assert "2027-05-01" in check.message
        assert f"{(facts.CLASSIC_LAST_DAY - today).days} days" in check.message
    for part in ("Hybrid", "client id and secret", "a.s.r.", "Profit 9"):
        assert part in check.fix.text


async def test_no_sunset_or_expiry_check_without_a_classic_token(router) -> None:
    router.post("/oauth/token").mock(return_value=granted())
    router.get("/metainfo").respond(200, json=metainfo())
    ids = {c.id for c in (await run(settings())).checks}
    assert not ids & {"afas.classic.sunset", "afas.token.expiry", "afas.token"}


async def test_dutch_messages_carry_the_dates(router) -> None:
    router.get("/metainfo").respond(200, json=metainfo(expiry="2027-05-01"))
    checks = by_id(await run(settings(token=True, client=False), lang="nl"))
    assert "nog 151 dagen" in checks["afas.token.expiry"].message
    assert "2027-08-31" in checks["afas.classic.sunset"].message


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2027-05-01", date(2027, 5, 1)),
        ("2027-05-01T00:00:00", date(2027, 5, 1)),
        ("2027-05-01T00:00:00+02:00", date(2027, 5, 1)),
        ("2027-05-01T00:00:00.0000000Z", date(2027, 5, 1)),
        ("1-5-2027", None),
        ("soon", None),
    ],
)
def test_parse_token_expiry(text, day) -> None:
    assert parse_token_expiry(text) == day


async def test_trace_identifier_in_a_connector_error(router) -> None:
    router.get("/metainfo").respond(200, json=metainfo("BP_A"))
    router.get("/connectors/BP_A").respond(
        500,
        json={"externalMessage": "boom", "profitLogReference": "REF1"},
        headers={facts.TRACE_HEADER: TRACE},
    )
    check = by_id(await run(settings("BP_A", token=True, client=False)))["afas.connector.BP_A"]
    assert check.status is Status.ERROR
    assert TRACE in check.message and "REF1" in check.message


async def test_trace_identifier_with_an_answer_that_is_not_json(router) -> None:
    router.post("/oauth/token").respond(
        200, html="<html>portal</html>", headers={facts.TRACE_HEADER: TRACE}
    )
    router.get("/metainfo").respond(
        200, html="<html>portal</html>", headers={facts.TRACE_HEADER: TRACE}
    )
    checks = by_id(await run(settings(token=True)))
    for check_id in ("afas.oauth", "afas.auth"):
        assert checks[check_id].status is Status.ERROR
        assert TRACE in checks[check_id].message, check_id


async def test_trace_identifier_with_a_connector_answer_that_is_not_json(router) -> None:
    router.get("/metainfo").respond(200, json=metainfo("BP_A"))
    router.get("/connectors/BP_A").respond(
        200, html="<html>portal</html>", headers={facts.TRACE_HEADER: TRACE}
    )
    check = by_id(await run(settings("BP_A", token=True, client=False)))["afas.connector.BP_A"]
    assert check.status is Status.ERROR
    assert TRACE in check.message and "web page" in check.message


@pytest.mark.parametrize(
    ("days", "nl", "en"),
    [
        (1, "(over 1 dag)", "(1 day from now)"),
        (2, "(over 2 dagen)", "(2 days from now)"),
    ],
)
async def test_sunset_counts_one_day_as_one(days, nl, en) -> None:
    today = date.fromordinal(facts.CLASSIC_LAST_DAY.toordinal() - days)
    assert nl in (await check_sunset(today, Translator("nl"))).message
    assert en in (await check_sunset(today, Translator("en"))).message


@pytest.mark.parametrize(
    ("expiry", "nl"),
    [
        ("2027-01-02", "nog 1 dag."),
        ("2027-01-03", "nog 2 dagen."),
        ("2026-12-31", "(1 dag geleden)"),
        ("2026-12-30", "(2 dagen geleden)"),
    ],
)
async def test_token_expiry_counts_one_day_as_one(router, expiry, nl) -> None:
    router.get("/metainfo").respond(200, json=metainfo(expiry=expiry))
    today = date(2027, 1, 1)
    checks = by_id(await run(settings(token=True, client=False, today=today), lang="nl"))
    assert nl in checks["afas.token.expiry"].message
