"""The signed registration bundle: payload (``build``), JWS (``sign``), checks (``verify``),
per-token JWE (``encrypt``) and the signing key (``keys``).

Importing this package is cheap: the names below are loaded on first use, so ``koppelcheck
--help`` does not pay for joserfc, cryptography or keyring.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # what mypy sees; at run time __getattr__ loads each name on first use
    from koppelcheck.bundle.build import (
        BundleInfo,
        BundleRefusedError,
        RegistrationPayload,
        build_and_write_bundle,
        registration_json_schema,
    )
    from koppelcheck.bundle.keys import SigningKey, create_signing_key, find_signing_key
    from koppelcheck.bundle.verify import (
        BundleInvalidError,
        BundleUnreadableError,
        VerifiedBundle,
        verify_bundle,
    )

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

__all__ = [  # the keys of _EXPORTS, written out for type checkers (tests/unit/test_imports.py)
    "BundleInfo",
    "BundleInvalidError",
    "BundleRefusedError",
    "BundleUnreadableError",
    "RegistrationPayload",
    "SigningKey",
    "VerifiedBundle",
    "build_and_write_bundle",
    "create_signing_key",
    "find_signing_key",
    "registration_json_schema",
    "verify_bundle",
]


def __getattr__(name: str) -> object:
    """Load an exported name from its module on first access (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
