"""``koppelcheck keys ...`` and ``koppelcheck bundle ...`` through Typer's CliRunner."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import keyring
import pytest
import typer
from jwcrypto import jwk as cjwk
from keyring.backends import fail
from typer.testing import CliRunner, Result

from koppelcheck.bundle.build import build_and_write_bundle
from koppelcheck.bundle.keys import ENV_VAR, SigningKey
from koppelcheck.cli import keys as cli_keys
from koppelcheck.cli.bundle import announce_bundle, bundle_app
from koppelcheck.cli.keys import keys_app, load_signing_key
from koppelcheck.errors import MissingSettingError
from koppelcheck.secret import Secret
from tests.conftest import InMemoryKeyring
from tests.unit.test_bundle_build import make_report

TOKEN = "NMBRS-TOKEN-0123456789abcdefSECRET"


@pytest.fixture(autouse=True)
def isolated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, memory_keyring: InMemoryKeyring
) -> InMemoryKeyring:
    """A private config dir and an in-memory keyring (restored after by ``memory_keyring``)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return memory_keyring


@pytest.fixture
def app() -> typer.Typer:
    """A tiny app with the two command groups, as cli/app.py will register them."""
    root = typer.Typer()
    root.add_typer(keys_app, name="keys")
    root.add_typer(bundle_app, name="bundle")
    return root


def run(app: typer.Typer, *args: str) -> Result:
    """Invoke the app, and check that neither stdout nor stderr holds a token or private key.

    Every keys/bundle invocation in this module goes through here, so each one is checked.
    """
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    for stream in (result.stdout, result.stderr):
        assert TOKEN not in stream
        assert "PRIVATE KEY" not in stream
    return result


def write_bundle(tmp_path: Path, key: SigningKey, recipient: Path | None = None) -> Path:
    """A bundle with TOKEN in it (plain, or encrypted to ``recipient``)."""
    target = tmp_path / "bundle.json"
    build_and_write_bundle(
        target,
        report=make_report(),
        form={"organisation": "Bakkerij"},
        tokens={"username": "u@x.nl", "domain": "acme", "token": Secret(TOKEN)},
        recipient_key_path=recipient,
        signing_key=key,
    )
    return target


def public_jwk_file(tmp_path: Path, key: SigningKey, name: str = "pub.jwk") -> Path:
    """``key``'s public JWK in a file."""
    path = tmp_path / name
    path.write_text(json.dumps(key.public_jwk()))
    return path


# --- keys ------------------------------------------------------------------------------------


def test_keys_init_show_export(app: typer.Typer, tmp_path: Path, isolated: InMemoryKeyring) -> None:
    created = run(app, "keys", "init")
    assert created.exit_code == 0, created.stderr
    assert len(isolated.passwords) == 1
    kid = load_signing_key(allow_prompt=False).thumbprint
    assert kid in created.stderr
    shown = run(app, "keys", "show", "--lang", "en")
    assert shown.exit_code == 0 and kid in shown.stdout and "keyring" in shown.stdout
    exported = run(app, "keys", "export")
    jwk = json.loads(exported.stdout)
    assert jwk["kid"] == kid and "d" not in jwk
    assert cjwk.JWK(**jwk).thumbprint() == kid
    out = tmp_path / "pub.jwk"
    assert run(app, "keys", "export", "--output", str(out)).exit_code == 0
    assert json.loads(out.read_text()) == jwk


def test_keys_init_keeps_an_existing_key_unless_forced(app: typer.Typer) -> None:
    run(app, "keys", "init")
    first = load_signing_key(allow_prompt=False).thumbprint
    again = run(app, "keys", "init", "--lang", "en")
    assert again.exit_code == 0 and "--force" in again.stderr and first in again.stderr
    assert load_signing_key(allow_prompt=False).thumbprint == first
    assert run(app, "keys", "init", "--force").exit_code == 0
    assert load_signing_key(allow_prompt=False).thumbprint != first


