"""The AFAS simulator's OAuth token endpoint, Bearer tokens and trace identifiers, per AFAS's docs
(migration-rest-oauth.md §4.2-4.3)."""

from __future__ import annotations

import base64
import json
from urllib.parse import urlencode

import pytest

from koppelcheck.afas import facts
from koppelcheck.afas.token import parse_token
from koppelcheck.simulator.afas import AfasSimulator, make_afas_simulator
from koppelcheck.simulator.server import SimRequest, SimResponse

TOKEN_PATH = "/ProfitRestServices/oauth/token"


def post_token(
    sim: AfasSimulator,
    form: list[tuple[str, str]],
    *,
    basic: tuple[str, str] | None = None,
    method: str = "POST",
) -> SimResponse:
    headers = {"content-type": "application/x-www-form-urlencoded"}
    if basic is not None:
        pair = f"{basic[0]}:{basic[1]}".encode()
        headers["authorization"] = "Basic " + base64.b64encode(pair).decode()
    return sim.handle(SimRequest(method, TOKEN_PATH, {}, headers, urlencode(form).encode()))


def good(sim: AfasSimulator) -> tuple[str, str]:
    assert sim.scenario.oauth is not None
    return sim.scenario.oauth.client_id, sim.scenario.oauth.client_secret


def body_auth(sim: AfasSimulator) -> list[tuple[str, str]]:
    client_id, secret = good(sim)
    return [
        ("grant_type", "client_credentials"),
        ("client_id", client_id),
        ("client_secret", secret),
    ]


def get(sim: AfasSimulator, path: str, authorization: str) -> SimResponse:
    return sim.handle(SimRequest("GET", path, {}, {"authorization": authorization}))


@pytest.mark.parametrize("scenario", ["oauth", "hybrid"])
def test_body_authentication_gets_a_bearer_token_per_the_docs(scenario) -> None:
    sim = make_afas_simulator(scenario)
    answer = post_token(sim, body_auth(sim))
    assert answer.status == 200
    body = json.loads(answer.body)
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert "refresh_token" not in body  # client credentials: omitted from Profit 9
    assert answer.headers[facts.TRACE_HEADER]
    metainfo = get(sim, "/ProfitRestServices/metainfo", f"Bearer {body['access_token']}")
    assert metainfo.status == 200
    assert sim.schemes["Bearer"] == 1


def test_basic_authentication_is_accepted_too() -> None:
    sim = make_afas_simulator("oauth")
    answer = post_token(sim, [("grant_type", "client_credentials")], basic=good(sim))
    assert answer.status == 200


def test_a_wrong_secret_is_invalid_client_400_in_the_body_401_with_basic() -> None:
    sim = make_afas_simulator("bad-secret")
    in_body = post_token(sim, body_auth(sim))
    assert in_body.status == 400
    assert json.loads(in_body.body)["error"] == "invalid_client"
    assert "WWW-Authenticate" not in in_body.headers
    with_basic = post_token(sim, [("grant_type", "client_credentials")], basic=good(sim))
    assert with_basic.status == 401
    assert with_basic.headers["WWW-Authenticate"].startswith("Basic")
    assert json.loads(with_basic.body)["error"] == "invalid_client"


def test_two_methods_or_repeated_parameters_are_invalid_request() -> None:
    sim = make_afas_simulator("oauth")
    both = post_token(sim, body_auth(sim), basic=good(sim))
    assert json.loads(both.body)["error"] == "invalid_request"
    twice = post_token(sim, [*body_auth(sim), ("grant_type", "client_credentials")])
    assert json.loads(twice.body)["error"] == "invalid_request"


def test_other_grants_and_methods_are_refused() -> None:
    sim = make_afas_simulator("oauth")
    form = [("grant_type", "password"), *body_auth(sim)[1:]]
    assert json.loads(post_token(sim, form).body)["error"] == "unsupported_grant_type"
    assert post_token(sim, body_auth(sim), method="GET").status == 405


def test_a_classic_app_connector_has_no_oauth_client() -> None:
    sim = make_afas_simulator("healthy")
    form = [("grant_type", "client_credentials"), ("client_id", "x"), ("client_secret", "y")]
    assert json.loads(post_token(sim, form).body)["error"] == "invalid_client"


def test_oauth_refuses_classic_tokens_and_hybrid_takes_both() -> None:
    for name, status in (("oauth", 401), ("hybrid", 200), ("healthy", 200)):
        sim = make_afas_simulator(name)
        header = parse_token(sim.scenario.token_data).authorization()
        assert get(sim, "/ProfitRestServices/metainfo", header).status == status, name


def test_an_unknown_bearer_is_refused_with_invalid_token() -> None:
    sim = make_afas_simulator("oauth")
    answer = get(sim, "/ProfitRestServices/metainfo", "Bearer not-issued-here")
    assert answer.status == 401
    assert 'error="invalid_token"' in answer.headers["WWW-Authenticate"]


def test_classic_expiring_carries_the_expiry_date() -> None:
    sim = make_afas_simulator("classic-expiring")
    header = parse_token(sim.scenario.token_data).authorization()
    body = json.loads(get(sim, "/ProfitRestServices/metainfo", header).body)
    assert body["info"]["tokenExpiry"] == facts.CLASSIC_TOKEN_EXPIRY.isoformat()


def test_every_answer_of_the_application_has_a_trace_identifier() -> None:
    sim = make_afas_simulator("healthy")
    answers = [
        get(sim, "/ProfitRestServices/metainfo", "AfasToken bad"),
        get(sim, "/ProfitRestServices/connectors/Nope", ""),
        get(
            sim,
            "/ProfitRestServices/metainfo",
            parse_token(sim.scenario.token_data).authorization(),
        ),
    ]
    identifiers = {answer.headers[facts.TRACE_HEADER] for answer in answers}
    assert len(identifiers) == 3
