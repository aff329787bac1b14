"""The interactive walkthrough: each manual step in turn, its checks run right after it, failures
shown with their fix, and a re-check after the user has fixed things in AFAS or Nmbrs.

Only used on a terminal (not with ``--no-input``). Everything it says goes to stderr; the final
report still goes to stdout.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from koppelcheck.i18n import Translator
from koppelcheck.models import CheckResult, Report, Status
from koppelcheck.steps import Step

RunChecks = Callable[[], Report]
_BAD = (Status.FAIL, Status.ERROR)


@dataclass
class WalkHooks:
    """What a system's walkthrough asks besides "done?", each optional.

    ``auth_check``: the check whose failure blocks all others (``nmbrs.auth``, ``afas.auth``);
    ``retoken``: asks for the token again (hidden) and uses it from the next run on;
    ``choose_option``: at step 0, asks which manual option to follow and returns its steps;
    ``before_step``: called when a step is shown (AFAS asks for a.s.r.'s ZIP at step 1).
    """

    auth_check: str | None = None
    retoken: Callable[[], None] | None = None
    choose_option: Callable[[], tuple[Sequence[Step], str]] | None = None
    before_step: Callable[[Step], None] | None = None


@dataclass
class WalkthroughResult:
    """The last check report and the person's answers to the manual-only steps."""

    report: Report | None = None
    manual: list[CheckResult] = field(default_factory=list)

    def results(self) -> list[CheckResult]:
        """Every check result: the last run's, then the manual confirmations."""
        return [*(self.report.checks if self.report else []), *self.manual]


class Walkthrough:
    """Walks through ``steps``; ``run_checks`` runs all checks once and returns their report."""

    def __init__(
        self,
        steps: Sequence[Step],
        run_checks: RunChecks,
        translator: Translator,
        console: Any,
        *,
        confirm: Callable[[str, bool], bool] | None = None,
        hooks: WalkHooks | None = None,
    ) -> None:
        self._steps = steps
        self._run_checks = run_checks
        self._t = translator
        self._console = console
        self._hooks = hooks or WalkHooks()
        self._retoken_declined = False
        if confirm is None:
            from koppelcheck.cli.session import confirm as ask

            def confirm(text: str, default: bool) -> bool:
                return ask(text, default, translator.lang)

        self._confirm = confirm

    def run(self) -> WalkthroughResult:
        """Show every step, ask whether it is done, check what can be checked; return the
        final results (the last run's checks and every manual-only step's answer)."""
        outcome = WalkthroughResult()
        steps = list(self._steps)
        index = 0
        while index < len(steps):
            step = steps[index]
            index += 1
            self._show(step, index)
            if self._hooks.before_step is not None:
                self._hooks.before_step(step)
            if step.informational:
                continue
            if step.number == "0" and self._hooks.choose_option is not None:
                chosen, label = self._hooks.choose_option()
                steps = [*steps[:index], *[s for s in chosen if s.number != "0"]]
                outcome.manual.append(self._manual_result(step, True, label))
                continue
            confirmed = self._confirm(self._t("walk.confirm"), True)
            outcome.manual.extend(self._manual_result(s, confirmed) for s in _manual_steps(step))
            if self._verified(step, outcome):
                outcome.report = self._check_until_fixed(step, outcome.report)
        return outcome

    def _verified(self, step: Step, outcome: WalkthroughResult) -> bool:
        """Whether checks confirm this step; they first run at the first such step."""
        if not any(sub.verified_by for sub in step.walk()):
            return False
        if outcome.report is None:
            outcome.report = self._run_checks()
        return any(self._relevant(step, outcome.report))

    @staticmethod
    def _relevant(step: Step, report: Report) -> list[CheckResult]:
        return [c for c in report.checks if any(s.is_verified_by(c.id) for s in step.walk())]

    def _auth_failure(self, report: Report) -> CheckResult | None:
        wanted = self._hooks.auth_check
        found = next((c for c in report.checks if c.id == wanted), None)
        return found if found is not None and found.status in _BAD else None

    def _check_until_fixed(self, step: Step, report: Report | None) -> Report:
        assert report is not None
        while True:
            relevant = self._relevant(step, report)
            auth = self._auth_failure(report)
            if auth is not None:
                # The cause first: nothing else could run without a working login.
                self._show_results([auth, *[c for c in relevant if c.id != auth.id]])
                if self._hooks.retoken is None or self._retoken_declined:
                    return report
                if not self._confirm(self._t("walk.auth.retry"), True):
                    self._retoken_declined = True
                    return report
                self._hooks.retoken()
                report = self._run_checks()
                continue
            self._show_results(relevant)
            if not any(c.status in _BAD for c in relevant):
                return report
            if not self._confirm(self._t("walk.recheck"), True):
                return report
            report = self._run_checks()

    def _show(self, step: Step, number: int) -> None:
        """The step's panel: the same content the checklist prints (body, menu path, fields
        with their values, calls, and every sub-step with its own)."""
        from rich.markup import escape
        from rich.panel import Panel

        from koppelcheck.checklist import entry_for

        entry = entry_for(step, self._t)
        lines = self._entry_lines(entry, depth=0)
        title = f"{escape(step.number)}  {escape(entry.title)}"
        self._console.print(Panel("\n".join(lines) or " ", title=title, title_align="left"))

    def _entry_lines(self, entry: Any, depth: int) -> list[str]:
        from rich.markup import escape

        pad = "   " * depth
        lines = [f"{pad}{escape(entry.body)}"] if entry.body else []
        if entry.menu:
            lines.append(f"{pad}[bold]{escape(self._t('walk.menu'))}[/] {escape(entry.menu)}")
        lines += [f"{pad}  • {self._field_text(f)}" for f in entry.fields]
        lines += [f"{pad}  • {escape(call)}" for call in entry.calls]
        if entry.verification and not entry.children:
            lines.append(f"{pad}  [dim]{escape(entry.verification)}[/]")
        for child in entry.children:
            lines.append(f"{pad}  [bold]{escape(child.label)}[/]  {escape(child.title)}")
            lines += self._entry_lines(child, depth + 1)
        return lines

    @staticmethod
    def _field_text(text: str) -> str:
        """``Type: Master Accountant`` with the value in bold."""
        from rich.markup import escape

        label, sep, value = text.partition(": ")
        return f"{escape(label)}: [bold]{escape(value)}[/]" if sep else escape(text)

    def _show_results(self, results: list[CheckResult]) -> None:
        from rich.markup import escape

        marks = {
            Status.PASS: "[green]✓[/]",
            Status.FAIL: "[red]✗[/]",
            Status.ERROR: "[magenta]?[/]",
            Status.WARN: "[yellow]![/]",
            Status.SKIP: "[dim]–[/]",
            Status.MANUAL: "☐",
        }
        skipped: dict[str, int] = {}
        for result in results:
            if result.status is Status.SKIP:
                skipped[result.message] = skipped.get(result.message, 0) + 1
                continue
            self._console.print(
                f" {marks[result.status]} {escape(result.title)}: {escape(result.message)}"
            )
            if result.status in (*_BAD, Status.WARN) and result.fix.text:
                self._console.print(f"     → {escape(result.fix.text)}")
        for reason, count in skipped.items():  # one line, not one per check
            line = self._t.plural("walk.skipped", count, reason=reason)
            self._console.print(f" {marks[Status.SKIP]} {escape(line)}")

    def _manual_result(self, step: Step, confirmed: bool, message: str = "") -> CheckResult:
        t = self._t
        return CheckResult(
            id=step.id,
            status=Status.MANUAL,
            title=step.title_text(t),
            message=message or (t("walk.confirmed") if confirmed else t("walk.not_confirmed")),
            step=step.number,
            confirmed=confirmed,
        )


def _manual_steps(step: Step) -> list[Step]:
    """The steps a "done?" answer for ``step`` records: the step itself when nothing checks it,
    else each of its sub-steps that only a person can confirm (AFAS 1.1 "request the ZIP")."""
    if not any(s.verified_by for s in step.walk()):
        return [step]
    return [s for s in step.walk() if s is not step and s.manual_only and not s.informational]
