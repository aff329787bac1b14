"""No secret ever leaves koppelcheck in clear text, whatever the command, format or failure.

One table of invocations (``CASES``) runs every command of the Typer app with known tokens and a
known signing key: ``--verbose``, every ``--format``, every file output, failing scenarios, the
fault scenarios, error paths and crashes. After each run, stdout, stderr, every log record
(captured at DEBUG), every file written, and the text of any exception are searched for each
secret in every form it can take (as is, base64, base64url, URL- and HTML-encoded, JSON-escaped,
any 12-character fragment). A masked tail (``••••1A2B``) is fine; anything more is a leak.

``test_every_command_is_covered`` walks the app's command tree, so a command added later without
a case here makes this module fail.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import logging
import re
import subprocess
import sys
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
import typer
import typer.main
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from typer.testing import CliRunner, Result

from koppelcheck.cli.app import app
from koppelcheck.cli.options import REPORT_FORMATS
from koppelcheck.simulator.afas import BASE_PATH, AfasSimulator, load_afas_scenario
from koppelcheck.simulator.nmbrs import NmbrsSimulator, load_nmbrs_scenario
from koppelcheck.simulator.nmbrs_rest import NmbrsRestSimulator, load_rest_scenario
from koppelcheck.simulator.server import SimulatorServer
from tests.conftest import InMemoryKeyring

runner = CliRunner()


# --- the known secrets -----------------------------------------------------------------------

NMBRS_TOKEN = hashlib.sha256(b"koppelcheck leak test: nmbrs").hexdigest()[:32]
AFAS_DATA = hashlib.sha256(b"koppelcheck leak test: afas").hexdigest().upper()
AFAS_XML = f"<token><version>1</version><data>{AFAS_DATA}</data></token>"
AFAS_B64 = base64.b64encode(AFAS_XML.encode()).decode()
AFAS_HEADER = f"AfasToken {AFAS_B64}"
_SIGNING = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"leak test: key").digest())
SIGNING_PEM = _SIGNING.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
).decode()
_RAW_KEY = _SIGNING.private_bytes(
    serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
)
SIGNING_D = base64.urlsafe_b64encode(_RAW_KEY).decode().rstrip("=")
"""The private key as the JWK ``d`` member."""
SIGNING_PEM_BODY = "".join(SIGNING_PEM.strip().splitlines()[1:-1])

# Nmbrs REST (``nmbrs --api rest``): the app's client secret (with the * and $ Nmbrs secrets
# carry) and its subscription key. The tokens the identity service issues are added per run.
NMBRS_CLIENT_SECRET = "*$" + hashlib.sha256(b"leak test: nmbrs client secret").hexdigest()[:30]
NMBRS_SUBSCRIPTION_KEY = hashlib.sha256(b"leak test: nmbrs subscription key").hexdigest()[:32]

# The built-in demo tokens: no command may print them either (``demo`` and ``simulate`` use them).
DEMO_NMBRS_TOKEN = load_nmbrs_scenario("healthy").token
DEMO_AFAS_DATA = load_afas_scenario("healthy").token_data
_DEMO_REST = load_rest_scenario("healthy")

AFAS_CLIENT_ID = "koppelcheck-leak-client"
AFAS_CLIENT_SECRET = hashlib.sha256(b"koppelcheck leak test: afas client secret").hexdigest()[:40]
AFAS_BASIC = base64.b64encode(f"{AFAS_CLIENT_ID}:{AFAS_CLIENT_SECRET}".encode()).decode()
"""The HTTP Basic client authentication header's value."""
_DEMO_OAUTH = load_afas_scenario("oauth").oauth
assert _DEMO_OAUTH is not None
DEMO_AFAS_CLIENT_SECRET = _DEMO_OAUTH.client_secret

TOKEN_SECRETS: dict[str, str] = {
    "nmbrs token": NMBRS_TOKEN,
    "afas token data": AFAS_DATA,
    "afas token xml": AFAS_XML,
    "afas token base64 (AfasToken header)": AFAS_B64,
    "demo nmbrs token": DEMO_NMBRS_TOKEN,
    "demo afas token data": DEMO_AFAS_DATA,
    "afas client secret": AFAS_CLIENT_SECRET,
    "afas HTTP Basic header (client id:secret)": AFAS_BASIC,
    "demo afas client secret": DEMO_AFAS_CLIENT_SECRET,
    "nmbrs client secret": NMBRS_CLIENT_SECRET,
    "nmbrs subscription key": NMBRS_SUBSCRIPTION_KEY,
    "demo nmbrs client secret": _DEMO_REST.client_secret,
    "demo nmbrs subscription key": _DEMO_REST.subscription_key,
}
KEY_SECRETS: dict[str, str] = {
    "signing key pem": SIGNING_PEM.strip(),
    "signing key pem body": SIGNING_PEM_BODY,
    "signing key d": SIGNING_D,
    "signing key hex": _RAW_KEY.hex(),
}
FRAGMENT = 12
"""No run of this many characters of a secret's own material may appear (a masked tail is 4)."""


def encodings(value: str) -> dict[str, str]:
    """Every form of ``value`` that would still give it away."""
    raw = value.encode()
    forms = {
        "as is": value,
        "base64": base64.b64encode(raw).decode(),
        "base64url": base64.urlsafe_b64encode(raw).decode().rstrip("="),
        "url-encoded": quote(value, safe=""),
        "form-encoded": quote_plus(value),
        "html-escaped": html.escape(value),
        "json-escaped": json.dumps(value)[1:-1],
    }
    return {how: form for how, form in forms.items() if len(form) >= 8}


def fragments(value: str) -> set[str]:
    return {value[i : i + FRAGMENT] for i in range(len(value) - FRAGMENT + 1)}


def forbidden(secrets: dict[str, str]) -> list[tuple[str, str]]:
    """(description, text) pairs that must appear nowhere, compared case-insensitively."""
    pairs = [
        (f"{name} ({how})", form)
        for name, value in secrets.items()
        for how, form in encodings(value).items()
    ]
    for name in (
        "nmbrs token",
        "afas token data",
        "afas client secret",
        "signing key d",
        "extra created key d",
        "nmbrs client secret",
        "nmbrs subscription key",
        "extra rest token",
    ):
        for key, value in secrets.items():
            if key.startswith(name):
                pairs += [(f"{key} (fragment)", part) for part in fragments(value)]
    return pairs


_LAYOUT = re.compile(r"[\s│┃║┆┊|]+")


def assert_clean(texts: dict[str, str], secrets: dict[str, str]) -> None:
    """No secret in any of ``texts``, not even split over a wrapped line or a table border."""
    checks = forbidden(secrets)
    for where, text in texts.items():
        variants = (text.lower(), _LAYOUT.sub("", text).lower())
        for what, form in checks:
            needle = form.lower()
            assert not any(needle in variant for variant in variants), f"{what} leaked: {where}"
        assert "PRIVATE KEY" not in text, f"a private key leaked: {where}"


# --- running one case ------------------------------------------------------------------------


@dataclass
class Call:
    """One invocation and what else to check."""

    args: list[str]
    env: dict[str, str | None] = field(default_factory=dict)
    input: str | None = None
    token_carriers: tuple[Path, ...] = ()
    """Bundles written without --recipient-key: they carry the tokens by design (never the key)."""
    extra_secrets: Callable[[], dict[str, str]] = dict
    """Secrets that only exist after the run (a key ``keys init`` created)."""
    check: Callable[[Result], None] = field(default=lambda _result: None)


@dataclass(frozen=True)
class Case:
    id: str
    command: tuple[str, ...]
    exit_codes: tuple[int, ...]
    build: Callable[[Ctx], Call]


