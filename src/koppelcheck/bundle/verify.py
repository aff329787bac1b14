"""Verifying a registration bundle: structure, header, signature, and payload.

A bundle is valid when: it is a flattened JWS with exactly ``protected``, ``payload`` and
``signature``; the protected header has ``alg`` EdDSA (or Ed25519), ``typ``
``koppelcheck-registration+json``, no ``crit``, a public Ed25519 ``jwk`` and ``kid`` equal to that
key's RFC 7638 thumbprint; the signature verifies (with the pinned key when one is given, whose
thumbprint must equal ``kid``); and the payload is RFC 8785 canonical JSON of a valid
``koppelcheck.registration/v1`` document.

Unreadable files and files that are not a bundle raise :class:`BundleUnreadableError` (an
InputError: exit 2); everything else that is wrong raises :class:`BundleInvalidError` (exit 1).
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict, cast

from joserfc import jws as joserfc_jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey
from jsonschema import Draft202012Validator
from pydantic import ValidationError

from koppelcheck.bundle.build import (
    REGISTRATION_SCHEMA,
    RegistrationPayload,
    registration_json_schema,
)
from koppelcheck.bundle.sign import ACCEPTED_ALGORITHMS, BUNDLE_TYPE, canonical_json, quiet_jose
from koppelcheck.errors import BundleInvalidError as BundleInvalidError  # part of this API
from koppelcheck.errors import BundleUnreadableError as BundleUnreadableError  # part of this API
from koppelcheck.errors import InputError
from koppelcheck.i18n import Translator, os_reason, render
from koppelcheck.jsontypes import JSON, JSONObject

MAX_BUNDLE_BYTES = 5_000_000
JWS_MEMBERS = ("protected", "payload", "signature")
PUBLIC_KEY_FIELD = "public_key"

JoseJSON = Any
"""joserfc's JWS JSON TypedDicts, at the edge: joserfc checks the members itself."""


class FlattenedJWS(TypedDict):
    """A bundle file: the flattened JWS JSON (other members are refused by the verifier)."""

    protected: str
    payload: str
    signature: str


@dataclass(frozen=True)
class VerifiedBundle:
    """A bundle whose signature and payload were verified."""

    kid: str
    header: JSONObject
    payload: JSONObject


def b64url_decode(segment: str) -> bytes:
    """Strict base64url decoding without padding (RFC 7515 §2); ValueError when malformed."""
    if any(ch in segment for ch in "+/="):
        raise ValueError("not base64url")
    try:
        return base64.b64decode(
            segment.translate(str.maketrans("-_", "+/")) + "=" * (-len(segment) % 4), validate=True
        )
    except binascii.Error as exc:
        raise ValueError("not base64url") from exc


def read_bundle(path: str | Path, *, lang: str | None = None) -> FlattenedJWS:
    """The flattened JWS JSON object in ``path``; BundleUnreadableError when there is none."""
    t = Translator(lang)
    field = str(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BUNDLE_BYTES + 1)
    except OSError as exc:
        raise BundleUnreadableError(
            field, t("bundle.unreadable", reason=render(os_reason(exc), t))
        ) from None
    if len(data) > MAX_BUNDLE_BYTES:
        raise BundleUnreadableError(field, t("bundle.too_large"))
    try:
        jws = json.loads(data)
    except (ValueError, RecursionError):  # RecursionError: nested too deep to be a bundle
        raise BundleUnreadableError(field, t("bundle.not_json")) from None
    if not isinstance(jws, dict) or not all(isinstance(jws.get(m), str) for m in JWS_MEMBERS):
        raise BundleUnreadableError(field, t("bundle.not_a_bundle"))
    return cast(FlattenedJWS, jws)  # its three members are strings, checked just above


def _jcs_number(text: str) -> int | float:
    """An integer literal as JCS reads it: an IEEE 754 double once past the safe-integer range."""
    value = int(text)
    return value if abs(value) < 2**53 else float(value)


def decode_json_segment(segment: str, what: str, t: Translator) -> JSONObject:
    """A base64url JSON object (header or payload); BundleInvalidError when it is not one.

    Numbers are read as JCS (RFC 8785) does, so the canonical form can be recomputed.
    """
    try:
        value = json.loads(b64url_decode(segment), parse_int=_jcs_number)
    except (ValueError, RecursionError):
        raise BundleInvalidError(t("bundle.invalid.undecodable", part=what)) from None
    if not isinstance(value, dict):
        raise BundleInvalidError(t("bundle.invalid.undecodable", part=what))
    return value


def load_public_key(path: str | Path, *, lang: str | None = None) -> OKPKey:
    """A pinned Ed25519 public key from a JWK file; InputError naming ``--public-key`` when bad."""
    t = Translator(lang)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        raise InputError(PUBLIC_KEY_FIELD, t("bundle.public_key.unreadable", path=path)) from None
    key = _public_ed25519(data)
    if key is None:
        raise InputError(PUBLIC_KEY_FIELD, t("bundle.public_key.not_ed25519", path=path))
    return key


