"""``koppelcheck nmbrs --api rest``: the opt-in REST probe with a bureau's own Nmbrs app."""

from __future__ import annotations

from dataclasses import dataclass

from koppelcheck.cli.options import CommonOptions
from koppelcheck.errors import InputError
from koppelcheck.i18n import Translator

APIS = ("soap", "rest")


@dataclass(frozen=True)
class RestFlags:
    """The REST probe's own flags, as given."""

    client_id: str | None
    client_secret_file: str | None
    subscription_key_file: str | None
    redirect_uri: str | None
    no_browser: bool
    identity_url: str | None
    company: str | None


def check_api(api: str, lang: str | None) -> str:
    """``soap`` or ``rest``; anything else exits 2 naming ``--api``."""
    value = api.strip().lower()
    if value not in APIS:
        t = Translator(lang)
        raise InputError(
            "--api",
            t("checklist.error.api", value=api),
            t("checklist.error.accepted", values=", ".join(APIS)),
        )
    return value


def run_rest(flags: RestFlags, common: CommonOptions) -> int:
    """Run the REST probe; return the exit code."""
    raise InputError("--api", "rest is not available yet")
