"""koppelcheck as a library: check one employer's set-up from Python, without the CLI.

    import asyncio
    from koppelcheck import check

    report = asyncio.run(check("nmbrs", {"username": "salaris@bureau.nl", "domain": "bureau",
                                         "company": "Bakkerij Jansen B.V."}, token="..."))
    for result in report.checks:
        print(result.id, result.status)

``settings`` takes the keys of one ``[[employer]]`` of a batch file (docs/batch.md) without the
``id``, ``system`` and ``token_*`` keys; they are validated by the same rules (``InputError``
naming the key). The result is the same :class:`~koppelcheck.models.Report` the CLI renders; exit
codes, ``--strict`` and the walkthrough are the CLI's business, not the library's.
"""

from __future__ import annotations

from collections.abc import Mapping

from koppelcheck.i18n import Translator
from koppelcheck.models import Report
from koppelcheck.secret import Secret
from koppelcheck.systems import RunOptions, get_system, verify


async def check(
    system: str,
    settings: Mapping[str, object],
    token: str | Secret | None = None,
    *,
    client_secret: str | Secret | None = None,
    lang: str | None = None,
    timeout_s: float = 30.0,
) -> Report:
    """Run every check of ``system`` ("nmbrs" or "afas") for one employer and return the report."""
    chosen = get_system(system)
    normalised = dict(settings)
    chosen.validate_batch(normalised)
    secret = Secret(token) if isinstance(token, str) else token
    client = Secret(client_secret) if isinstance(client_secret, str) else client_secret
    target = chosen.prepare(normalised, secret, client)
    return await verify(
        chosen.name, target, secret, RunOptions(Translator(lang), timeout_s=timeout_s)
    )
