"""After the checks: collect the a.s.r. form (file, ``--field``, prompts) and write the bundle.

Nothing is written while the form is invalid or a check failed or errored.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import typer

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
                "--field", f"{item!r} is not KEY=VALUE", "e.g. --field email=salaris@voorbeeld.nl"
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

    if not can_ask:
        return validate_form(data, system, context, lang=lang)
    t = Translator(lang)
    by_key = {f.key: f for f in FORM_FIELDS}
    console.print(t("walk.form.ask"))
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
    return validate_form(data, system, context, lang=lang)


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
    failing = ", ".join(c.id for c in report.failing()[:5])
    console.print(f"[red]{Translator(lang)('bundle.refused', checks=failing)}[/]")
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
) -> int:
    """Write the signed bundle for a clean report; return the exit code to end with."""
    from koppelcheck.bundle.build import build_and_write_bundle
    from koppelcheck.cli.bundle import announce_bundle
    from koppelcheck.cli.keys import load_signing_key

    key = load_signing_key(allow_prompt=can_ask, lang=lang)
    info = build_and_write_bundle(
        path,
        report=report,
        form=form,
        tokens=tokens,
        recipient_key_path=recipient_key,
        signing_key=key,
        lang=lang,
    )
    announce_bundle(info, lang=lang)
    return int(report.exit_code)
