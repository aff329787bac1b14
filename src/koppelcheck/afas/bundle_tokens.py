"""The AFAS section of the registration bundle's ``tokens``."""

from __future__ import annotations

from pydantic import Field, model_validator

from koppelcheck.bundle.tokens import TOKEN_DESCRIPTION, TokenSection


class AfasTokens(TokenSection):
    """What a.s.r. needs to connect to AFAS Profit: a classic token, OAuth client credentials, or
    both (hybrid). AFAS stops classic tokens after 2027-08-31 (koppelcheck.afas.facts)."""

    environment_id: str = Field(description="The AFAS environment, e.g. `O12345AA`.")
    token_version: int | None = Field(
        default=None, ge=1, description="The AFAS token version (usually 1); with `token`."
    )
    token: str | None = Field(default=None, description=TOKEN_DESCRIPTION)
    client_id: str | None = Field(
        default=None,
        description="The OAuth client id of the App Connector (authentication type Hybrid or "
        "OAuth), verified by the check `afas.oauth`; with `client_secret`.",
    )
    client_secret: str | None = Field(
        default=None,
        description="The OAuth client secret in plain text, or - when the bundle was written "
        "with --recipient-key - a compact JWE (ECDH-ES+A256KW, A256GCM) to the recipient's "
        "X25519 key.",
    )

    @model_validator(mode="after")
    def _a_credential(self) -> AfasTokens:
        """A token with its version, a client id with its secret, or both."""
        if (self.token is None) != (self.token_version is None):
            raise ValueError("token and token_version go together")
        if (self.client_id is None) != (self.client_secret is None):
            raise ValueError("client_id and client_secret go together")
        if self.token is None and self.client_secret is None:
            raise ValueError("a token or client credentials")
        return self
