"""a.s.r.'s Nmbrs manual as data: the choice of account, Optie 1 (Stap 1-6) and Optie 2 (Stap 1-5).

The calls to set Active come from :mod:`koppelcheck.nmbrs.calls`, never retyped here. The prose
lives in ``nmbrs/i18n/*/steps.toml`` under ``steps.nmbrs.<key>``. Optie 2's pages number its
last steps 4-6 by mistake; its own overview numbers them 3-5, which is what we use.
"""

from __future__ import annotations

from functools import cache

from koppelcheck.nmbrs.calls import ManualOption, NmbrsCall, calls_for
from koppelcheck.steps import ScreenField, Step, step

AUTH = "nmbrs.auth"
COMPANY = "nmbrs.company"

_SANDBOX_OFF = ScreenField("Sandbox toestaan", checked=False)
_ACTIVE_ON = ScreenField("Actief", checked=True)
_ALL_DEBTORS = ScreenField("Filter", "Alle debiteuren", note="steps.nmbrs.login.filter_note")


def _nmbrs(number: str, key: str, **extra: object) -> Step:
    return step("nmbrs", number, key, **extra)  # type: ignore[arg-type]


CHOICE = _nmbrs("0", "choice")
"""Which of the two options to follow, with the manual's trade-off (shown before either)."""


def _call_steps(parent: str, calls: tuple[NmbrsCall, ...]) -> tuple[Step, ...]:
    """One sub-step per Template User category, in manual order, each with its calls."""
    categories = list(dict.fromkeys(call.category for call in calls))
    return tuple(
        _nmbrs(
            f"{parent}.{index}",
            f"calls.{category.name.lower()}",
            body=False,
            calls=tuple(c for c in calls if c.category is category),
            verified_by=tuple(c.check_id for c in calls if c.category is category),
        )
        for index, category in enumerate(categories, start=1)
    )


def _rights(number: str, key: str, option: ManualOption) -> Step:
    """The step that sets the option's calls Active on the Template User."""
    calls = calls_for(option)
    return _nmbrs(
        number,
        key,
        verified_by=tuple(c.check_id for c in calls),
        calls=calls,
        substeps=_call_steps(number, calls),
    )


def _activate(number: str) -> Step:
    """Back in the Logins screen: tick Actief and set the debtor filter."""
    return _nmbrs(
        number,
        "login.activate",
        fields=(_ACTIVE_ON, _ALL_DEBTORS),
        verified_by=(AUTH, COMPANY),
        partly=True,
    )


def _form(number: str) -> Step:
    return _nmbrs(
        number,
        "form",
        menu_path=("www.asr.nl/salarisverwerkers", "Aanleveren gegevens in eigen beheer"),
        verified_by=(COMPANY,),
        partly=True,
    )


def _after_form(first: int) -> tuple[Step, ...]:
    """Keylane's contact and a.s.r.'s confirmation: nothing to do but wait."""
    return (
        _nmbrs(str(first), "keylane", informational=True),
        _nmbrs(str(first + 1), "confirmation", informational=True),
    )


def _open_new_fill(
    parent: str, key: str, menu: tuple[str, ...], fields: tuple[ScreenField, ...]
) -> tuple[Step, ...]:
    """The manual's usual trio on a settings screen: open it, click "+ Nieuw ...", fill and save."""
    return (
        _nmbrs(f"{parent}.1", f"{key}.open", menu_path=menu),
        _nmbrs(f"{parent}.2", f"{key}.new"),
        _nmbrs(f"{parent}.3", f"{key}.fill", fields=fields),
    )


def _overkoepelend() -> tuple[Step, ...]:
    template_fields = (
        ScreenField("Naam", note="steps.nmbrs.template.name_note"),
        ScreenField("Type", "Master Accountant"),
        ScreenField("Kopieer van", "Systeem default templates"),
        ScreenField("Template", "Administrator (met debiteurenbeheer) (systeem)"),
    )
    template = _nmbrs(
        "1",
        "template",
        substeps=_open_new_fill(
            "1", "template", ("Instellingen", "Gebruikers", "Template Users"), template_fields
        ),
    )
    login_fields = (
        ScreenField("User Template", note="steps.nmbrs.login.template_note"),
        _SANDBOX_OFF,
    )
    login = _nmbrs(
        "3",
        "login",
        verified_by=(AUTH,),
        substeps=(
            *_open_new_fill("3", "login", ("Instellingen", "Gebruikers", "Logins"), login_fields),
            _activate("3.4"),
        ),
    )
    rights = _rights("2", "rights", ManualOption.OVERKOEPELEND)
    return (CHOICE, template, rights, login, _form("4"), *_after_form(5))


def _per_debiteur() -> tuple[Step, ...]:
    company_login = _nmbrs(
        "1",
        "company_login",
        verified_by=(AUTH,),
        substeps=(
            _nmbrs(
                "1.1",
                "company_login.debtor",
                menu_path=("Debiteur", "Gebruikersaccounts", "Klant login"),
            ),
            _nmbrs(
                "1.2",
                "company_login.new",
                menu_path=("Instellingen", "Gebruikersaccount", "Klant Logins"),
            ),
            _nmbrs(
                "1.3",
                "company_login.fill",
                fields=(
                    ScreenField("User Template", note="steps.nmbrs.company_login.template_note"),
                    _SANDBOX_OFF,
                ),
            ),
            _activate("1.4"),
            _nmbrs("1.5", "company_login.token", verified_by=(AUTH,)),
        ),
    )
    rights = _rights("2", "check_rights", ManualOption.PER_DEBITEUR)
    return (CHOICE, company_login, rights, _form("3"), *_after_form(4))


@cache
def nmbrs_steps(option: ManualOption | str = ManualOption.OVERKOEPELEND) -> tuple[Step, ...]:
    """The steps of one manual option, the choice first. An unknown option is a ``ValueError``."""
    if ManualOption(option) is ManualOption.OVERKOEPELEND:
        return _overkoepelend()
    return _per_debiteur()
