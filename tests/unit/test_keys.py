"""The signing key's stores: OS keyring (secure backends only), PEM fallback file, environment."""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null

from koppelcheck.bundle import keys
from koppelcheck.bundle.keys import (
    ENV_VAR,
    KEYRING_ACCOUNT,
    KEYRING_SERVICE,
    SigningKey,
    Storage,
    create_signing_key,
    find_signing_key,
)
from koppelcheck.errors import InputError, MissingSettingError
from tests.conftest import InMemoryKeyring


class PlaintextKeyring(InMemoryKeyring):
    """Stands in for keyrings.alt's base64 file: must be refused."""


class BrokenKeyring(InMemoryKeyring):
    """Every write fails, as a locked keyring does."""

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked("locked")


class HangingKeyring(InMemoryKeyring):
    """Blocks like a Secret Service waiting for an unlock prompt nobody answers."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def get_password(self, service: str, username: str) -> str | None:
        self.release.wait(5)
        return None


def chain_of(*members: KeyringBackend) -> chainer.ChainerBackend:
    """A chainer backend made of exactly ``members`` (highest priority first)."""

    class Chain(chainer.ChainerBackend):
        backends = list(members)  # type: ignore[assignment]

    return Chain()


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private config dir, no signing key in the environment, and the keyring restored after."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv(ENV_VAR, raising=False)
    previous = keyring.get_keyring()
    yield tmp_path / "config" / "koppelcheck" / "signing-key.pem"
    keyring.set_keyring(previous)


def test_secure_keyring_keeps_the_key(isolated: Path) -> None:
    backend = InMemoryKeyring()
    keyring.set_keyring(backend)
    key = create_signing_key()
    assert key.place.storage is Storage.KEYRING and key.place.secure
    assert "InMemoryKeyring" in key.place.detail
    assert "BEGIN PRIVATE KEY" in backend.passwords[(KEYRING_SERVICE, KEYRING_ACCOUNT)]
    assert not isolated.exists()
    found = find_signing_key()
    assert found is not None and found.thumbprint == key.thumbprint


def test_each_in_memory_keyring_is_empty() -> None:
    keyring.set_keyring(InMemoryKeyring())
    assert find_signing_key() is None


@pytest.mark.parametrize(
    "backend", [fail.Keyring(), null.Keyring(), PlaintextKeyring(), BrokenKeyring()]
)
def test_insecure_or_broken_keyring_falls_back_to_a_0600_pem(
    isolated: Path, backend: KeyringBackend
) -> None:
    keyring.set_keyring(backend)
    key = create_signing_key()
    assert key.place.storage is Storage.FILE and not key.place.secure
    assert key.place.detail == str(isolated)
    assert stat.S_IMODE(os.stat(isolated).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(isolated.parent).st_mode) == 0o700
    if isinstance(backend, InMemoryKeyring):
        assert backend.passwords == {}
    found = find_signing_key()
    assert found is not None and found.thumbprint == key.thumbprint


def test_plaintext_backend_is_refused_even_when_it_holds_a_key() -> None:
    backend = PlaintextKeyring()
    backend.set_password(KEYRING_SERVICE, KEYRING_ACCOUNT, SigningKey.generate().to_pem())
    keyring.set_keyring(backend)
    assert find_signing_key() is None


def test_chainer_of_insecure_backends_is_refused(isolated: Path) -> None:
    keyring.set_keyring(chain_of(PlaintextKeyring(), fail.Keyring()))
    assert create_signing_key().place.storage is Storage.FILE


def test_chainer_uses_its_secure_member_not_the_plaintext_one() -> None:
    plaintext, secure = PlaintextKeyring(), InMemoryKeyring()
    keyring.set_keyring(chain_of(plaintext, secure))
    assert create_signing_key().place.storage is Storage.KEYRING
    assert plaintext.passwords == {} and len(secure.passwords) == 1


def test_environment_takes_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    keyring.set_keyring(InMemoryKeyring())
    create_signing_key()
    ci_key = SigningKey.generate()
    monkeypatch.setenv(ENV_VAR, ci_key.to_pem())
    found = find_signing_key()
    assert found is not None and found.thumbprint == ci_key.thumbprint
    assert found.place.storage is Storage.ENV


def rsa_pem() -> str:
    """A PKCS#8 PEM of an RSA key: the right format, the wrong kind of key."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    return private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@pytest.mark.parametrize(
    "value",
    ["-----BEGIN PRIVATE KEY-----\nnonsense\n-----END PRIVATE KEY-----", "hunter2-secret-value"],
)
def test_bad_environment_key_is_an_input_error_without_its_text(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(ENV_VAR, value)
    with pytest.raises(InputError) as caught:
        find_signing_key(lang="en")
    assert ENV_VAR in caught.value.field
    assert value not in str(caught.value) and caught.value.__cause__ is None


def test_rsa_key_in_the_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    pem = rsa_pem()
    monkeypatch.setenv(ENV_VAR, pem)
    with pytest.raises(InputError) as caught:
        find_signing_key()
    assert pem not in str(caught.value)


def test_corrupt_pem_file_names_the_file(isolated: Path) -> None:
    keyring.set_keyring(fail.Keyring())
    isolated.parent.mkdir(parents=True)
    isolated.write_text("garbage")
    with pytest.raises(InputError) as caught:
        find_signing_key(lang="en")
    assert str(isolated) in caught.value.field


def test_a_hanging_keyring_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    backend = HangingKeyring()
    keyring.set_keyring(backend)
    monkeypatch.setattr(keys, "KEYRING_TIMEOUT_SECONDS", 0.05)
    try:
        with pytest.raises(MissingSettingError) as caught:
            find_signing_key(lang="en")
    finally:
        backend.release.set()
    ways = " ".join(caught.value.ways)
    assert "did not answer within 0.05 s" in ways and "HangingKeyring" in ways
    assert "KOPPELCHECK_SIGNING_KEY" in ways


def test_signing_key_never_shows_its_private_part() -> None:
    key = SigningKey.generate()
    private_d = key.jose_key.as_dict(private=True)["d"]
    for text in (repr(key), str(key), f"{key}", str(key.public_jwk())):
        assert private_d not in text and "PRIVATE" not in text
    assert key.thumbprint in repr(key)


def test_pem_round_trip() -> None:
    key = SigningKey.generate()
    again = SigningKey.from_pem(key.to_pem(), key.place)
    assert again.thumbprint == key.thumbprint
