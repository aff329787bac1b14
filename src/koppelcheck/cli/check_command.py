"""What ``koppelcheck nmbrs`` and ``koppelcheck afas`` share after their inputs are validated:
the walkthrough or the plain run, the report, the registration form and the bundle."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from koppelcheck.cli.options import CommonOptions
from koppelcheck.i18n import Translator
from koppelcheck.models import Report
from koppelcheck.runner import ProgressCallback


@dataclass
class CheckJob:
    """One system's check, as the shared driver needs it."""

    system: str
    option: str | None
    label: str
    total: int
    run: Callable[[ProgressCallback | None], Coroutine[Any, Any, Report]]
    """Runs every check once (again on each call) and returns the report."""
    form_context: Callable[[], Any]
    """After a run: what the API told, to check the form against (a FormContext)."""
    form_inputs: dict[str, Any] = field(default_factory=dict)
    """Form fields that come from the check's own inputs (credentials, environment)."""
    bundle_tokens: dict[str, Any] = field(default_factory=dict)
    prepare: Callable[[bool], None] | None = None
    """Settles what must be known before any check runs (the Nmbrs company); gets ``can_ask``."""
    walk_hooks: Any = None
    """What the walkthrough asks besides "done?" (a ``WalkHooks``)."""
    steps: tuple[Any, ...] = ()
    """The manual's steps the walkthrough shows; empty means ``steps_for(system, option)``."""


def run_check_command(job: CheckJob, common: CommonOptions, *, can_ask: bool) -> int:
    """Run ``job`` as the contract says and return the exit code."""
    from koppelcheck.cli.common import stderr_console
    from koppelcheck.cli.exit_policy import with_exit_policy
    from koppelcheck.cli.output import emit_report
    from koppelcheck.cli.registration_flow import (
        collect_form,
        form_checks,
        merge,
        refuse_bundle,
        write_bundle,
    )
    from koppelcheck.manual_order import in_manual_order
    from koppelcheck.registration.provenance import provenance_of

    console = stderr_console()
    form_data = _initial_form(job, common)
    if job.prepare is not None:
        job.prepare(can_ask)
    report = _walk(job, common, console) if can_ask else _plain(job, common)
    form_data = merge(form_data, job.form_inputs)  # the settled company, a re-entered token
    if common.form is not None and common.bundle is None:
        report = _with_results(
            report, form_checks(job.system, form_data, job.form_context(), report, common), common
        )
    report = in_manual_order(report, common.lang)
    report = with_exit_policy(report, strict=common.strict, exit_zero=common.exit_zero)
    emit_report(report, common)
    bundle_path = common.bundle or (_offer_bundle(report, common, console) if can_ask else None)
    if bundle_path is None:
        return report.exit_code
    if report.failing() or _bundle_blockers(report):
        return refuse_bundle(report, lang=common.lang, console=console)
    context = job.form_context()
    form = collect_form(
        job.system, form_data, context, can_ask=can_ask, lang=common.lang, console=console
    )
    passed = [c.id for c in report.checks if c.status.value == "pass"]
    return write_bundle(
        bundle_path,
        report=report,
        form=form,
        tokens=job.bundle_tokens,
        recipient_key=common.recipient_key,
        can_ask=can_ask,
        lang=common.lang,
        console=console,
        provenance=provenance_of(form.model_dump(), context, passed),
    )


def _bundle_blockers(report: Report) -> list[str]:
    from koppelcheck.bundle.build import bundle_blockers

    return bundle_blockers(report)


def _with_results(report: Report, extra: list[Any], common: CommonOptions) -> Report:
    """``report`` with ``extra`` results added (summary and exit code recomputed)."""
    from koppelcheck.reporting import build_report

    return build_report(
        system=report.system,
        option=report.option,
        target=report.target,
        started_at=report.started_at,
        results=[*report.checks, *extra],
    )


def _initial_form(job: CheckJob, common: CommonOptions) -> dict[str, Any]:
    """The form from ``--form`` and ``--field``, with the check's inputs merged in.

    With ``--bundle`` and no terminal, the form is validated (exit 2) and the signing key looked
    up (exit 3) before anything is sent: neither can be asked for later.
    """
    from koppelcheck.cli.registration_flow import merge, parse_field_flags

    data: dict[str, Any] = {}
    if common.form is not None:
        from koppelcheck.registration import load_form_file

        data = load_form_file(common.form, lang=common.lang)
    data = merge(merge(data, parse_field_flags(list(common.fields), common.lang)), job.form_inputs)
    if common.bundle is not None and common.no_input_effective:
        from koppelcheck.cli.keys import load_signing_key
        from koppelcheck.registration import FormContext, validate_form

        # What the API will tell (the company, its payroll frequency) may still be missing.
        validate_form(data, job.system, FormContext(pending=True), lang=common.lang)
        load_signing_key(allow_prompt=False, lang=common.lang)
    return data


def _plain(job: CheckJob, common: CommonOptions) -> Report:
    from koppelcheck.cli.common import run_async
    from koppelcheck.cli.progress import progress_reporter

    with progress_reporter(job.total, job.label, lang=common.lang) as progress:
        return run_async(job.run(progress))


def _walk(job: CheckJob, common: CommonOptions, console: Any) -> Report:
    from koppelcheck.cli.common import run_async
    from koppelcheck.cli.walkthrough import Walkthrough
    from koppelcheck.manual_order import in_manual_order
    from koppelcheck.reporting import build_report
    from koppelcheck.steps import steps_for

    translator = Translator(common.lang)
    walk = Walkthrough(
        job.steps or steps_for(job.system, job.option),
        lambda: in_manual_order(run_async(job.run(None)), common.lang),
        translator,
        console,
        hooks=job.walk_hooks,
    )
    outcome = walk.run()
    last = outcome.report or run_async(job.run(None))
    return build_report(
        system=last.system,
        option=last.option,
        target=last.target,
        started_at=last.started_at,
        results=outcome.results() or last.checks,
    )


def _offer_bundle(report: Report, common: CommonOptions, console: Any) -> Any:
    from pathlib import Path

    import typer

    if report.failing():
        return None
    t = Translator(common.lang)
    if _bundle_blockers(report):  # say why no bundle is offered
        from rich.markup import escape

        console.print(f"[yellow]{escape(t('bundle.refused.no_connectors'))}[/]")
        return None
    from koppelcheck.cli.session import confirm

    if not confirm(t("walk.bundle.offer"), False, common.lang):
        return None
    return Path(typer.prompt(t("walk.bundle.path"), default="registratie.json", err=True))
