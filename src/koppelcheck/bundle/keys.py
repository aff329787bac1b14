"""The Ed25519 signing key of registration bundles: where it is kept, found and created.

Lookup order: ``KOPPELCHECK_SIGNING_KEY`` (a PKCS#8 PEM, for CI) -> the OS keyring -> a 0600 PEM
file under the user's config directory. A new key goes to the OS keyring when a secure one
exists; ``fail``, ``null`` and plaintext backends (and a chainer made only of those) are
refused, and the key then goes to the PEM file instead (the CLI warns about that).

The keyring is used through :mod:`koppelcheck.oskeyring`, as for tokens: its secure member of a
chainer, and every call with a time limit (a locked Secret Service can block forever).
The private key never leaves this module except as a joserfc key for signing, or as PEM text
handed straight to its store; ``repr``/``str`` of a :class:`SigningKey` show only the thumbprint.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TypeVar, TypeVarTuple

import platformdirs
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from joserfc.jwk import OKPKey

from koppelcheck import oskeyring
from koppelcheck.errors import InputError, MissingSettingError
from koppelcheck.files import atomic_write
from koppelcheck.i18n import Translator

ENV_VAR = "KOPPELCHECK_SIGNING_KEY"
KEYRING_SERVICE = "koppelcheck"
KEYRING_ACCOUNT = "signing-key"
PEM_FILE_NAME = "signing-key.pem"
KEYRING_TIMEOUT_SECONDS = oskeyring.KEYRING_TIMEOUT_SECONDS


class Storage(StrEnum):
    """Where a signing key lives."""

    ENV = "env"
    KEYRING = "keyring"
    FILE = "file"
    MEMORY = "memory"


@dataclass(frozen=True)
class KeyPlace:
    """Where a signing key is kept: the kind of store and a detail (backend, path or variable)."""

    storage: Storage
    detail: str = ""

    @property
    def secure(self) -> bool:
        """False for the plaintext PEM fallback file."""
        return self.storage is not Storage.FILE


KeyringUnavailableError = oskeyring.KeyringUnavailableError
_T = TypeVar("_T")
_Args = TypeVarTuple("_Args")


class SigningKey:
    """An Ed25519 private key with its RFC 7638 thumbprint; never shows the private part."""

    __slots__ = ("_key", "place")

    def __init__(self, jose_key: OKPKey, place: KeyPlace | None = None) -> None:
        self._key = jose_key
        self.place = place or KeyPlace(Storage.MEMORY)

    @classmethod
    def generate(cls) -> SigningKey:
        """A new random Ed25519 key, not yet stored anywhere."""
        return cls(OKPKey.generate_key("Ed25519", private=True))

    @classmethod
    def from_pem(cls, pem: str | bytes, place: KeyPlace) -> SigningKey:
        """Load a PKCS#8 PEM Ed25519 private key; ValueError (without the text) if it is not one."""
        key = _import_private_pem(pem)
        if key is None:
            raise ValueError("not a PKCS#8 PEM Ed25519 private key")
        return cls(key, place)

    @property
    def thumbprint(self) -> str:
        """The RFC 7638 SHA-256 thumbprint of the public key (base64url), used as ``kid``."""
        return str(self._key.thumbprint())

    def public_jwk(self) -> dict[str, str]:
        """The public key as a JWK (``kty``, ``crv``, ``x``): safe to share."""
        public = self._key.as_dict(private=False)
        return {name: str(public[name]) for name in ("kty", "crv", "x")}

    def to_pem(self) -> str:
        """The private key as PKCS#8 PEM text, for its store only. Never print it."""
        pem: bytes = self._key.as_pem(private=True)
        return pem.decode("ascii")

    @property
    def jose_key(self) -> OKPKey:
        """The joserfc key object, for signing."""
        return self._key

    def __repr__(self) -> str:
        return f"SigningKey(kid={self.thumbprint!r}, place={self.place.storage.value!r})"

    __str__ = __repr__


def _import_private_pem(pem: str | bytes) -> OKPKey | None:
    """The joserfc OKP key of an Ed25519 PKCS#8 PEM private key, or None for anything else."""
    data = pem.encode("utf-8") if isinstance(pem, str) else pem
    if b"BEGIN PRIVATE KEY" not in data:  # PKCS#8 only, as the contract says
        return None
    try:
        private = load_pem_private_key(data.strip() + b"\n", password=None)
    except (ValueError, TypeError):
        return None
    if not isinstance(private, Ed25519PrivateKey):
        return None
    return OKPKey.import_key(private)


