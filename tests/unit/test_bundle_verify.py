"""Signing and verifying bundles, cross-checked with jwcrypto (an independent JOSE library)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
import rfc8785
from jwcrypto import jwk as cjwk
from jwcrypto import jws as cjws

from koppelcheck.bundle.build import build_and_write_bundle
from koppelcheck.bundle.keys import SigningKey
from koppelcheck.bundle.sign import BUNDLE_TYPE, sign_payload
from koppelcheck.bundle.verify import (
    BundleInvalidError,
    BundleUnreadableError,
    verify_bundle,
)
from koppelcheck.errors import InputError
from tests.unit.test_bundle_build import make_report

TOKEN = "NMBRS-TOKEN-0123456789abcdef"


def b64(data: bytes) -> str:
    """base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(segment: str) -> bytes:
    """Decode base64url without padding."""
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


@pytest.fixture
def key() -> SigningKey:
    """A fresh signing key."""
    return SigningKey.generate()


@pytest.fixture
def bundle(tmp_path: Path, key: SigningKey) -> Path:
    """A valid bundle signed by ``key``."""
    target = tmp_path / "bundle.json"
    build_and_write_bundle(
        target,
        report=make_report(),
        form={"organisation": "Bakkerij"},
        tokens={"username": "u@x.nl", "domain": "acme", "token": TOKEN},
        recipient_key_path=None,
        signing_key=key,
    )
    return target


def jwcrypto_verify(text: str, public: dict[str, str]) -> bytes:
    """Verify with jwcrypto; raises when invalid."""
    token = cjws.JWS()
    token.deserialize(text)
    token.verify(cjwk.JWK(**public))
    return token.payload  # type: ignore[no-any-return]


def write_jws(path: Path, jws: dict[str, str]) -> Path:
    """Write a (possibly tampered) JWS."""
    path.write_text(json.dumps(jws))
    return path


def test_verifies_with_koppelcheck_and_jwcrypto(bundle: Path, key: SigningKey) -> None:
    verified = verify_bundle(bundle)
    assert verified.kid == key.thumbprint
    payload = jwcrypto_verify(bundle.read_text(), key.public_jwk())
    assert json.loads(payload) == verified.payload


def test_protected_header(bundle: Path, key: SigningKey) -> None:
    header = json.loads(unb64(json.loads(bundle.read_text())["protected"]))
    assert header == {
        "alg": "EdDSA",
        "typ": BUNDLE_TYPE,
        "kid": key.thumbprint,
        "jwk": key.public_jwk(),
    }
    assert set(json.loads(bundle.read_text())) == {"protected", "payload", "signature"}


def test_kid_is_the_rfc7638_thumbprint(key: SigningKey) -> None:
    assert cjwk.JWK(**key.public_jwk()).thumbprint() == key.thumbprint


def test_pinned_key_accepted(bundle: Path, key: SigningKey, tmp_path: Path) -> None:
    pinned = tmp_path / "pub.jwk"
    pinned.write_text(json.dumps(key.public_jwk()))
    assert verify_bundle(bundle, public_key_path=pinned).kid == key.thumbprint


def flip(segment: str) -> str:
    """Change one character in the middle of a base64url segment."""
    middle = len(segment) // 2
    return segment[:middle] + ("A" if segment[middle] != "A" else "B") + segment[middle + 1 :]


@pytest.mark.parametrize("part", ["protected", "payload", "signature"])
def test_each_tampered_part_is_refused_by_both(
    bundle: Path, key: SigningKey, tmp_path: Path, part: str
) -> None:
    jws = json.loads(bundle.read_text())
    jws[part] = flip(jws[part])
    tampered = write_jws(tmp_path / "t.json", jws)
    with pytest.raises(BundleInvalidError):
        verify_bundle(tampered)
    with pytest.raises(Exception):  # noqa: B017 - jwcrypto raises several kinds
        jwcrypto_verify(tampered.read_text(), key.public_jwk())


def test_edited_payload_is_refused_by_both(bundle: Path, key: SigningKey, tmp_path: Path) -> None:
    jws = json.loads(bundle.read_text())
    payload = json.loads(unb64(jws["payload"]))
    payload["tokens"]["nmbrs"]["domain"] = "evil"
    jws["payload"] = b64(rfc8785.dumps(payload))
    tampered = write_jws(tmp_path / "t.json", jws)
    with pytest.raises(BundleInvalidError):
        verify_bundle(tampered)
    with pytest.raises(cjws.InvalidJWSSignature):
        jwcrypto_verify(tampered.read_text(), key.public_jwk())


