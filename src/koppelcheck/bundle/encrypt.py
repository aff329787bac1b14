"""Per-token encryption to a recipient (compact JWE, ECDH-ES+A256KW / A256GCM, X25519), and the
masked view of a payload that ``bundle show`` prints.

Each token string in the payload is replaced by a compact JWE whose protected header also names
the recipient key (``kid`` = its RFC 7638 thumbprint). The JWE strings sit inside the signed
payload, so the signature covers them and the recipient binding.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from pathlib import Path
from typing import overload

from joserfc import jwe
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from koppelcheck.errors import InputError
from koppelcheck.i18n import Translator
from koppelcheck.jsontypes import JSON, JSONObject
from koppelcheck.secret import Secret, mask

KEY_ALGORITHM = "ECDH-ES+A256KW"
CONTENT_ENCRYPTION = "A256GCM"
RECIPIENT_FIELD = "recipient_key"
_SECRET_KEYS = ("token", "password", "secret")


def load_recipient_key(path: Path, *, lang: str | None = None) -> OKPKey:
    """The recipient's X25519 public key from a JWK file; InputError naming the field when bad."""
    t = Translator(lang)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        raise InputError(RECIPIENT_FIELD, t("bundle.recipient.unreadable", path=path)) from None
    if not isinstance(data, dict) or data.get("kty") != "OKP" or data.get("crv") != "X25519":
        raise InputError(RECIPIENT_FIELD, t("bundle.recipient.not_x25519", path=path))
    if "d" in data:
        raise InputError(RECIPIENT_FIELD, t("bundle.recipient.private", path=path))
    return _import_public_okp(data, t)


def _import_public_okp(data: JSONObject, t: Translator) -> OKPKey:
    """Import ``kty``/``crv``/``x`` of a public OKP JWK with joserfc."""
    public = {name: data.get(name) for name in ("kty", "crv", "x")}
    try:
        return OKPKey.import_key({k: v for k, v in public.items() if isinstance(v, str)})
    except (KeyError, ValueError, TypeError, JoseError):
        raise InputError(RECIPIENT_FIELD, t("bundle.recipient.not_x25519", path="")) from None


def encrypt_token(token: str, recipient: OKPKey) -> str:
    """``token`` as a compact JWE that only the holder of ``recipient``'s private key can open."""
    header = {"alg": KEY_ALGORITHM, "enc": CONTENT_ENCRYPTION, "kid": recipient.thumbprint()}
    return jwe.encrypt_compact(
        header, token.encode("utf-8"), recipient, algorithms=[KEY_ALGORITHM, CONTENT_ENCRYPTION]
    )


def jwe_header(value: str) -> JSONObject | None:
    """The protected header of a compact JWE string, or None when ``value`` is not one."""
    parts = value.split(".")
    if len(parts) != 5:
        return None
    try:
        padded = parts[0] + "=" * (-len(parts[0]) % 4)
        header = json.loads(base64.urlsafe_b64decode(padded))
    except ValueError:
        return None
    return header if isinstance(header, dict) and "enc" in header else None


def describe_secret(value: JSON) -> str:
    """What ``bundle show`` prints in place of a secret: the JWE's algorithms, or a mask."""
    header = jwe_header(value) if isinstance(value, str) else None
    if header is None:
        return mask(str(value))
    kid = header.get("kid", "?")
    return f"encrypted (JWE {header.get('alg')}/{header.get('enc')}, kid {kid})"


def is_secret_key(name: str) -> bool:
    """Whether a payload field holds a secret (``token``, ``*_token``, passwords, secrets)."""
    lowered = name.lower()
    return any(lowered == key or lowered.endswith("_" + key) for key in _SECRET_KEYS)


def _seal(text: str, recipient: OKPKey | None) -> str:
    """``text`` as a JWE to ``recipient``, or unchanged when there is no recipient."""
    return encrypt_token(text, recipient) if recipient is not None else text


def seal_secrets(value: Mapping[str, object], recipient: OKPKey | None = None) -> dict[str, object]:
    """JSON data from ``value`` with every secret (a :class:`Secret`, or a string under a secret
    key such as ``token`` or ``data_token``) revealed, or encrypted when there is a recipient."""
    return {
        key: _seal(item, recipient)
        if is_secret_key(str(key)) and isinstance(item, str)
        else _sealed(item, recipient)
        for key, item in value.items()
    }


def _sealed(value: object, recipient: OKPKey | None) -> object:
    if isinstance(value, Secret):
        return _seal(value.reveal(), recipient)
    if isinstance(value, Mapping):
        return seal_secrets(value, recipient)
    if isinstance(value, list | tuple):
        return [_sealed(item, recipient) for item in value]
    return value


@overload
def masked_view(value: JSONObject) -> JSONObject: ...
@overload
def masked_view(value: JSON) -> JSON: ...


def masked_view(value: JSON) -> JSON:
    """A copy of a payload with every secret masked and every JWE described, at any depth."""
    if isinstance(value, dict):
        return {
            key: describe_secret(item) if is_secret_key(key) else masked_view(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [masked_view(item) for item in value]
    if isinstance(value, str) and jwe_header(value) is not None:
        return describe_secret(value)
    return value
