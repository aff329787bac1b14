"""After the checks: collect the a.s.r. form (file, ``--field``, prompts) and write the bundle.

Nothing is written while the form is invalid or a check failed or errored.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from koppelcheck.errors import InputError
from koppelcheck.exitcodes import ExitCode
from koppelcheck.i18n import Translator

MAX_QUESTIONS = 40


def parse_field_flags(values: list[str] | None, lang: str | None = None) -> dict[str, Any]:
    """``--field nmbrs.company="Bakkerij Jansen B.V."`` → nested form data."""
    from koppelcheck.registration.form import check_field_flag_key

    data: dict[str, Any] = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InputError(
                "--field",
                Translator(lang)("input.field.not_key_value", value=repr(item)),
                Translator(lang)("input.field.example"),
            )
        check_field_flag_key(key.strip(), lang)  # secrets and unknown (or deep) keys: exit 2
        set_dotted(data, key.strip(), coerce(key.strip(), value.strip()))
    return data


def set_dotted(data: dict[str, Any], key: str, value: Any) -> None:
    """Set ``a.b`` in a nested dict."""
    head, _, rest = key.partition(".")
    if rest:
        set_dotted(data.setdefault(head, {}), rest, value)
    else:
        data[head] = value


def merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """Nested merge; ``extra`` wins."""
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def coerce(key: str, raw: str) -> Any:
    """A typed or prompted text as the form expects it (lists, booleans)."""
    if key.endswith("employer_codes"):
        return [code.strip() for code in raw.split(",") if code.strip()]
    if key.endswith("thirteenth_month"):
        return raw.lower() in ("1", "true", "yes", "ja", "j", "y")
    return raw


def collect_form(
    system: str,
    data: dict[str, Any],
    context: Any,
    *,
    can_ask: bool,
    lang: str | None,
    console: Any,
) -> Any:
    """The valid form: asked field by field on a terminal, else the first bad field → exit 2."""
    from koppelcheck.registration import FORM_FIELDS, form_errors, validate_form
    from koppelcheck.systems import get_system

    if not can_ask:
        form = validate_form(data, system, context, lang=lang)
        _warn(form, context, lang, console)
        return form
    t = Translator(lang)
    by_key = {f.key: f for f in FORM_FIELDS}
    console.print(t("walk.form.ask"))
    if get_system(system).asks_dga:
        _ask_dga(system, data, t, lang)
    for _ in range(MAX_QUESTIONS):
        errors = form_errors(data, system, context, lang=lang)
        if not errors:
            break
        problem = errors[0]
        known = by_key.get(problem.field)
        if known is None:
            raise problem
        console.print(f"[yellow]{problem.message}[/]" if _has_value(data, problem.field) else "")
        set_dotted(
            data,
            problem.field,
            _ask(problem.field, known.text(t, "label"), known.text(t, "hint"), lang),
        )
    form = validate_form(data, system, context, lang=lang)
    _warn(form, context, lang, console)
    return form


def _ask_dga(system: str, data: dict[str, Any], t: Translator, lang: str | None) -> None:
    """The manual's question: is a DGA on the payroll? If so, their name and employee number
    (the section's ``dga_name`` and ``dga_employee_number``: a system that ``asks_dga`` has
    them)."""
    section = data.setdefault(system, {})
    if "dga_name" in section or "dga_employee_number" in section:
        return
    from koppelcheck.cli.session import confirm

    if not confirm(t("walk.dga.ask"), False, lang):
        return
    section["dga_name"] = str(typer.prompt(t(f"form.field.{system}.dga_name.label"), err=True))
    section["dga_employee_number"] = str(
        typer.prompt(t(f"form.field.{system}.dga_employee_number.label"), err=True)
    ).strip()


def _warn(form: Any, context: Any, lang: str | None, console: Any) -> None:
    from koppelcheck.registration import form_warnings

    for field_key, message in form_warnings(form, context, lang=lang):
        console.print(f"[yellow]! {escape(field_key)}: {escape(message)}[/]")


def form_checks(
    system: str, data: dict[str, Any], context: Any, report: Any, common: Any
) -> list[Any]:
    """``--form`` without ``--bundle``: the form checked against what the API told, as one
    ``form.<field>`` check per field (fail: the field is wrong; warn: odd; pass: with its
    provenance), so that a wrong loonheffingennummer fails the run."""
    from koppelcheck.models import CheckResult, Fix, Status
    from koppelcheck.registration import fields_for, form_errors, form_warnings, validate_form
    from koppelcheck.registration.provenance import provenance_of

    t = Translator(common.lang)
    step, step_id = _form_step(system, report.option)
    errors: dict[str, Any] = {}
    for error in form_errors(data, system, context, lang=common.lang):
        errors.setdefault(error.field, error)
    notes: dict[str, str] = {}
    passed = [c.id for c in report.checks if c.status is Status.PASS]
    if errors:  # the valid fields' provenance, read from what was given (and derived)
        origins = provenance_of(_with_derived(system, data, context), context, passed)
    else:
        form = validate_form(data, system, context, lang=common.lang)
        notes = dict(form_warnings(form, context, lang=common.lang))
        origins = provenance_of(form.model_dump(), context, passed)
    results = []
    for known in fields_for(system):
        title = known.text(t, "label")
        error = errors.pop(known.key, None)
        if error is not None:
            status, message, fix = Status.FAIL, error.message, error.hint
            title = t("walk.form.check.bad", label=title)
        elif known.key in notes:
            status, message, fix = Status.WARN, notes[known.key], ""
        else:
            origin = origins.get(known.key)
            status, fix = Status.PASS, ""
            if origin is not None and origin.source == "verified":
                message = t("walk.form.check.verified", check=origin.check)
            elif known.optional and not _has_value(data, known.key):
                message = t("walk.form.check.absent")
            else:
                message = t("walk.form.check.declared")
        results.append(
            CheckResult(
                id=f"form.{known.key}",
                status=status,
                title=title,
                message=message,
                step=step,
                step_id=step_id,
                fix=Fix(text=fix),
            )
        )
    for key, error in errors.items():  # not a field of this form (e.g. an unknown system)
        results.append(
            CheckResult(
                id=f"form.{key}",
                status=Status.FAIL,
                title=key,
                message=error.message,
                step=step,
                step_id=step_id,
                fix=Fix(text=error.hint),
            )
        )
    return results


def _with_derived(system: str, data: dict[str, Any], context: Any) -> dict[str, Any]:
    """``data`` with the payroll frequency the company's period gives, when none was given."""
    from koppelcheck.registration.validators import frequency_from_period

    section = data.get(system)
    if not isinstance(section, dict) or section.get("payroll_frequency") or not context.period:
        return data
    try:
        derived = frequency_from_period(context.period)
    except ValueError:
        return data
    return merge(data, {system: {"payroll_frequency": derived}}) if derived else data