def test_keys_init_without_secure_keyring_warns_about_the_pem_file(
    app: typer.Typer, tmp_path: Path
) -> None:
    keyring.set_keyring(fail.Keyring())
    result = run(app, "keys", "init", "--lang", "en")
    assert result.exit_code == 0
    assert "Warning" in result.stderr and "signing-key.pem" in result.stderr


@pytest.mark.parametrize("command", ["show", "export"])
def test_no_key_exits_3_saying_how(app: typer.Typer, command: str) -> None:
    result = run(app, "keys", command, "--lang", "en")
    assert result.exit_code == 3
    assert "koppelcheck keys init" in result.stderr and ENV_VAR in result.stderr


def test_load_signing_key_without_prompt_raises_missing_setting() -> None:
    with pytest.raises(MissingSettingError) as caught:
        load_signing_key(allow_prompt=False, lang="en")
    assert any("keys init" in way for way in caught.value.ways)
    assert any(ENV_VAR in way for way in caught.value.ways)


def test_load_signing_key_offers_to_create_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_keys.typer, "confirm", lambda *a, **k: True)
    key = load_signing_key(allow_prompt=True)
    assert load_signing_key(allow_prompt=False).thumbprint == key.thumbprint


def test_load_signing_key_declined_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_keys.typer, "confirm", lambda *a, **k: False)
    with pytest.raises(MissingSettingError):
        load_signing_key(allow_prompt=True)


