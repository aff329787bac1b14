"""Local faults never cost a report, a secret or the machine: keyrings that hang or chain a
plaintext member, outputs that are devices, signals during a write, oversized or deeply nested
inputs, odd form values, secret ``--field``\\ s, bundles their own schema refuses."""

from __future__ import annotations

import json
import os
import signal
import stat
from pathlib import Path

import keyring
import pytest
from keyring.backends import chainer
from typer.testing import CliRunner

from koppelcheck import oskeyring
from koppelcheck.batch.plan import load_batch_file
from koppelcheck.bundle.keys import SigningKey
from koppelcheck.bundle.sign import canonical_json, serialize_bundle, sign_payload
from koppelcheck.cli.app import app
from koppelcheck.errors import InputError
from koppelcheck.files import Terminated, atomic_write, atomic_write_all
from koppelcheck.i18n import Translator
from koppelcheck.registration import FormContext, validate_form
from koppelcheck.tomlinput import MAX_NESTING_DEPTH
from tests.cli.test_registration_bundle import FORM, nmbrs_args
from tests.conftest import InMemoryKeyring
from tests.unit.test_keys import HangingKeyring

runner = CliRunner()


def said(result) -> str:
    """stderr on one line (rich wraps long messages at the console's width)."""
    return " ".join(result.stderr.split())


TOKEN = "9F2C4E6A8B0D1F3E5A7C9E1B3D5F7A9C"
NMBRS = [
    *("nmbrs", "--username", "salaris@voorbeeld.nl", "--domain", "voorbeeld"),
    *("--no-input", "--lang", "en"),
]


# --- 5. a keyring that hangs ---------------------------------------------------------------------


@pytest.fixture
def hanging_keyring(monkeypatch: pytest.MonkeyPatch):
    backend = HangingKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    monkeypatch.setattr(oskeyring, "KEYRING_TIMEOUT_SECONDS", 0.05)
    yield backend
    backend.release.set()
    keyring.set_keyring(previous)


def test_a_hanging_keyring_exits_3_naming_it_and_the_other_ways(
    hanging_keyring, nmbrs_server
) -> None:
    server, simulator = nmbrs_server("healthy")
    result = runner.invoke(app, [*NMBRS, "--base-url", f"{server.base_url}/soap/v3"])
    assert result.exit_code == 3, result.output
    assert "did not answer within" in said(result) and "HangingKeyring" in said(result)
    assert "--token-file" in said(result) and "KOPPELCHECK_NMBRS_TOKEN" in said(result)
    assert sum(simulator.hits.values()) == 0


def test_credentials_list_on_a_hanging_keyring_exits_3(hanging_keyring) -> None:
    result = runner.invoke(app, ["credentials", "list"])
    assert result.exit_code == 3, result.output
    assert "geen antwoord" in said(result) and "--token-file" in said(result)


