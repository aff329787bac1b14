"""Runs checks concurrently: prerequisites, time limits, and a crashing check becomes ``error``.

The runner prints nothing; it reports progress as events to an optional callback, so the CLI can
draw a progress bar and a library caller can ignore it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from koppelcheck.checks import CheckSpec, Outcome
from koppelcheck.errors import CallTimeout, RemoteError, ServiceUnavailable, TransportError
from koppelcheck.explain import describe_remote_error
from koppelcheck.i18n import Message, Translator
from koppelcheck.loopclock import service_timeout
from koppelcheck.models import CheckResult, Fix, Status
from koppelcheck.secret import SERVER_TEXT_LIMIT, Redactor, inert, redact_known, server_text

PASSING = frozenset({Status.PASS, Status.WARN})


@dataclass(frozen=True)
class Progress:
    """A progress event: a check started (``result`` None) or finished."""

    check_id: str
    title: str
    result: CheckResult | None = None


ProgressCallback = Callable[[Progress], None]


class CheckRunner:
    """Runs a set of :class:`CheckSpec` and returns their results in the order given."""

    def __init__(
        self,
        translator: Translator,
        *,
        check_timeout_s: float,
        on_progress: ProgressCallback | None = None,
        redactor: Redactor | None = None,
    ) -> None:
        self._t = translator
        self._check_timeout_s = check_timeout_s
        self._on_progress = on_progress or (lambda _event: None)
        self._redactor = redactor or Redactor()

    async def run(self, specs: Sequence[CheckSpec]) -> list[CheckResult]:
        """Run every check as soon as its prerequisites are done; results keep ``specs``' order."""
        ids = [spec.id for spec in specs]
        if len(set(ids)) != len(ids):
            raise ValueError("duplicate check ids")
        tasks: dict[str, asyncio.Task[CheckResult]] = {}
        for spec in specs:
            missing = [r for r in spec.requires if r not in ids]
            if missing:
                raise ValueError(f"{spec.id} requires unknown checks {missing}")
        for spec in specs:
            tasks[spec.id] = asyncio.create_task(self._run_one(spec, tasks), name=spec.id)
        return [await tasks[spec.id] for spec in specs]

    async def _run_one(
        self, spec: CheckSpec, tasks: dict[str, asyncio.Task[CheckResult]]
    ) -> CheckResult:
        # Let every task be created before any waits on another.
        await asyncio.sleep(0)
        for required in spec.requires:
            before = await asyncio.shield(tasks[required])
            if before.status not in PASSING:
                return self._finish(
                    spec,
                    Outcome(
                        Status.SKIP,
                        self._t("core.skip.requires", check=required, status=before.status.value),
                    ),
                    0.0,
                )
        self._on_progress(Progress(spec.id, spec.title))
        started = time.perf_counter()
        try:
            outcome = await self._guarded(spec)
        except Exception as exc:  # noqa: BLE001 - the error path itself failed: still a result
            outcome = self._crashed(exc)
        return self._finish(spec, outcome, time.perf_counter() - started)

    def _crashed(self, exc: BaseException) -> Outcome:
        return Outcome(
            Status.ERROR,
            self._t("core.error.crash", kind=type(exc).__name__, reason=self._clean(exc)),
        )

    async def _guarded(self, spec: CheckSpec) -> Outcome:
        limit = spec.timeout_s or self._check_timeout_s
        try:
            # Service time, like each call's budget: a starved loop slows a check, never fails it.
            async with service_timeout(limit):
                return await spec.run()
        except TimeoutError:
            return Outcome(
                Status.ERROR,
                self._t("core.error.timeout", seconds=f"{limit:g}"),
                Fix(text=self._t("core.fix.retry_later")),
            )
        except (CallTimeout, TransportError, ServiceUnavailable) as exc:
            # These sentences say what happened themselves; no "could not be determined" prefix.
            return Outcome(
                Status.ERROR,
                describe_remote_error(exc, self._t, self._redactor),
                Fix(text=self._t("core.fix.retry_later")),
            )
        except RemoteError as exc:
            return Outcome(
                Status.ERROR,
                self._t(
                    "core.error.remote", reason=describe_remote_error(exc, self._t, self._redactor)
                ),
                Fix(text=self._t("core.fix.retry_later")),
            )
        except Exception as exc:  # noqa: BLE001 - a crashing check must not stop the others
            return self._crashed(exc)

    def _clean(self, exc: BaseException) -> str:
        try:
            text = str(exc)
        except Exception:  # noqa: BLE001
            text = ""
        text = text.splitlines()[0] if text.strip() else type(exc).__name__
        return server_text(text, SERVER_TEXT_LIMIT, self._redactor)

    def _safe(self, text: str) -> str:
        """A message as every report may carry it: inert, and no known secret in it.

        A catalogue :class:`Message` stays one, its text parameters made safe alike, so the
        report can carry its key and parameters beside the text."""
        if isinstance(text, Message):
            return text.map_text(self._safe_text)
        return self._safe_text(text)

    def _safe_text(self, text: str) -> str:
        return self._redactor.redact(redact_known(inert(text)))

    def _safe_params(self, params: Mapping[str, object]) -> dict[str, object]:
        """Message parameters as JSON values (:func:`~koppelcheck.i18n.message_ref`), made safe."""
        return {name: self._safe_json(value) for name, value in params.items()}

    def _safe_json(self, value: object) -> object:
        if isinstance(value, str):
            return self._safe_text(value)
        if isinstance(value, dict):
            return {name: self._safe_json(item) for name, item in value.items()}
        if isinstance(value, list):
            return [self._safe_json(item) for item in value]
        return value

    def _finish(self, spec: CheckSpec, outcome: Outcome, seconds: float) -> CheckResult:
        result = CheckResult(
            id=spec.id,
            status=outcome.status,
            title=spec.title,
            message=self._safe(outcome.message),
            step=spec.step,
            step_id=spec.step_id,
            fix=Fix(
                text=self._safe(outcome.fix.text),
                links=outcome.fix.links,
                key=outcome.fix.key,
                params=self._safe_params(outcome.fix.params),
            ),
            duration_ms=round(seconds * 1000),
            confirmed=outcome.confirmed,
        )
        self._on_progress(Progress(spec.id, spec.title, result))
        return result
