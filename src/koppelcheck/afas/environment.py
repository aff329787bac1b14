"""The AFAS environment: ``12345`` or an environment code like ``O12345AA``, and its REST host."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from koppelcheck.errors import InputError
from koppelcheck.http import validate_base_url
from koppelcheck.i18n import Text

ENVIRONMENT_FIELD = "environment_id"

# The environment number is 5 digits (AFAS OAS "5 digit environment number", quickstart
# "10000 - 99999"); the letter picks the host, the 2-letter suffix never reaches the URL
# (afas-api.md §1).
_NUMBER_RE = re.compile(r"^([0-9]{5})$")  # [0-9], not \d: "١٢٣٤٥" is no environment number
_CODE_RE = re.compile(r"^([OTA])([0-9]{5})([A-Z]{2})$")


class EnvironmentType(StrEnum):
    """Which AFAS host an environment lives on."""

    PRODUCTION = "O"
    TEST = "T"
    ACCEPT = "A"

    @property
    def host_part(self) -> str:
        """The host label after the number: ``rest``, ``resttest`` or ``restaccept``."""
        return {"O": "rest", "T": "resttest", "A": "restaccept"}[self.value]


@dataclass(frozen=True)
class AfasEnvironment:
    """A parsed environment id: the number, its type, and the code as the user gave it."""

    number: str
    kind: EnvironmentType
    code: str

    @property
    def default_base_url(self) -> str:
        """``https://{nr}.rest.afas.online/ProfitRestServices`` (``resttest``/``restaccept``)."""
        return f"https://{self.number}.{self.kind.host_part}.afas.online/ProfitRestServices"

    def base_url(self, override: str | None = None) -> str:
        """The base URL to talk to: ``override`` (``--base-url``, validated) or the real host."""
        if override:
            return validate_base_url(override)
        return self.default_base_url


def parse_environment_id(value: str, field: str = ENVIRONMENT_FIELD) -> AfasEnvironment:
    """Read ``12345`` or ``O12345AA``/``T…``/``A…``; anything else is an :class:`InputError`."""
    text = value.strip().upper()
    if match := _NUMBER_RE.match(text):
        return AfasEnvironment(match.group(1), EnvironmentType.PRODUCTION, text)
    if match := _CODE_RE.match(text):
        return AfasEnvironment(match.group(2), EnvironmentType(match.group(1)), text)
    # Echo short values only: a long one may be a token pasted into the wrong field.
    shown = f": {value.strip()!r}" if len(value.strip()) <= 12 else ""
    raise InputError(
        field, Text("input.afas.environment", shown=shown), Text("input.afas.environment_hint")
    )
