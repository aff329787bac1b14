"""docs/bundle.md tells the recipient how to verify without koppelcheck: its snippets must work."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from jwcrypto import jwk as cjwk

from koppelcheck.bundle.build import build_and_write_bundle
from koppelcheck.bundle.keys import SigningKey
from koppelcheck.cli.keys import public_jwk_document
from koppelcheck.models import CheckResult, Report, Status, Summary, ToolInfo

DOC = Path(__file__).parents[2] / "docs" / "bundle.md"
TOKEN = "NMBRS-TOKEN-for-the-docs-0123456789"


def blocks(language: str) -> list[str]:
    """The fenced code blocks of one language in docs/bundle.md."""
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


@pytest.fixture
def recipient_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """bundle.json (tokens encrypted), signer.jwk and recipient-private.jwk in the cwd."""
    monkeypatch.chdir(tmp_path)
    key = SigningKey.generate()
    recipient = cjwk.JWK.generate(kty="OKP", crv="X25519")
    (tmp_path / "recipient-private.jwk").write_text(recipient.export_private())
    (tmp_path / "recipient.jwk").write_text(recipient.export_public())
    (tmp_path / "signer.jwk").write_text(json.dumps(public_jwk_document(key)))
    check = CheckResult(id="nmbrs.auth", status=Status.PASS, title="t", message="m")
    report = Report(
        tool=ToolInfo(version="0.1.0"),
        system="nmbrs",
        started_at=datetime.now(UTC),
        duration_ms=1,
        summary=Summary.of([check.status]),
        exit_code=0,
        checks=[check],
    )
    build_and_write_bundle(
        tmp_path / "bundle.json",
        report=report,
        form={},
        tokens={"username": "u@x.nl", "domain": "acme", "token": TOKEN},
        recipient_key_path=tmp_path / "recipient.jwk",
        signing_key=key,
    )
    return tmp_path


def test_python_snippets_verify_and_open_the_tokens(recipient_files: Path) -> None:
    snippets = blocks("python")
    assert len(snippets) == 2
    namespace: dict[str, object] = {}
    for snippet in snippets:
        exec(snippet, namespace)  # noqa: S102 - the docs' own code, on our own test files
    assert namespace["token"] == TOKEN


@pytest.mark.skipif(
    not (shutil.which("jq") and shutil.which("openssl")), reason="needs jq and openssl"
)
def test_openssl_recipe_verifies_and_detects_tampering(recipient_files: Path) -> None:
    recipe = next(block for block in blocks("sh") if "openssl pkeyutl" in block)
    ok = subprocess.run(["sh", "-c", recipe], capture_output=True, text=True, cwd=recipient_files)
    assert ok.returncode == 0 and "Signature Verified Successfully" in ok.stdout
    bundle = recipient_files / "bundle.json"
    jws = json.loads(bundle.read_text())
    jws["payload"] = jws["payload"].replace("A", "B", 1) if "A" in jws["payload"] else "e30"
    bundle.write_text(json.dumps(jws))
    bad = subprocess.run(["sh", "-c", recipe], capture_output=True, text=True, cwd=recipient_files)
    assert "Signature Verification Failure" in bad.stdout