# --- the keyring -----------------------------------------------------------------------------


backend_label = oskeyring.backend_label
is_secure_backend = oskeyring.is_secure_backend
secure_backend = oskeyring.secure_backend
"""The keyring rules are :mod:`koppelcheck.oskeyring`'s, the same as for tokens."""


def _with_timeout(call: Callable[[*_Args], _T], *args: *_Args) -> _T:
    """Run a keyring call bounded by :data:`KEYRING_TIMEOUT_SECONDS` (see
    :func:`koppelcheck.oskeyring.bounded`); KeyringUnavailableError on error or time-out."""
    return oskeyring.bounded(call, *args, timeout_s=KEYRING_TIMEOUT_SECONDS)


def _read_keyring(lang: str | None = None) -> tuple[str, str] | None:
    """(PEM text, backend label) from a secure keyring, or None (also when it is unusable).

    A keyring that does not answer in time is MissingSettingError (exit 3) naming it and the
    other way to give the key: whether a key is kept there cannot be known, and making a second
    one in the PEM file behind the user's back would be worse.
    """
    backend = secure_backend()
    if backend is None:
        return None
    try:
        pem = _with_timeout(backend.get_password, KEYRING_SERVICE, KEYRING_ACCOUNT)
    except KeyringUnavailableError as exc:
        if not exc.timed_out:
            return None
        t = Translator(lang)
        raise MissingSettingError(
            t("keys.missing.setting"),
            [
                t(
                    "keys.keyring_timeout",
                    backend=backend_label(backend),
                    seconds=f"{KEYRING_TIMEOUT_SECONDS:g}",
                ),
                t("keys.missing.env"),
            ],
        ) from None
    return (pem, backend_label(backend)) if pem else None


# --- the PEM file ----------------------------------------------------------------------------


def pem_path() -> Path:
    """The fallback key file: ``signing-key.pem`` under ``platformdirs.user_config_dir``."""
    return Path(platformdirs.user_config_dir("koppelcheck")) / PEM_FILE_NAME


def _write_pem_file(key: SigningKey) -> KeyPlace:
    """Write the key to the fallback file, mode 0600, in a 0700 folder."""
    path = pem_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    atomic_write(path, key.to_pem(), mode=0o600)
    return KeyPlace(Storage.FILE, str(path))


# --- lookup and creation ---------------------------------------------------------------------


def _load(pem: str | bytes, place: KeyPlace, lang: str | None) -> SigningKey:
    """A SigningKey from PEM text, or InputError naming where the bad key is kept."""
    try:
        return SigningKey.from_pem(pem, place)
    except ValueError:
        t = Translator(lang)
        where = t(f"keys.place.{place.storage.value}", detail=place.detail)
        raise InputError(where, t("keys.error.bad_pem")) from None


def find_signing_key(*, lang: str | None = None) -> SigningKey | None:
    """The signing key from the environment, the keyring or the PEM file; None when there is none.

    A key that is there but unreadable is an InputError (exit 2) naming its place, never its text;
    a keyring that does not answer in time is MissingSettingError (exit 3).
    """
    from_env = os.environ.get(ENV_VAR, "").strip()
    if from_env:
        return _load(from_env, KeyPlace(Storage.ENV, ENV_VAR), lang)
    stored = _read_keyring(lang)
    if stored is not None:
        return _load(stored[0], KeyPlace(Storage.KEYRING, stored[1]), lang)
    path = pem_path()
    if path.is_file():
        return _load(path.read_bytes(), KeyPlace(Storage.FILE, str(path)), lang)
    return None


def store_signing_key(key: SigningKey) -> KeyPlace:
    """Keep ``key`` in a secure keyring, or else in the 0600 PEM file; return where it went."""
    backend = secure_backend()
    if backend is not None:
        try:
            _with_timeout(backend.set_password, KEYRING_SERVICE, KEYRING_ACCOUNT, key.to_pem())
        except KeyringUnavailableError:
            pass
        else:
            return KeyPlace(Storage.KEYRING, backend_label(backend))
    return _write_pem_file(key)


def create_signing_key() -> SigningKey:
    """Generate a new Ed25519 key, store it (keyring or PEM file) and return it with its place."""
    key = SigningKey.generate()
    key.place = store_signing_key(key)
    return key
