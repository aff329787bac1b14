"""Verify one AFAS setup end to end: build the client, run the checks, return the report."""

from __future__ import annotations

from typing import TYPE_CHECKING

from koppelcheck.afas.checks import AfasSettings, build_afas_checks
from koppelcheck.i18n import Translator
from koppelcheck.models import Report
from koppelcheck.reporting import build_report, now
from koppelcheck.runner import CheckRunner, ProgressCallback
from koppelcheck.secret import Redactor

if TYPE_CHECKING:
    import httpx

AFAS_PARALLEL_LIMIT = 5
"""AFAS allows at most 8 calls in parallel and recommends about 5 (afas-api.md §7)."""
_ACCEPT_LANGUAGE = {"nl": "nl-nl", "en": "en-us"}


async def verify_afas(
    settings: AfasSettings,
    *,
    translator: Translator,
    timeout_s: float = 30.0,
    strict: bool = False,
    exit_zero: bool = False,
    on_progress: ProgressCallback | None = None,
    http: httpx.AsyncClient | None = None,
    ca_bundle: str | None = None,
) -> Report:
    """Run every AFAS check for ``settings`` and return the report.

    ``http`` lets a caller (a batch, a test) share one client; it should come from
    :func:`koppelcheck.http.make_async_client` with ``per_host_limit=5``. Otherwise one is made
    and closed here.
    """
    from koppelcheck.afas.client import AfasClient
    from koppelcheck.http import make_async_client

    started = now()
    own_client = http is None
    client = http or make_async_client(
        timeout_s=timeout_s, per_host_limit=AFAS_PARALLEL_LIMIT, ca_bundle=ca_bundle
    )
    redactor = token_redactor(settings)
    try:
        afas = AfasClient(
            client,
            settings.url,
            settings.token,
            accept_language=_ACCEPT_LANGUAGE.get(translator.lang),
        )
        # A probe may wait behind others for one of the 5 slots: allow one call time per round.
        rounds = 2 + len(settings.connectors) // AFAS_PARALLEL_LIMIT
        runner = CheckRunner(
            translator,
            check_timeout_s=timeout_s * rounds,
            on_progress=on_progress,
            redactor=redactor,
        )
        results = await runner.run(build_afas_checks(settings, afas, translator))
    finally:
        if own_client:
            await client.aclose()
    return build_report(
        system="afas",
        option=None,
        target=settings.describe(),
        started_at=started,
        results=results,
        strict=strict,
        exit_zero=exit_zero,
    )


def token_redactor(settings: AfasSettings) -> Redactor:
    """A redactor that masks every form of the token (data, XML, base64 of the XML)."""
    redactor = Redactor()
    for value in settings.token.secret_forms():
        redactor.add(value)
    return redactor
