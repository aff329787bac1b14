"""The manuals' steps as data, shared by the walkthrough, the checklist, the checks and the docs.

A :class:`Step` holds facts (menu paths, screen and field names, calls to switch on) literally
and its prose only as i18n keys, so Dutch and English share one structure. ``verified_by`` names the
checks that confirm a step: exact ids (``afas.auth``) or prefixes ending in ``.*``
(``afas.connector.*``). The step lists themselves live in ``afas/steps.py`` and
``nmbrs/steps.py``; :func:`steps_for` picks one.

Step ids are ``<system>.step.<number>`` (``afas.step.2.8``). Nmbrs ids are unique within one manual
option: both options have a ``nmbrs.step.3``, but a run checks only one option.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from koppelcheck.i18n import Translator
from koppelcheck.systems import SYSTEMS as SYSTEMS  # the systems that have a manual
from koppelcheck.systems import get_system


class StepCall(Protocol):
    """A call the administrator switches on in one step (Nmbrs: set to Active in the template);
    the check ``check_id`` (``<system>.call.…``) verifies it."""

    @property
    def label(self) -> str:
        """The call's name as the manual and the system's screen show it."""
        ...

    @property
    def check_id(self) -> str:
        """The id of the check that verifies the call."""
        ...


PREFIX_WILDCARD = ".*"
"""A ``verified_by`` entry ending in this matches every check id that starts with the rest."""


@dataclass(frozen=True)
class ScreenField:
    """One field or tick box on a screen, with what to put in it.

    ``label`` and ``value`` are the exact texts on the screen; ``note`` is an i18n key with advice;
    ``checked`` is True for a box to tick, False for one to leave empty, None for a text field.
    """

    label: str
    value: str = ""
    note: str = ""
    checked: bool | None = None


@dataclass(frozen=True)
class Step:
    """One step or sub-step of a manual.

    ``title`` and ``body`` are i18n keys (``body`` may be empty). ``partly`` says the checks in
    ``verified_by`` confirm the step only in part; ``informational`` marks a step with nothing
    to do (a.s.r. or Keylane acts); ``calls`` are the Nmbrs calls to set Active in this step.
    """

    id: str
    number: str
    title: str
    body: str = ""
    menu_path: tuple[str, ...] = ()
    fields: tuple[ScreenField, ...] = ()
    verified_by: tuple[str, ...] = ()
    manual_only: bool = True
    substeps: tuple[Step, ...] = ()
    partly: bool = False
    informational: bool = False
    calls: tuple[StepCall, ...] = ()

    def title_text(self, t: Translator) -> str:
        """The title in the translator's language."""
        return t(self.title)

    def body_text(self, t: Translator) -> str:
        """The body in the translator's language, or ``""``."""
        return t(self.body) if self.body else ""

    def is_verified_by(self, check_id: str) -> bool:
        """Whether ``check_id`` is one of this step's verifying checks (exactly or by prefix)."""
        return any(_matches(pattern, check_id) for pattern in self.verified_by)

    def walk(self) -> Iterator[Step]:
        """This step, then all its sub-steps depth first."""
        yield self
        for sub in self.substeps:
            yield from sub.walk()


def _matches(pattern: str, check_id: str) -> bool:
    if pattern.endswith(PREFIX_WILDCARD):
        return check_id.startswith(pattern[: -len(PREFIX_WILDCARD)] + ".")
    return pattern == check_id


def step(
    system: str,
    number: str,
    key: str,
    *,
    body: bool = True,
    verified_by: Sequence[str] = (),
    **extra: object,
) -> Step:
    """Build a step whose text lives under ``steps.<system>.<key>.title`` / ``.body``.

    A step is ``manual_only`` exactly when nothing verifies it; ``extra`` passes the other
    :class:`Step` fields through.
    """
    prefix = f"steps.{system}.{key}"
    return Step(
        id=f"{system}.step.{number}",
        number=number,
        title=f"{prefix}.title",
        body=f"{prefix}.body" if body else "",
        verified_by=tuple(verified_by),
        manual_only=not verified_by,
        **extra,  # type: ignore[arg-type]
    )


def flatten(steps: Sequence[Step]) -> list[Step]:
    """Every step and sub-step, depth first in manual order."""
    return [s for top in steps for s in top.walk()]


def steps_for(system: str, option: str | None = None) -> tuple[Step, ...]:
    """The steps of one system's manual (for Nmbrs: of one option, default ``overkoepelend``;
    ``rest`` gives the REST consent steps of :mod:`koppelcheck.nmbrs.rest.steps`).

    Raises ``KeyError`` for an unknown system and ``ValueError`` for an unknown option.
    """
    return get_system(system).steps(option)


def form_step(steps: Sequence[Step]) -> Step | None:
    """The top-level step that fills in a.s.r.'s registration form (its title key ends in
    ``.form.title``: Nmbrs 4 or 3, AFAS 4), or None for a manual without one."""
    return next((s for s in steps if s.title.endswith(".form.title")), None)


def find_step(steps: Sequence[Step], step_id: str) -> Step | None:
    """The step with this id, searched through all sub-steps."""
    return next((s for s in flatten(steps) if s.id == step_id), None)


def step_for_check(steps: Sequence[Step], check_id: str) -> Step | None:
    """The most specific step a check verifies (a sub-step before its parent), or None."""
    matching = [s for s in flatten(steps) if s.is_verified_by(check_id)]
    return max(matching, key=lambda s: s.number.count("."), default=None)


def verifying_checks(steps: Sequence[Step]) -> set[str]:
    """Every check id and prefix any step names in ``verified_by``."""
    return {pattern for s in flatten(steps) for pattern in s.verified_by}
