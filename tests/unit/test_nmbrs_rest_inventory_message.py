"""The REST inventory message stays short however many debtors a login sees."""

from __future__ import annotations

from koppelcheck.i18n import Translator
from koppelcheck.nmbrs.calls import ManualOption
from koppelcheck.nmbrs.rest.readiness import (
    LISTED_COMPANIES,
    LISTED_DEBTORS,
    PlanCompany,
    PlanDebtor,
    inventory_message,
)


def debtors(count: int, companies: int) -> tuple[PlanDebtor, ...]:
    return tuple(
        PlanDebtor(
            d,
            f"D{d}",
            f"Debiteur {d}",
            tuple(PlanCompany(f"Bedrijf {d}-{c}", c, d * 1000 + c) for c in range(companies)),
        )
        for d in range(count)
    )


def test_a_small_login_is_listed_whole() -> None:
    message = inventory_message(debtors(2, 3), ManualOption.PER_DEBITEUR, Translator("en"))
    assert message.startswith("2 debtors: 2 consents needed")
    for d in range(2):
        for c in range(3):
            assert f"Bedrijf {d}-{c} ({c})" in message
    assert "more" not in message


def test_a_bureau_login_names_the_first_and_counts_the_rest() -> None:
    many = debtors(800, 40)
    message = inventory_message(many, ManualOption.PER_DEBITEUR, Translator("nl"))
    assert message.startswith("800 debiteuren: 800 toestemmingen nodig")
    assert f"Debiteur {LISTED_DEBTORS - 1} " in message
    assert f"Debiteur {LISTED_DEBTORS} " not in message
    assert f"Bedrijf 0-{LISTED_COMPANIES - 1} " in message
    assert f"Bedrijf 0-{LISTED_COMPANIES} " not in message
    assert f"en nog {40 - LISTED_COMPANIES} bedrijven" in message
    assert f"En nog {800 - LISTED_DEBTORS} debiteuren" in message
    assert "--consent-plan" in message
    assert len(message) < 2_000  # the same for 8 or 800 debtors
    few = inventory_message(debtors(8, 40), ManualOption.PER_DEBITEUR, Translator("nl"))
    assert abs(len(message) - len(few)) < 10  # only the counts' digits differ


def test_one_more_is_singular() -> None:
    message = inventory_message(
        debtors(LISTED_DEBTORS + 1, LISTED_COMPANIES + 1),
        ManualOption.PER_DEBITEUR,
        Translator("en"),
    )
    assert "and 1 more company" in message
    assert "And 1 more debtor;" in message
