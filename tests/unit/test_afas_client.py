"""The AFAS REST client: requests it sends and how every answer is mapped (respx, no network)."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import respx

from koppelcheck.afas.client import AfasClient
from koppelcheck.afas.token import parse_token
from koppelcheck.errors import AfasHttpError, CallTimeout, ProtocolError, TransportError

BASE = "https://12345.rest.afas.online/ProfitRestServices"
DATA = "88537B2C" * 8
TOKEN = parse_token(DATA)
METAINFO = {
    "updateConnectors": [{"id": "HrCreateApplicant", "description": "Aanmaken sollicitatie"}],
    "getConnectors": [{"id": "BP_Werknemers", "description": "Werknemers"}],
    "info": {
        "envid": "O12345AA",
        "appName": "Benefits-Plaza",
        "group": "PR-006",
        "tokenExpiry": "0",
    },
}
NOT_SUPPORTED = {
    "externalMessage": "General message: Deze GetConnector wordt niet ondersteund of de "
    "gebruiker is niet geautoriseerd.",
    "errorNumber": -2147180996,
    "profitLogReference": "923A9F6F4D5875E0D7B96982F6E4E0D2",
}


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_mocked=True, assert_all_called=False) as mock:
        yield mock


@pytest.fixture
async def client() -> AsyncIterator[AfasClient]:
    async with httpx.AsyncClient() as http:
        yield AfasClient(http, BASE + "/", TOKEN, accept_language="nl-nl")


async def test_metainfo_is_parsed_and_sent_with_the_token(router, client) -> None:
    route = router.get("/metainfo").respond(200, json=METAINFO)
    meta = await client.get_metainfo()
    assert meta.get_connector_ids() == ("BP_Werknemers",)
    assert (meta.app_name, meta.group, meta.envid, meta.token_expiry) == (
        "Benefits-Plaza",
        "PR-006",
        "O12345AA",
        "0",
    )
    request = route.calls.last.request
    scheme, _, value = request.headers["Authorization"].partition(" ")
    assert scheme == "AfasToken"
    assert (
        base64.b64decode(value).decode()
        == f"<token><version>1</version><data>{DATA}</data></token>"
    )
    assert request.headers["Accept"] == "application/json"
    assert request.headers["Accept-Language"] == "nl-nl"


async def test_metainfo_without_get_connectors_is_unknown_not_empty(router, client) -> None:
    router.get("/metainfo").respond(200, json={"info": {}})
    assert (await client.get_metainfo()).get_connectors is None


async def test_probe_asks_for_one_row_and_returns_only_a_count(router, client) -> None:
    rows = [{"Naam": "Geheime Medewerker", "Bsn": "111222333"}]
    route = router.get("/connectors/BP_Werknemers").respond(
        200, json={"skip": 0, "take": 1, "rows": rows}
    )
    probe = await client.probe_connector("BP_Werknemers")
    assert (probe.connector_id, probe.row_count, probe.has_rows) == ("BP_Werknemers", 1, True)
    assert dict(route.calls.last.request.url.params) == {"skip": "0", "take": "1"}
    assert "Geheime" not in repr(probe) and "111222333" not in repr(probe)


async def test_probe_with_no_rows(router, client) -> None:
    router.get("/connectors/BP_Verzuim").respond(200, json={"skip": 0, "take": 1, "rows": []})
    probe = await client.probe_connector("BP_Verzuim")
    assert (probe.row_count, probe.has_rows) == (0, False)


async def test_401_with_empty_body(router, client) -> None:
    router.get("/metainfo").respond(401)
    with pytest.raises(AfasHttpError) as caught:
        await client.get_metainfo()
    assert caught.value.status == 401
    assert DATA not in str(caught.value)


async def test_500_json_body_is_mapped(router, client) -> None:
    router.get("/connectors/BP_X").respond(500, json=NOT_SUPPORTED)
    with pytest.raises(AfasHttpError) as caught:
        await client.probe_connector("BP_X")
    assert caught.value.status == 500
    assert "niet ondersteund" in caught.value.message
    assert caught.value.profit_log_reference == "923A9F6F4D5875E0D7B96982F6E4E0D2"


async def test_503_carries_retry_after(router, client) -> None:
    body = {
        "error": {
            "code": "503",
            "message": "Service temporarily unavailable due to scheduled maintenance.",
        },
        "retry_after": 7200,
    }
    router.get("/metainfo").respond(503, json=body, headers={"Retry-After": "7200"})
    with pytest.raises(AfasHttpError) as caught:
        await client.get_metainfo()
    assert (caught.value.status, caught.value.retry_after) == (503, "7200")
    assert "maintenance" in caught.value.message


async def test_503_retry_after_from_body_when_no_header(router, client) -> None:
    router.get("/metainfo").respond(503, content=json.dumps({"retry_after": 60}).encode())
    with pytest.raises(AfasHttpError) as caught:
        await client.get_metainfo()
    assert caught.value.retry_after == "60"


async def test_timeout_is_call_timeout(router, client) -> None:
    router.get("/metainfo").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(CallTimeout):
        await client.get_metainfo()


async def test_connection_failure_is_transport_error(router, client) -> None:
    router.get("/metainfo").mock(side_effect=httpx.ConnectError("name resolution failed"))
    with pytest.raises(TransportError) as caught:
        await client.get_metainfo()
    assert not isinstance(caught.value, CallTimeout)


@pytest.mark.parametrize("status", [200, 500, 502])
async def test_html_is_a_protocol_error(router, client, status: int) -> None:
    router.get("/metainfo").respond(status, html="<html><body>Proxy says no</body></html>")
    with pytest.raises(ProtocolError):
        await client.get_metainfo()


async def test_rows_missing_is_a_protocol_error(router, client) -> None:
    router.get("/connectors/BP_X").respond(200, json={"skip": 0})
    with pytest.raises(ProtocolError):
        await client.probe_connector("BP_X")


async def test_connector_id_is_escaped_in_the_path(router, client) -> None:
    route = router.get(path__startswith="/connectors/").respond(200, json={"rows": []})
    await client.probe_connector("A/B")
    assert route.calls.last.request.url.raw_path.startswith(
        b"/ProfitRestServices/connectors/A%2FB?"
    )
