"""The check runner: prerequisites, time limits, crashes, order, redaction."""

from __future__ import annotations

import asyncio

from koppelcheck.checks import CheckSpec, Outcome
from koppelcheck.errors import TransportError
from koppelcheck.i18n import Translator
from koppelcheck.models import Status
from koppelcheck.runner import CheckRunner, Progress
from koppelcheck.secret import Redactor


def spec(
    check_id: str,
    status: Status = Status.PASS,
    *,
    requires: tuple[str, ...] = (),
    delay: float = 0.0,
    message: str = "ok",
) -> CheckSpec:
    async def run() -> Outcome:
        await asyncio.sleep(delay)
        return Outcome(status, message)

    return CheckSpec(check_id, check_id, "step", run, requires)


async def test_results_keep_the_given_order_and_checks_run_concurrently() -> None:
    runner = CheckRunner(Translator("en"), check_timeout_s=5)
    loop = asyncio.get_running_loop()
    started = loop.time()
    results = await runner.run([spec("b", delay=0.2), spec("a", delay=0.2), spec("c", delay=0.2)])
    assert [r.id for r in results] == ["b", "a", "c"]
    assert loop.time() - started < 0.5


async def test_failed_prerequisite_skips_dependents_naming_it() -> None:
    runner = CheckRunner(Translator("en"), check_timeout_s=5)
    results = await runner.run([spec("auth", Status.FAIL), spec("call", requires=("auth",))])
    assert results[1].status is Status.SKIP
    assert "auth" in results[1].message


async def test_warn_prerequisite_lets_dependents_run() -> None:
    runner = CheckRunner(Translator("en"), check_timeout_s=5)
    results = await runner.run([spec("auth", Status.WARN), spec("call", requires=("auth",))])
    assert results[1].status is Status.PASS


async def test_timeout_becomes_error() -> None:
    runner = CheckRunner(Translator("en"), check_timeout_s=0.05)
    (result,) = await runner.run([spec("slow", delay=1)])
    assert result.status is Status.ERROR
    assert "0.05" in result.message


async def test_crash_becomes_error_and_others_complete() -> None:
    async def boom() -> Outcome:
        raise ZeroDivisionError("division by zero")

    runner = CheckRunner(Translator("en"), check_timeout_s=5)
    results = await runner.run([CheckSpec("boom", "boom", "s", boom), spec("fine")])
    assert results[0].status is Status.ERROR and "ZeroDivisionError" in results[0].message
    assert results[1].status is Status.PASS


async def test_remote_error_is_error_with_reason_and_secrets_redacted() -> None:
    secret = "0123456789ABCDEF0123456789ABCDEF"

    async def leaky() -> Outcome:
        raise TransportError(f"connection reset while sending {secret}")

    redactor = Redactor()
    redactor.add(secret)
    runner = CheckRunner(Translator("en"), check_timeout_s=5, redactor=redactor)
    (result,) = await runner.run([CheckSpec("x", "x", "s", leaky)])
    assert result.status is Status.ERROR
    assert secret not in result.message and "connection reset" in result.message


async def test_progress_events_for_start_and_finish() -> None:
    events: list[Progress] = []
    runner = CheckRunner(Translator("en"), check_timeout_s=5, on_progress=events.append)
    await runner.run([spec("a")])
    assert [e.result is None for e in events] == [True, False]
