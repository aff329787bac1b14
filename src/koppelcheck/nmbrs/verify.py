"""Verify one Nmbrs setup end to end: build the client, run the probe, return the report."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from koppelcheck.http import make_async_client
from koppelcheck.i18n import Translator
from koppelcheck.models import Report
from koppelcheck.nmbrs.checks import NmbrsProbe, SoapCaller
from koppelcheck.nmbrs.client import NmbrsClient
from koppelcheck.nmbrs.rest.readiness import ended_note
from koppelcheck.nmbrs.target import NmbrsTarget
from koppelcheck.reporting import build_report, now
from koppelcheck.runner import CheckRunner, ProgressCallback
from koppelcheck.secret import Redactor, Secret

if TYPE_CHECKING:
    import httpx

    from koppelcheck.nmbrs.checks import AnswerCache, NmbrsFacts

DEFAULT_CONCURRENCY = 24
"""Calls in flight per domain: every call of one check whose inputs are known can be under way
(the fan-out after List_GetAll is under 20), so none waits a round behind another. Nmbrs names no
in-flight cap, only a rate (150 calls per second); the transport keeps to that
(:data:`koppelcheck.http.NMBRS_CALLS_PER_S`)."""


async def verify_nmbrs(
    target: NmbrsTarget,
    token: Secret,
    *,
    translator: Translator,
    timeout_s: float = 30.0,
    concurrency: int = DEFAULT_CONCURRENCY,
    on_progress: ProgressCallback | None = None,
    http: httpx.AsyncClient | None = None,
    ca_bundle: str | None = None,
    cache: AnswerCache | None = None,
    facts_out: list[NmbrsFacts] | None = None,
    rest_readiness: bool = True,
    today: date | None = None,
) -> Report:
    """Run every Nmbrs check for ``target`` and return the report.

    A batch shares one ``http`` client (which limits calls in flight per domain) and one
    ``cache`` per login; a single run makes its own client and closes it. ``facts_out``,
    when given, receives what the checks learnt for the registration form. ``rest_readiness``
    adds the ``nmbrs.rest.*`` group (``today`` is for tests).
    """
    started = now()
    own_client = http is None
    client = http or make_async_client(
        timeout_s=timeout_s, per_host_limit=concurrency, ca_bundle=ca_bundle
    )
    redactor = Redactor()
    redactor.add(token)
    try:
        soap: SoapCaller = NmbrsClient(
            client,
            base_url=target.base_url,
            username=target.username,
            token=token,
            domain=target.domain,
        )
        probe = NmbrsProbe(
            soap,
            target,
            translator,
            poll_budget_s=min(20.0, timeout_s),
            cache=cache,
            rest_readiness=rest_readiness,
            today=today,
        )
        runner = CheckRunner(
            translator, check_timeout_s=timeout_s * 4, on_progress=on_progress, redactor=redactor
        )
        results = ended_note(await runner.run(probe.checks()), today or date.today(), translator)
        if facts_out is not None:
            facts_out.append(probe.facts())
    finally:
        if own_client:
            await client.aclose()
    return build_report(
        system="nmbrs",
        option=target.option.value,
        target=target.describe(),
        started_at=started,
        results=results,
    )