def test_resigned_by_another_key_is_refused_when_pinned(
    bundle: Path, key: SigningKey, tmp_path: Path
) -> None:
    attacker = SigningKey.generate()
    payload = unb64(json.loads(bundle.read_text())["payload"])
    forged = write_jws(tmp_path / "forged.json", sign_payload(payload, attacker))
    assert verify_bundle(forged).kid == attacker.thumbprint  # valid on its own...
    pinned = tmp_path / "pub.jwk"
    pinned.write_text(json.dumps(key.public_jwk()))
    with pytest.raises(BundleInvalidError, match=attacker.thumbprint):
        verify_bundle(forged, public_key_path=pinned)  # ...but not the pinned signer
    with pytest.raises(cjws.InvalidJWSSignature):
        jwcrypto_verify(forged.read_text(), key.public_jwk())


def test_kid_must_match_the_embedded_jwk(bundle: Path, tmp_path: Path) -> None:
    other = SigningKey.generate()
    jws = json.loads(bundle.read_text())
    with pytest.raises(BundleInvalidError, match="kid"):
        verify_bundle(
            write_jws(tmp_path / "t.json", with_header(jws, kid=other.thumbprint)), lang="en"
        )


def with_header(jws: dict[str, str], **header_changes: object) -> dict[str, str]:
    """``jws`` with its protected header changed (the header rules are checked before the
    signature, so the stale signature does not matter here)."""
    header = {**json.loads(unb64(jws["protected"])), **header_changes}
    return {**jws, "protected": b64(json.dumps(header).encode())}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"typ": "JWT"}, "typ"),
        ({"alg": "none"}, "algorithm"),
        ({"crit": ["b64"], "b64": False}, "crit"),
        ({"jwk": {"kty": "oct", "k": "AA"}}, "jwk"),
    ],
)
def test_header_rules(bundle: Path, tmp_path: Path, change: dict, reason: str) -> None:
    jws = with_header(json.loads(bundle.read_text()), **change)
    with pytest.raises(BundleInvalidError, match=reason):
        verify_bundle(write_jws(tmp_path / "t.json", jws), lang="en")


def test_payload_schema_string_is_checked(bundle: Path, key: SigningKey, tmp_path: Path) -> None:
    payload = json.loads(unb64(json.loads(bundle.read_text())["payload"]))
    payload["schema"] = "koppelcheck.registration/v2"
    jws = sign_payload(rfc8785.dumps(payload), key)
    with pytest.raises(BundleInvalidError, match="schema"):
        verify_bundle(write_jws(tmp_path / "t.json", jws), lang="en")


def test_non_canonical_payload_is_refused(bundle: Path, key: SigningKey, tmp_path: Path) -> None:
    payload = json.loads(unb64(json.loads(bundle.read_text())["payload"]))
    jws = sign_payload(json.dumps(payload, indent=1).encode(), key)
    with pytest.raises(BundleInvalidError, match="canonical"):
        verify_bundle(write_jws(tmp_path / "t.json", jws), lang="en")


def test_unprotected_header_member_is_refused(bundle: Path, tmp_path: Path) -> None:
    jws = {**json.loads(bundle.read_text()), "header": {"kid": "x"}}
    with pytest.raises(BundleInvalidError, match="header"):
        verify_bundle(write_jws(tmp_path / "t.json", jws), lang="en")


@pytest.mark.parametrize(
    "content", [None, b"not json", b"[1, 2]", b'{"payload": "x"}', b"\xff\xfe"]
)
def test_unreadable_or_not_a_bundle(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "b.json"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(BundleUnreadableError):
        verify_bundle(path)


@pytest.mark.parametrize(
    "jwk_text",
    ["not json", '{"kty": "OKP", "crv": "X25519", "x": "AA"}', '{"kty": "OKP", "crv": "Ed25519"}'],
)
def test_bad_pinned_key_file_names_the_field(bundle: Path, tmp_path: Path, jwk_text: str) -> None:
    pinned = tmp_path / "pub.jwk"
    pinned.write_text(jwk_text)
    with pytest.raises(InputError) as caught:
        verify_bundle(bundle, public_key_path=pinned)
    assert caught.value.field == "public_key"


def test_private_pinned_key_is_refused(bundle: Path, key: SigningKey, tmp_path: Path) -> None:
    pinned = tmp_path / "priv.jwk"
    pinned.write_text(json.dumps(key.jose_key.as_dict(private=True)))
    with pytest.raises(InputError):
        verify_bundle(bundle, public_key_path=pinned)
