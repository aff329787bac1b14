"""JWS signing of the bundle: RFC 8785 canonical payload, flattened JSON serialization, EdDSA.

The protected header carries ``alg`` = ``EdDSA`` (RFC 8037; widest verifier support today),
``typ`` = ``koppelcheck-registration+json``, ``kid`` = the RFC 7638 thumbprint of the signer's
public JWK, and that ``jwk`` itself.
"""

from __future__ import annotations

import contextlib
import json
import warnings
from collections.abc import Iterator

import rfc8785
from joserfc import jws
from joserfc.errors import SecurityWarning

from koppelcheck.bundle.keys import SigningKey
from koppelcheck.jsontypes import JSON

ALGORITHM = "EdDSA"
ACCEPTED_ALGORITHMS = ("EdDSA", "Ed25519")
BUNDLE_TYPE = "koppelcheck-registration+json"


@contextlib.contextmanager
def quiet_jose() -> Iterator[None]:
    """Silence joserfc's SecurityWarning about ``EdDSA`` (RFC 9864) so stderr stays clean.

    We use ``EdDSA`` on purpose: many verifiers do not accept the newer ``Ed25519`` name yet.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecurityWarning)
        yield


def canonical_json(value: JSON) -> bytes:
    """The RFC 8785 (JCS) canonical JSON bytes of ``value``."""
    return rfc8785.dumps(value)


def protected_header(key: SigningKey) -> dict[str, str | dict[str, str]]:
    """The protected header for a bundle signed by ``key``."""
    return {"alg": ALGORITHM, "typ": BUNDLE_TYPE, "kid": key.thumbprint, "jwk": key.public_jwk()}


def sign_payload(payload: bytes, key: SigningKey) -> dict[str, str]:
    """The flattened JWS JSON (``protected``, ``payload``, ``signature``) of ``payload``."""
    with quiet_jose():
        signed = jws.serialize_json(
            {"protected": protected_header(key)}, payload, key.jose_key, algorithms=[ALGORITHM]
        )
    return {name: signed[name] for name in ("protected", "payload", "signature")}


def serialize_bundle(jws_json: dict[str, str]) -> str:
    """The bundle file's text: the flattened JWS as pretty JSON with a final newline."""
    return json.dumps(jws_json, indent=2) + "\n"
