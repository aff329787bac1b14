"""What a check is: data (id, title, manual step, prerequisites) plus an async function."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from koppelcheck.i18n import Message
from koppelcheck.models import Fix, Status

_STEP_KEY = re.compile(r"^[a-z_]+\.step\.[0-9]+(\.[0-9]+)*$")
"""A catalogue key that is also a step id: AFAS labels its steps by them (``afas.step.3``)."""


@dataclass(frozen=True)
class Outcome:
    """What a check function returns; the runner adds id, title, step and timing."""

    status: Status
    message: str
    fix: Fix = field(default_factory=Fix)
    confirmed: bool | None = None


CheckFunction = Callable[[], Awaitable[Outcome]]


@dataclass(frozen=True)
class CheckSpec:
    """One check: who it is, where it belongs in the manual, what must pass first, how to run it.

    ``requires`` names checks that must end in ``pass`` or ``warn`` before this one runs;
    otherwise it is ``skip`` and its message names the prerequisite.
    """

    id: str
    title: str
    step: str
    run: CheckFunction
    requires: tuple[str, ...] = ()
    timeout_s: float | None = None
    """Overrides the runner's per-check time limit (e.g. a check that polls)."""
    step_id: str = ""
    """The stable id of ``step`` (:mod:`koppelcheck.steps`); when not given, the catalogue key
    of ``step`` if that key is a step id (``afas.step.3``)."""

    def __post_init__(self) -> None:
        if not self.step_id and isinstance(self.step, Message) and _STEP_KEY.match(self.step.key):
            object.__setattr__(self, "step_id", self.step.key)


def outcome(
    status: Status, message: str, fix_text: str = "", links: list[str] | None = None
) -> Outcome:
    """Shorthand for an :class:`Outcome` with a fix text."""
    return Outcome(status, message, Fix(text=fix_text, links=links or []))
