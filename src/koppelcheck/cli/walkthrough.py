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
    ) -> None:
        self._steps = steps
        self._run_checks = run_checks
        self._t = translator
        self._console = console
        if confirm is None:
            from koppelcheck.cli.session import confirm as ask

            def confirm(text: str, default: bool) -> bool:
                return ask(text, default, translator.lang)

        self._confirm = confirm

    def run(self) -> WalkthroughResult:
        """Show every step; return the final results."""
        outcome = WalkthroughResult()
        for number, step in enumerate(self._steps, start=1):
            self._show(step, number)
            if self._verified(step, outcome):
                outcome.report = self._check_until_fixed(step, outcome.report)
            elif not step.informational:
                confirmed = self._confirm(self._t("walk.confirm"), True)
                outcome.manual.append(self._manual_result(step, confirmed))
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

    def _check_until_fixed(self, step: Step, report: Report | None) -> Report:
        assert report is not None
        while True:
            relevant = self._relevant(step, report)
            self._show_results(relevant)
            if not any(c.status in _BAD for c in relevant):
                return report
            if not self._confirm(self._t("walk.recheck"), True):
                return report
            report = self._run_checks()

    def _show(self, step: Step, number: int) -> None:
        from rich.markup import escape
        from rich.panel import Panel

        t = self._t
        lines = [escape(step.body_text(t))] if step.body else []
        if step.menu_path:
            lines.append(f"[bold]{escape(t('walk.menu'))}[/] " + escape(" > ".join(step.menu_path)))
        lines += [self._field_line(f) for f in step.fields]
        lines += [f"  {escape(sub.number)}  {escape(sub.title_text(t))}" for sub in step.substeps]
        lines += [f"  • {escape(call.label)}" for call in step.calls]
        title = f"{escape(step.number)}  {escape(step.title_text(t))}"
        self._console.print(Panel("\n".join(lines) or " ", title=title, title_align="left"))

    def _field_line(self, screen_field: Any) -> str:
        from rich.markup import escape

        if screen_field.checked is not None:
            box = "☑" if screen_field.checked else "☐"
            return f"  {box} {escape(screen_field.label)}"
        return f"  {escape(screen_field.label)}: [bold]{escape(screen_field.value)}[/]"

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
        for result in results:
            self._console.print(
                f" {marks[result.status]} {escape(result.title)}: {escape(result.message)}"
            )
            if result.status in (*_BAD, Status.WARN) and result.fix.text:
                self._console.print(f"     → {escape(result.fix.text)}")

    def _manual_result(self, step: Step, confirmed: bool) -> CheckResult:
        t = self._t
        return CheckResult(
            id=step.id,
            status=Status.MANUAL,
            title=step.title_text(t),
            message=t("walk.confirmed") if confirmed else t("walk.not_confirmed"),
            step=step.number,
            confirmed=confirmed,
        )
