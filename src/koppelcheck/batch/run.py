"""Run a batch: every employer concurrently, within per-host and per-domain limits.

Employers sharing an Nmbrs login share its login-level answers (one List_GetAll per login). One
employer's faults never stop the others: each ends with its own report. Reports are kept (they
are small); no remote answer is held after its check has judged it.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass

import httpx

from koppelcheck import __version__
from koppelcheck.batch.plan import BatchPlan, EmployerPlan
from koppelcheck.credentials import clean_pasted, keyring_timeout_ways, read_keyring
from koppelcheck.errors import InputError, MissingSettingError
from koppelcheck.http import make_async_client
from koppelcheck.i18n import Text, Translator
from koppelcheck.models import (
    BatchInfo,
    BatchReport,
    EmployerReport,
    Report,
    Status,
    Summary,
    ToolInfo,
    decide_exit_code,
)
from koppelcheck.oskeyring import KeyringUnavailableError
from koppelcheck.reporting import now
from koppelcheck.secret import Secret
from koppelcheck.systems import RunOptions, get_system
from koppelcheck.systems import verify as verify_system
from koppelcheck.systems.interface import Shared, Target

MAX_EMPLOYERS_IN_FLIGHT = 256
CLIENT_SECRET_SUFFIX = "#client_secret"
"""An AFAS employer's OAuth client secret is kept under ``<id>#client_secret`` beside the tokens
(employer ids cannot contain ``#``)."""


@dataclass(frozen=True)
class PreparedEmployer:
    """An employer with validated inputs and its token, ready to run."""

    plan: EmployerPlan
    target: Target
    """What the system's ``prepare`` built (NmbrsTarget, AfasSettings)."""
    token: Secret | None = None


def resolve_tokens(plan: BatchPlan) -> dict[str, Secret]:
    """Every employer's token from its variable or the keyring; all missing ones in one error."""
    tokens: dict[str, Secret] = {}
    missing: list[str | Text] = []
    for employer in plan.employers:
        missing += _resolve_client_secret(employer, tokens)
        if not employer.token_env and not employer.token_keyring:
            continue  # AFAS with client credentials only (the plan allowed it)
        value = os.environ.get(employer.token_env, "") if employer.token_env else ""
        source = "env"
        if not value and employer.token_keyring:
            try:
                stored = read_keyring(get_system(employer.system).token_account(employer.settings))
            except KeyringUnavailableError as exc:
                raise MissingSettingError(
                    Text("input.batch.tokens"),
                    [
                        *keyring_timeout_ways(exc),
                        Text("input.batch.keyring_instead", id=employer.id, line=employer.line),
                    ],
                ) from None
            value, source = stored or "", "keyring"
        if value:
            tokens[employer.id] = Secret(_cleaned(employer, value), source)
        else:
            missing.append(_nothing_in(employer, "token", employer.token_env))
    if missing:
        raise MissingSettingError(Text("input.batch.tokens"), missing)
    return tokens


def _resolve_client_secret(employer: EmployerPlan, found: dict[str, Secret]) -> list[str | Text]:
    """An employer's second secret (AFAS: the OAuth client secret) from ``client_secret_env`` or
    the keyring account the system names, into ``found``; what is missing, as text."""
    settings = employer.settings
    account = get_system(employer.system).client_secret_account(settings)
    if account is None:
        return []
    env = settings.get("client_secret_env")
    value, source = (os.environ.get(env, "") if env else ""), "env"
    if not value and settings.get("client_secret_keyring"):
        value = read_keyring(account) or ""
        source = "keyring"
    if not value:
        return [_nothing_in(employer, "client_secret", env)]
    try:
        cleaned = clean_pasted(value, env or "client_secret_keyring")
    except InputError as exc:
        where = Text("input.batch.at_field", id=employer.id, line=employer.line, field=exc.field)
        raise InputError(where, *exc.texts) from None
    found[employer.id + CLIENT_SECRET_SUFFIX] = Secret(cleaned, source)
    return []


def _nothing_in(employer: EmployerPlan, what: str, variable: str | None) -> Text:
    """``bakkerij (regel 3): geen token in variabele T`` (or in the keyring), translated later."""
    if variable:
        return Text(
            f"input.batch.no_{what}_env", id=employer.id, line=employer.line, variable=variable
        )
    return Text(f"input.batch.no_{what}_keyring", id=employer.id, line=employer.line)


def _cleaned(employer: EmployerPlan, value: str) -> str:
    """A token as the single-employer commands take it (trimmed, or refused: exit 2)."""
    try:
        return clean_pasted(
            value,
            employer.token_env or "token_keyring",
            xml=get_system(employer.system).token_is_xml,
        )
    except InputError as exc:
        where = Text("input.batch.at_field", id=employer.id, line=employer.line, field=exc.field)
        raise InputError(where, *exc.texts) from None


def prepare(plan: BatchPlan, tokens: dict[str, Secret]) -> list[PreparedEmployer]:
    """Build every employer's target before any call; a bad token form is an InputError (exit 2)."""
    prepared = []
    for employer in plan.employers:
        try:
            prepared.append(
                _prepare_one(
                    employer,
                    tokens.get(employer.id),
                    tokens.get(employer.id + CLIENT_SECRET_SUFFIX),
                )
            )
        except InputError as exc:
            where = Text("input.batch.at", id=employer.id, line=employer.line)
            raise InputError(where, *exc.texts) from None
    return prepared


def _prepare_one(
    employer: EmployerPlan, token: Secret | None, client_secret: Secret | None = None
) -> PreparedEmployer:
    target = get_system(employer.system).prepare(employer.settings, token, client_secret)
    return PreparedEmployer(employer, target, token)


def limit_group(employer: PreparedEmployer) -> str:
    """The key whose calls share one concurrency limit: the Nmbrs domain or the AFAS host."""
    return get_system(employer.plan.system).limit_key(employer.target)


def interleave_by_limit(employers: list[PreparedEmployer]) -> list[PreparedEmployer]:
    """Employers reordered round-robin over their limit groups (first of each group, then the
    second of each, ...), keeping file order within a group."""
    groups: dict[str, list[PreparedEmployer]] = {}
    for employer in employers:
        groups.setdefault(limit_group(employer), []).append(employer)
    return [
        queue[i]
        for i in range(max(map(len, groups.values()), default=0))
        for queue in groups.values()
        if i < len(queue)
    ]


class BatchRunner:
    """Runs prepared employers and yields each employer's report as it completes."""

    def __init__(
        self,
        translator: Translator,
        *,
        timeout_s: float,
        concurrency: int,
        on_employer: Callable[[EmployerReport], None] | None = None,
    ) -> None:
        self._t = translator
        self._timeout_s = timeout_s
        self._concurrency = concurrency
        self._on_employer = on_employer or (lambda _report: None)
        self._caches: Shared = {}

    async def run(
        self,
        employers: Iterable[PreparedEmployer],
        *,
        batch: BatchInfo | None = None,
        done: Iterable[EmployerReport] = (),
        order: Sequence[str] | None = None,
        sink: Callable[[EmployerReport], None] | None = None,
    ) -> BatchReport:
        """Check every employer; the batch report keeps the file's order.

        ``done`` are lines of a previous report (``--resume``) taken over as they are; their
        employers are not checked again. ``batch`` says which file (and share) this covers.
        With ``sink`` (a :class:`~koppelcheck.batch.store.BatchStore`'s ``append``), every line,
        taken over or checked, goes there as it is known and is not kept: the returned report
        then lists no employers (its summary and exit code are the whole batch's).
        """
        started = now()
        taken_over = {line.id: line for line in done}
        statuses: Counter[Status] = Counter()
        checked: list[EmployerReport] = []

        def keep(line: EmployerReport) -> None:
            statuses.update(check.status for check in line.report.checks)
            (sink or checked.append)(line)

        if sink is not None:
            for line in taken_over.values():
                keep(line)
        employers = list(employers)
        # One client per system: Nmbrs calls are limited per domain (the client names its domain
        # to the transport) by --concurrency; AFAS per environment (its own host) by its limit.
        async with AsyncExitStack() as stack:
            clients = {
                name: await stack.enter_async_context(
                    make_async_client(
                        timeout_s=self._timeout_s,
                        per_host_limit=get_system(name).per_host_limit or self._concurrency,
                    )
                )
                for name in sorted({e.plan.system for e in employers})
            }

            async def one(employer: PreparedEmployer) -> EmployerReport:
                report = await self._employer(employer, clients[employer.plan.system])
                line = EmployerReport(
                    id=employer.plan.id,
                    system=employer.plan.system,
                    exit_code=report.exit_code,
                    line=employer.plan.line,
                    report=report,
                )
                self._on_employer(line)
                return line

            # Admission is round-robin over logins and environments: in file order, a bureau's
            # first logins would fill the workers and leave the others' call slots idle.
            to_check = [e for e in employers if e.plan.id not in taken_over]
            queue = iter(interleave_by_limit(to_check))

            async def worker() -> None:
                # A fixed set of workers, not one task per employer: memory stays flat.
                for employer in queue:
                    keep(await one(employer))

            await asyncio.gather(
                *(worker() for _ in range(min(MAX_EMPLOYERS_IN_FLIGHT, len(to_check))))
            )
        if sink is None:
            by_id = {**taken_over, **{line.id: line for line in checked}}
            lines = [by_id[i] for i in (order or [e.plan.id for e in employers])]
            statuses = Counter(c.status for line in lines for c in line.report.checks)
        else:
            lines = []
        summary = Summary.of(statuses.elements())
        finished = now()
        return BatchReport(
            tool=ToolInfo(version=__version__),
            started_at=started,
            duration_ms=round((finished - started).total_seconds() * 1000),
            summary=summary,
            exit_code=decide_exit_code(summary),  # --strict/--exit-zero: cli.exit_policy
            batch=batch,
            employers=list(lines),
        )

    async def _employer(self, employer: PreparedEmployer, http: httpx.AsyncClient) -> Report:
        return await verify_system(
            employer.plan.system,
            employer.target,
            employer.token,
            RunOptions(self._t, timeout_s=self._timeout_s, http=http, shared=self._caches),
        )
