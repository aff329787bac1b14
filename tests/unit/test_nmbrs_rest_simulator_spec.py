"""The REST simulator's answers, validated against the Nmbrs OpenAPI description shipped in PyPI
``nmbrs-rest-api`` 0.0.3; and that package's own client run against the simulator as a peer."""

from __future__ import annotations

from importlib import resources

import httpx
import pytest

from koppelcheck.nmbrs.rest import mapping
from koppelcheck.simulator.nmbrs_rest import make_rest_simulator
from koppelcheck.simulator.server import SimulatorServer

openapi_core = pytest.importorskip("openapi_core")
nmbrs_rest = pytest.importorskip("nmbrs_rest")
yaml = pytest.importorskip("yaml")

SPEC_SHA256 = "5b02feb7d189034a8b3d4c5c8bf706e815edacc109251e004811910d27627ba1"


def spec():
    import hashlib

    from openapi_core import Config, OpenAPI

    path = resources.files("nmbrs_rest") / "_spec" / "nmbrs-openapi.yaml"
    raw = path.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == SPEC_SHA256  # the copy the reference describes
    # The description itself does not pass a strict OpenAPI check (e.g. ``enum: []`` in
    # unrelated schemas); the answers are still validated against its response schemas.
    return OpenAPI.from_dict(yaml.safe_load(raw), config=Config(spec_validator_cls=None))


def consent(server, simulator, scopes=mapping.REQUIRED_SCOPES) -> str:
    s = simulator.scenario
    with httpx.Client(base_url=server.base_url) as client:
        redirect = client.get(
            mapping.AUTHORIZE_PATH,
            params={
                "client_id": s.client_id,
                "redirect_uri": "http://127.0.0.1:9/callback",
                "response_type": "code",
                "scope": " ".join(scopes),
                "state": "xyz",
            },
        )
        assert redirect.status_code == 302
        code = httpx.URL(redirect.headers["location"]).params["code"]
        token = client.post(
            mapping.TOKEN_PATH,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": "http://127.0.0.1:9/callback",
            },
            auth=(s.client_id, s.client_secret),
        )
        assert token.status_code == 200, token.text
        return token.json()["access_token"]


@pytest.mark.parametrize(
    "scenario", ["healthy", "missing-scope", "no-access-company", "disabled", "multi-debtor"]
)
def test_every_probe_answer_matches_the_openapi_description(scenario) -> None:
    from openapi_core.testing import MockRequest, MockResponse

    openapi = spec()
    simulator = make_rest_simulator(scenario)
    with SimulatorServer(simulator) as server:
        token = consent(server, simulator)
        headers = {
            "Authorization": f"Bearer {token}",
            mapping.SUBSCRIPTION_HEADER: simulator.scenario.subscription_key,
        }
        with httpx.Client(base_url=server.base_url, headers=headers) as client:
            zero = "00000000-0000-0000-0000-000000000000"
            debtors = client.get("/api/debtors").json().get("data") or [{"debtorId": zero}]
            debtor = debtors[0]["debtorId"]
            listed = client.get(f"/api/debtors/{debtor}/companies").json().get("data")
            company = (listed or [{"companyId": zero}])[0]["companyId"]
            runs = client.get(f"/api/companies/{company}/runs", params={"year": 2026}).json()
            run_id = (runs.get("data") or [{"payrollRunId": zero}])[0]["payrollRunId"]
            checked = 0
            for endpoint in mapping.PROBE_ENDPOINTS:
                if endpoint is mapping.DOCUMENT:
                    continue
                path = endpoint.path.format(
                    companyId=company, debtorId=debtor, payrollRunId=run_id, taskId="x"
                )
                params = {"year": "2026"} if endpoint in (mapping.RUNS, mapping.WAGECODES) else {}
                answer = client.get(path, params=params)
                request = MockRequest(
                    "https://api.nmbrsapp.com", "get", path, args=params, headers=headers
                )
                response = MockResponse(
                    answer.content,
                    status_code=answer.status_code,
                    content_type=answer.headers["content-type"].split(";")[0],
                )
                openapi.validate_response(request, response)
                checked += 1
    assert checked == len(mapping.PROBE_ENDPOINTS) - 1


def test_the_packages_own_client_reads_the_simulator(monkeypatch) -> None:
    """nmbrs_rest's OAuth (code exchange with percent-encoded Basic auth) and resources, unchanged
    except for the hosts, against the simulator: an independent peer of our probe."""
    import nmbrs_rest.auth as auth

    simulator = make_rest_simulator("multi-debtor")
    with SimulatorServer(simulator) as server:
        for name in ("AUTHORIZE_URL", "TOKEN_URL", "REVOCATION_URL"):
            path = getattr(auth, name).removeprefix(auth.IDENTITY_BASE)
            monkeypatch.setattr(auth, name, server.base_url + path)
        s = simulator.scenario
        api = nmbrs_rest.Nmbrs(
            s.client_id, s.client_secret, s.subscription_key, base_url=server.base_url
        )
        url = api.login(
            "http://127.0.0.1:9/callback", scopes=list(mapping.REQUIRED_SCOPES), pkce=True
        )
        with httpx.Client() as browser:
            location = browser.get(url).headers["location"]
        params = httpx.URL(location).params
        api.authenticate(params["code"], state=params["state"])
        names = sorted(c.raw["name"] for c in api.companies())  # 40306 → via debtors
        assert names == ["Bakkerij Jansen B.V.", "Garage De Vries", "Jansen Vastgoed B.V."]
        api.logout()
        api.close()
    assert simulator.state.revoked
