"""The AFAS checks: every status branch, skips, one shared metainfo, no secrets or rows in text."""

from __future__ import annotations

import asyncio
import base64
import tomllib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import respx

import koppelcheck.i18n as i18n
from koppelcheck.afas.checks import AfasSettings, SharedMetainfo, build_afas_checks
from koppelcheck.afas.client import AfasClient
from koppelcheck.afas.environment import parse_environment_id
from koppelcheck.afas.token import parse_token
from koppelcheck.i18n import Translator
from koppelcheck.models import Report, Status
from koppelcheck.systems import RunOptions, verify

BASE = "https://12345.rest.afas.online/ProfitRestServices"
DATA = "7C8DA34E" * 8
XML = f"<token><version>1</version><data>{DATA}</data></token>"
SECRETS = (DATA, XML, base64.b64encode(XML.encode()).decode())
ROW_SECRET = "Vertrouwelijk-Jansen-123456789"
ROWS = {"skip": 0, "take": 1, "rows": [{"Naam": ROW_SECRET, "Bsn": "123456789"}]}
NO_ROWS = {"skip": 0, "take": 1, "rows": []}
REF = "3A4CA18A611A4E07B429AC6BAFC6B8D1"
NOT_SUPPORTED = {
    "externalMessage": "General message: Deze GetConnector wordt niet ondersteund of de "
    "gebruiker is niet geautoriseerd.",
    "errorNumber": -2147180996,
    "profitLogReference": REF,
}


def profit_error(message: str) -> dict[str, object]:
    return {"externalMessage": message, "errorNumber": -2147180999, "profitLogReference": REF}


def metainfo(*ids: str) -> dict[str, object]:
    return {
        "updateConnectors": [],
        "getConnectors": [{"id": i, "description": i} for i in ids],
        "info": {
            "envid": "O12345AA",
            "appName": "Benefits-Plaza",
            "group": "PR-006 (12345.BP)",
            "tokenExpiry": "0",
        },
    }


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_mocked=True, assert_all_called=False) as mock:
        yield mock


def settings(*connectors: str, token: str = DATA) -> AfasSettings:
    return AfasSettings(parse_environment_id("O12345AA"), parse_token(token), connectors, BASE)


async def run(*connectors: str, lang: str = "en", token: str = DATA) -> Report:
    async with httpx.AsyncClient() as http:
        report = await verify(
            "afas",
            settings(*connectors, token=token),
            None,
            RunOptions(Translator(lang), timeout_s=5, http=http),
        )
    text = report.model_dump_json()
    for secret in (*SECRETS, ROW_SECRET, "123456789"):
        assert secret not in text
    return report


def by_id(report: Report) -> dict[str, object]:
    return {c.id: c for c in report.checks}


async def test_healthy_run_passes_and_names_the_app(router) -> None:
    router.get("/metainfo").respond(200, json=metainfo("BP_Werknemers", "BP_Verzuim"))
    router.get("/connectors/BP_Werknemers").respond(200, json=ROWS)
    router.get("/connectors/BP_Verzuim").respond(200, json=NO_ROWS)
    report = await run("BP_Werknemers", "BP_Verzuim")
    checks = by_id(report)
    assert [c.id for c in report.checks] == [
        "afas.token",
        "afas.auth",
        "afas.connector.BP_Werknemers",
        "afas.connector.BP_Verzuim",
        "afas.token.expiry",
        "afas.classic.sunset",
    ]
    # Every classic run warns about AFAS's end of classic tokens; nothing else is off.
    assert {c.id for c in report.checks if c.status is not Status.PASS} == {"afas.classic.sunset"}
    assert "Benefits-Plaza" in checks["afas.auth"].message
    assert "PR-006" in checks["afas.auth"].message
    assert "1 row" in checks["afas.connector.BP_Werknemers"].message
    assert "filter authorisation" in checks["afas.connector.BP_Verzuim"].message
    assert report.exit_code == 0
    assert report.target["environment_id"] == "12345"


async def test_metainfo_is_fetched_once_for_many_connectors(router) -> None:
    ids = [f"BP_{n}" for n in range(10)]
    route = router.get("/metainfo").respond(200, json=metainfo(*ids))
    for cid in ids:
        router.get(f"/connectors/{cid}").respond(200, json=ROWS)
    report = await run(*ids)
    assert route.call_count == 1
    assert report.summary.pass_ == 13  # token, auth, 10 connectors, expiry (sunset warns)


async def test_shared_metainfo_under_concurrent_callers(router) -> None:
    route = router.get("/metainfo").respond(200, json=metainfo("A"))
    async with httpx.AsyncClient() as http:
        shared = SharedMetainfo(AfasClient(http, BASE, parse_token(DATA)))
        results = await asyncio.gather(*(shared.get() for _ in range(20)))
    assert route.call_count == 1
    assert all(r is results[0] for r in results)