class Ctx:
    """What a case builds on: loopback simulators with the known tokens, input and output folders,
    the in-memory keyring, and monkeypatch for crashes."""

    def __init__(
        self,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        keyring: InMemoryKeyring,
        *,
        serve: bool = True,
    ) -> None:
        self.inputs = tmp_path / "in"
        self.out = tmp_path / "out"
        self.config = tmp_path / "config"
        for folder in (self.inputs, self.out, self.config):
            folder.mkdir()
        self.monkeypatch = monkeypatch
        self.keyring = keyring
        self._serve = serve
        """False: only build the arguments (no simulator listens at the URLs)."""
        self._servers: list[SimulatorServer] = []

    def _url(self, simulator: Any) -> str:
        if not self._serve:
            return "http://127.0.0.1:9"
        self._servers.append(server := SimulatorServer(simulator).start())
        return server.base_url

    def nmbrs(self, scenario: str = "healthy") -> tuple[str, NmbrsSimulator]:
        """``(base URL, simulator)`` of an Nmbrs simulator that knows the known token."""
        loaded = replace(load_nmbrs_scenario(scenario), token=NMBRS_TOKEN)
        simulator = NmbrsSimulator(loaded)
        return f"{self._url(simulator)}/soap/v3", simulator

    def rest(self, scenario: str = "healthy", **changes: Any) -> tuple[str, NmbrsRestSimulator]:
        """``(URL, simulator)`` of a Nmbrs REST simulator that knows the known app secrets; the
        default browser is replaced by one that follows the consent redirect at once."""
        known = {"client_secret": NMBRS_CLIENT_SECRET, "subscription_key": NMBRS_SUBSCRIPTION_KEY}
        loaded = replace(load_rest_scenario(scenario), **{**known, **changes})
        simulator = NmbrsRestSimulator(loaded)

        def browser(url: str) -> bool:
            import threading

            import httpx

            def visit() -> None:
                with httpx.Client(follow_redirects=True, timeout=10) as client:
                    client.get(url)

            threading.Thread(target=visit, daemon=True).start()
            return True

        self.monkeypatch.setattr("webbrowser.open", browser)
        return self._url(simulator), simulator

    def afas(self, scenario: str = "healthy") -> tuple[str, AfasSimulator]:
        loaded = replace(load_afas_scenario(scenario), token_data=AFAS_DATA)
        if loaded.oauth is not None:
            oauth = replace(
                loaded.oauth, client_id=AFAS_CLIENT_ID, client_secret=AFAS_CLIENT_SECRET
            )
            loaded = replace(loaded, oauth=oauth)
        simulator = AfasSimulator(loaded)
        return self._url(simulator) + BASE_PATH, simulator

    def file(self, name: str, text: str) -> Path:
        path = self.inputs / name
        path.write_text(text, encoding="utf-8")
        return path

    def o(self, name: str) -> Path:
        return self.out / name

    def close(self) -> None:
        for server in self._servers:
            server.stop()


def run_case(case: Case, ctx: Ctx, caplog: pytest.LogCaptureFixture) -> Result:
    call = case.build(ctx)
    # ``batch FILE`` is ``batch run FILE``: "run" is the group's default subcommand.
    command = [part for part in case.command if case.command != ("batch", "run") or part != "run"]
    assert call.args[: len(command)] == command, "the case runs its command"
    env: dict[str, str | None] = {
        "KOPPELCHECK_NMBRS_TOKEN": NMBRS_TOKEN,
        "KOPPELCHECK_AFAS_TOKEN": AFAS_DATA,
        "KOPPELCHECK_AFAS_CLIENT_ID": None,
        "KOPPELCHECK_AFAS_CLIENT_SECRET": None,
        "KOPPELCHECK_SIGNING_KEY": SIGNING_PEM,
        "XDG_CONFIG_HOME": str(ctx.config),
        "COLUMNS": "120",
        **call.env,
    }
    caplog.set_level(logging.DEBUG)
    result = runner.invoke(app, call.args, env=env, input=call.input)
    assert result.exit_code in case.exit_codes, (result.exit_code, result.stdout, result.stderr)
    call.check(result)

    texts = {"stdout": result.stdout, "stderr": result.stderr, "log": caplog.text}
    for number, record in enumerate(caplog.records):
        texts[f"log record {number}"] = f"{record.getMessage()}\n{record.exc_text or ''}"
    if result.exc_info is not None and result.exc_info[1] is not None:
        texts["exception"] = "".join(traceback.format_exception(*result.exc_info))
        assert isinstance(result.exc_info[1], SystemExit), texts["exception"]
    secrets = {**TOKEN_SECRETS, **KEY_SECRETS}
    extra = call.extra_secrets()
    secrets.update({f"extra {name}": value for name, value in extra.items()})
    assert_clean(texts, secrets)
    for path in sorted(ctx.out.rglob("*")):
        if not path.is_file():
            continue
        content = {f"file {path.name}": path.read_text(encoding="utf-8", errors="replace")}
        if path in call.token_carriers:
            assert_clean(content, {**KEY_SECRETS, **{f"extra {k}": v for k, v in extra.items()}})
        else:
            assert_clean(content, secrets)
    return result


@pytest.fixture
def ctx(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, memory_keyring: InMemoryKeyring
) -> Iterator[Ctx]:
    context = Ctx(tmp_path, monkeypatch, memory_keyring)
    yield context
    context.close()


# --- shared pieces of the cases --------------------------------------------------------------

FILE_OUTPUTS = ("--json", "--junit", "--html", "--trace")
OUTPUT_FLAGS = ("--output", "--json", "--junit", "--html", "--bundle", "--trace")
CHECKLIST_FORMATS = ("text", "markdown", "html")
FORMATS_OF = {
    ("nmbrs",): REPORT_FORMATS,
    ("afas",): REPORT_FORMATS,
    ("batch", "run"): REPORT_FORMATS,
    ("batch", "merge"): REPORT_FORMATS,
    ("checklist",): CHECKLIST_FORMATS,
}

FORM_COMMON = """
organisation = "Salarisbureau Voorbeeld"
email = "salaris@voorbeeld.nl"
contract_number = "RC-2024-118"
payroll_tax_number = "123456782L01"
"""
NMBRS_FORM = (
    FORM_COMMON
    + """
[nmbrs]
company = "Bakkerij Jansen B.V."
dga_name = "J. Jansen"
dga_employee_number = 1
payroll_frequency = "monthly"
thirteenth_month = false
"""
)
AFAS_FORM = FORM_COMMON + '\n[afas]\nemployer_codes = ["01"]\n'
AFAS_CONNECTORS = ("BP_Werknemers", "BP_Dienstverbanden", "BP_Salarissen", "BP_Verzuim")


def extra_files(ctx: Ctx, stem: str) -> list[str]:
    return [arg for flag in FILE_OUTPUTS for arg in (flag, str(ctx.o(f"{stem}{flag[1:]}")))]


def nmbrs_args(base_url: str, *extra: str) -> list[str]:
    return [
        "nmbrs",
        "--username",
        "salaris@voorbeeld.nl",
        "--domain",
        "voorbeeld",
        "--base-url",
        base_url,
        "--no-input",
        *extra,
    ]


def afas_args(
    base_url: str, *extra: str, connectors: tuple[str, ...] = AFAS_CONNECTORS
) -> list[str]:
    return [
        "afas",
        "--environment-id",
        "O12345AA",
        "--base-url",
        base_url,
        "--no-input",
        *[arg for cid in connectors for arg in ("--connector", cid)],
        *extra,
    ]


def recipient_key(ctx: Ctx) -> Path:
    public = (
        X25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    x = base64.urlsafe_b64encode(public).decode().rstrip("=")
    return ctx.file("recipient.jwk", json.dumps({"kty": "OKP", "crv": "X25519", "x": x}))


def carries(path: Path, token: str) -> Callable[[Result], None]:
    """The bundle was written and carries ``token`` (so the leak check of files has teeth)."""

    def check(_result: Result) -> None:
        assert token in _payload(path)

    return check


def encrypted(path: Path, system: str) -> Callable[[Result], None]:
    """The bundle was written and its token is a compact JWE (five dot-separated parts)."""

    def check(_result: Result) -> None:
        token = json.loads(_payload(path))["tokens"][system]["token"]
        assert token.count(".") == 4

    return check


def _payload(bundle: Path) -> str:
    segment = json.loads(bundle.read_text())["payload"]
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)).decode()


def masked_in_stdout(result: Result) -> None:
    assert "••••" in result.stdout


