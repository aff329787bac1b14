"""Verify one AFAS setup end to end: build the client, run the checks, return the report."""

from __future__ import annotations

from typing import TYPE_CHECKING

from koppelcheck.afas.checks import AfasSettings, build_afas_checks
from koppelcheck.afas.client import AfasClient
from koppelcheck.afas.facts import PER_ENVIRONMENT_LIMIT
from koppelcheck.afas.oauth import SharedAccessToken
from koppelcheck.http import make_async_client
from koppelcheck.i18n import Translator
from koppelcheck.models import Report
from koppelcheck.reporting import build_report, now
from koppelcheck.runner import CheckRunner, ProgressCallback
from koppelcheck.secret import Redactor

if TYPE_CHECKING:
    import httpx

AFAS_PARALLEL_LIMIT = PER_ENVIRONMENT_LIMIT
"""The AFAS limit, written once in :mod:`koppelcheck.afas.facts`."""
_ACCEPT_LANGUAGE = {"nl": "nl-nl", "en": "en-us"}


async def verify_afas(
    settings: AfasSettings,
    *,
    translator: Translator,
    timeout_s: float = 30.0,
    on_progress: ProgressCallback | None = None,
    http: httpx.AsyncClient | None = None,
    ca_bundle: str | None = None,
) -> Report:
    """Run every AFAS check for ``settings`` and return the report.

    ``http`` lets a caller (a batch, a test) share one client; it should come from
    :func:`koppelcheck.http.make_async_client` with ``per_host_limit=AFAS_PARALLEL_LIMIT``.
    Otherwise one is made and closed here.
    """
    started = now()
    own_client = http is None
    client = http or make_async_client(
        timeout_s=timeout_s, per_host_limit=AFAS_PARALLEL_LIMIT, ca_bundle=ca_bundle
    )
    redactor = token_redactor(settings)
    try:
        language = _ACCEPT_LANGUAGE.get(translator.lang)
        access = (
            SharedAccessToken(client, settings.url, settings.client)
            if settings.client is not None
            else None
        )
        # Classic or hybrid: the main client carries the token; OAuth only: the access token.
        main = settings.token if settings.token is not None else access
        assert main is not None  # AfasSettings holds a token, client credentials or both
        afas = AfasClient(client, settings.url, main, accept_language=language)
        oauth_client = (
            AfasClient(client, settings.url, access, accept_language=language)
            if access is not None and settings.token is not None
            else None
        )
        # A probe may wait behind others for one of the 5 slots: allow one call time per round.
        # Hybrid mode probes twice; OAuth fetches a token first.
        probes = len(settings.connectors) * (2 if oauth_client is not None else 1)
        rounds = 2 + (1 if access is not None else 0) + probes // AFAS_PARALLEL_LIMIT
        runner = CheckRunner(
            translator,
            check_timeout_s=timeout_s * rounds,
            on_progress=on_progress,
            redactor=redactor,
        )
        checks = build_afas_checks(
            settings, afas, translator, oauth_client=oauth_client, access=access
        )
        results = await runner.run(checks)
    finally:
        if own_client:
            await client.aclose()
    return build_report(
        system="afas",
        option=None,
        target=settings.describe(),
        started_at=started,
        results=results,
    )


def token_redactor(settings: AfasSettings) -> Redactor:
    """A redactor that masks every form of the token (data, XML, base64 of the XML) and of the
    OAuth client secret (as is, ``id:secret`` of the Basic header, form-encoded, and base64)."""
    redactor = Redactor()
    forms = settings.token.secret_forms() if settings.token is not None else ()
    if settings.client is not None:
        forms += settings.client.secret_forms()
    for value in forms:
        redactor.add(value)
    return redactor
