"""The registration payload, its JSON Schema, and writing the bundle file."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
import rfc8785
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from koppelcheck.bundle.build import (
    BundleRefusedError,
    RegistrationPayload,
    build_and_write_bundle,
    build_payload,
    registration_json_schema,
    report_sha256,
)
from koppelcheck.bundle.keys import SigningKey
from koppelcheck.bundle.verify import verify_bundle
from koppelcheck.errors import InputError
from koppelcheck.models import CheckResult, Report, Status, Summary, ToolInfo
from koppelcheck.secret import Secret

TOKEN = "NMBRS-TOKEN-0123456789abcdef"
SCHEMA_FILE = Path(__file__).parents[2] / "docs" / "schemas" / "registration.schema.json"
FORM = {"organisation": "Salarisbureau Voorbeeld", "email": "salaris@voorbeeld.nl"}


def make_report(*statuses: Status, system: str = "nmbrs") -> Report:
    """A report with one check per status."""
    prefix = "afas.connector.BP" if system == "afas" else f"{system}.check."  # AFAS: compared
    checks = [
        CheckResult(id=f"{prefix}{n}", status=s, title="t", message="m")
        for n, s in enumerate(statuses or (Status.PASS,))
    ]
    return Report(
        tool=ToolInfo(version="0.1.0"),
        system=system,
        started_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        duration_ms=12,
        summary=Summary.of(c.status for c in checks),
        exit_code=0,
        checks=checks,
    )


def nmbrs_tokens() -> dict[str, object]:
    """The token fields of an Nmbrs run, with the token as a Secret."""
    return {"username": "salaris@bureau.nl", "domain": "acme", "token": Secret(TOKEN)}


def payload_of(path: Path) -> dict[str, object]:
    """The decoded payload of a written bundle."""
    segment = json.loads(path.read_text())["payload"]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def write(tmp_path: Path, report: Report | None = None, **overrides: object) -> Path:
    """Write a bundle with a fresh key and return its path."""
    args: dict[str, object] = {
        "report": report or make_report(Status.PASS, Status.WARN),
        "form": FORM,
        "tokens": nmbrs_tokens(),
        "recipient_key_path": None,
        "signing_key": SigningKey.generate(),
    }
    args.update(overrides)
    target = tmp_path / "bundle.json"
    build_and_write_bundle(target, **args)  # type: ignore[arg-type]
    return target


def test_payload_has_the_contract_fields(tmp_path: Path) -> None:
    payload = payload_of(write(tmp_path))
    assert payload["schema"] == "koppelcheck.registration/v1"
    assert payload["system"] == "nmbrs"
    assert payload["tool"] == {"name": "koppelcheck", "version": "0.1.0"}
    assert payload["form"] == FORM
    assert payload["tokens"] == {
        "nmbrs": {"username": "salaris@bureau.nl", "domain": "acme", "token": TOKEN}
    }
    evidence = payload["evidence"]
    assert evidence["checks"] == [
        {"id": "nmbrs.check.0", "status": "pass"},
        {"id": "nmbrs.check.1", "status": "warn"},
    ]
    assert evidence["summary"]["pass"] == 1 and evidence["summary"]["warn"] == 1
    assert str(payload["created_at"]).endswith("Z")


def test_afas_tokens(tmp_path: Path) -> None:
    tokens = {"environment_id": "O12345AA", "token_version": 1, "token": Secret(TOKEN)}
    path = write(tmp_path, report=make_report(system="afas"), tokens=tokens)
    assert payload_of(path)["tokens"] == {
        "afas": {"environment_id": "O12345AA", "token_version": 1, "token": TOKEN}
    }


def test_payload_bytes_are_rfc8785_canonical(tmp_path: Path) -> None:
    segment = json.loads(write(tmp_path).read_text())["payload"]
    raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    assert rfc8785.dumps(json.loads(raw)) == raw


def test_report_sha256_is_the_hash_of_the_canonical_report() -> None:
    report = make_report(Status.PASS)
    expected = hashlib.sha256(rfc8785.dumps(report.to_json_dict())).hexdigest()
    assert report_sha256(report) == expected


def test_file_mode_is_0600_and_info_names_path_and_thumbprint(tmp_path: Path) -> None:
    key = SigningKey.generate()
    target = tmp_path / "b.json"
    info = build_and_write_bundle(
        target,
        report=make_report(),
        form=FORM,
        tokens=nmbrs_tokens(),
        recipient_key_path=None,
        signing_key=key,
    )
    assert info.path == target and info.thumbprint == key.thumbprint
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600


@pytest.mark.parametrize("bad", [Status.FAIL, Status.ERROR])
def test_refused_when_a_check_failed_or_errored(tmp_path: Path, bad: Status) -> None:
    with pytest.raises(BundleRefusedError) as caught:
        write(tmp_path, report=make_report(Status.PASS, bad))
    assert caught.value.checks == ["nmbrs.check.1"]
    assert not (tmp_path / "bundle.json").exists()


def test_bad_token_fields_are_refused_without_quoting_the_token(tmp_path: Path) -> None:
    tokens = {"username": "u", "token": Secret(TOKEN)}  # no domain
    with pytest.raises(InputError) as caught:
        write(tmp_path, tokens=tokens)
    assert caught.value.field == "tokens" and TOKEN not in str(caught.value)
    bad_version = {"environment_id": "O1", "token_version": "x", "token": TOKEN}
    with pytest.raises(InputError) as caught:
        write(tmp_path, report=make_report(system="afas"), tokens=bad_version)
    assert TOKEN not in str(caught.value)


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt, OSError])
def test_interrupted_write_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, interrupt: type[BaseException]
) -> None:
    def boom(fd: int) -> None:
        raise interrupt()

    monkeypatch.setattr(os, "fsync", boom)
    # A disk that refuses the write (full, read-only) is the output's fault: InputError, exit 2.
    with pytest.raises(InputError if interrupt is OSError else interrupt):
        write(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_interrupted_write_keeps_the_old_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = write(tmp_path).read_bytes()

    def boom(src: str, dst: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        write(tmp_path)
    assert (tmp_path / "bundle.json").read_bytes() == old
    assert [p.name for p in tmp_path.iterdir()] == ["bundle.json"]


def test_committed_json_schema_is_current() -> None:
    committed = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert committed == registration_json_schema(), (
        'regenerate: python -c "from koppelcheck.bundle.build import write_json_schema; '
        "write_json_schema('docs/schemas/registration.schema.json')\""
    )


def test_payload_model_refuses_tokens_of_the_other_system() -> None:
    payload = build_payload(report=make_report(), form={}, tokens=nmbrs_tokens()).to_json_dict()
    payload["system"] = "afas"
    with pytest.raises(ValueError):
        RegistrationPayload.model_validate(payload)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(form=st.dictionaries(st.text(min_size=1), json_values, max_size=4))
def test_any_json_form_round_trips(tmp_path: Path, form: dict[str, object]) -> None:
    verified = verify_bundle(write(tmp_path, form=form))
    assert verified.payload["form"] == json.loads(json.dumps(form))


def test_an_afas_run_that_compared_no_connector_gives_no_bundle(tmp_path: Path) -> None:
    report = make_report(system="afas")
    listing_only = report.model_copy(
        update={
            "checks": [
                CheckResult(id="afas.auth", status=Status.PASS, title="t", message="m"),
                CheckResult(id="afas.connectors", status=Status.WARN, title="t", message="m"),
            ]
        }
    )
    tokens = {"environment_id": "O12345AA", "token_version": 1, "token": Secret(TOKEN)}
    with pytest.raises(BundleRefusedError) as caught:
        write(tmp_path, report=listing_only, tokens=tokens)
    assert caught.value.checks == ["afas.connector.*"]
    assert not (tmp_path / "bundle.json").exists()


def test_every_form_value_carries_its_provenance(tmp_path: Path) -> None:
    from koppelcheck.registration.provenance import Provenance

    report = make_report(Status.PASS)
    path = write(
        tmp_path,
        report=report,
        provenance={"organisation": Provenance("verified", "nmbrs.check.0")},
    )
    payload = payload_of(path)
    provenance = payload["provenance"]
    assert isinstance(provenance, dict)
    assert provenance["organisation"] == {"source": "verified", "check": "nmbrs.check.0"}
    assert set(provenance) == set(FORM)  # every form value, nothing else
    assert provenance["email"] == {"source": "declared"}  # what nothing proves is declared


def test_a_verified_claim_needs_a_passing_check_in_the_evidence(tmp_path: Path) -> None:
    from koppelcheck.registration.provenance import Provenance

    with pytest.raises(ValidationError):
        build_payload(
            report=make_report(Status.PASS),
            form=FORM,
            tokens=nmbrs_tokens(),
            provenance={"organisation": Provenance("verified", "nmbrs.company")},
        )
