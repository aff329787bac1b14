"""The catalogues: one parity test over every key and placeholder; lookups that never crash."""

from __future__ import annotations

import string

import pytest

from koppelcheck.i18n import LANGUAGES, Translator, catalogue


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_exists_in_every_language() -> None:
    keys = {lang: set(catalogue(lang)) for lang in LANGUAGES}
    reference = keys["nl"]
    for lang, found in keys.items():
        assert found ^ reference == set(), lang


def test_every_message_has_the_same_placeholders_in_every_language() -> None:
    nl, en = catalogue("nl"), catalogue("en")
    differ = {k: (_placeholders(nl[k]), _placeholders(en[k])) for k in nl.keys() & en.keys()}
    assert {k: v for k, v in differ.items() if v[0] != v[1]} == {}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_formats(lang: str) -> None:
    t = Translator(lang)
    for key, text in catalogue(lang).items():
        t(key, **dict.fromkeys(_placeholders(text), "x"))


def test_every_singular_form_has_its_plural() -> None:
    keys = set(catalogue("nl"))
    ones = {k.removesuffix(".one") for k in keys if k.endswith(".one")}
    assert ones
    assert {f"{k}.other" for k in ones} <= keys


def test_a_missing_placeholder_or_key_never_crashes() -> None:
    t = Translator("en")
    key = next(k for k, text in catalogue("en").items() if _placeholders(text))
    assert "{" in t(key, unrelated="x")
    assert t("no.such.key", n=1) == "no.such.key"


def test_plural_picks_the_form_by_count() -> None:
    t = Translator("en")
    key = next(k.removesuffix(".one") for k in catalogue("en") if k.endswith(".one"))
    assert t.plural(key, 1) == t(f"{key}.one", count=1)
    assert t.plural(key, 3) == t(f"{key}.other", count=3)


def test_an_os_reason_is_in_the_interface_language() -> None:
    import errno

    from koppelcheck.i18n import os_reason, render

    gone = FileNotFoundError(errno.ENOENT, "No such file or directory")
    assert render(os_reason(gone), Translator("nl")) == "bestaat niet"
    assert render(os_reason(gone), Translator("en")) == "does not exist"
    odd = OSError(errno.ENOTTY, "Inappropriate ioctl for device")
    assert os_reason(odd) == "Inappropriate ioctl for device"  # unusual: the OS's own words


def test_one_debtor_is_singular() -> None:
    nl, en = Translator("nl"), Translator("en")
    assert nl.plural("rest.inventory.count", 1).startswith("1 debiteur: 1 toestemming nodig")
    assert nl.plural("rest.inventory.count", 2).startswith("2 debiteuren: 2 toestemmingen nodig")
    assert en.plural("rest.inventory.count", 1).startswith("1 debtor: 1 consent needed")
