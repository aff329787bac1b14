"""Tokens encrypted to a recipient key (compact JWE), opened with jwcrypto, and masking."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from jwcrypto import jwe as cjwe
from jwcrypto import jwk as cjwk

from koppelcheck.bundle.build import build_and_write_bundle
from koppelcheck.bundle.encrypt import describe_secret, jwe_header, masked_view
from koppelcheck.bundle.keys import SigningKey
from koppelcheck.bundle.verify import verify_bundle
from koppelcheck.errors import InputError
from koppelcheck.models import Report
from koppelcheck.secret import Secret
from tests.unit.test_bundle_build import make_report

TOKEN = "AFAS-DATA-TOKEN-abcdef0123456789abcdef0123456789"


def afas_report() -> Report:
    """A passing AFAS report."""
    return make_report(system="afas")


@pytest.fixture
def recipient(tmp_path: Path) -> tuple[cjwk.JWK, Path]:
    """An X25519 key pair made by jwcrypto, and its public JWK in a file."""
    private = cjwk.JWK.generate(kty="OKP", crv="X25519")
    path = tmp_path / "recipient.jwk"
    path.write_text(private.export_public())
    return private, path


def write_bundle(tmp_path: Path, recipient_path: Path | None) -> Path:
    """An AFAS bundle, encrypted to ``recipient_path`` when given."""
    target = tmp_path / "bundle.json"
    build_and_write_bundle(
        target,
        report=afas_report(),
        form={},
        tokens={"environment_id": "O12345AA", "token_version": 1, "token": Secret(TOKEN)},
        recipient_key_path=recipient_path,
        signing_key=SigningKey.generate(),
    )
    return target


def token_field(bundle: Path) -> str:
    """The token as it stands in the payload."""
    segment = json.loads(bundle.read_text())["payload"]
    payload = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    return str(payload["tokens"]["afas"]["token"])


def test_token_is_a_jwe_the_recipient_opens_with_jwcrypto(
    tmp_path: Path, recipient: tuple[cjwk.JWK, Path]
) -> None:
    private, path = recipient
    bundle = write_bundle(tmp_path, path)
    field = token_field(bundle)
    assert TOKEN not in bundle.read_text()
    header = jwe_header(field)
    assert header is not None
    assert (header["alg"], header["enc"]) == ("ECDH-ES+A256KW", "A256GCM")
    assert header["kid"] == private.thumbprint()
    opened = cjwe.JWE()
    opened.deserialize(field, key=private)
    assert opened.payload.decode() == TOKEN
    verify_bundle(bundle)  # the encrypted bundle is still a valid bundle


def test_another_key_cannot_open_it(tmp_path: Path, recipient: tuple[cjwk.JWK, Path]) -> None:
    field = token_field(write_bundle(tmp_path, recipient[1]))
    stranger = cjwk.JWK.generate(kty="OKP", crv="X25519")
    with pytest.raises(cjwe.InvalidJWEData):
        cjwe.JWE().deserialize(field, key=stranger)


def test_without_recipient_the_token_is_plain(tmp_path: Path) -> None:
    assert token_field(write_bundle(tmp_path, None)) == TOKEN


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        '{"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}',
        '{"kty": "EC", "crv": "P-256"}',
        '{"kty": "OKP", "crv": "X25519", "x": "!!"}',
        "[]",
    ],
)
def test_bad_recipient_key_names_the_field(tmp_path: Path, content: str) -> None:
    path = tmp_path / "r.jwk"
    path.write_text(content)
    with pytest.raises(InputError) as caught:
        write_bundle(tmp_path, path)
    assert caught.value.field == "recipient_key"
    assert not (tmp_path / "bundle.json").exists()


def test_missing_recipient_file_names_the_field(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        write_bundle(tmp_path, tmp_path / "absent.jwk")
    assert caught.value.field == "recipient_key"


def test_private_recipient_key_is_refused(tmp_path: Path, recipient: tuple[cjwk.JWK, Path]) -> None:
    path = tmp_path / "private.jwk"
    path.write_text(recipient[0].export_private())
    with pytest.raises(InputError, match="^recipient_key: "):
        write_bundle(tmp_path, path)


def test_masked_view_masks_plain_and_describes_jwe(
    tmp_path: Path, recipient: tuple[cjwk.JWK, Path]
) -> None:
    jwe = token_field(write_bundle(tmp_path, recipient[1]))
    view = masked_view(
        {
            "tokens": {"nmbrs": {"token": TOKEN, "username": "u"}},
            "form": {"api_token": TOKEN},
            "list": [jwe],
            "token_version": 1,
        }
    )
    text = json.dumps(view)
    assert TOKEN not in text and jwe not in text
    assert view["tokens"]["nmbrs"]["token"] == "••••" + TOKEN[-4:]
    assert view["tokens"]["nmbrs"]["username"] == "u" and view["token_version"] == 1
    assert view["list"][0].startswith("encrypted (JWE ECDH-ES+A256KW/A256GCM")


def test_describe_secret_of_short_values_shows_nothing() -> None:
    assert describe_secret("abc") == "••••"
    assert jwe_header("a.b.c.d.e") is None


def write_with_form(tmp_path: Path, form: object, recipient_path: Path | None) -> Path:
    """An AFAS bundle whose form holds a secret too."""
    target = tmp_path / "bundle.json"
    build_and_write_bundle(
        target,
        report=afas_report(),
        form=form,  # type: ignore[arg-type]
        tokens={"environment_id": "O12345AA", "token_version": 1, "token": Secret(TOKEN)},
        recipient_key_path=recipient_path,
        signing_key=SigningKey.generate(),
    )
    return target


def form_section(bundle: Path) -> dict[str, object]:
    """The payload's form."""
    segment = json.loads(bundle.read_text())["payload"]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))["form"]


def test_secrets_in_the_form_are_encrypted_too(
    tmp_path: Path, recipient: tuple[cjwk.JWK, Path]
) -> None:
    form = {"organisation": "X", "afas": {"data_token": Secret(TOKEN), "employer_codes": ["01"]}}
    bundle = write_with_form(tmp_path, form, recipient[1])
    assert TOKEN not in bundle.read_text()
    sealed = form_section(bundle)["afas"]["data_token"]  # type: ignore[index]
    opened = cjwe.JWE()
    opened.deserialize(sealed, key=recipient[0])
    assert opened.payload.decode() == TOKEN
    plain = {"organisation": "X", "api_token": TOKEN}  # a str under a secret key
    assert TOKEN not in write_with_form(tmp_path, plain, recipient[1]).read_text()


def test_secrets_in_the_form_are_revealed_without_recipient(tmp_path: Path) -> None:
    from pydantic import BaseModel, ConfigDict

    class FormModel(BaseModel):
        model_config = ConfigDict(arbitrary_types_allowed=True)
        organisation: str
        data_token: Secret

    form = FormModel(organisation="X", data_token=Secret(TOKEN))
    section = form_section(write_with_form(tmp_path, form, None))
    assert section == {"organisation": "X", "data_token": TOKEN}
