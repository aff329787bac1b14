"""Build a :class:`~koppelcheck.checklist.model.Checklist`: the step data (and the registration
form's fields) resolved into one language. Renderers never see a Step or a Translator."""

from __future__ import annotations

from koppelcheck.checklist.model import Checklist, Entry, FormLine
from koppelcheck.errors import InputError
from koppelcheck.i18n import Translator
from koppelcheck.registration.form import FormField, fields_for
from koppelcheck.steps import PREFIX_WILDCARD, ScreenField, Step, form_step
from koppelcheck.systems import SYSTEMS, ChecklistVariant, get_system
from koppelcheck.systems.interface import choose


def build_checklist(
    system: str,
    option: str | None = None,
    lang: str | None = None,
    api: str | None = None,
    auth: str | None = None,
) -> Checklist:
    """The checklist of ``system`` (and, for Nmbrs, ``option``) in ``lang``; ``api="rest"``
    gives the Nmbrs REST consent steps instead of the manual. For AFAS, ``auth`` picks step 3's
    variant: ``classic`` (a user token; the default until AFAS's end date), ``oauth`` or
    ``hybrid``."""
    t = Translator(lang)
    choose("system", system, SYSTEMS, t)
    kind = get_system(system)
    api = choose("api", api or kind.apis[0], kind.apis, t)  # None: the system's first
    try:
        variant = kind.checklist_variant(option, auth, api)
    except InputError as exc:  # the system's own words, in the checklist's language
        raise InputError(exc.field, *exc.said(t)) from None
    heading, intro, lines, columns = _form_part(system, variant, t)
    return Checklist(
        lang=t.lang,
        title=t("checklist.title", system=t(f"system.{system}")),
        subtitle=str(variant.subtitle.render(t)) if variant.subtitle is not None else "",
        intro=t("checklist.intro", command=variant.command),
        entries=tuple(_entry(s, t, top=True) for s in variant.steps),
        form_heading=heading,
        form_intro=intro,
        form_lines=lines,
        form_columns=columns,
        footer=t("checklist.footer", command=variant.command),
    )


def _form_part(
    system: str, variant: ChecklistVariant, t: Translator
) -> tuple[str, str, tuple[FormLine, ...], tuple[str, str, str]]:
    """Heading, intro, lines and column titles of the form's part; empty without a form."""
    if not variant.with_form:
        return "", "", (), ("", "", "")
    registration = form_step(variant.steps)
    intro = (
        t("checklist.form.intro", step=registration.number)
        if registration is not None
        else t("checklist.form.intro.no_step")
    )
    lines = tuple(_form_line(f, t) for f in fields_for(system) if f.key not in variant.form_skip)
    columns = (
        t("checklist.form.column.field"),
        t("checklist.form.column.help"),
        t("checklist.form.column.hint"),
    )
    return t("checklist.form.heading"), intro, lines, columns


def _entry(step: Step, t: Translator, top: bool = False) -> Entry:
    """Resolve one step (and its sub-steps) into the translator's language."""
    children = tuple(_entry(s, t) for s in step.substeps)
    return Entry(
        label=_label(step, t, top),
        title=step.title_text(t),
        body=step.body_text(t),
        menu=" → ".join(step.menu_path),
        fields=tuple(_field(f, t) for f in step.fields),
        calls=tuple(call.label for call in step.calls) if not children else (),
        verification=_verification(step, t),
        tick=not (step.informational or children),
        children=children,
    )


def entry_for(step: Step, t: Translator) -> Entry:
    """One step with its sub-steps as the checklist shows it (the walkthrough's panels too)."""
    return _entry(step, t)


def _label(step: Step, t: Translator, top: bool) -> str:
    if not top:
        return step.number
    return t("checklist.before") if step.number == "0" else t("checklist.step", number=step.number)


def _field(field: ScreenField, t: Translator) -> str:
    """``Type: Master Accountant``, ``Actief: aanvinken``, ``Naam: vrij te kiezen ...``."""
    parts = []
    if field.checked is not None:
        parts.append(t("checklist.field.tick" if field.checked else "checklist.field.untick"))
    if field.value:
        parts.append(field.value)
    value = " ".join(parts)
    note = t(field.note) if field.note else ""
    if value and note:
        value = f"{value} ({note})"
    text = value or note
    return f"{field.label}: {text}" if text else field.label


def _verification(step: Step, t: Translator) -> str:
    if step.informational:
        return t("checklist.verify.info")
    if step.manual_only:
        return t("checklist.verify.manual")
    checks = ", ".join(_check_names(step))
    return t("checklist.verify.partly" if step.partly else "checklist.verify.auto", checks=checks)


def _check_names(step: Step) -> list[str]:
    """The step's checks, with the call checks summed up by their first two parts
    (``nmbrs.call.*``)."""
    call_ids = {call.check_id for call in step.calls}
    names = [c for c in step.verified_by if c not in call_ids]
    summed = sorted({".".join(check_id.split(".")[:2]) + PREFIX_WILDCARD for check_id in call_ids})
    return summed + names


def _form_line(field: FormField, t: Translator) -> FormLine:
    hint = field.text(t, "hint")
    if field.optional:
        hint = f"{hint}; {t('checklist.form.optional')}"
    return FormLine(field.text(t, "label"), field.text(t, "help"), hint)