def _form_step(system: str, option: str | None) -> tuple[str, str]:
    """Number and id of the manual step that fills in a.s.r.'s form (Nmbrs 4 or 3, AFAS 4): the
    registration step every ``form.*`` check belongs to."""
    from koppelcheck.steps import form_step, steps_for

    found = form_step(steps_for(system, option))
    return (found.number, found.id) if found is not None else ("", "")


def _has_value(data: Mapping[str, Any], key: str) -> bool:
    node: Any = data
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
    return node not in (None, "")


def _ask(key: str, label: str, hint: str, lang: str | None) -> Any:
    if key.endswith("thirteenth_month"):
        from koppelcheck.cli.session import confirm

        return confirm(label, False, lang)
    answer = typer.prompt(f"{label} ({hint})" if hint and hint != label else label, err=True)
    return coerce(key, str(answer))


def refuse_bundle(report: Any, *, lang: str | None, console: Any) -> int:
    """Say which checks keep the bundle from being written; the run's exit code stands."""
    from koppelcheck.bundle.build import BundleRefusedError, refuse_unless_clean

    try:
        refuse_unless_clean(report, lang=lang)
    except BundleRefusedError as exc:
        message = str(exc)
        if report.failing():
            failing = ", ".join(c.id for c in report.failing()[:5])
            message = Translator(lang)("bundle.refused", checks=failing)
        console.print(f"[red]{escape(message)}[/]")
    return int(report.exit_code) or ExitCode.FAILED


def write_bundle(
    path: Path,
    *,
    report: Any,
    form: Any,
    tokens: dict[str, Any],
    recipient_key: Path | None,
    can_ask: bool,
    lang: str | None,
    console: Any,
    provenance: Any = None,
) -> int:
    """Write the signed bundle for a clean report; return the exit code to end with.

    On a terminal without ``--recipient-key``, says first that the file will hold the tokens in
    plain text and how to send it safely.
    """
    from koppelcheck.bundle.build import build_and_write_bundle
    from koppelcheck.cli.bundle import announce_bundle
    from koppelcheck.cli.keys import load_signing_key

    key = load_signing_key(allow_prompt=can_ask, lang=lang)
    if recipient_key is None and can_ask:
        console.print(f"[yellow]{escape(Translator(lang)('walk.bundle.plaintext'))}[/]")
    info = build_and_write_bundle(
        path,
        report=report,
        form=form,
        tokens=tokens,
        recipient_key_path=recipient_key,
        signing_key=key,
        lang=lang,
        provenance=provenance,
    )
    announce_bundle(info, lang=lang)
    return int(report.exit_code)
