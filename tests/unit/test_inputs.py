"""Input rules: Nmbrs domain/user, base URLs, pasted secrets and where they come from."""

from __future__ import annotations

import pytest

from koppelcheck.cli.fields import flag_for, with_flags
from koppelcheck.credentials import SecretRequest, clean_pasted, resolve_secret
from koppelcheck.errors import InputError, MissingSettingError
from koppelcheck.http import validate_base_url
from koppelcheck.i18n import Translator
from koppelcheck.nmbrs.target import NmbrsTarget, normalise_domain

REQUEST = SecretRequest("Nmbrs API token", "KC_TEST_TOKEN", None)


@pytest.mark.parametrize(
    "raw",
    ["acme", "ACME", "acme.nmbrs.nl", "https://acme.nmbrs.nl/applications", " acme.nmbrs.nl/ "],
)
def test_domain_forms_mean_the_same(raw: str) -> None:
    assert normalise_domain(raw) == "acme"


@pytest.mark.parametrize("raw", ["", "ac me", "-acme", "acme_bv", "https://"])
def test_bad_domain_names_the_flag(raw: str) -> None:
    with pytest.raises(InputError) as info:
        normalise_domain(raw)
    assert info.value.field == "domain"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/soap/v3",
        "http://localhost:1",
        "http://[::1]:9",
        "https://api.nmbrs.nl/soap/v3/",
    ],
)
def test_allowed_base_urls(url: str) -> None:
    assert not validate_base_url(url).endswith("/")


@pytest.mark.parametrize(
    "url",
    [
        "http://api.nmbrs.nl/soap/v3",
        "http://10.0.0.1",
        "ftp://x",
        "nonsense",
        "https://user:pw@host",
    ],
)
def test_refused_base_urls(url: str) -> None:
    with pytest.raises(InputError) as info:
        validate_base_url(url)
    assert info.value.field == "base_url"


def test_target_rejects_bad_option_and_environment() -> None:
    # The core names the key; the CLI shows the flag (koppelcheck.cli.fields).
    with pytest.raises(InputError, match="^option: ") as info:
        NmbrsTarget.create(username="a@b.nl", domain="acme", option="both")
    assert flag_for(info.value.field) == "--option"
    with pytest.raises(InputError, match="^environment: ") as info:
        NmbrsTarget.create(username="a@b.nl", domain="acme", environment="test")
    assert flag_for(info.value.field) == "--environment"
    with pytest.raises(InputError, match="^username: ") as info:
        NmbrsTarget.create(username="not-an-email", domain="acme")
    assert flag_for(info.value.field) == "--username"


def test_sandbox_picks_the_sandbox_host() -> None:
    target = NmbrsTarget.create(username="a@b.nl", domain="acme", environment="sandbox")
    assert target.base_url == "https://api-sandbox.nmbrs.nl/soap/v3"


@pytest.mark.parametrize(
    "raw", ["abc123\n", "\ufeffabc123", "'abc123'", '"abc123" ', "  abc123\r\n"]
)
def test_pasted_tokens_are_trimmed(raw: str) -> None:
    assert clean_pasted(raw, "token") == "abc123"


@pytest.mark.parametrize("raw", ["", "   ", "abc 123", "abc\n123", "ab\x00c"])
def test_broken_pastes_are_refused(raw: str) -> None:
    with pytest.raises(InputError):
        clean_pasted(raw, "token")


def test_file_wins_over_environment(tmp_path, monkeypatch) -> None:
    path = tmp_path / "token.txt"
    path.write_text("from-file\n")
    monkeypatch.setenv("KC_TEST_TOKEN", "from-env")
    secret = resolve_secret(REQUEST, token_file=str(path), prompt=None)
    assert secret.reveal() == "from-file" and secret.source == "file"


def test_stdin_dash(monkeypatch) -> None:
    secret = resolve_secret(REQUEST, token_file="-", prompt=None, stdin_reader=lambda: "piped\n")
    assert secret.reveal() == "piped" and secret.source == "stdin"


def test_environment_then_prompt(monkeypatch) -> None:
    monkeypatch.setenv("KC_TEST_TOKEN", "from-env")
    assert resolve_secret(REQUEST, token_file=None, prompt=None).source == "env"
    monkeypatch.delenv("KC_TEST_TOKEN")
    asked = resolve_secret(REQUEST, token_file=None, prompt=lambda label: "typed")
    assert asked.reveal() == "typed" and asked.source == "prompt"


def test_missing_secret_names_every_way(monkeypatch) -> None:
    monkeypatch.delenv("KC_TEST_TOKEN", raising=False)
    with pytest.raises(MissingSettingError) as info:
        resolve_secret(REQUEST, token_file=None, prompt=None)
    text = str(info.value)
    assert "token_file" in text and "KC_TEST_TOKEN" in text and "--no-input" in text
    assert "--token-file" not in text  # the core names the key; the CLI names the flag:
    named, *ways = with_flags(info.value.texts)
    assert "--token-file PATH" in MissingSettingError(named, ways).said(Translator("en"))[1][0]


def test_missing_token_file_is_input_error(tmp_path) -> None:
    with pytest.raises(InputError, match="^token_file: ") as info:
        resolve_secret(REQUEST, token_file=str(tmp_path / "nope"), prompt=None)
    assert flag_for(info.value.field) == "--token-file"


def test_secret_never_shows_its_value() -> None:
    from koppelcheck.secret import Secret

    secret = Secret("0123456789ABCDEF0123")
    assert "0123456789ABCDEF0123" not in f"{secret} {secret!r} {[secret]}"
    assert str(secret).endswith("0123")