def test_a_batch_with_token_keyring_on_a_hanging_keyring_exits_3(
    hanging_keyring, tmp_path: Path
) -> None:
    batch = tmp_path / "b.toml"
    batch.write_text(
        '[[employer]]\nid = "a"\nsystem = "nmbrs"\nusername = "s@v.nl"\ndomain = "v"\n'
        "token_keyring = true\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["batch", str(batch)])
    assert result.exit_code == 3, result.output
    assert "geen antwoord" in said(result) and "token_env" in said(result)


# --- 6. a chainer with a plaintext member --------------------------------------------------------


class PlaintextKeyring(InMemoryKeyring):
    priority = 5  # type: ignore[assignment]


class SecureKeyring(InMemoryKeyring):
    priority = 1  # type: ignore[assignment]


def test_a_token_goes_to_the_secure_member_of_a_chainer_never_the_plaintext_one() -> None:
    plaintext, secure = PlaintextKeyring(), SecureKeyring()

    class Chain(chainer.ChainerBackend):
        backends = [plaintext, secure]  # type: ignore[assignment]

    previous = keyring.get_keyring()
    keyring.set_keyring(Chain())
    try:
        result = runner.invoke(
            app,
            ["credentials", "set", "afas", "--environment-id", "12345", "--token-file", "-"],
            input=TOKEN,
        )
        listed = runner.invoke(app, ["credentials", "list"])
    finally:
        keyring.set_keyring(previous)
    assert result.exit_code == 0, result.output
    assert plaintext.passwords == {}
    assert secure.passwords[("koppelcheck", "afas:12345")] == TOKEN
    assert "afas:12345" in listed.stdout
    assert oskeyring.secure_backend() is not plaintext


# --- 7. an output that is a device, a FIFO or a socket -------------------------------------------


@pytest.mark.parametrize("flag", ["--output", "--json", "--junit", "--html"])
def test_an_output_that_is_a_fifo_is_refused_before_anything_is_sent(
    flag: str, tmp_path: Path, nmbrs_server
) -> None:
    server, simulator = nmbrs_server("healthy")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = runner.invoke(
        app,
        [*NMBRS, "--base-url", f"{server.base_url}/soap/v3", flag, str(fifo)],
        env={"KOPPELCHECK_NMBRS_TOKEN": simulator.scenario.token},
    )
    assert result.exit_code == 2, result.output
    assert flag in said(result) and "not a regular file" in said(result)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert sum(simulator.hits.values()) == 0


def test_a_device_is_never_replaced_by_the_writer(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        atomic_write("/dev/null", "report")
    assert "/dev/null" in caught.value.field
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_output_dash_means_stdout(nmbrs_server, tmp_path: Path, monkeypatch) -> None:
    server, simulator = nmbrs_server("healthy")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(
        app,
        [*NMBRS, "--base-url", f"{server.base_url}/soap/v3", "--output", "-", "--format", "json"],
        env={"KOPPELCHECK_NMBRS_TOKEN": simulator.scenario.token},
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["schema"] == "koppelcheck.report/v1"
    assert not (tmp_path / "-").exists()


# --- 9. a token file without end -----------------------------------------------------------------


def test_token_file_dev_zero_exits_2(nmbrs_server) -> None:
    server, simulator = nmbrs_server("healthy")
    result = runner.invoke(
        app, [*NMBRS, "--base-url", f"{server.base_url}/soap/v3", "--token-file", "/dev/zero"]
    )
    assert result.exit_code == 2, result.output
    assert "--token-file" in said(result) and "KiB" in said(result)
    assert sum(simulator.hits.values()) == 0


def test_token_on_stdin_over_the_limit_exits_2() -> None:
    result = runner.invoke(
        app,
        ["credentials", "set", "afas", "--environment-id", "12345", "--token-file", "-"],
        input="A" * (65 * 1024),
    )
    assert result.exit_code == 2, result.output
    assert "KiB" in said(result)


# --- 12. secret fields given with --field --------------------------------------------------------


@pytest.mark.parametrize(
    "field", ["nmbrs.api_token", "afas.data_token", "nmbrs.token", "token", "nmbrs.username"]
)
def test_field_refuses_secret_and_credential_fields(field: str, nmbrs_server, tmp_path) -> None:
    server, simulator = nmbrs_server("healthy")
    result = runner.invoke(
        app,
        [*NMBRS, "--base-url", f"{server.base_url}/soap/v3", "--field", f"{field}={TOKEN}"],
        env={"KOPPELCHECK_NMBRS_TOKEN": simulator.scenario.token},
    )
    assert result.exit_code == 2, result.output
    assert "--field" in said(result) and "--token-file" in said(result)
    assert "is not accepted" in said(result)  # in the run's language (--lang en)
    assert TOKEN not in result.output
    assert sum(simulator.hits.values()) == 0


def test_a_deeply_nested_field_key_exits_2(nmbrs_server) -> None:
    server, simulator = nmbrs_server("healthy")
    result = runner.invoke(
        app,
        [*NMBRS, "--base-url", f"{server.base_url}/soap/v3", "--field", "a." * 5000 + "b=1"],
        env={"KOPPELCHECK_NMBRS_TOKEN": simulator.scenario.token},
    )
    assert result.exit_code == 2, result.output
    assert "--field" in said(result)
    assert sum(simulator.hits.values()) == 0


# --- 13. SIGTERM and SIGHUP during a write -------------------------------------------------------


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_during_a_write_leaves_no_temporary_file(
    signum: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_fsync = os.fsync

    def signalled(fd: int) -> None:
        real_fsync(fd)
        os.kill(os.getpid(), signum)  # arrives while the complete temporary file exists

    monkeypatch.setattr(os, "fsync", signalled)
    before = signal.getsignal(signum)
    with pytest.raises(Terminated) as caught:
        atomic_write_all([(tmp_path / "a.json", "{}"), (tmp_path / "bundle.json", "secret")])
    assert caught.value.code == 128 + signum
    assert list(tmp_path.iterdir()) == []
    assert signal.getsignal(signum) == before


# --- 14. input at fault: exit 2, not 4 -----------------------------------------------------------


def test_a_deeply_nested_batch_file_exits_2(tmp_path: Path) -> None:
    batch = tmp_path / "deep.toml"
    batch.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_batch_file(batch)
    assert "nested deeper" in caught.value.said(Translator("en"))[0]
    shallow_but_deep = "x = " + "[" * (MAX_NESTING_DEPTH + 1) + "]" * (MAX_NESTING_DEPTH + 1)
    batch.write_text(shallow_but_deep + "\n", encoding="utf-8")
    result = runner.invoke(app, ["batch", str(batch)])
    assert result.exit_code == 2, result.output


def test_a_deeply_nested_form_file_exits_2(nmbrs_server, tmp_path: Path) -> None:
    server, simulator = nmbrs_server("healthy")
    form = tmp_path / "form.toml"
    form.write_text("organisation = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    result = runner.invoke(
        app,
        [*NMBRS, "--base-url", f"{server.base_url}/soap/v3", "--form", str(form)],
        env={"KOPPELCHECK_NMBRS_TOKEN": simulator.scenario.token},
    )
    assert result.exit_code == 2, result.output
    assert "--form" in said(result)
    assert sum(simulator.hits.values()) == 0


def test_a_read_only_output_folder_exits_2_before_anything_is_sent(
    nmbrs_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, simulator = nmbrs_server("healthy")
    folder = tmp_path / "ro"
    folder.mkdir()
    real_access = os.access
    # As root, mode bits do not stop a write; a read-only mount does, and access() says so.
    monkeypatch.setattr(
        os, "access", lambda p, mode: False if Path(p) == folder else real_access(p, mode)
    )
    result = runner.invoke(
        app,
        [*NMBRS, "--base-url", f"{server.base_url}/soap/v3", "--json", str(folder / "r.json")],
        env={"KOPPELCHECK_NMBRS_TOKEN": simulator.scenario.token},
    )
    assert result.exit_code == 2, result.output
    assert "--json" in said(result) and "cannot write" in said(result)
    assert sum(simulator.hits.values()) == 0


def test_a_full_disk_at_write_time_exits_2_naming_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(InputError) as caught:
        atomic_write(tmp_path / "r.json", "{}")
    # the reason in the interface language (Dutch by default), not the OS's English strerror
    assert "r.json" in caught.value.field and "de schijf is vol" in caught.value.message
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("url", ["https://exa mple.nl/x", "https://[::1 ]/x", "https://xn--a.nl/"])
def test_a_base_url_httpx_refuses_exits_2(url: str) -> None:
    result = runner.invoke(app, [*NMBRS, "--base-url", url], env={"KOPPELCHECK_NMBRS_TOKEN": TOKEN})
    assert result.exit_code == 2, result.output
    assert "--base-url" in said(result)


def _signed(payload: dict, tmp_path: Path, name: str = "bundle.json") -> Path:
    key = SigningKey.generate()
    path = tmp_path / name
    path.write_text(serialize_bundle(sign_payload(canonical_json(payload), key)), encoding="utf-8")
    return path


def test_bundle_show_with_a_lone_surrogate_exits_without_a_crash(tmp_path: Path) -> None:
    key = SigningKey.generate()
    payload = b'{"schema":"koppelcheck.registration/v1","form":{"organisation":"\\ud800\\u202e"}}'
    jws = sign_payload(payload, key)
    path = tmp_path / "b.json"
    path.write_text(serialize_bundle(jws), encoding="utf-8")
    result = runner.invoke(app, ["bundle", "show", str(path), "--lang", "en"])
    assert result.exit_code != 4, result.output
    assert "unexpected error" not in said(result) and "\u202e" not in result.stdout
    assert "\ufffd" in result.stdout
    verified = runner.invoke(app, ["bundle", "verify", str(path), "--lang", "en"])
    assert verified.exit_code == 1, verified.output


# --- 11. bundle verify validates against the published JSON Schema -------------------------------


def _good_payload(tmp_path: Path) -> dict:
    from koppelcheck.bundle.build import build_and_write_bundle
    from koppelcheck.bundle.verify import b64url_decode, read_bundle
    from tests.unit.test_bundle_build import make_report

    target = tmp_path / "good.json"
    build_and_write_bundle(
        target,
        report=make_report(),
        form={"organisation": "Bakkerij"},
        tokens={"username": "u@x.nl", "domain": "acme", "token": TOKEN},
        recipient_key_path=None,
        signing_key=SigningKey.generate(),
    )
    payload: dict = json.loads(b64url_decode(read_bundle(target)["payload"]))
    return payload


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda p: p.update(created_at=0), "created_at"),
        (lambda p: p["evidence"]["summary"].update({"pass": "21"}), "evidence.summary.pass"),
        (lambda p: p["evidence"]["summary"].update({"pass": True}), "evidence.summary.pass"),
        (lambda p: p["evidence"]["summary"].update(fail=3), "evidence.summary.fail"),
        (lambda p: p["evidence"]["summary"].update(error=1), "evidence.summary.error"),
        (lambda p: p["evidence"]["summary"].update(skip=-1), "evidence.summary.skip"),
    ],
)
def test_bundle_verify_refuses_what_the_published_schema_refuses(
    change, field: str, tmp_path: Path
) -> None:
    payload = _good_payload(tmp_path)
    assert runner.invoke(app, ["bundle", "verify", str(_signed(payload, tmp_path))]).exit_code == 0
    change(payload)
    result = runner.invoke(
        app, ["bundle", "verify", str(_signed(payload, tmp_path, "bad.json")), "--lang", "en"]
    )
    assert result.exit_code == 1, result.output
    assert field in result.output
    assert TOKEN not in result.output


# --- 10. odd values in the form ------------------------------------------------------------------


def _form(**changes: object) -> dict:
    import tomllib

    data = tomllib.loads(FORM)
    for dotted, value in changes.items():
        head, _, rest = dotted.partition("__")
        if rest:
            data[head][rest] = value
        else:
            data[head] = value
    data["nmbrs"].update(username="salaris@voorbeeld.nl", domain="voorbeeld", api_token=TOKEN)
    return data


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"payroll_tax_number": "١٢٣٤٥٦٧٨٢L01"}, "payroll_tax_number"),  # Arabic-Indic digits
        ({"payroll_tax_number": "１２３４５６７８２L01"}, "payroll_tax_number"),  # full-width
        ({"organisation": ["a", "b"]}, "organisation"),
        ({"organisation": {"a": "b"}}, "organisation"),
        ({"organisation": True}, "organisation"),
        ({"organisation": "Bak\x00kerij"}, "organisation"),
        ({"organisation": "Bak\x1b[31mkerij"}, "organisation"),
        ({"organisation": "Bakkerij \u202egnp.exe"}, "organisation"),
        ({"contract_number": "RC\n118"}, "contract_number"),
        ({"nmbrs__company": ["Bakkerij Jansen B.V."]}, "nmbrs.company"),
        ({"nmbrs__dga_name": "J.\x00Jansen"}, "nmbrs.dga_name"),
        ({"nmbrs__dga_employee_number": "١"}, "nmbrs.dga_employee_number"),
    ],
)
def test_odd_form_values_exit_2_naming_the_field(changes: dict, field: str) -> None:
    with pytest.raises(InputError) as caught:
        validate_form(_form(**changes), "nmbrs", FormContext(), lang="en")
    assert caught.value.field == field


def test_form_text_is_nfc_normalised() -> None:
    form = validate_form(_form(organisation="Cafe\u0301 Jansen"), "nmbrs", FormContext())
    assert form.organisation == "Caf\u00e9 Jansen"


def test_the_bundle_payload_never_holds_an_odd_value_given_through_field(
    nmbrs_server, tmp_path
) -> None:
    server, simulator = nmbrs_server("healthy")
    form, bundle = tmp_path / "form.toml", tmp_path / "b.json"
    form.write_text(FORM, encoding="utf-8")
    key = SigningKey.generate()
    result = runner.invoke(
        app,
        nmbrs_args(
            server,
            simulator,
            *("--form", str(form), "--bundle", str(bundle)),
            *("--field", "payroll_tax_number=１２３４５６７８２L01"),
        ),
        env={"KOPPELCHECK_SIGNING_KEY": key.to_pem(), "KOPPELCHECK_NMBRS_TOKEN": TOKEN},
    )
    assert result.exit_code == 2, result.output
    assert "payroll_tax_number" in said(result)
    assert not bundle.exists()
    assert sum(simulator.hits.values()) == 0
