"""The Nmbrs section of the registration bundle's ``tokens``."""

from __future__ import annotations

from pydantic import Field

from koppelcheck.bundle.tokens import TOKEN_DESCRIPTION, TokenSection


class NmbrsTokens(TokenSection):
    """What a.s.r. needs to connect to Nmbrs."""

    username: str = Field(description="The Nmbrs user name (e-mail) the token belongs to.")
    domain: str = Field(description="The Nmbrs domain, e.g. `acme` for acme.nmbrs.nl.")
    token: str = Field(description=TOKEN_DESCRIPTION)