def test_env_key_is_used_and_never_printed(
    app: typer.Typer, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = SigningKey.generate()
    monkeypatch.setenv(ENV_VAR, key.to_pem())
    shown = run(app, "keys", "show")
    assert shown.exit_code == 0 and key.thumbprint in shown.stdout and ENV_VAR in shown.stdout
    pem_body = key.to_pem().splitlines()[1]
    assert pem_body not in shown.stdout + shown.stderr
    init = run(app, "keys", "init", "--force", "--lang", "en")
    assert ENV_VAR in init.stderr and pem_body not in init.stdout + init.stderr


def test_bad_env_key_exits_2(app: typer.Typer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----")
    result = run(app, "keys", "show")
    assert result.exit_code == 2 and "AAAA" not in result.stderr


# --- bundle ----------------------------------------------------------------------------------


def test_verify_valid_and_pinned(app: typer.Typer, tmp_path: Path) -> None:
    key = SigningKey.generate()
    bundle = write_bundle(tmp_path, key)
    result = run(app, "bundle", "verify", str(bundle))
    assert result.exit_code == 0 and key.thumbprint in result.stdout
    pinned = run(
        app, "bundle", "verify", str(bundle), "--public-key", str(public_jwk_file(tmp_path, key))
    )
    assert pinned.exit_code == 0


def test_verify_wrong_pinned_key_exits_1(app: typer.Typer, tmp_path: Path) -> None:
    bundle = write_bundle(tmp_path, SigningKey.generate())
    other = public_jwk_file(tmp_path, SigningKey.generate())
    result = run(app, "bundle", "verify", str(bundle), "--public-key", str(other), "--lang", "en")
    assert result.exit_code == 1 and "not with the given public key" in result.stderr


def tamper(bundle: Path, part: str) -> None:
    """Change one character in the middle of ``part``."""
    jws = json.loads(bundle.read_text())
    middle = len(jws[part]) // 2
    replacement = "A" if jws[part][middle] != "A" else "B"
    jws[part] = jws[part][:middle] + replacement + jws[part][middle + 1 :]
    bundle.write_text(json.dumps(jws))


@pytest.mark.parametrize("part", ["protected", "payload", "signature"])
def test_verify_tampered_exits_1(app: typer.Typer, tmp_path: Path, part: str) -> None:
    bundle = write_bundle(tmp_path, SigningKey.generate())
    tamper(bundle, part)
    assert run(app, "bundle", "verify", str(bundle)).exit_code == 1


@pytest.mark.parametrize("content", [None, "nonsense", '{"a": 1}'])
def test_verify_unreadable_exits_2(app: typer.Typer, tmp_path: Path, content: str | None) -> None:
    path = tmp_path / "x.json"
    if content is not None:
        path.write_text(content)
    assert run(app, "bundle", "verify", str(path)).exit_code == 2
    assert run(app, "bundle", "show", str(path)).exit_code == 2


def test_verify_bad_public_key_file_exits_2(app: typer.Typer, tmp_path: Path) -> None:
    bundle = write_bundle(tmp_path, SigningKey.generate())
    bad = tmp_path / "bad.jwk"
    bad.write_text("{}")
    result = run(app, "bundle", "verify", str(bundle), "--public-key", str(bad))
    assert result.exit_code == 2 and "--public-key" in result.stderr


def test_show_masks_the_plain_token(app: typer.Typer, tmp_path: Path) -> None:
    key = SigningKey.generate()
    result = run(app, "bundle", "show", str(write_bundle(tmp_path, key)), "--lang", "en")
    assert result.exit_code == 0
    assert key.thumbprint in result.stdout and "••••" + TOKEN[-4:] in result.stdout
    assert "Signature: valid" in result.stdout and '"organisation": "Bakkerij"' in result.stdout


def test_show_lists_each_form_value_with_its_provenance(app: typer.Typer, tmp_path: Path) -> None:
    from koppelcheck.registration.provenance import Provenance

    target = tmp_path / "bundle.json"
    report = make_report()
    build_and_write_bundle(
        target,
        report=report,
        form={"organisation": "Bakkerij", "nmbrs": {"company": "Bakkerij Jansen B.V."}},
        tokens={"username": "u@x.nl", "domain": "acme", "token": Secret(TOKEN)},
        recipient_key_path=None,
        signing_key=SigningKey.generate(),
        provenance={"nmbrs.company": Provenance("verified", report.checks[0].id)},
    )
    result = run(app, "bundle", "show", str(target), "--lang", "en")
    assert result.exit_code == 0, result.output
    assert f'nmbrs.company = "Bakkerij Jansen B.V."  [verified by {report.checks[0].id}]' in (
        result.stdout
    )
    assert 'organisation = "Bakkerij"  [declared]' in result.stdout


def test_show_describes_jwe_tokens(app: typer.Typer, tmp_path: Path) -> None:
    recipient = tmp_path / "recipient.jwk"
    recipient.write_text(cjwk.JWK.generate(kty="OKP", crv="X25519").export_public())
    result = run(
        app, "bundle", "show", str(write_bundle(tmp_path, SigningKey.generate(), recipient))
    )
    assert result.exit_code == 0 and "encrypted (JWE ECDH-ES+A256KW/A256GCM" in result.stdout


def test_show_reports_a_bad_signature(app: typer.Typer, tmp_path: Path) -> None:
    bundle = write_bundle(tmp_path, SigningKey.generate())
    tamper(bundle, "signature")
    result = run(app, "bundle", "show", str(bundle), "--lang", "en")
    assert result.exit_code == 0 and "INVALID" in result.stdout


def test_show_undecodable_payload_exits_1(app: typer.Typer, tmp_path: Path) -> None:
    bundle = write_bundle(tmp_path, SigningKey.generate())
    jws = json.loads(bundle.read_text())
    jws["payload"] = base64.urlsafe_b64encode(b"[not json").decode().rstrip("=")
    bundle.write_text(json.dumps(jws))
    assert run(app, "bundle", "show", str(bundle)).exit_code == 1


def test_announce_bundle_names_path_and_kid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from koppelcheck.bundle.build import BundleInfo

    announce_bundle(BundleInfo(path=tmp_path / "b.json", thumbprint="KID123"), lang="en")
    err = capsys.readouterr().err
    assert "b.json" in err and "KID123" in err


def test_cli_modules_import_no_heavy_libraries() -> None:
    code = (
        "import sys, koppelcheck.cli.bundle, koppelcheck.cli.keys, koppelcheck.bundle;"
        "heavy = ('joserfc', 'jwcrypto', 'keyring', 'cryptography', 'rfc8785', 'pydantic');"
        "print([m for m in heavy if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