def _public_ed25519(data: JSON) -> OKPKey | None:
    """The joserfc key of a public Ed25519 JWK (no ``d``), or None for anything else."""
    if not isinstance(data, dict) or "d" in data:
        return None
    x = data.get("x")
    if data.get("kty") != "OKP" or data.get("crv") != "Ed25519" or not isinstance(x, str):
        return None
    try:
        return OKPKey.import_key({"kty": "OKP", "crv": "Ed25519", "x": x})
    except (JoseError, ValueError, TypeError):
        return None


def check_header(header: JSONObject, t: Translator) -> OKPKey:
    """The signer's key from a protected header, after checking alg, typ, crit, jwk and kid."""
    if header.get("alg") not in ACCEPTED_ALGORITHMS:
        raise BundleInvalidError(t("bundle.invalid.alg", alg=header.get("alg")))
    if header.get("typ") != BUNDLE_TYPE:
        raise BundleInvalidError(t("bundle.invalid.typ", typ=header.get("typ")))
    if "crit" in header:
        raise BundleInvalidError(t("bundle.invalid.crit"))
    key = _public_ed25519(header.get("jwk"))
    if key is None:
        raise BundleInvalidError(t("bundle.invalid.jwk"))
    if header.get("kid") != key.thumbprint():
        raise BundleInvalidError(t("bundle.invalid.kid"))
    return key


def _check_signature(jws: FlattenedJWS, key: OKPKey, alg: str, t: Translator) -> None:
    """BundleInvalidError unless the signature over protected.payload verifies with ``key``."""
    try:
        with quiet_jose():
            flattened: JoseJSON = {m: jws.get(m) for m in JWS_MEMBERS}
            joserfc_jws.deserialize_json(flattened, key, algorithms=[alg])
    except (JoseError, ValueError, TypeError, KeyError):
        raise BundleInvalidError(t("bundle.invalid.signature")) from None


def check_payload(segment: str, t: Translator) -> JSONObject:
    """The payload object after checking its schema string, canonical form and fields."""
    payload = decode_json_segment(segment, "payload", t)
    if payload.get("schema") != REGISTRATION_SCHEMA:
        raise BundleInvalidError(t("bundle.invalid.schema", schema=payload.get("schema")))
    try:
        canonical = canonical_json(payload)
    except ValueError:  # rfc8785.CanonicalizationError is a ValueError
        canonical = b""
    if canonical != b64url_decode(segment):
        raise BundleInvalidError(t("bundle.invalid.not_canonical"))
    _check_json_schema(payload, t)
    try:
        RegistrationPayload.model_validate(payload)
    except ValidationError as exc:  # name the fields only: the values may be tokens
        fields = ", ".join(".".join(map(str, err["loc"])) for err in exc.errors())
        raise BundleInvalidError(t("bundle.invalid.payload", fields=fields)) from None
    return payload


@functools.cache
def _schema_validator() -> Draft202012Validator:
    """A validator of the published JSON Schema (``docs/schemas/registration.schema.json``,
    generated from the same model; a test keeps the two the same)."""
    return Draft202012Validator(registration_json_schema())


def _check_json_schema(payload: JSONObject, t: Translator) -> None:
    """BundleInvalidError naming every field the published JSON Schema refuses (a date given as
    a number, a count as text or true, failures counted in a bundle); the values are not shown:
    they may be tokens."""
    try:
        errors = list(_schema_validator().iter_errors(payload))
    except RecursionError:
        raise BundleInvalidError(t("bundle.invalid.payload", fields="(nested too deep)")) from None
    if errors:
        fields = sorted({".".join(map(str, e.absolute_path)) or "(payload)" for e in errors})
        raise BundleInvalidError(t("bundle.invalid.payload", fields=", ".join(fields)))


def _check_members(jws: FlattenedJWS, t: Translator) -> None:
    """BundleInvalidError for members beyond protected/payload/signature (e.g. ``header``)."""
    extra = sorted(set(jws) - set(JWS_MEMBERS))
    if extra:
        raise BundleInvalidError(t("bundle.invalid.members", members=", ".join(extra)))


def verify_jws(
    jws: FlattenedJWS, *, pinned_key: OKPKey | None = None, lang: str | None = None
) -> VerifiedBundle:
    """Verify a parsed bundle; BundleInvalidError saying what is wrong."""
    t = Translator(lang)
    _check_members(jws, t)
    header = decode_json_segment(jws["protected"], "protected", t)
    key = check_header(header, t)
    kid = str(header["kid"])  # check_header: the key's thumbprint
    if pinned_key is not None and pinned_key.thumbprint() != kid:
        raise BundleInvalidError(t("bundle.invalid.not_pinned", kid=kid))
    _check_signature(jws, pinned_key or key, str(header["alg"]), t)
    payload = check_payload(jws["payload"], t)
    return VerifiedBundle(kid=kid, header=header, payload=payload)


def verify_bundle(
    path: str | Path, *, public_key_path: str | Path | None = None, lang: str | None = None
) -> VerifiedBundle:
    """Read and verify the bundle in ``path``, pinned to the JWK in ``public_key_path`` if given."""
    jws = read_bundle(path, lang=lang)
    pinned = load_public_key(public_key_path, lang=lang) if public_key_path else None
    return verify_jws(jws, pinned_key=pinned, lang=lang)
