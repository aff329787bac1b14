"""Rules for single registration-form values, as plain functions.

A value that breaks a rule raises :class:`Invalid`: an i18n key under ``form.error.`` with its
parameters, so the form layer can say it in the user's language. Nothing here knows pydantic.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable

PAYROLL_TAX_RE = re.compile(r"^([0-9]{9})L([0-9]{2})$")
EMAIL_RE = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
_PERIOD_RE = re.compile(r"^[0-9]{4}-[0-9]{1,2}-(M|W4|W1)$")
_PERIOD_FREQUENCY = {"M": "monthly", "W4": "four-weekly", "W1": None}
NAME_RATIO = 0.6
"""How alike a DGA name and the employee's display name must be (difflib ratio)."""


class Invalid(ValueError):
    """A value that breaks a rule: ``form.error.<key>`` with ``params``.

    ``field`` overrides where the error is reported (a dotted form key), for rules that look at
    more than one field.
    """

    def __init__(self, key: str, field: str | None = None, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.field = field
        self.params = params


_NOT_PRINTABLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
"""Unicode categories a form text may not hold: control, format (bidi, zero-width), surrogate,
private-use and unassigned characters, line and paragraph separators."""


def text_value(value: object) -> str:
    """A form text as the bundle stores it: a string (a TOML whole number is read as its
    digits), NFC-normalised, of printable characters only. A list, a table, a boolean or a
    float is refused, and so is a control or invisible character (NUL, ESC, U+202E)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise Invalid("text_type")
    text = unicodedata.normalize("NFC", str(value))
    if any(unicodedata.category(ch) in _NOT_PRINTABLE for ch in text):
        raise Invalid("printable")
    return text


def is_ascii_digits(text: str) -> bool:
    """Only 0-9: Arabic-Indic or full-width digits pass ``str.isdigit`` but are not numbers here."""
    return bool(text) and text.isascii() and text.isdigit()


def whole_number(value: object) -> object:
    """A before-validator for whole numbers: an int (not a boolean) or ASCII digits; anything
    else is left for pydantic to refuse, except digits of other scripts, refused here."""
    if isinstance(value, str):
        text = value.strip()
        if text and not is_ascii_digits(text.lstrip("-+")):
            raise Invalid("invalid")
        return text
    return value


def eleven_test(digits: str) -> bool:
    """The loonheffingennummer's 11-test: weights 9..2 on digits 1-8, minus the 9th, mod 11 = 0."""
    if len(digits) != 9 or not is_ascii_digits(digits):
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True))
    return (total - int(digits[8])) % 11 == 0


def normalise_payroll_tax_number(value: str) -> str:
    """``123.456.782 l 01`` -> ``123456782L01``; raises :class:`Invalid` when it is not one."""
    text = re.sub(r"[\s.]", "", text_value(value)).upper()
    match = PAYROLL_TAX_RE.match(text)
    if not match:
        raise Invalid("payroll_tax_number.shape")
    if not eleven_test(match.group(1)):
        raise Invalid("payroll_tax_number.eleven")
    return text


def check_email(value: str) -> str:
    """A plausible e-mail address, stripped; raises :class:`Invalid` otherwise."""
    text = text_value(value).strip()
    if ".." in text or not EMAIL_RE.match(text):
        raise Invalid("email")
    return text


def check_required(value: str) -> str:
    """A non-empty text of printable characters (:func:`text_value`), stripped."""
    text = text_value(value).strip()
    if not text:
        raise Invalid("empty")
    return text


def frequency_from_period(period: str) -> str | None:
    """The payroll frequency of an Nmbrs period ``yyyy-pp-type``: M monthly, W4 four-weekly.

    W1 (weekly) gives None: a.s.r. does not offer it. Any other text is a ``ValueError``.
    """
    match = _PERIOD_RE.match(str(period).strip())
    if not match:
        raise ValueError(f"not an Nmbrs period (yyyy-pp-M|W4|W1): {period!r}")
    return _PERIOD_FREQUENCY[match.group(1)]


def closest_names(name: str, names: Iterable[str], n: int = 3) -> list[str]:
    """The real names most like ``name`` (ignoring case), best first."""
    by_folded: dict[str, str] = {}
    for real in names:
        by_folded.setdefault(real.casefold(), real)
    matches = difflib.get_close_matches(name.casefold(), list(by_folded), n=n, cutoff=0.5)
    return [by_folded[m] for m in matches]


def name_matches(given: str, display_name: str) -> bool:
    """Whether a DGA name roughly names an employee: difflib ratio >= 0.6 or last name contained."""
    a, b = given.casefold().strip(), display_name.casefold().strip()
    if difflib.SequenceMatcher(None, a, b).ratio() >= NAME_RATIO:
        return True
    words = re.findall(r"[^\W\d_]+", a)
    return bool(words) and len(words[-1]) > 1 and words[-1] in b
