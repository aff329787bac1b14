"""A check report as the administrator reads it: in the manual's order (step 0/1, 2, 3, 4), each
check labelled with its step's number and title, and a failing check titled by what is wrong
("GetConnector BP_Salarissen is not reachable"), not by its goal.

The order and the step titles come from the step data (:mod:`koppelcheck.steps`); the problem
titles from ``problem.*`` texts keyed by check id (exact, or by prefix for per-id checks).
"""

from __future__ import annotations

from collections.abc import Sequence

from koppelcheck.i18n import Translator
from koppelcheck.models import CheckResult, Report, Status
from koppelcheck.steps import Step, find_step, flatten
from koppelcheck.systems import find_system

FORM_PREFIX = "form."
_PROBLEM_PREFIXES = (
    ("afas.connector.", "problem.afas.connector", "id"),
    ("nmbrs.call.", "problem.nmbrs.call", "call"),
)
"""Per-id checks: (id prefix, text key, the parameter that receives the rest of the id)."""


def in_manual_order(report: Report, lang: str | None = None) -> Report:
    """``report`` with its checks in the manual's order, step labels, and problem titles."""
    system = find_system(report.system)
    if system is None:
        return report
    t = Translator(lang)
    # The system picks its variant (AFAS with client credentials: step 3's OAuth variant).
    steps = system.report_steps(report)
    flat = flatten(steps)
    placed = []
    for index, check in enumerate(report.checks):
        top, position = _place(steps, flat, check)
        placed.append(((top, position, index), _relabel(check, steps, top, t)))
    placed.sort(key=lambda item: item[0])
    return report.model_copy(update={"checks": [check for _, check in placed]})


def _place(steps: Sequence[Step], flat: list[Step], check: CheckResult) -> tuple[int, int]:
    """(top-level step index, position in the flattened manual); unknown checks go last."""
    step = find_step(steps, check.id) or _verifying_step(flat, check.id)
    if step is None and check.id.startswith(FORM_PREFIX):
        step = next((s for s in steps if s.title.endswith(".form.title")), None)
    if step is None:
        return len(steps), len(flat)
    top = next(i for i, s in enumerate(steps) if step in tuple(s.walk()))
    return top, flat.index(step)


def _verifying_step(flat: list[Step], check_id: str) -> Step | None:
    """The first step in manual order that the check confirms fully, else the first it confirms
    in part (``afas.auth`` belongs to 3.6, the token, before 2.8, the user group)."""
    matching = [s for s in flat if s.is_verified_by(check_id)]
    first = next((s for s in matching if not s.partly), matching[0] if matching else None)
    if first is None:
        return None
    # Within that step, the most specific sub-step that says the same (1.3 "import", not 1).
    inside = [s for s in first.walk() if s in matching and s.partly == first.partly]
    return max(inside, key=lambda s: s.number.count("."))


def _relabel(check: CheckResult, steps: Sequence[Step], top: int, t: Translator) -> CheckResult:
    update: dict[str, str] = {}
    step_id = None
    if top < len(steps):
        step = steps[top]
        update["step"] = f"{t('nmbrs.step.word')} {step.number}: {step.title_text(t)}"
        step_id = step.id
    if check.status in (Status.FAIL, Status.ERROR):
        update["title"] = problem_title(check, t)
    return check.with_texts(step_id=step_id, **update) if update else check


def problem_title(check: CheckResult, t: Translator) -> str:
    """What is wrong, for a failing or undetermined check; its own title when no text says it."""
    if check.status is Status.ERROR:
        return t("problem.undetermined", title=check.as_message("title"))
    key = f"problem.{check.id}"
    if t.has(key):
        return t(key)
    for prefix, text, param in _PROBLEM_PREFIXES:
        if check.id.startswith(prefix):
            name = check.as_message("title") if param == "call" else check.id[len(prefix) :]
            return t(text, **{param: name})
    return check.title
