"""The signed registration bundle: payload (``build``), JWS (``sign``), checks (``verify``),
per-token JWE (``encrypt``) and the signing key (``keys``).

Importing this package is cheap: the names below are loaded on first use, so ``koppelcheck
--help`` does not pay for joserfc, cryptography or keyring.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "BundleInfo": "build",
    "BundleRefusedError": "build",
    "RegistrationPayload": "build",
    "build_and_write_bundle": "build",
    "registration_json_schema": "build",
    "SigningKey": "keys",
    "create_signing_key": "keys",
    "find_signing_key": "keys",
    "BundleInvalidError": "verify",
    "BundleUnreadableError": "verify",
    "VerifiedBundle": "verify",
    "verify_bundle": "verify",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Load an exported name from its module on first access (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
