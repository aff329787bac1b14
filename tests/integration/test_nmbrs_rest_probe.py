"""The REST probe against the REST simulator over loopback: consent, checks, revocation."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from koppelcheck.i18n import Translator
from koppelcheck.models import Status
from koppelcheck.nmbrs.rest.probe import RestSettings, verify_rest
from koppelcheck.secret import Secret
from koppelcheck.simulator.nmbrs_rest import make_rest_simulator
from koppelcheck.simulator.server import SimulatorServer

pytestmark = pytest.mark.integration


async def browser(url: str) -> None:
    """What a person's browser does: open the URL, follow the redirect to the loopback listener."""

    def visit() -> None:
        with httpx.Client(follow_redirects=True, timeout=10) as client:
            client.get(url)

    asyncio.get_running_loop().run_in_executor(None, visit)


async def probe(scenario: str, wait_s: float = 20, **overrides):
    simulator = make_rest_simulator(scenario)
    with SimulatorServer(simulator) as server:
        s = simulator.scenario
        settings = RestSettings(
            client_id=overrides.pop("client_id", s.client_id),
            client_secret=Secret(overrides.pop("client_secret", s.client_secret)),
            subscription_key=Secret(s.subscription_key),
            base_url=server.base_url,
            identity_url=server.base_url,
            **overrides,
        )
        report, consent = await verify_rest(
            settings, translator=Translator("en"), show_url=browser, timeout_s=10, wait_s=wait_s
        )
    return report, {c.id: c for c in report.checks}, simulator, consent


async def test_healthy_passes_every_endpoint_and_revokes() -> None:
    report, by_id, simulator, consent = await probe("healthy")
    bad = {i: c.message for i, c in by_id.items() if c.status not in (Status.PASS, Status.MANUAL)}
    assert not bad
    assert by_id["nmbrs.rest.endpoint.document"].status is Status.PASS
    assert by_id["nmbrs.rest.limits"].status is Status.MANUAL
    assert "Keylane" in by_id["nmbrs.rest.limits"].message
    assert consent.revoked == ["refresh_token", "access_token"]
    assert simulator.live_tokens == 0
    assert report.exit_code == 0


async def test_missing_scope_is_named_with_the_endpoint_it_blocks() -> None:
    _, by_id, simulator, _ = await probe("missing-scope")
    scopes = by_id["nmbrs.rest.scopes"]
    assert scopes.status is Status.FAIL
    assert "employee.bankaccount.read" in scopes.message and "bankaccounts" in scopes.message
    bank = by_id["nmbrs.rest.endpoint.bankaccounts"]
    assert bank.status is Status.FAIL and "employee.bankaccount" in bank.message
    assert by_id["nmbrs.rest.endpoint.addresses"].status is Status.PASS
    assert simulator.live_tokens == 0


async def test_no_access_company_fails_that_company() -> None:
    _, by_id, _, _ = await probe("no-access-company", company="Jansen Vastgoed B.V.")
    period = by_id["nmbrs.rest.endpoint.period"]
    assert period.status is Status.FAIL and "40303" in period.message
    assert by_id["nmbrs.rest.scopes"].status is Status.PASS


async def test_disabled_multi_debtor_throttled() -> None:
    _, disabled, _, _ = await probe("disabled")
    assert disabled["nmbrs.rest.endpoint.user-info"].status is Status.FAIL
    assert "40304" in disabled["nmbrs.rest.endpoint.user-info"].message
    _, multi, _, _ = await probe("multi-debtor")
    assert multi["nmbrs.rest.endpoint.companies"].status is Status.WARN
    assert "3 companies" in multi["nmbrs.rest.endpoint.companies"].message
    assert multi["nmbrs.rest.endpoint.period"].status is Status.PASS
    _, throttled, sim, _ = await probe("throttled")
    assert throttled["nmbrs.rest.endpoint.user-info"].status is Status.ERROR
    assert "30 s" in throttled["nmbrs.rest.endpoint.user-info"].message
    assert sim.live_tokens == 0


async def test_wrong_client_secret_is_explained_as_invalid_client() -> None:
    report, by_id, _, consent = await probe("healthy", client_secret="wrong-secret-value")
    auth = by_id["nmbrs.rest.auth"]
    assert auth.status is Status.FAIL and "invalid_client" in auth.message
    assert consent.tokens is None
    assert all(
        c.status is Status.SKIP for i, c in by_id.items() if i.startswith("nmbrs.rest.endpoint.")
    )
    assert report.exit_code == 1


async def test_scope_outside_the_app_list_never_reaches_a_token() -> None:
    _, by_id, _, _ = await probe("healthy", wait_s=1, scopes=("offline_access", "company.read"))
    assert by_id["nmbrs.rest.auth"].status is Status.FAIL


async def test_tokens_are_revoked_when_the_run_is_cancelled(monkeypatch) -> None:
    """Ctrl-C cancels the run (run_async): the tokens are still revoked before it ends."""
    from koppelcheck.nmbrs.rest import probe as probe_module

    started = asyncio.Event()

    async def hang(self, path, params):
        started.set()
        await asyncio.sleep(3600)

    monkeypatch.setattr(probe_module.RestProbe, "_get", hang)
    simulator = make_rest_simulator("healthy")
    with SimulatorServer(simulator) as server:
        s = simulator.scenario
        settings = RestSettings(
            client_id=s.client_id,
            client_secret=Secret(s.client_secret),
            subscription_key=Secret(s.subscription_key),
            base_url=server.base_url,
            identity_url=server.base_url,
        )
        task = asyncio.ensure_future(
            verify_rest(settings, translator=Translator("en"), show_url=browser, wait_s=20)
        )
        await asyncio.wait_for(started.wait(), 20)
        assert simulator.live_tokens == 2  # access and refresh token issued
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert simulator.live_tokens == 0
    assert len(simulator.state.revoked) == 2


async def test_a_token_endpoint_without_basic_auth_gets_the_secret_in_the_body() -> None:
    from dataclasses import replace

    import koppelcheck.simulator.nmbrs_rest as module

    original = module.load_rest_scenario
    try:
        module.load_rest_scenario = lambda name: replace(original(name), basic_auth=False)
        report, by_id, simulator, consent = await probe("healthy")
    finally:
        module.load_rest_scenario = original
    assert by_id["nmbrs.rest.auth"].status is Status.PASS
    assert consent.revoked == ["refresh_token", "access_token"]
    assert simulator.live_tokens == 0
