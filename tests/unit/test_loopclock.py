"""Budgets in service time: a starved event loop slows a check down, it does not fail it.

The loop is starved deterministically: a task blocks it (``time.sleep``) for five times the
budget while the answer is ready. No assertion is about how long anything took.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from koppelcheck.checks import CheckSpec, Outcome
from koppelcheck.i18n import Translator
from koppelcheck.loopclock import LoopClock, service_timeout
from koppelcheck.models import Status
from koppelcheck.runner import CheckRunner

BUDGET_S = 0.2
STARVED_S = 5 * BUDGET_S


def _starve(seconds: float = STARVED_S) -> None:
    time.sleep(seconds)  # holds the event loop: nothing else runs, no callback, no timer


async def _hops(n: int = 3) -> None:
    """Reading an answer takes a few turns of the loop (socket, parser, stream), not one."""
    for _ in range(n):
        await asyncio.sleep(0)


def test_an_answer_ready_while_the_loop_is_starved_is_not_a_timeout() -> None:
    async def main() -> str:
        answer: asyncio.Future[str] = asyncio.get_running_loop().create_future()

        async def service() -> None:
            await asyncio.sleep(0)
            answer.set_result("ready")  # the service answered at once ...
            _starve()  # ... and the loop is then too busy to hand it over until long after

        async def call() -> str:
            async with service_timeout(BUDGET_S):
                result = await answer
                await _hops()
                return result

        starver = asyncio.create_task(service())
        result = await call()
        await starver
        return result

    assert asyncio.run(main()) == "ready"


def test_a_check_whose_answer_waits_for_a_starved_loop_passes() -> None:
    async def check() -> Outcome:
        await asyncio.sleep(BUDGET_S / 4)  # its answer is due well inside the limit
        await _hops()
        return Outcome(Status.PASS, "ok")

    async def main() -> list[Status]:
        runner = CheckRunner(Translator("en"), check_timeout_s=BUDGET_S)
        spec = CheckSpec(id="c", title="c", step="", run=check)
        running = asyncio.create_task(runner.run([spec]))
        await asyncio.sleep(0.01)  # the check has started and waits for its answer
        _starve()
        return [r.status for r in await running]

    assert asyncio.run(main()) == [Status.PASS]


def test_a_hang_still_times_out_on_a_free_loop_and_on_a_starved_one() -> None:
    async def hang(starve: bool) -> None:
        async with service_timeout(BUDGET_S):
            if starve:
                _starve()
            await asyncio.sleep(3600)

    for starve in (False, True):
        with pytest.raises(TimeoutError):
            asyncio.run(hang(starve))


def test_the_clock_counts_the_stall_and_ticks_only_while_used() -> None:
    async def main() -> tuple[float, bool, bool]:
        clock = LoopClock.of()
        clock.acquire()
        await asyncio.sleep(0)
        before = clock.now()
        _starve(0.5)
        await asyncio.sleep(0.06)  # one tick sees the stall
        elapsed = clock.now() - before
        ticking = clock._handle is not None  # noqa: SLF001 - the property under test
        clock.release()
        return elapsed, ticking, clock._handle is None  # noqa: SLF001

    elapsed, ticking, stopped = asyncio.run(main())
    assert ticking and stopped
    assert elapsed < 0.5  # the 0.5 s the loop was held do not count as service time
