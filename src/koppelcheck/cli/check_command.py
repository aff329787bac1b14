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


def run_check_command(job: CheckJob, common: CommonOptions, *, can_ask: bool) -> int:
    """Run ``job`` as the contract says and return the exit code."""
    from koppelcheck.cli.common import stderr_console
    from koppelcheck.cli.output import emit_report
    from koppelcheck.cli.registration_flow import collect_form, refuse_bundle, write_bundle

    console = stderr_console()
    form_data = _initial_form(job, common)
    report = _walk(job, common, console) if can_ask else _plain(job, common)
    emit_report(report, common)
    bundle_path = common.bundle or (_offer_bundle(report, common, console) if can_ask else None)
    if bundle_path is None:
        return report.exit_code
    if report.failing():
        return refuse_bundle(report, lang=common.lang, console=console)
    form = collect_form(
        job.system,
        form_data,
        job.form_context(),
        can_ask=can_ask,
        lang=common.lang,
        console=console,
    )
    return write_bundle(
        bundle_path,
        report=report,
        form=form,
        tokens=job.bundle_tokens,
        recipient_key=common.recipient_key,
        can_ask=can_ask,
        lang=common.lang,
        console=console,
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

        validate_form(data, job.system, FormContext(), lang=common.lang)
        load_signing_key(allow_prompt=False, lang=common.lang)
    return data


def _plain(job: CheckJob, common: CommonOptions) -> Report:
    from koppelcheck.cli.common import run_async
    from koppelcheck.cli.progress import progress_reporter

    with progress_reporter(job.total, job.label) as progress:
        return run_async(job.run(progress))


def _walk(job: CheckJob, common: CommonOptions, console: Any) -> Report:
    from koppelcheck.cli.common import run_async
    from koppelcheck.cli.walkthrough import Walkthrough
    from koppelcheck.reporting import build_report
    from koppelcheck.steps import steps_for

    translator = Translator(common.lang)
    walk = Walkthrough(
        steps_for(job.system, job.option), lambda: run_async(job.run(None)), translator, console
    )
    outcome = walk.run()
    last = outcome.report or run_async(job.run(None))
    return build_report(
        system=last.system,
        option=last.option,
        target=last.target,
        started_at=last.started_at,
        results=outcome.results() or last.checks,
        strict=common.strict,
        exit_zero=common.exit_zero,
    )


def _offer_bundle(report: Report, common: CommonOptions, console: Any) -> Any:
    from pathlib import Path

    import typer

    if report.failing():
        return None
    t = Translator(common.lang)
    from koppelcheck.cli.session import confirm

    if not confirm(t("walk.bundle.offer"), False, common.lang):
        return None
    return Path(typer.prompt(t("walk.bundle.path"), default="registratie.json", err=True))
