"""Loonpakket's manual: two steps (their prose in ``i18n/<lang>/steps.toml``)."""

from __future__ import annotations

from koppelcheck.steps import Step, step

STEPS: tuple[Step, ...] = (
    step(
        "loonpakket",
        "1",
        "token",
        verified_by=("loonpakket.auth", "loonpakket.tenant"),
        menu_path=("Beheer", "API-tokens"),
    ),
    step(
        "loonpakket",
        "2",
        "scope",
        verified_by=("loonpakket.employees",),
        menu_path=("Beheer", "API-tokens", "Rechten"),
    ),
)