def crash_in(ctx: Ctx, target: Any, name: str, message: str) -> None:
    """Make ``target.name`` raise an exception whose text holds every form of a token."""

    async def boom(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError(message)

    ctx.monkeypatch.setattr(target, name, boom)


def crash_outside_checks(ctx: Ctx, message: str) -> None:
    """An unexpected exception after the checks (while writing the report), holding secrets."""

    def boom(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError(message)

    ctx.monkeypatch.setattr("koppelcheck.cli.output.emit_report", boom)


def one_line_error(result: Result) -> None:
    assert "Traceback" not in result.output + result.stderr
    said = ("onverwachte fout", "unexpected error")  # Dutch by default, English with --lang en
    lines = [line for line in result.stderr.splitlines() if line.startswith(said)]
    assert len(lines) == 1, result.stderr


NMBRS_LEAKY = (
    f"boom: <Token>{NMBRS_TOKEN}</Token> {base64.b64encode(NMBRS_TOKEN.encode()).decode()}"
)
AFAS_LEAKY = f"Illegal header value b'{AFAS_HEADER}' for {AFAS_XML} ({AFAS_DATA})"


# --- nmbrs -----------------------------------------------------------------------------------


def nmbrs_format(fmt: str) -> Case:
    def build(ctx: Ctx) -> Call:
        url, _ = ctx.nmbrs("healthy")
        args = nmbrs_args(url, "--verbose", "--format", fmt, *extra_files(ctx, "r."))
        return Call(args, check=soap_header_masked)

    return Case(f"nmbrs-healthy-{fmt}", ("nmbrs",), (0,), build)


def soap_header_masked(result: Result) -> None:
    """--verbose logs every SOAP envelope, with the auth header's token masked."""
    assert re.search(r"<(\w+:)?Token>••••</(\w+:)?Token>", result.stderr), result.stderr[-2000:]


def nmbrs_bundle(ctx: Ctx) -> Call:
    url, _ = ctx.nmbrs("healthy")
    form, bundle = ctx.file("form.toml", NMBRS_FORM), ctx.o("registratie.json")
    args = ["--verbose", "--format", "markdown", "--output", str(ctx.o("r.md"))]
    args += ["--form", str(form), "--bundle", str(bundle)]
    return Call(
        nmbrs_args(url, *args), token_carriers=(bundle,), check=carries(bundle, NMBRS_TOKEN)
    )


def nmbrs_bundle_encrypted(ctx: Ctx) -> Call:
    url, _ = ctx.nmbrs("healthy")
    form, bundle = ctx.file("form.toml", NMBRS_FORM), ctx.o("registratie.json")
    args = ["--verbose", "--form", str(form), "--bundle", str(bundle)]
    args += ["--recipient-key", str(recipient_key(ctx)), *extra_files(ctx, "r.")]
    return Call(nmbrs_args(url, *args), check=encrypted(bundle, "nmbrs"))


def nmbrs_scenario(scenario: str, *extra: str) -> Callable[[Ctx], Call]:
    def build(ctx: Ctx) -> Call:
        url, _ = ctx.nmbrs(scenario)
        form = ctx.file("form.toml", NMBRS_FORM)
        bundle = ["--form", str(form), "--bundle", str(ctx.o("never.json"))]
        return Call(nmbrs_args(url, "--verbose", *extra, *bundle, *extra_files(ctx, "r.")))

    return build


def nmbrs_token_file(ctx: Ctx) -> Call:
    url, _ = ctx.nmbrs("healthy")
    token = ctx.file("token.txt", f'\ufeff"{NMBRS_TOKEN}"\n')
    env: dict[str, str | None] = {"KOPPELCHECK_NMBRS_TOKEN": None}
    return Call(nmbrs_args(url, "--verbose", "--token-file", str(token)), env=env)


def nmbrs_token_stdin(ctx: Ctx) -> Call:
    url, _ = ctx.nmbrs("healthy")
    env: dict[str, str | None] = {"KOPPELCHECK_NMBRS_TOKEN": None}
    args = nmbrs_args(url, "--verbose", "--token-file", "-", "--format", "json")
    return Call(args, env=env, input=NMBRS_TOKEN + "\n")


def nmbrs_token_with_a_space(ctx: Ctx) -> Call:
    url, simulator = ctx.nmbrs("healthy")

    def nothing_sent(_result: Result) -> None:
        assert sum(simulator.hits.values()) == 0

    env: dict[str, str | None] = {"KOPPELCHECK_NMBRS_TOKEN": f"{NMBRS_TOKEN} {NMBRS_TOKEN}"}
    return Call(nmbrs_args(url, "--verbose"), env=env, check=nothing_sent)


def nmbrs_prompted(ctx: Ctx) -> Call:
    """A terminal run: the hidden prompt for the token, then the whole walkthrough."""
    url, _ = ctx.nmbrs("healthy")
    args = nmbrs_args(url, "--verbose", "--output", str(ctx.o("r.txt")))
    args.remove("--no-input")
    env: dict[str, str | None] = {"KOPPELCHECK_NMBRS_TOKEN": None, "KOPPELCHECK_INTERACTIVE": "1"}
    # The token, the company (the login sees two), then Enter for every question.
    return Call(args, env=env, input=NMBRS_TOKEN + "\n1\n" + "\n" * 60)


def nmbrs_token_entered_again(ctx: Ctx) -> Call:
    """A wrong token first (Nmbrs answers 1001), then the right one at the walkthrough's hidden
    prompt, re-checked in place."""
    url, _ = ctx.nmbrs("healthy")
    args = nmbrs_args(url, "--verbose", "--output", str(ctx.o("r.txt")))
    args.remove("--no-input")
    env: dict[str, str | None] = {
        "KOPPELCHECK_NMBRS_TOKEN": "wrong" + NMBRS_TOKEN[5:],
        "KOPPELCHECK_INTERACTIVE": "1",
    }
    # option 1, steps 1 and 2 done, enter the token again, the token, the company, Enter on.
    answers = "\n" + "y\n" * 3 + NMBRS_TOKEN + "\n1\n" + "\n" * 40
    return Call(args, env=env, input=answers)


def nmbrs_crash_in_a_check(ctx: Ctx) -> Call:
    from koppelcheck.nmbrs.client import NmbrsClient

    url, _ = ctx.nmbrs("healthy")
    crash_in(ctx, NmbrsClient, "call", NMBRS_LEAKY)
    args = nmbrs_args(url, "--verbose", "--format", "json", *extra_files(ctx, "r."))
    return Call(args, check=crash_reported)


def crash_reported(result: Result) -> None:
    """The crash became an ``error`` check that names it, with the secrets masked."""
    messages = [c["message"] for c in json.loads(result.stdout)["checks"] if c["status"] == "error"]
    assert any("RuntimeError" in m and "••••" in m for m in messages), messages


def nmbrs_crash_outside_checks(ctx: Ctx) -> Call:
    url, _ = ctx.nmbrs("healthy")
    crash_outside_checks(ctx, NMBRS_LEAKY)
    return Call(nmbrs_args(url, "--verbose"), check=one_line_error)


def nmbrs_unreachable(ctx: Ctx) -> Call:
    url, _ = ctx.nmbrs("healthy")
    closed = url.replace(url.split(":")[2].split("/")[0], "9")  # port 9 (discard): refused
    return Call(nmbrs_args(closed, "--verbose", "--timeout", "2", "--format", "junit"))


# --- afas ------------------------------------------------------------------------------------

TOKEN_FORMS = {"data": AFAS_DATA, "xml": AFAS_XML, "base64": AFAS_B64}


def afas_format(fmt: str, form: str) -> Case:
    def build(ctx: Ctx) -> Call:
        url, _ = ctx.afas("healthy")
        args = afas_args(url, "--verbose", "--format", fmt, *extra_files(ctx, "r."))
        return Call(args, env={"KOPPELCHECK_AFAS_TOKEN": TOKEN_FORMS[form]})

    return Case(f"afas-healthy-{fmt}-token-{form}", ("afas",), (0,), build)


def afas_bundle(ctx: Ctx) -> Call:
    url, _ = ctx.afas("healthy")
    form, bundle = ctx.file("form.toml", AFAS_FORM), ctx.o("registratie.json")
    args = ["--verbose", "--output", str(ctx.o("r.txt")), "--form", str(form)]
    args += ["--bundle", str(bundle)]
    return Call(afas_args(url, *args), token_carriers=(bundle,), check=carries(bundle, AFAS_DATA))


def afas_bundle_encrypted(ctx: Ctx) -> Call:
    url, _ = ctx.afas("healthy")
    form, bundle = ctx.file("form.toml", AFAS_FORM), ctx.o("registratie.json")
    args = ["--verbose", "--form", str(form), "--bundle", str(bundle), "--format", "html"]
    args += ["--recipient-key", str(recipient_key(ctx)), *extra_files(ctx, "r.")]
    env = {"KOPPELCHECK_AFAS_TOKEN": AFAS_XML}
    return Call(afas_args(url, *args), env=env, check=encrypted(bundle, "afas"))


def afas_scenario(scenario: str, *extra: str) -> Callable[[Ctx], Call]:
    def build(ctx: Ctx) -> Call:
        url, simulator = ctx.afas(scenario)
        connectors = tuple(c.id for c in simulator.scenario.connectors)
        form = ctx.file("form.toml", AFAS_FORM)
        args = ["--verbose", *extra, "--form", str(form), "--bundle", str(ctx.o("never.json"))]
        args += extra_files(ctx, "r.")
        return Call(
            afas_args(url, *args, connectors=connectors), env={"KOPPELCHECK_AFAS_TOKEN": AFAS_B64}
        )

    return build


def afas_token_file(ctx: Ctx) -> Call:
    url, _ = ctx.afas("healthy")
    token = ctx.file("token.xml", "\ufeff" + AFAS_XML + "\r\n")
    env: dict[str, str | None] = {"KOPPELCHECK_AFAS_TOKEN": None}
    return Call(afas_args(url, "--verbose", "--token-file", str(token)), env=env)


def afas_token_stdin(ctx: Ctx) -> Call:
    url, _ = ctx.afas("healthy")
    env: dict[str, str | None] = {"KOPPELCHECK_AFAS_TOKEN": None}
    args = afas_args(url, "--verbose", "--token-file", "-", "--format", "markdown")
    return Call(args, env=env, input=AFAS_B64 + "\n")


def afas_token_unreadable(ctx: Ctx) -> Call:
    url, simulator = ctx.afas("healthy")

    def nothing_sent(result: Result) -> None:
        assert sum(simulator.hits.values()) == 0 and "KOPPELCHECK_AFAS_TOKEN" in result.stderr

    env = {"KOPPELCHECK_AFAS_TOKEN": f"<token>{AFAS_DATA}</data>"}
    return Call(afas_args(url, "--verbose"), env=env, check=nothing_sent)


def afas_prompted(ctx: Ctx) -> Call:
    url, _ = ctx.afas("connector-missing")
    args = afas_args(url, "--verbose", "--json", str(ctx.o("r.json")))
    args.remove("--no-input")
    env: dict[str, str | None] = {"KOPPELCHECK_AFAS_TOKEN": None, "KOPPELCHECK_INTERACTIVE": "1"}
    # Enter: the default "classic" to the question how the App Connector authenticates.
    return Call(args, env=env, input="\n" + AFAS_XML + "\n" + "n\n" * 60)


def afas_token_entered_again(ctx: Ctx) -> Call:
    """A wrong token first (AFAS answers 401), then the header form at the hidden prompt."""
    url, _ = ctx.afas("healthy")
    args = afas_args(url, "--verbose", "--json", str(ctx.o("r.json")))
    args.remove("--no-input")
    env: dict[str, str | None] = {
        "KOPPELCHECK_AFAS_TOKEN": "0" * 64,
        "KOPPELCHECK_INTERACTIVE": "1",
    }
    return Call(args, env=env, input="y\ny\n" + AFAS_HEADER + "\n" + "n\n" * 40)


def afas_crash_in_a_check(ctx: Ctx) -> Call:
    from koppelcheck.afas.client import AfasClient

    url, _ = ctx.afas("healthy")
    crash_in(ctx, AfasClient, "probe_connector", AFAS_LEAKY)
    args = afas_args(url, "--verbose", "--format", "json", *extra_files(ctx, "r."))
    return Call(args, check=crash_reported)


def afas_crash_outside_checks(ctx: Ctx) -> Call:
    url, _ = ctx.afas("healthy")
    crash_outside_checks(ctx, AFAS_LEAKY)
    return Call(afas_args(url, "--verbose"), check=one_line_error)


# --- afas with OAuth client credentials ------------------------------------------------------

OAUTH_ENV: dict[str, str | None] = {
    "KOPPELCHECK_AFAS_TOKEN": None,
    "KOPPELCHECK_AFAS_CLIENT_ID": AFAS_CLIENT_ID,
    "KOPPELCHECK_AFAS_CLIENT_SECRET": AFAS_CLIENT_SECRET,
}
HYBRID_ENV: dict[str, str | None] = {**OAUTH_ENV, "KOPPELCHECK_AFAS_TOKEN": AFAS_XML}
OAUTH_LEAKY = (
    f"boom: client_secret={AFAS_CLIENT_SECRET}&client_id={AFAS_CLIENT_ID} "
    f"Authorization: Basic {AFAS_BASIC}"
)


def afas_oauth_format(fmt: str) -> Case:
    def build(ctx: Ctx) -> Call:
        url, simulator = ctx.afas("oauth")

        def bearer_used(_result: Result) -> None:
            assert set(simulator.schemes) == {"Bearer"}

        args = afas_args(url, "--verbose", "--format", fmt, *extra_files(ctx, "r."))
        return Call(args, env=OAUTH_ENV, check=bearer_used)

    return Case(f"afas-oauth-{fmt}", ("afas",), (0,), build)


def afas_oauth_secret_file(ctx: Ctx) -> Call:
    url, _ = ctx.afas("oauth")
    secret = ctx.file("secret.txt", f'\ufeff"{AFAS_CLIENT_SECRET}"\r\n')
    env = {**OAUTH_ENV, "KOPPELCHECK_AFAS_CLIENT_SECRET": None}
    args = afas_args(url, "--verbose", "--client-secret-file", str(secret), "--format", "json")
    return Call(args, env=env)


def afas_oauth_secret_stdin(ctx: Ctx) -> Call:
    url, _ = ctx.afas("oauth")
    env = {**OAUTH_ENV, "KOPPELCHECK_AFAS_CLIENT_SECRET": None}
    args = afas_args(url, "--verbose", "--client-secret-file", "-", "--format", "markdown")
    return Call(args, env=env, input=AFAS_CLIENT_SECRET + "\n")


def afas_oauth_secret_from_keyring(ctx: Ctx) -> Call:
    url, _ = ctx.afas("oauth")
    account = f"afas:12345:oauth:{AFAS_CLIENT_ID}"
    ctx.keyring.set_password("koppelcheck", account, AFAS_CLIENT_SECRET)
    env = {**OAUTH_ENV, "KOPPELCHECK_AFAS_CLIENT_SECRET": None}
    return Call(afas_args(url, "--verbose", "--format", "html"), env=env)


def afas_oauth_prompted(ctx: Ctx) -> Call:
    url, _ = ctx.afas("oauth")
    args = afas_args(url, "--verbose", "--json", str(ctx.o("r.json")))
    args.remove("--no-input")
    env = {**OAUTH_ENV, "KOPPELCHECK_AFAS_CLIENT_SECRET": None, "KOPPELCHECK_INTERACTIVE": "1"}
    return Call(args, env=env, input=AFAS_CLIENT_SECRET + "\n" + "\n" * 60)


def afas_oauth_secret_with_a_space(ctx: Ctx) -> Call:
    url, simulator = ctx.afas("oauth")

    def nothing_sent(result: Result) -> None:
        assert sum(simulator.hits.values()) == 0
        assert "KOPPELCHECK_AFAS_CLIENT_SECRET" in result.stderr

    env = {**OAUTH_ENV, "KOPPELCHECK_AFAS_CLIENT_SECRET": f"{AFAS_CLIENT_SECRET} x"}
    return Call(afas_args(url, "--verbose"), env=env, check=nothing_sent)


def afas_oauth_scenario(
    scenario: str, env: dict[str, str | None], *extra: str
) -> Callable[[Ctx], Call]:
    def build(ctx: Ctx) -> Call:
        url, _ = ctx.afas(scenario)
        form = ctx.file("form.toml", AFAS_FORM)
        args = ["--verbose", *extra, "--form", str(form), "--bundle", str(ctx.o("never.json"))]
        return Call(afas_args(url, *args, *extra_files(ctx, "r.")), env=env)

    return build


def afas_hybrid_bundle(ctx: Ctx) -> Call:
    url, _ = ctx.afas("hybrid")
    form, bundle = ctx.file("form.toml", AFAS_FORM), ctx.o("registratie.json")
    args = ["--verbose", "--output", str(ctx.o("r.txt")), "--form", str(form)]
    args += ["--bundle", str(bundle)]

    def carried(result: Result) -> None:
        carries(bundle, AFAS_DATA)(result)
        carries(bundle, AFAS_CLIENT_SECRET)(result)

    return Call(afas_args(url, *args), env=HYBRID_ENV, token_carriers=(bundle,), check=carried)


def afas_oauth_bundle_encrypted(ctx: Ctx) -> Call:
    url, _ = ctx.afas("oauth")
    form, bundle = ctx.file("form.toml", AFAS_FORM), ctx.o("registratie.json")
    args = ["--verbose", "--form", str(form), "--bundle", str(bundle), "--format", "html"]
    args += ["--recipient-key", str(recipient_key(ctx)), *extra_files(ctx, "r.")]

    def sealed(_result: Result) -> None:
        payload = json.loads(_payload(bundle))
        assert payload["tokens"]["afas"]["client_id"] == AFAS_CLIENT_ID
        assert payload["tokens"]["afas"]["client_secret"].count(".") == 4
        assert payload["form"]["afas"]["client_secret"].count(".") == 4

    return Call(afas_args(url, *args), env=OAUTH_ENV, check=sealed)


def afas_oauth_crash_in_the_token_fetch(ctx: Ctx) -> Call:
    import koppelcheck.afas.oauth as oauth

    url, _ = ctx.afas("oauth")

    async def boom(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError(OAUTH_LEAKY)

    ctx.monkeypatch.setattr(oauth, "fetch_access_token", boom)
    args = afas_args(url, "--verbose", "--format", "json", *extra_files(ctx, "r."))
    return Call(args, env=OAUTH_ENV, check=crash_reported)


def credentials_set_client_secret(ctx: Ctx) -> Call:
    args = ["credentials", "set", "afas", "--environment-id", "12345"]
    args += ["--client-id", AFAS_CLIENT_ID, "--no-input"]
    stored = ("koppelcheck", f"afas:12345:oauth:{AFAS_CLIENT_ID}")

    def kept(_result: Result) -> None:
        assert ctx.keyring.passwords[stored] == AFAS_CLIENT_SECRET

    return Call(args, env={"KOPPELCHECK_AFAS_CLIENT_SECRET": AFAS_CLIENT_SECRET}, check=kept)


# --- checklist, simulate, demo ---------------------------------------------------------------


def checklist_case(system: str, fmt: str, to_file: bool) -> Case:
    def build(ctx: Ctx) -> Call:
        output = ["--output", str(ctx.o(f"checklist.{fmt}"))] if to_file else []
        return Call(["checklist", system, "--format", fmt, *output])

    return Case(f"checklist-{system}-{fmt}", ("checklist",), (0,), build)


def simulate_serving(system: str) -> Case:
    """Serve a scenario file holding the known token; Ctrl-C stops the loop at once."""

    def build(ctx: Ctx) -> Call:
        from koppelcheck.simulator.server import _SimHTTPServer

        def interrupted(self: Any) -> None:
            raise KeyboardInterrupt  # as Ctrl-C would, from inside the serving loop

        ctx.monkeypatch.setattr(_SimHTTPServer, "service_actions", interrupted)
        if system == "nmbrs":
            text = f'base = "healthy"\nname = "leak"\ntoken = "{NMBRS_TOKEN}"\n'
        else:
            text = f'base = "healthy"\nname = "leak"\n[token]\ndata = "{AFAS_DATA}"\n'
        scenario = ctx.file("scenario.toml", text)

        def served(result: Result) -> None:
            assert "--base-url http://127.0.0.1:" in result.stderr

        return Call(["simulate", system, "--scenario-file", str(scenario)], check=served)

    return Case(f"simulate-{system}-serve", ("simulate", system), (130,), build)


def simulate_error(system: str, kind: str) -> Case:
    def build(ctx: Ctx) -> Call:
        if kind == "unknown-scenario":
            return Call(["simulate", system, "--scenario", "no-such-scenario"])
        token = (
            f'token = "{NMBRS_TOKEN}"'
            if system == "nmbrs"
            else f'[token]\ndata = "{AFAS_DATA}"\nversion = 1'
        )
        broken = {
            # A syntax error right after the token, and a wrong type next to it.
            "broken-toml": f'name = "x"\nnote = "{NMBRS_TOKEN}" {AFAS_DATA}\n{token}\n',
            "wrong-type": f'base = "healthy"\nname = "x"\nlatency_ms = "slow"\n{token}\n',
        }[kind]
        return Call(["simulate", system, "--scenario-file", str(ctx.file("s.toml", broken))])

    return Case(f"simulate-{system}-{kind}", ("simulate", system), (2,), build)


def simulate_help(system: str) -> Case:
    return Case(
        f"simulate-{system}-help",
        ("simulate", system),
        (0,),
        lambda _ctx: Call(["simulate", system, "--help"]),
    )


def demo(ctx: Ctx) -> Call:
    import tempfile

    scratch = ctx.inputs / "demo"
    scratch.mkdir()
    ctx.monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # the demo bundle goes there

    def written(result: Result) -> None:
        [bundle] = scratch.rglob("registratie-demo.json")
        assert DEMO_NMBRS_TOKEN in _payload(bundle)  # the demo bundle carries its token

    return Call(["demo", "--lang", "en"], check=written)


# --- bundle, keys, credentials ---------------------------------------------------------------


def make_bundle(ctx: Ctx, *, encrypt: bool = False, tamper: bool = False) -> Path:
    from koppelcheck.bundle.build import build_and_write_bundle
    from koppelcheck.bundle.keys import KeyPlace, SigningKey, Storage
    from koppelcheck.secret import Secret
    from tests.unit.test_bundle_build import make_report

    path = ctx.inputs / "bundle.json"
    build_and_write_bundle(
        path,
        report=make_report(system="afas"),
        form={"organisation": "Bakkerij", "afas": {"data_token": Secret(AFAS_DATA)}},
        tokens={"environment_id": "O12345AA", "token_version": 1, "token": Secret(AFAS_DATA)},
        recipient_key_path=recipient_key(ctx) if encrypt else None,
        signing_key=SigningKey.from_pem(SIGNING_PEM, KeyPlace(Storage.ENV)),
    )
    if tamper:
        document = json.loads(path.read_text())
        document["signature"] = document["signature"][::-1]
        path.write_text(json.dumps(document))
    return path


def public_key_file(ctx: Ctx) -> Path:
    from koppelcheck.bundle.keys import KeyPlace, SigningKey, Storage

    key = SigningKey.from_pem(SIGNING_PEM, KeyPlace(Storage.ENV))
    return ctx.file("public.jwk", json.dumps(key.public_jwk()))


def bundle_case(command: str, kind: str, code: int) -> Case:
    def build(ctx: Ctx) -> Call:
        if kind == "not-a-bundle":
            path = ctx.file("bundle.json", f"{AFAS_HEADER}\n{SIGNING_PEM}")
        elif kind == "bad-payload":
            junk = base64.urlsafe_b64encode(f'{{"token": "{AFAS_DATA}"'.encode()).decode()
            path = ctx.file(
                "bundle.json", json.dumps({"protected": junk, "payload": junk, "signature": "AAAA"})
            )
        else:
            path = make_bundle(ctx, encrypt=kind == "encrypted", tamper=kind == "tampered")
        extra = ["--public-key", str(public_key_file(ctx))] if kind == "pinned" else []
        call = Call(["bundle", command, str(path), *extra])
        if (command, kind) == ("show", "plain"):
            call.check = masked_in_stdout
        return call

    return Case(f"bundle-{command}-{kind}", ("bundle", command), (code,), build)


def keys_init_in_keyring(ctx: Ctx) -> Call:
    from koppelcheck.bundle.keys import KEYRING_ACCOUNT, KEYRING_SERVICE

    def created() -> dict[str, str]:
        pem = ctx.keyring.passwords[(KEYRING_SERVICE, KEYRING_ACCOUNT)]
        return pem_secrets(pem)

    return Call(
        ["keys", "init", "--force"], env={"KOPPELCHECK_SIGNING_KEY": None}, extra_secrets=created
    )


def keys_init_in_a_file(ctx: Ctx) -> Call:
    import keyring
    from keyring.backends import fail

    ctx.monkeypatch.setattr(keyring, "get_keyring", fail.Keyring)

    def created() -> dict[str, str]:
        [pem] = ctx.config.rglob("signing-key.pem")
        return pem_secrets(pem.read_text())

    return Call(["keys", "init"], env={"KOPPELCHECK_SIGNING_KEY": None}, extra_secrets=created)


def pem_secrets(pem: str) -> dict[str, str]:
    private = serialization.load_pem_private_key(pem.encode(), password=None)
    raw = private.private_bytes(  # type: ignore[union-attr]
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return {
        "created key pem body": "".join(pem.strip().splitlines()[1:-1]),
        "created key d": base64.urlsafe_b64encode(raw).decode().rstrip("="),
    }


def keys_bad_env_key(ctx: Ctx) -> Call:
    lines = SIGNING_PEM.strip().splitlines()
    broken = "\n".join([lines[0], lines[1][:-8] + "!!!!!!!!", *lines[2:]])
    return Call(["keys", "show"], env={"KOPPELCHECK_SIGNING_KEY": broken})


def credentials_set(source: str) -> Case:
    def build(ctx: Ctx) -> Call:
        args = ["credentials", "set", "nmbrs", "--domain", "voorbeeld", "--username", "a@b.nl"]
        stored = ("koppelcheck", "nmbrs:voorbeeld:a@b.nl")

        def kept(_result: Result) -> None:
            assert ctx.keyring.passwords[stored] == NMBRS_TOKEN

        if source == "file":
            token = ctx.file("token.txt", NMBRS_TOKEN + "\n")
            return Call([*args, "--token-file", str(token)], check=kept)
        if source == "stdin":
            return Call([*args, "--token-file", "-"], input=NMBRS_TOKEN, check=kept)
        return Call([*args, "--no-input"], check=kept)  # from KOPPELCHECK_NMBRS_TOKEN

    return Case(f"credentials-set-{source}", ("credentials", "set"), (0,), build)


def credentials_with_stored(args: list[str]) -> Callable[[Ctx], Call]:
    def build(ctx: Ctx) -> Call:
        from koppelcheck.cli.credentials import INDEX_ACCOUNT

        ctx.keyring.set_password("koppelcheck", "afas:12345", AFAS_DATA)
        ctx.keyring.set_password("koppelcheck", INDEX_ACCOUNT, json.dumps(["afas:12345"]))
        return Call(args)

    return build


# --- batch -----------------------------------------------------------------------------------


def batch_file(ctx: Ctx, nmbrs: tuple[str, ...], afas: tuple[str, ...]) -> Path:
    blocks = ['[defaults]\noption = "overkoepelend"\n']
    for scenario in nmbrs:
        url, _ = ctx.nmbrs(scenario)
        blocks.append(
            f'[[employer]]\nid = "n-{scenario}"\nsystem = "nmbrs"\n'
            f'username = "salaris@voorbeeld.nl"\ndomain = "voorbeeld"\n'
            f'company = "Bakkerij Jansen B.V."\nbase_url = "{url}"\ntoken_env = "LEAK_NMBRS"\n'
        )
    for scenario in afas:
        url, simulator = ctx.afas(scenario)
        connectors = json.dumps([c.id for c in simulator.scenario.connectors])
        blocks.append(
            f'[[employer]]\nid = "a-{scenario}"\nsystem = "afas"\nenvironment_id = "O12345AA"\n'
            f'connectors = {connectors}\nbase_url = "{url}"\ntoken_env = "LEAK_AFAS"\n'
        )
    return ctx.file("batch.toml", "\n".join(blocks))


BATCH_ENV: dict[str, str | None] = {"LEAK_NMBRS": NMBRS_TOKEN, "LEAK_AFAS": AFAS_XML}


def batch_format(fmt: str) -> Case:
    def build(ctx: Ctx) -> Call:
        path = batch_file(
            ctx,
            ("healthy", "calls-inactive", "bad-token"),
            ("healthy", "connector-missing", "bad-token"),
        )
        args = ["batch", str(path), "--format", fmt, *extra_files(ctx, "b.")]
        return Call(args, env=BATCH_ENV)

    return Case(f"batch-{fmt}", ("batch", "run"), (1,), build)


_SHARD_REPORTS: dict[int, str] = {}
"""The resumed shard reports, made once: merge only reads them, so the format cases share them."""


def _shard_reports(ctx: Ctx) -> list[str]:
    """Two shards of a batch whose answers quote tokens back (faults), each resumed once."""
    if not _SHARD_REPORTS:
        path = batch_file(ctx, ("faults", "bad-token"), ("faults", "bad-token"))
        for k in (1, 2):
            shard = ["batch", str(path), "--shard", f"{k}/2", "--timeout", "2"]
            first = runner.invoke(app, [*shard, "--json", str(ctx.o(f"s{k}.json"))], env=BATCH_ENV)
            assert first.exit_code in (1, 4), first.output
            resumed = ctx.o(f"r{k}.json")
            again = runner.invoke(
                app,
                [*shard, "--resume", str(ctx.o(f"s{k}.json")), "--json", str(resumed)],
                env=BATCH_ENV,
            )
            assert again.exit_code in (1, 4), again.output
            _SHARD_REPORTS[k] = resumed.read_text(encoding="utf-8")
    paths = []
    for k, text in _SHARD_REPORTS.items():
        paths.append(str(ctx.file(f"shard{k}.json", text)))
    return paths


def batch_merge_format(fmt: str) -> Case:
    def build(ctx: Ctx) -> Call:
        reports = list(reversed(_shard_reports(ctx)))
        outputs = [
            a for flag in ("--json", "--junit", "--html") for a in (flag, str(ctx.o(f"m.{flag}")))
        ]
        args = [
            "batch",
            "merge",
            *reports,
            "--format",
            fmt,
            *outputs,
        ]  # merge sends nothing: no --trace
        return Call([*args, "--output", str(ctx.o("m.out"))] if fmt == "json" else args)

    return Case(f"batch-merge-{fmt}", ("batch", "merge"), (1, 4), build)


def batch_faults(ctx: Ctx) -> Call:
    path = batch_file(ctx, ("faults",), ("faults",))
    args = ["batch", str(path), "--timeout", "2", "--output", str(ctx.o("b.json"))]
    return Call([*args, "--format", "json", *extra_files(ctx, "b.")], env=BATCH_ENV)


def batch_literal_token(ctx: Ctx) -> Call:
    path = ctx.file(
        "batch.toml",
        f'[[employer]]\nid = "a"\nsystem = "nmbrs"\nusername = "a@b.nl"\ndomain = "x"\n'
        f'token = "{NMBRS_TOKEN}"\napi_token = "{AFAS_XML}"\n',
    )
    return Call(["batch", str(path)])


def batch_from_keyring(ctx: Ctx) -> Call:
    url, _ = ctx.nmbrs("healthy")
    ctx.keyring.set_password("koppelcheck", "nmbrs:voorbeeld:salaris@voorbeeld.nl", NMBRS_TOKEN)
    path = ctx.file(
        "batch.toml",
        f'[[employer]]\nid = "k"\nsystem = "nmbrs"\nusername = "salaris@voorbeeld.nl"\n'
        f'domain = "voorbeeld"\nbase_url = "{url}"\ntoken_keyring = true\n',
    )
    return Call(["batch", str(path), "--format", "junit", "--html", str(ctx.o("b.html"))])


def batch_oauth(ctx: Ctx) -> Call:
    """AFAS employers with client credentials (OAuth) and with both (hybrid), one refused."""
    blocks = []
    for scenario in ("oauth", "hybrid", "bad-secret"):
        url, _ = ctx.afas(scenario)
        blocks.append(
            f'[[employer]]\nid = "o-{scenario}"\nsystem = "afas"\nenvironment_id = "O12345AA"\n'
            f'connectors = ["BP_Werknemers"]\nbase_url = "{url}"\nclient_id = "{AFAS_CLIENT_ID}"\n'
            f'client_secret_env = "LEAK_CLIENT"\n'
            + ('token_env = "LEAK_AFAS"\n' if scenario == "hybrid" else "")
        )
    path = ctx.file("batch.toml", "\n".join(blocks))
    args = ["batch", str(path), "--format", "json", *extra_files(ctx, "b.")]
    return Call(args, env={**BATCH_ENV, "LEAK_CLIENT": AFAS_CLIENT_SECRET})


def batch_literal_client_secret(ctx: Ctx) -> Call:
    path = ctx.file(
        "batch.toml",
        f'[[employer]]\nid = "a"\nsystem = "afas"\nenvironment_id = "12345"\n'
        f'client_id = "{AFAS_CLIENT_ID}"\nclient_secret = "{AFAS_CLIENT_SECRET}"\n',
    )
    return Call(["batch", str(path)])


def batch_crash_in_a_check(ctx: Ctx) -> Call:
    from koppelcheck.afas.client import AfasClient
    from koppelcheck.nmbrs.client import NmbrsClient

    crash_in(ctx, NmbrsClient, "call", NMBRS_LEAKY)
    crash_in(ctx, AfasClient, "probe_connector", AFAS_LEAKY)
    path = batch_file(ctx, ("healthy",), ("healthy",))
    return Call(["batch", str(path), *extra_files(ctx, "b.")], env=BATCH_ENV)


# --- Nmbrs REST --------------------------------------------------------------------------------

REST_ENV = {
    "KOPPELCHECK_NMBRS_CLIENT_SECRET": NMBRS_CLIENT_SECRET,
    "KOPPELCHECK_NMBRS_SUBSCRIPTION_KEY": NMBRS_SUBSCRIPTION_KEY,
}


def rest_args(url: str, *extra: str) -> list[str]:
    return [
        "nmbrs",
        "--api",
        "rest",
        "--client-id",
        "PartnerApp_koppelcheck_demo",
        "--base-url",
        url,
        "--identity-url",
        url,
        "--no-input",
        *extra,
    ]


def issued(simulator: NmbrsRestSimulator) -> Callable[[], dict[str, str]]:
    """The tokens the simulated identity service handed out in this run (revoked or not)."""

    def tokens() -> dict[str, str]:
        state = simulator.state
        every = [*state.revoked, *state.access, *state.refresh]
        return {f"rest token {i}": token for i, token in enumerate(every)}

    return tokens


def all_revoked(simulator: NmbrsRestSimulator) -> Callable[[Result], None]:
    def check(result: Result) -> None:
        assert simulator.state.revoked and simulator.live_tokens == 0, result.stderr

    return check


def rest_format(fmt: str) -> Case:
    def build(ctx: Ctx) -> Call:
        url, simulator = ctx.rest("healthy")
        extra = ["--verbose", *extra_files(ctx, "rest."), "--output", str(ctx.o("rest.out"))]
        return Call(
            rest_args(url, "--format", fmt, *extra),
            env=REST_ENV,
            extra_secrets=issued(simulator),
            check=all_revoked(simulator),
        )

    return Case(f"nmbrs-rest-{fmt}", ("nmbrs",), (0,), build)


def rest_scenario(scenario: str, **changes: Any) -> Callable[[Ctx], Call]:
    def build(ctx: Ctx) -> Call:
        url, simulator = ctx.rest(scenario, **changes)
        return Call(
            rest_args(url, "--format", "json"), env=REST_ENV, extra_secrets=issued(simulator)
        )

    return build


def rest_secret_files(ctx: Ctx) -> Call:
    url, simulator = ctx.rest("healthy")
    secret = ctx.file("client-secret.txt", f"  {NMBRS_CLIENT_SECRET}\n")
    return Call(
        rest_args(
            url, "--client-secret-file", str(secret), "--subscription-key-file", "-", "--verbose"
        ),
        input=NMBRS_SUBSCRIPTION_KEY + "\n",
        env={"KOPPELCHECK_NMBRS_CLIENT_SECRET": None},
        extra_secrets=issued(simulator),
        check=all_revoked(simulator),
    )


def rest_secret_with_a_space(ctx: Ctx) -> Call:
    url, _ = ctx.rest("healthy")
    return Call(
        rest_args(url),
        env={**REST_ENV, "KOPPELCHECK_NMBRS_SUBSCRIPTION_KEY": NMBRS_SUBSCRIPTION_KEY + " x"},
    )


def rest_simulate_serving(ctx: Ctx) -> Call:
    from koppelcheck.simulator.server import _SimHTTPServer

    def interrupted(self: Any) -> None:
        raise KeyboardInterrupt

    ctx.monkeypatch.setattr(_SimHTTPServer, "service_actions", interrupted)
    return Call(["simulate", "nmbrs-rest", "--scenario", "missing-scope"])


# --- the table -------------------------------------------------------------------------------

CASES: list[Case] = [
    *(nmbrs_format(fmt) for fmt in REPORT_FORMATS),
    Case("nmbrs-bundle", ("nmbrs",), (0,), nmbrs_bundle),
    Case("nmbrs-bundle-encrypted", ("nmbrs",), (0,), nmbrs_bundle_encrypted),
    Case("nmbrs-bad-token", ("nmbrs",), (1,), nmbrs_scenario("bad-token", "--format", "json")),
    Case("nmbrs-calls-inactive", ("nmbrs",), (1,), nmbrs_scenario("calls-inactive")),
    Case(
        "nmbrs-faults",
        ("nmbrs",),
        (4,),
        nmbrs_scenario("faults", "--timeout", "2", "--format", "junit"),
    ),
    Case("nmbrs-token-file", ("nmbrs",), (0,), nmbrs_token_file),
    Case("nmbrs-token-stdin", ("nmbrs",), (0,), nmbrs_token_stdin),
    Case("nmbrs-token-with-a-space", ("nmbrs",), (2,), nmbrs_token_with_a_space),
    Case("nmbrs-prompted-walkthrough", ("nmbrs",), (0,), nmbrs_prompted),
    Case("nmbrs-token-entered-again", ("nmbrs",), (0,), nmbrs_token_entered_again),
    Case("nmbrs-crash-in-a-check", ("nmbrs",), (4,), nmbrs_crash_in_a_check),
    Case("nmbrs-crash-outside-checks", ("nmbrs",), (4,), nmbrs_crash_outside_checks),
    Case("nmbrs-unreachable", ("nmbrs",), (4,), nmbrs_unreachable),
    *(rest_format(fmt) for fmt in REPORT_FORMATS),
    Case("nmbrs-rest-secret-files", ("nmbrs",), (0,), rest_secret_files),
    Case("nmbrs-rest-secret-with-a-space", ("nmbrs",), (2,), rest_secret_with_a_space),
    Case("nmbrs-rest-missing-scope", ("nmbrs",), (1,), rest_scenario("missing-scope")),
    Case(
        "nmbrs-rest-invalid-client",
        ("nmbrs",),
        (1,),
        rest_scenario("healthy", client_secret="another-secret-the-app-does-not-have"),
    ),
    Case("nmbrs-rest-throttled", ("nmbrs",), (4,), rest_scenario("throttled")),
    Case(
        "checklist-nmbrs-rest",
        ("checklist",),
        (0,),
        lambda _ctx: Call(["checklist", "nmbrs", "--api", "rest"]),
    ),
    Case("simulate-nmbrs-rest-serve", ("simulate", "nmbrs-rest"), (130,), rest_simulate_serving),
    Case(
        "simulate-nmbrs-rest-help",
        ("simulate", "nmbrs-rest"),
        (0,),
        lambda _ctx: Call(["simulate", "nmbrs-rest", "--help"]),
    ),
    Case(
        "simulate-nmbrs-rest-unknown-scenario",
        ("simulate", "nmbrs-rest"),
        (2,),
        lambda _ctx: Call(["simulate", "nmbrs-rest", "--scenario", "nope"]),
    ),
    *(
        afas_format(fmt, form)
        for fmt, form in zip(REPORT_FORMATS, ("data", "xml", "base64", "data", "xml"), strict=True)
    ),
    Case("afas-bundle", ("afas",), (0,), afas_bundle),
    Case("afas-bundle-encrypted", ("afas",), (0,), afas_bundle_encrypted),
    Case("afas-bad-token", ("afas",), (1,), afas_scenario("bad-token")),
    Case("afas-connector-missing", ("afas",), (1,), afas_scenario("connector-missing")),
    Case("afas-maintenance", ("afas",), (4,), afas_scenario("maintenance", "--format", "json")),
    Case("afas-faults", ("afas",), (4,), afas_scenario("faults", "--timeout", "2")),
    Case("afas-token-file", ("afas",), (0,), afas_token_file),
    Case("afas-token-stdin", ("afas",), (0,), afas_token_stdin),
    Case("afas-token-unreadable", ("afas",), (2,), afas_token_unreadable),
    Case("afas-prompted-walkthrough", ("afas",), (1,), afas_prompted),
    Case("afas-token-entered-again", ("afas",), (0,), afas_token_entered_again),
    Case("afas-crash-in-a-check", ("afas",), (4,), afas_crash_in_a_check),
    Case("afas-crash-outside-checks", ("afas",), (4,), afas_crash_outside_checks),
    *(afas_oauth_format(fmt) for fmt in REPORT_FORMATS),
    Case("afas-oauth-secret-file", ("afas",), (0,), afas_oauth_secret_file),
    Case("afas-oauth-secret-stdin", ("afas",), (0,), afas_oauth_secret_stdin),
    Case("afas-oauth-secret-keyring", ("afas",), (0,), afas_oauth_secret_from_keyring),
    Case("afas-oauth-prompted-walkthrough", ("afas",), (0,), afas_oauth_prompted),
    Case("afas-oauth-secret-with-a-space", ("afas",), (2,), afas_oauth_secret_with_a_space),
    Case("afas-bad-secret", ("afas",), (1,), afas_oauth_scenario("bad-secret", OAUTH_ENV)),
    Case("afas-hybrid-bad-secret", ("afas",), (1,), afas_oauth_scenario("bad-secret", HYBRID_ENV)),
    Case(
        "afas-hybrid-faults",
        ("afas",),
        (1, 4),
        afas_oauth_scenario("faults", HYBRID_ENV, "--timeout", "2"),
    ),
    Case("afas-hybrid-bundle", ("afas",), (0,), afas_hybrid_bundle),
    Case("afas-oauth-bundle-encrypted", ("afas",), (0,), afas_oauth_bundle_encrypted),
    Case(
        "afas-oauth-crash-in-the-token-fetch", ("afas",), (4,), afas_oauth_crash_in_the_token_fetch
    ),
    checklist_case("afas", "text", False),
    checklist_case("nmbrs", "markdown", True),
    checklist_case("nmbrs", "html", True),
    *(simulate_serving(system) for system in ("nmbrs", "afas")),
    *(simulate_help(system) for system in ("nmbrs", "afas")),
    *(
        simulate_error(system, kind)
        for system in ("nmbrs", "afas")
        for kind in ("unknown-scenario", "broken-toml", "wrong-type")
    ),
    Case("demo", ("demo",), (0,), demo),
    bundle_case("verify", "plain", 0),
    bundle_case("verify", "pinned", 0),
    bundle_case("verify", "encrypted", 0),
    bundle_case("verify", "tampered", 1),
    bundle_case("verify", "not-a-bundle", 2),
    bundle_case("verify", "bad-payload", 1),
    bundle_case("show", "plain", 0),
    bundle_case("show", "encrypted", 0),
    bundle_case("show", "tampered", 0),
    bundle_case("show", "not-a-bundle", 2),
    bundle_case("show", "bad-payload", 1),
    Case("keys-init-env-wins", ("keys", "init"), (0,), lambda _ctx: Call(["keys", "init"])),
    Case("keys-init-keyring", ("keys", "init"), (0,), keys_init_in_keyring),
    Case("keys-init-pem-file", ("keys", "init"), (0,), keys_init_in_a_file),
    Case("keys-show", ("keys", "show"), (0,), lambda _ctx: Call(["keys", "show"])),
    Case("keys-show-bad-env-key", ("keys", "show"), (2,), keys_bad_env_key),
    Case("keys-export-stdout", ("keys", "export"), (0,), lambda _ctx: Call(["keys", "export"])),
    Case(
        "keys-export-file",
        ("keys", "export"),
        (0,),
        lambda ctx: Call(["keys", "export", "--output", str(ctx.o("public.jwk"))]),
    ),
    *(credentials_set(source) for source in ("file", "stdin", "env")),
    Case(
        "credentials-set-afas-client-secret",
        ("credentials", "set"),
        (0,),
        credentials_set_client_secret,
    ),
    Case(
        "credentials-set-bad-token",
        ("credentials", "set"),
        (2,),
        lambda ctx: Call(
            ["credentials", "set", "afas", "--environment-id", "12345", "--no-input"],
            env={"KOPPELCHECK_AFAS_TOKEN": f"{AFAS_DATA}\n{AFAS_DATA}"},
        ),
    ),
    Case(
        "credentials-list",
        ("credentials", "list"),
        (0,),
        credentials_with_stored(["credentials", "list"]),
    ),
    Case(
        "credentials-delete",
        ("credentials", "delete"),
        (0,),
        credentials_with_stored(["credentials", "delete", "afas", "--environment-id", "12345"]),
    ),
    Case(
        "credentials-delete-missing",
        ("credentials", "delete"),
        (1,),
        lambda _ctx: Call(["credentials", "delete", "afas", "--environment-id", "54321"]),
    ),
    *(batch_format(fmt) for fmt in REPORT_FORMATS),
    Case("batch-faults", ("batch", "run"), (4,), batch_faults),
    Case("batch-literal-token", ("batch", "run"), (2,), batch_literal_token),
    Case("batch-afas-oauth", ("batch", "run"), (1,), batch_oauth),
    Case("batch-literal-client-secret", ("batch", "run"), (2,), batch_literal_client_secret),
    Case("batch-token-from-keyring", ("batch", "run"), (0,), batch_from_keyring),
    Case("batch-crash-in-a-check", ("batch", "run"), (4,), batch_crash_in_a_check),
    *(batch_merge_format(fmt) for fmt in REPORT_FORMATS),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_no_secret_in_any_output(case: Case, ctx: Ctx, caplog: pytest.LogCaptureFixture) -> None:
    run_case(case, ctx, caplog)


def test_verbose_masks_auth_headers_whoever_logs_them(ctx: Ctx) -> None:
    """A library that logs the request headers at DEBUG (as an httpx event hook or a patched
    transport might): --verbose shows ``AfasToken ••••``, never the header's value."""
    from koppelcheck.afas.client import AfasClient

    original = AfasClient.get_metainfo
    chatty = logging.getLogger("httpx.headers")

    async def logged(self: AfasClient) -> Any:
        chatty.debug("GET /metainfo Authorization: %s", self._token.authorization())
        chatty.debug("token %s as XML %s", self._token.data.reveal(), self._token.xml)
        return await original(self)

    ctx.monkeypatch.setattr(AfasClient, "get_metainfo", logged)
    url, _ = ctx.afas("healthy")
    result = runner.invoke(
        app,
        afas_args(url, "--verbose"),
        env={"KOPPELCHECK_AFAS_TOKEN": AFAS_DATA, "COLUMNS": "120"},
    )
    assert result.exit_code == 0, result.stderr
    assert "Authorization: AfasToken ••••" in result.stderr
    assert "token ••••" in result.stderr
    assert_clean({"stderr": result.stderr, "stdout": result.stdout}, TOKEN_SECRETS)


# --- the table covers the app ----------------------------------------------------------------


def app_commands() -> dict[tuple[str, ...], Any]:
    """Every runnable command of the app, by path (``("bundle", "verify")``), from Typer itself."""
    found: dict[tuple[str, ...], Any] = {}

    def walk(command: Any, path: tuple[str, ...]) -> None:
        subcommands = getattr(command, "commands", None)
        if subcommands:
            for name, sub in subcommands.items():
                walk(sub, (*path, name))
        else:
            found[path] = command

    walk(typer.main.get_command(app), ())
    return found


def test_every_command_is_covered() -> None:
    commands = app_commands()
    assert len(commands) >= 15  # the walk really found the tree
    covered = {case.command for case in CASES}
    assert set(commands) - covered == set(), "commands without a leak case"
    assert covered <= set(commands), "cases for commands that do not exist"


def _option_names(command: Any) -> set[str]:
    return {opt for param in command.params for opt in getattr(param, "opts", [])}


def test_every_format_file_output_and_verbose_is_covered() -> None:
    """Each command's --format values, file outputs and --verbose appear in some case."""
    ctx_args: dict[tuple[str, ...], list[list[str]]] = {}
    for case in CASES:
        ctx_args.setdefault(case.command, []).append(_static_args(case))
    for path, command in app_commands().items():
        options = _option_names(command)
        used = {arg for args in ctx_args.get(path, []) for arg in args}
        if "--format" in options:
            assert path in FORMATS_OF, f"{path}: which formats does it have?"
            formats = {
                args[i + 1]
                for args in ctx_args[path]
                for i, arg in enumerate(args)
                if arg == "--format"
            }
            assert set(FORMATS_OF[path]) <= formats, (path, formats)
        for flag in (*OUTPUT_FLAGS, "--verbose", "--token-file", "--recipient-key"):
            if flag in options:
                assert flag in used, f"{path}: no leak case uses {flag}"


def _static_args(case: Case) -> list[str]:
    """The arguments a case would run with (built against throw-away servers and folders)."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder, pytest.MonkeyPatch.context() as patch:
        context = Ctx(Path(folder), patch, InMemoryKeyring(), serve=False)
        try:
            return case.build(context).args
        finally:
            context.close()


# --- Typer's pretty exceptions ---------------------------------------------------------------


def test_pretty_exceptions_never_show_locals() -> None:
    assert app.pretty_exceptions_show_locals is False
    for group in app.registered_groups:
        assert group.typer_instance is not None
        assert group.typer_instance.pretty_exceptions_show_locals is False


_SCRIPT = """
import os
import sys

import koppelcheck.cli.checklist as checklist
import koppelcheck.cli.common as common


def boom(*args, **kwargs):
    token_in_a_local = os.environ["LEAK"]
    raise RuntimeError("the report could not be written")


checklist.atomic_write = boom
{escape}
from koppelcheck.cli.app import main

sys.argv = ["koppelcheck", "checklist", "nmbrs", "--output", sys.argv[1]]
main()
"""


@pytest.mark.parametrize("escapes", [False, True], ids=["caught", "escaping-handle-errors"])
def test_a_forced_crash_in_the_real_console_script(tmp_path: Path, escapes: bool) -> None:
    """Through ``main()`` with Typer's real exception hook: a crash inside a command is one line
    (no traceback); even an exception that escapes every handler shows no local's value."""
    escape = (
        "common._say_error = lambda *a: (_ for _ in ()).throw(LookupError('handler broke'))"
        if escapes
        else ""
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "COLUMNS": "120",
        "HOME": str(tmp_path),
        "LEAK": f"{NMBRS_TOKEN} {AFAS_HEADER} {SIGNING_PEM}",
    }
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT.format(escape=escape), str(tmp_path / "c.txt")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    output = done.stdout + done.stderr
    assert_clean({"output": output}, {**TOKEN_SECRETS, **KEY_SECRETS})
    if escapes:
        assert done.returncode == 1
        assert "LookupError" in output
    else:
        assert done.returncode == 4, output
        assert "Traceback" not in output
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert lines == ["onverwachte fout: RuntimeError: the report could not be written"]
    assert not (tmp_path / "c.txt").exists()