async def test_not_listed_and_not_supported_is_a_fail_with_the_manual_steps(router) -> None:
    router.get("/metainfo").respond(200, json=metainfo("BP_Werknemers"))
    router.get("/connectors/BP_Werknemers").respond(200, json=ROWS)
    router.get("/connectors/BP_Salarissen").respond(500, json=NOT_SUPPORTED)
    report = await run("BP_Werknemers", "BP_Salarissen")
    check = by_id(report)["afas.connector.BP_Salarissen"]
    assert check.status is Status.FAIL
    assert "not imported, or not assigned" in check.message
    assert "step 1" in check.fix.text and "step 3.9" in check.fix.text
    assert "Importeren" in check.fix.text
    assert report.exit_code == 1
    assert [c.id for c in report.checks if c.status is Status.FAIL] == [check.id]


async def test_not_listed_and_401_on_the_connector_is_a_fail(router) -> None:
    router.get("/metainfo").respond(200, json=metainfo())
    router.get("/connectors/BP_X").respond(401)
    check = by_id(await run("BP_X"))["afas.connector.BP_X"]
    assert check.status is Status.FAIL
    assert "120612" in " ".join(check.fix.links)


@pytest.mark.parametrize("answer", [(500, NOT_SUPPORTED), (401, None)])
async def test_listed_but_refused_is_a_fail_pointing_at_the_user(router, answer) -> None:
    status, body = answer
    router.get("/metainfo").respond(200, json=metainfo("BP_X"))
    router.get("/connectors/BP_X").respond(status, json=body)
    check = by_id(await run("BP_X"))["afas.connector.BP_X"]
    assert check.status is Status.FAIL
    assert "not authorised" in check.message
    assert "step 2.8" in check.fix.text


@pytest.mark.parametrize(
    "message",
    [
        "General message: Deze GetConnector (definitie) is geblokkeerd.",
        "This GetConnector (definition) is blocked",
    ],
)
async def test_blocked_definition_is_a_fail(router, message: str) -> None:
    router.get("/metainfo").respond(200, json=metainfo("BP_X"))
    router.get("/connectors/BP_X").respond(500, json=profit_error(message))
    check = by_id(await run("BP_X"))["afas.connector.BP_X"]
    assert check.status is Status.FAIL
    assert "blocked" in check.message


async def test_english_not_supported_text_is_recognised(router) -> None:
    router.get("/metainfo").respond(200, json=metainfo())
    router.get("/connectors/BP_X").respond(
        500,
        json=profit_error("GetConnector not supported for this app or the user is not authorized"),
    )
    assert by_id(await run("BP_X"))["afas.connector.BP_X"].status is Status.FAIL


async def test_connector_503_is_an_error_saying_when_to_retry(router) -> None:
    router.get("/metainfo").respond(200, json=metainfo("BP_X"))
    router.get("/connectors/BP_X").respond(503, headers={"Retry-After": "7200"})
    report = await run("BP_X")
    check = by_id(report)["afas.connector.BP_X"]
    assert check.status is Status.ERROR
    assert "120 minutes" in check.message and "7200" in check.message
    assert report.exit_code == 4


async def test_other_500_is_an_error_with_message_and_log_reference(router) -> None:
    router.get("/metainfo").respond(200, json=metainfo("BP_X"))
    router.get("/connectors/BP_X").respond(500, json=profit_error("Out of memory"))
    check = by_id(await run("BP_X"))["afas.connector.BP_X"]
    assert check.status is Status.ERROR
    assert "Out of memory" in check.message and REF in check.message
    assert REF in check.fix.text


async def test_listed_connector_timeout_is_an_error(router) -> None:
    router.get("/metainfo").respond(200, json=metainfo("BP_X"))
    router.get("/connectors/BP_X").mock(side_effect=httpx.ReadTimeout("slow"))
    assert by_id(await run("BP_X"))["afas.connector.BP_X"].status is Status.ERROR


async def test_unlisted_connector_timeout_is_still_a_fail(router) -> None:
    router.get("/metainfo").respond(200, json=metainfo())
    router.get("/connectors/BP_X").mock(side_effect=httpx.ReadTimeout("slow"))
    assert by_id(await run("BP_X"))["afas.connector.BP_X"].status is Status.FAIL


async def test_only_case_differs_is_said_explicitly(router) -> None:
    router.get("/metainfo").respond(200, json=metainfo("bp_werknemers"))
    router.get("/connectors/BP_Werknemers").respond(500, json=NOT_SUPPORTED)
    check = by_id(await run("BP_Werknemers"))["afas.connector.BP_Werknemers"]
    assert check.status is Status.FAIL
    assert "'bp_werknemers'" in check.fix.text and "capitals" in check.fix.text


async def test_unlisted_but_answering_is_a_warning(router) -> None:
    router.get("/metainfo").respond(200, json=metainfo("bp_x"))
    router.get("/connectors/BP_X").respond(200, json=ROWS)
    check = by_id(await run("BP_X"))["afas.connector.BP_X"]
    assert check.status is Status.WARN
    assert "capitals" in check.fix.text


