"""What every system's token section of the bundle shares: its base model and wording.

A system's own section (:meth:`koppelcheck.systems.interface.System.token_model`) lives in its
package and derives from :class:`TokenSection`; :mod:`koppelcheck.bundle.build` gathers the
registered systems' sections into the payload's ``tokens``. Nothing here loads the bundle's
crypto libraries.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

TOKEN_DESCRIPTION = (
    "The token in plain text, or - when the bundle was written with --recipient-key - a compact "
    "JWE (ECDH-ES+A256KW, A256GCM) to the recipient's X25519 key."
)
"""How a bundle holds a secret: the description of every secret field of a token section."""


class TokenSection(BaseModel):
    """One system's credentials in the bundle: frozen, and unknown fields are refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")
