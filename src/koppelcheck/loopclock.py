"""Time budgets that measure the remote service, not the event loop's backlog.

A per-call budget (``--timeout``) counted in wall time also counts the time an answer that has
already arrived waits for a busy event loop to get to it: a CPU-starved batch would turn ready
answers into timeouts, and so into ``error``. A :class:`LoopClock` measures how late the event loop
runs a callback that was due (a tick every 50 ms while anything is timed): that lateness is time
in which nothing could have been received, and it does not count. On a responsive loop the
clock runs with wall time; on a starved loop it slows down, so a starved run slows down
instead of turning answers into errors. A server that never answers still ends as a timeout:
the clock never stops, it only runs slower while the loop is starved.
"""

from __future__ import annotations

import asyncio
import weakref
from contextlib import AbstractAsyncContextManager
from types import TracebackType

TICK_S = 0.05
"""How often the clock looks at the loop while something is timed. A stall shorter than this is
partly counted as service time (the safe side: it can only make a timeout come sooner)."""

_clocks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LoopClock] = (
    weakref.WeakKeyDictionary()
)


class LoopClock:
    """Service time of one event loop: its time minus the time it was too busy to run a callback
    that was due. Ticks only while at least one user holds it (:meth:`acquire`)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._stalled = 0.0
        self._users = 0
        self._due = 0.0
        self._handle: asyncio.TimerHandle | None = None

    @classmethod
    def of(cls, loop: asyncio.AbstractEventLoop | None = None) -> LoopClock:
        """The clock of ``loop`` (default: the running loop)."""
        loop = loop or asyncio.get_running_loop()
        clock = _clocks.get(loop)
        if clock is None:
            clock = _clocks[loop] = cls(loop)
        return clock

    def acquire(self) -> None:
        """Start ticking (if not yet): a budget is being measured."""
        self._users += 1
        if self._handle is None:
            self._schedule(self.loop.time())

    def release(self) -> None:
        """Stop ticking when nobody measures any more (no handle is left behind)."""
        self._users -= 1
        if self._users <= 0 and self._handle is not None:
            self._users = 0
            self._handle.cancel()
            self._handle = None

    def _schedule(self, now: float) -> None:
        self._due = now + TICK_S
        self._handle = self.loop.call_at(self._due, self._tick)

    def _tick(self) -> None:
        now = self.loop.time()
        self._stalled += max(0.0, now - self._due)
        self._schedule(now)

    def now(self) -> float:
        """Service time: the loop's time minus every stall seen so far, the one under way too."""
        now = self.loop.time()
        pending = max(0.0, now - self._due) if self._handle is not None else 0.0
        return now - self._stalled - pending

    def stalled_s(self) -> float:
        """Seconds the loop has been seen starved (for tests and benchmarks)."""
        return self._stalled


def service_timeout(seconds: float) -> AbstractAsyncContextManager[Budget]:
    """Like :func:`asyncio.timeout`, but ``seconds`` of service time (:class:`LoopClock`).

    Raises TimeoutError on exit when the budget ran out; yields the :class:`Budget`.
    """
    return Budget(seconds).scope()


class Budget:
    """``seconds`` of service time, counted from its creation (in a running loop)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.clock = LoopClock.of()
        self._started = self.clock.now()

    def remaining_s(self) -> float:
        """Service seconds left (negative when spent)."""
        return self.seconds - (self.clock.now() - self._started)

    def scope(self) -> BudgetScope:
        """A block that is cancelled (TimeoutError on exit) when the budget is spent."""
        return BudgetScope(self)


class BudgetScope:
    """``async with budget.scope():`` cancels the block when ``budget`` is spent: an
    :func:`asyncio.timeout` whose deadline is moved on while the loop was starved. A plain
    class, not a generator-based context manager: one is entered for every remote call."""

    __slots__ = ("_budget", "_loop", "_timeout", "_handle")

    def __init__(self, budget: Budget) -> None:
        self._budget = budget
        self._loop = budget.clock.loop
        self._timeout = asyncio.timeout(None)
        self._handle: asyncio.TimerHandle | None = None

    async def __aenter__(self) -> Budget:
        budget = self._budget
        await self._timeout.__aenter__()
        budget.clock.acquire()
        loop = self._loop
        self._handle = loop.call_at(loop.time() + max(0.0, budget.remaining_s()), self._check)
        return budget

    def _check(self) -> None:
        left = self._budget.remaining_s()
        if left <= 0:
            self._handle = None
            self._timeout.reschedule(self._loop.time())  # expire now: cancels the block
        else:
            self._handle = self._loop.call_at(self._loop.time() + left, self._check)

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self._budget.clock.release()
        await self._timeout.__aexit__(kind, exc, tb)