@pytest.mark.parametrize(
    ("status", "body", "expected"), [(200, ROWS, Status.PASS), (500, NOT_SUPPORTED, Status.FAIL)]
)
async def test_without_get_connectors_in_metainfo_the_probe_decides(
    router, status, body, expected
) -> None:
    router.get("/metainfo").respond(200, json={"info": {"appName": "BP"}})
    router.get("/connectors/BP_X").respond(status, json=body)
    assert by_id(await run("BP_X"))["afas.connector.BP_X"].status is expected


async def test_refused_token_fails_auth_and_skips_every_connector(router) -> None:
    router.get("/metainfo").respond(401)
    connector_route = router.get(path__startswith="/connectors/").respond(200, json=ROWS)
    report = await run("BP_A", "BP_B")
    checks = by_id(report)
    auth = checks["afas.auth"]
    assert auth.status is Status.FAIL
    for fragment in ("3.6", "3.7", "Geblokkeerd", "2.8"):
        assert fragment in auth.fix.text
    assert checks["afas.connector.BP_A"].status is Status.SKIP
    assert "afas.auth" in checks["afas.connector.BP_B"].message
    assert not connector_route.called
    assert report.exit_code == 1


async def test_ip_restriction_is_a_fail(router) -> None:
    router.get("/metainfo").respond(403)
    auth = by_id(await run("BP_A"))["afas.auth"]
    assert auth.status is Status.FAIL
    assert "IP" in auth.message


async def test_maintenance_is_an_error_with_retry_time(router) -> None:
    router.get("/metainfo").respond(
        503,
        json={"error": {"code": "503", "message": "maintenance"}, "retry_after": 7200},
        headers={"Retry-After": "7200"},
    )
    report = await run("BP_A")
    checks = by_id(report)
    assert checks["afas.auth"].status is Status.ERROR
    assert "120 minutes" in checks["afas.auth"].message
    assert "https://www.afasstatus.nl" in checks["afas.auth"].fix.links
    assert checks["afas.connector.BP_A"].status is Status.SKIP
    assert report.exit_code == 4


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        ({"status_code": 404}, "404"),
        ({"status_code": 500, "json": profit_error("Er is een onverwachte fout opgetreden.")}, REF),
        ({"status_code": 200, "html": "<html>login</html>"}, "JSON"),
        ({"status_code": 502, "html": "<html>Bad gateway</html>"}, "JSON"),
    ],
)
async def test_undetermined_auth_answers_are_errors(router, answer, fragment) -> None:
    router.get("/metainfo").respond(**answer)
    auth = by_id(await run("BP_A"))["afas.auth"]
    assert auth.status is Status.ERROR
    assert fragment in auth.message


async def test_unreachable_host_is_an_error_naming_the_environment_fix(router) -> None:
    router.get("/metainfo").mock(side_effect=httpx.ConnectError("no such host"))
    auth = by_id(await run("BP_A"))["afas.auth"]
    assert auth.status is Status.ERROR
    assert "environment number" in auth.fix.text


async def test_without_expected_connectors_one_warning_lists_what_afas_shows(router) -> None:
    router.get("/metainfo").respond(200, json=metainfo("BP_Werknemers", "Profit_Functions"))
    report = await run()
    check = by_id(report)["afas.connectors"]
    assert check.status is Status.WARN
    assert "BP_Werknemers, Profit_Functions" in check.message
    assert "nothing was compared" in check.message
    assert report.exit_code == 0


async def test_odd_token_is_a_warning_that_never_shows_it(router) -> None:
    odd = "ZZ" + DATA[2:]
    router.get("/metainfo").respond(401)
    report = await run(token=odd)
    token_check = by_id(report)["afas.token"]
    assert token_check.status is Status.WARN
    assert "64 characters" in token_check.message
    assert odd not in report.model_dump_json()
    assert "••••" + odd[-4:] in token_check.message


async def test_dutch_is_the_default_language(router) -> None:
    router.get("/metainfo").respond(200, json=metainfo())
    router.get("/connectors/BP_X").respond(500, json=NOT_SUPPORTED)
    check = by_id(await run("BP_X", lang="nl"))["afas.connector.BP_X"]
    assert "niet geïmporteerd" in check.message
    assert "stap 3.9" in check.fix.text


def test_build_order_and_requires() -> None:
    specs = build_afas_checks(
        settings("A", "B"), AfasClient(None, BASE, parse_token(DATA)), Translator("en")
    )
    assert [s.id for s in specs] == [
        "afas.token",
        "afas.auth",
        "afas.connector.A",
        "afas.connector.B",
        "afas.token.expiry",
        "afas.classic.sunset",
    ]
    assert [s.requires for s in specs] == [
        (),
        (),
        ("afas.auth",),
        ("afas.auth",),
        ("afas.auth",),
        (),
    ]


def test_catalogues_have_the_same_afas_keys() -> None:
    folder = Path(i18n.__file__).parents[1] / "afas" / "i18n"
    nl = tomllib.loads((folder / "nl" / "afas.toml").read_text(encoding="utf-8"))
    en = tomllib.loads((folder / "en" / "afas.toml").read_text(encoding="utf-8"))
    assert set(nl) == set(en)
    assert all(key.startswith("afas.") for key in nl)
