"""Nmbrs inputs, validated: the login, the domain, the manual option, the environment."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from koppelcheck.choices import NmbrsEnvironment
from koppelcheck.errors import InputError
from koppelcheck.http import validate_base_url
from koppelcheck.i18n import Text
from koppelcheck.nmbrs.calls import PRODUCTION_BASE_URL, SANDBOX_BASE_URL, ManualOption

ENVIRONMENTS = {
    NmbrsEnvironment.PRODUCTION.value: PRODUCTION_BASE_URL,
    NmbrsEnvironment.SANDBOX.value: SANDBOX_BASE_URL,
}
_DOMAIN_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_domain(value: str) -> str:
    """``acme``, ``acme.nmbrs.nl`` and ``https://acme.nmbrs.nl/...`` all mean ``acme``.

    Nmbrs wants the bare sub-domain in the auth header (reference §2, "Domain format").
    """
    text = value.strip().lower()
    if "://" in text:
        text = urlsplit(text).hostname or ""
    text = text.split("/")[0]
    for suffix in (".nmbrs.nl", ".nmbrs-sandbox.nl", ".nmbrs.com"):
        text = text.removesuffix(suffix)
    if not _DOMAIN_LABEL.fullmatch(text):  # not match: "$" also matches before a final "\n"
        raise InputError(
            "domain",
            Text("input.nmbrs.domain", value=repr(value)),
            Text("input.nmbrs.domain_hint"),
        )
    return text


def validate_username(value: str) -> str:
    """The Nmbrs user name is the e-mail address used to log in."""
    text = value.strip()
    if not _EMAIL.fullmatch(text) or not text.isprintable():  # it goes into a SOAP header
        raise InputError(
            "username",
            Text("input.nmbrs.username", value=repr(value)),
            Text("input.nmbrs.username_hint"),
        )
    return text


def check_option(value: str) -> str:
    """One of the manual's options (``overkoepelend``, ``per-debiteur``)."""
    if value not in {o.value for o in ManualOption}:
        raise InputError(
            "option",
            Text("input.nmbrs.option", value=repr(value)),
            Text("input.nmbrs.option_hint"),
        )
    return str(value)


def check_environment(value: str) -> str:
    """``production`` or ``sandbox``."""
    if value not in ENVIRONMENTS:
        raise InputError(
            "environment",
            Text("input.nmbrs.environment", value=repr(value)),
            Text("input.nmbrs.environment_hint"),
        )
    return str(value)


def check_company(value: str | None) -> str | None:
    """A company name, when given, is not blank (it is compared exactly, so not stripped)."""
    if value is not None and not value.strip():
        raise InputError("company", Text("input.empty"), Text("input.nmbrs.company_hint"))
    return value


def check_base_url(value: str) -> str:
    """An ``https://`` (or loopback ``http://``) base URL."""
    return validate_base_url(value, "base_url")


RULES: dict[str, Callable[[str], object]] = {
    "option": check_option,
    "environment": check_environment,
    "company": check_company,
    "username": validate_username,
    "domain": normalise_domain,
    "base_url": check_base_url,
}
"""Setting key -> its rule: the value, normalised, or an InputError naming the key (in the order
a run reports the first bad one)."""


@dataclass(frozen=True)
class NmbrsTarget:
    """Everything but the token that says which Nmbrs setup to verify."""

    username: str
    domain: str
    option: ManualOption = ManualOption.OVERKOEPELEND
    company: str | None = None
    environment: str = "production"
    base_url: str = PRODUCTION_BASE_URL

    @classmethod
    def create(
        cls,
        *,
        username: str,
        domain: str,
        option: str = "overkoepelend",
        company: str | None = None,
        environment: str = "production",
        base_url: str | None = None,
    ) -> NmbrsTarget:
        """Validate raw inputs; any bad one raises InputError naming its key (the CLI names the
        flag, :mod:`koppelcheck.cli.fields`). The rules are :data:`RULES`, the ones
        :class:`koppelcheck.nmbrs.system.NmbrsSettings` applies to flags, batch files and form."""
        option = check_option(option)
        environment = check_environment(environment)
        company = check_company(company)
        return cls(
            username=validate_username(username),
            domain=normalise_domain(domain),
            option=ManualOption(option),
            company=company,
            environment=environment,
            base_url=check_base_url(base_url) if base_url else ENVIRONMENTS[environment],
        )

    def describe(self) -> dict[str, str]:
        """The report's ``target`` object (no secrets)."""
        return {"domain": self.domain, "username": self.username, "environment": self.environment}
