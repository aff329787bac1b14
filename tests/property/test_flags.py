"""Every flag of every command, given hostile values: a contract exit code and a message, never a
traceback; an exit 2 names what was wrong, and nothing reached the simulator (exit 2 or 3).

Each example starts from a valid invocation and replaces one flag (or argument) with a hostile
value, so an exit 2 can be held to naming that flag. The simulators are started once per session;
"nothing sent" compares their hit counters before and after each example. The last section holds
oracles for the values that travel to the server: an invalid one must never be sent.
"""

from __future__ import annotations

import itertools
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import typer
from hypothesis import Phase, example, given, settings
from hypothesis import strategies as st

from koppelcheck.cli.app import app
from koppelcheck.registration import FORM_FIELDS
from koppelcheck.simulator.server import SimulatorServer
from tests.property.conftest import Served
from tests.property.hostile import (
    NASTY_STRINGS,
    argv_text,
    assert_names_one_of,
    assert_well_behaved,
    invoke,
    number_text,
    prop,
)

FORM_KEYS = tuple(f.key for f in FORM_FIELDS) + tuple(f.name for f in FORM_FIELDS)
_counter = itertools.count()


# --- hostile files ------------------------------------------------------------------------------


def _zip(names: list[str]) -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, b"<x/>")
    return buffer.getvalue()


file_bytes = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.sampled_from(
        [
            b"",
            b"\xef\xbb\xbf",
            b"\xff\xfe\x00a",
            b"\x00" * 64,
            b"{}",
            b"[]",
            b"null",
            b'{"kty": "OKP", "crv": "X25519", "x": "!!"}',
            b'{"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}',
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
            b'organisation = "x"\n[nmbrs]\ncompany = 5\n',
            b'name = "[/]"\n',
            b"PK\x03\x04" + b"\x00" * 40,
            b"PK\x05\x06" + b"\x00" * 18,
            b"x" * 100_000,
        ]
    ),
    st.lists(
        st.sampled_from(["a.gcn", "../../x.xml", "/abs.xml", "__MACOSX/a.xml", ".x.gcn", "d/"])
    )
    .filter(lambda names: len(set(names)) == len(names))
    .map(_zip),
)
"""What a file flag may point at: random bytes, invalid UTF-8, BOMs, NULs, almost-right keys,
PEM and JWK look-alikes, truncated and odd ZIPs."""


@dataclass(frozen=True)
class InPath:
    """A path a command reads: missing, a folder, a literal text, or a file with given bytes."""

    kind: str
    data: Any = None

    def make(self, where: Path) -> str:
        if self.kind == "missing":
            return str(where / f"missing-{next(_counter)}" / "file")
        if self.kind == "dir":
            return str(where)
        if self.kind == "literal":
            return str(self.data)
        path = where / f"in-{next(_counter)}"
        path.write_bytes(self.data)
        return str(path)


@dataclass(frozen=True)
class OutPath:
    """A path a command writes: a missing folder, a folder itself, a hostile name in a folder."""

    kind: str
    name: str = "report"

    def make(self, where: Path) -> str:
        if self.kind == "missing":
            return str(where / f"missing-{next(_counter)}" / "report")
        if self.kind == "dir":
            return str(where)
        # Only names inside ``where``: a hostile name must never write outside the test's folder.
        safe = self.name.replace("/", "_").replace("\\", "_")[:100]
        if safe in ("", ".", ".."):
            safe = f"x{safe}"
        return str(where / "out" / safe)


in_paths = st.one_of(
    st.just(InPath("missing")),
    st.just(InPath("dir")),
    st.sampled_from(["", " ", ".", "/", "~", "../../../etc/passwd", "nope\n"]).map(
        lambda text: InPath("literal", text)
    ),
    file_bytes.map(lambda data: InPath("file", data)),
)
out_paths = st.one_of(
    st.just(OutPath("missing")),
    st.just(OutPath("dir")),
    argv_text.map(lambda name: OutPath("name", name)),
)


@st.composite
def hostile_url(draw: st.DrawFn, sim_port: int | str = 1) -> str:
    """A base URL that is refused, or one on loopback only: never a host out there that passes.

    https:// passes validation for any host, so https URLs here name loopback hosts only; the
    network guard fails the test if any other host is ever looked up or connected to.
    """
    loopback = ["127.0.0.1", "localhost", "[::1]", "127.0.0.2", "LOCALHOST"]
    refused_http = ["example.com", "10.0.0.1", "127.1", "2130706433", "localhost.", "0.0.0.0"]
    refused_http += ["127.0.0.1.nip.io", "[::ffff:127.0.0.1]", "[fe80::1%25eth0]", ""]
    port = draw(st.sampled_from(["", ":1", f":{sim_port}", ":0", ":99999", ":-1", ":x", ":"]))
    path = draw(st.sampled_from(["", "/", "/soap/v3", "/%2e%2e/", "/?q=1", "/#frag", "//x"]))
    choice = draw(st.integers(0, 3))
    if choice == 0:
        scheme = draw(st.sampled_from(["http", "HTTP", "hTtP"]))
        host = draw(st.sampled_from(loopback + refused_http))
        return f"{scheme}://{host}{port}{path}"
    if choice == 1:
        scheme = draw(st.sampled_from(["https", "HTTPS"]))
        return f"{scheme}://{draw(st.sampled_from(loopback))}{port}{path}"
    if choice == 2:
        scheme = draw(
            st.sampled_from(["ftp", "file", "javascript", "data", "ws", "gopher", "", "h ttp"])
        )
        return f"{scheme}://{draw(st.sampled_from(loopback + refused_http))}{port}{path}"
    return draw(
        st.sampled_from(
            [
                "",
                " ",
                "127.0.0.1",
                "//127.0.0.1/",
                "http:/127.0.0.1",
                "http://user:pw@127.0.0.1/",
                "https://user@localhost/",
                "http://example.com#@127.0.0.1/",
                "http://127.0.0.1:80\\@example.com/",
                "http://example.com\\@127.0.0.1/",
                "http://127.0.0.1\n.example.com/",
                "http://loc\nalhost:1/",
                "http://127.0.0.1\t/",
                "http://[::1",
                "http://]::1[/",
                "https://127.0.0.1:1/" + "a" * 3000,
                "http://127.0.0.1:1/\x7f",
                "http://127.0.0.1:1/ünï",
            ]
        )
    )


# --- the flag table -----------------------------------------------------------------------------


@dataclass
class Case:
    """One invocation: the arguments, the environment, stdin, and the names an exit 2 may use."""

    args: list[str]
    env: dict[str, str | None] = field(default_factory=dict)
    stdin: str | None = None
    names: tuple[str, ...] = ()


Arg = str | InPath | OutPath
SIM_PORT = "{sim_port}"
"""Stands for the running simulator's port in a generated URL (filled in when the case runs)."""


@dataclass(frozen=True)
class Hostile:
    """One flag (or argument) made hostile: its arguments, stdin, and what an exit 2 may name."""

    flag: str
    args: tuple[Arg, ...]
    names: tuple[str, ...] = ()
    stdin: str | None = None


def text_flag(flag: str, values: st.SearchStrategy[str] = argv_text) -> st.SearchStrategy[Hostile]:
    return values.map(lambda value: Hostile(flag, (flag, value)))


def repeated_flag(flag: str) -> st.SearchStrategy[Hostile]:
    return st.lists(argv_text, min_size=1, max_size=3).map(
        lambda items: Hostile(flag, tuple(arg for item in items for arg in (flag, item)))
    )


def in_path_flag(flag: str, names: tuple[str, ...] = ()) -> st.SearchStrategy[Hostile]:
    return in_paths.map(lambda path: Hostile(flag, (flag, path), names))


def out_path_flag(flag: str, names: tuple[str, ...] = ()) -> st.SearchStrategy[Hostile]:
    return out_paths.map(lambda path: Hostile(flag, (flag, path), names))


def bool_flag(flag: str) -> st.SearchStrategy[Hostile]:
    return st.one_of(
        st.just(Hostile(flag, (flag,))),
        st.just(Hostile(flag, (flag, flag))),
        argv_text.map(lambda value: Hostile(flag, (f"{flag}={value}",))),
    )


token_file_flag = st.one_of(
    in_paths.map(lambda path: Hostile("--token-file", ("--token-file", path))),
    argv_text.map(lambda text: Hostile("--token-file", ("--token-file", "-"), stdin=text)),
)
client_secret_file_flag = st.one_of(
    in_paths.map(
        lambda path: Hostile(
            "--client-secret-file",
            ("--client-id", "benefits-plaza", "--client-secret-file", path),
        )
    ),
    argv_text.map(
        lambda text: Hostile(
            "--client-secret-file",
            ("--client-id", "benefits-plaza", "--client-secret-file", "-"),
            stdin=text,
        )
    ),
    st.just(Hostile("--client-secret-file", ("--client-secret-file", "secret.txt"))),
)
unknown_flag = st.sampled_from(["--frobnicate", "-x", "--token", "--password"]).map(
    lambda option: Hostile("<unknown>", (option,), ("No such option", "Onbekende optie"))
)
stray_argument = argv_text.filter(lambda text: not text.startswith("-")).map(
    lambda text: Hostile(
        "<stray>", (text,), ("unexpected extra argument", "Got unexpected", "Onverwachte extra")
    )
)


def common_check_flags() -> dict[str, st.SearchStrategy[Hostile]]:
    """The options ``nmbrs``, ``afas`` share (contract: "Options shared by ...")."""
    return {
        "--format": text_flag("--format"),
        "--output": out_path_flag("--output"),
        "--json": out_path_flag("--json"),
        "--junit": out_path_flag("--junit"),
        "--html": out_path_flag("--html"),
        "--no-input": bool_flag("--no-input"),
        "--lang": text_flag("--lang"),
        "--timeout": text_flag("--timeout", number_text),
        "--strict": bool_flag("--strict"),
        "--exit-zero": bool_flag("--exit-zero"),
        "--base-url": text_flag("--base-url", hostile_url(SIM_PORT)),
        "--bundle": out_path_flag("--bundle", FORM_KEYS),
        "--form": in_path_flag("--form", FORM_KEYS),
        "--field": repeated_flag("--field"),
        "--recipient-key": in_path_flag("--recipient-key", FORM_KEYS),
        "--no-color": bool_flag("--no-color"),
        "--ca-bundle": in_path_flag("--ca-bundle"),
        "--verbose": bool_flag("--verbose"),
        "--trace": out_path_flag("--trace"),
    }


def hostile_invocations(table: dict[str, st.SearchStrategy[Hostile]]) -> st.SearchStrategy[Hostile]:
    """One flag of ``table`` made hostile, or an unknown flag, or a stray argument."""
    return st.one_of(*table.values(), unknown_flag, stray_argument)


def make_case(
    command: list[str],
    base: dict[str, list[str]],
    hostile: Hostile,
    env: dict[str, str | None],
    where: Path,
    port: int,
) -> Case:
    """The valid ``base`` invocation with ``hostile`` in place of its flag."""
    kept = [arg for flag, values in base.items() if flag != hostile.flag for arg in values]
    made = [
        arg.replace(SIM_PORT, str(port)) if isinstance(arg, str) else arg.make(where)
        for arg in hostile.args
    ]
    names = (hostile.flag, *hostile.names)
    return Case([*command, *kept, *made], dict(env), hostile.stdin, names)


def run_case(case: Case, served: list[Served]) -> Any:
    before = [s.hits() for s in served]
    result = invoke(case.args, env=case.env, input=case.stdin)
    sent = [s.hits() - b for s, b in zip(served, before, strict=True)]
    assert_well_behaved(result, what=case.args)
    if result.exit_code in (2, 3):
        assert sum(sent) == 0, f"exit {result.exit_code} but {sent} request(s) sent: {case.args!r}"
    if result.exit_code == 2:
        assert_names_one_of(result, case.names, what=case.args)
    return result


@pytest.fixture
def in_workdir(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from the module's folder: a relative path a property makes up lands there."""
    (workdir / "out").mkdir(exist_ok=True)
    monkeypatch.chdir(workdir)
    return workdir


# --- nmbrs, afas --------------------------------------------------------------------------------


def nmbrs_flags() -> dict[str, st.SearchStrategy[Hostile]]:
    return {
        "--username": text_flag("--username"),
        "--domain": text_flag("--domain"),
        "--token-file": token_file_flag,
        "--option": text_flag("--option"),
        "--company": text_flag("--company"),
        "--environment": text_flag("--environment"),
        "--concurrency": text_flag("--concurrency", number_text),
        "--no-rest-readiness": bool_flag("--no-rest-readiness"),
        "--consent-plan": out_path_flag("--consent-plan"),
        "--api": text_flag(
            "--api", st.one_of(st.sampled_from(["soap", "rest", "SOAP"]), argv_text)
        ),
        **common_check_flags(),
    }


def rest_flags() -> dict[str, st.SearchStrategy[Hostile]]:
    """``nmbrs --api rest``: its own flags, and the shared ones."""
    secret_file = st.one_of(
        in_paths.map(lambda path: Hostile("--client-secret-file", ("--client-secret-file", path))),
        argv_text.map(
            lambda text: Hostile("--client-secret-file", ("--client-secret-file", "-"), stdin=text)
        ),
    )
    key_file = in_paths.map(
        lambda path: Hostile("--subscription-key-file", ("--subscription-key-file", path))
    )
    return {
        "--client-id": text_flag("--client-id"),
        "--client-secret-file": secret_file,
        "--subscription-key-file": key_file,
        "--redirect-uri": text_flag("--redirect-uri", hostile_url(SIM_PORT)),
        "--no-browser": bool_flag("--no-browser"),
        "--identity-url": text_flag("--identity-url", hostile_url(SIM_PORT)),
        "--company": text_flag("--company"),
        **common_check_flags(),
    }


@pytest.fixture(scope="module")
def rest_served() -> Iterator[Served]:
    from koppelcheck.simulator.nmbrs_rest import make_rest_simulator

    simulator = make_rest_simulator("missing-scope")
    with SimulatorServer(simulator) as server:
        yield Served(server, simulator, server.base_url)


@pytest.fixture
def consenting_browser(monkeypatch: pytest.MonkeyPatch) -> None:
    """A browser that opens the printed authorization URL (also with --no-browser), and a short
    wait for a redirect that never comes (a hostile --identity-url)."""
    import threading

    import httpx

    from koppelcheck.nmbrs.rest import probe

    original = probe.authorize

    async def authorize(http: Any, settings: Any, show_url: Any, **kwargs: Any) -> Any:
        def both(url: str) -> None:
            show_url(url)

            def visit() -> None:
                try:
                    with httpx.Client(follow_redirects=True, timeout=3) as client:
                        client.get(url)
                except httpx.HTTPError:
                    pass

            if urlsplit(url).hostname in ("127.0.0.1", "localhost", "::1"):
                threading.Thread(target=visit, daemon=True).start()

        return await original(http, settings, both, **{**kwargs, "wait_s": 3})

    monkeypatch.setattr(probe, "authorize", authorize)
    monkeypatch.setattr("webbrowser.open", lambda url: True)


@prop(30)
@given(hostile=hostile_invocations(rest_flags()))
@example(hostile=Hostile("--redirect-uri", ("--redirect-uri", "https://example.com/cb")))
@example(hostile=Hostile("--client-secret-file", ("--client-secret-file", "-"), stdin=""))
def test_nmbrs_rest_flags(
    hostile: Hostile, rest_served: Served, in_workdir: Path, consenting_browser: None
) -> None:
    s = rest_served.simulator.scenario
    base = {
        "--api": ["--api", "rest"],
        "--client-id": ["--client-id", s.client_id],
        "--base-url": ["--base-url", rest_served.base_url],
        "--identity-url": ["--identity-url", rest_served.base_url],
        "--timeout": ["--timeout", "2"],
        "--no-input": ["--no-input"],
        "--no-browser": ["--no-browser"],
    }
    env: dict[str, str | None] = {
        "KOPPELCHECK_NMBRS_CLIENT_SECRET": s.client_secret,
        "KOPPELCHECK_NMBRS_SUBSCRIPTION_KEY": s.subscription_key,
    }
    port = rest_served.server.port
    run_case(make_case(["nmbrs"], base, hostile, env, in_workdir, port), [rest_served])


@prop(45)
@given(hostile=hostile_invocations(nmbrs_flags()))
@example(hostile=Hostile("--ca-bundle", ("--ca-bundle", InPath("file", b""))))
@example(hostile=Hostile("--output", ("--output", OutPath("dir"))))
@example(hostile=Hostile("--output", ("--output", "")))
@example(hostile=Hostile("--base-url", ("--base-url", "http://[::1")))
@example(hostile=Hostile("--base-url", ("--base-url", "http://127.0.0.1:99999/")))
def test_nmbrs_flags(hostile: Hostile, nmbrs_served: Served, in_workdir: Path) -> None:
    scenario = nmbrs_served.simulator.scenario
    base = {
        "--username": ["--username", scenario.username],
        "--domain": ["--domain", scenario.domain],
        "--base-url": ["--base-url", nmbrs_served.base_url],
        "--timeout": ["--timeout", "2"],
        "--no-input": ["--no-input"],
    }
    env: dict[str, str | None] = {"KOPPELCHECK_NMBRS_TOKEN": scenario.token}
    port = nmbrs_served.server.port
    run_case(make_case(["nmbrs"], base, hostile, env, in_workdir, port), [nmbrs_served])


def afas_flags() -> dict[str, st.SearchStrategy[Hostile]]:
    return {
        "--environment-id": text_flag("--environment-id"),
        "--token-file": token_file_flag,
        "--token-version": text_flag("--token-version", number_text),
        "--connector": repeated_flag("--connector"),
        "--connectors-zip": in_path_flag("--connectors-zip"),
        "--client-id": text_flag("--client-id"),
        "--client-secret-file": client_secret_file_flag,
        "--auditor": in_path_flag("--auditor"),
        **common_check_flags(),
    }


@prop(45)
@given(hostile=hostile_invocations(afas_flags()))
@example(hostile=Hostile("--base-url", ("--base-url", "http://[::1")))
@example(hostile=Hostile("--ca-bundle", ("--ca-bundle", InPath("file", b"-----BEGIN"))))
@example(hostile=Hostile("--json", ("--json", OutPath("dir"))))
def test_afas_flags(hostile: Hostile, afas_served: Served, in_workdir: Path) -> None:
    scenario = afas_served.simulator.scenario
    base = {
        "--environment-id": ["--environment-id", scenario.envid],
        "--base-url": ["--base-url", afas_served.base_url],
        "--timeout": ["--timeout", "2"],
        "--no-input": ["--no-input"],
        "--connector": ["--connector", "BP_Werknemers"],
    }
    env: dict[str, str | None] = {"KOPPELCHECK_AFAS_TOKEN": scenario.token_data}
    port = afas_served.server.port
    run_case(make_case(["afas"], base, hostile, env, in_workdir, port), [afas_served])


# --- batch --------------------------------------------------------------------------------------


def batch_flags() -> dict[str, st.SearchStrategy[Hostile]]:
    return {
        "FILE": in_paths.map(
            lambda path: Hostile("FILE", (path,), ("file", "line", "employer", "defaults"))
        ),
        "--concurrency": text_flag("--concurrency", number_text),
        "--shard": text_flag(
            "--shard", st.one_of(argv_text, st.from_regex(r"-?\d{1,5}/-?\d{1,5}"))
        ),
        "--resume": in_path_flag("--resume"),
        "--format": text_flag("--format"),
        "--output": out_path_flag("--output"),
        "--json": out_path_flag("--json"),
        "--junit": out_path_flag("--junit"),
        "--html": out_path_flag("--html"),
        "--trace": out_path_flag("--trace"),
        "--no-input": bool_flag("--no-input"),
        "--lang": text_flag("--lang"),
        "--timeout": text_flag("--timeout", number_text),
        "--strict": bool_flag("--strict"),
        "--exit-zero": bool_flag("--exit-zero"),
        "--no-color": bool_flag("--no-color"),
    }


def valid_batch_file(where: Path, served: Served) -> Path:
    scenario = served.simulator.scenario
    path = where / "batch.toml"
    path.write_text(
        "[[employer]]\n"
        'id = "garage"\n'
        'system = "afas"\n'
        f'environment_id = "{scenario.envid}"\n'
        'token_env = "PROPERTY_AFAS_TOKEN"\n'
        'connectors = ["BP_Werknemers"]\n'
        f'base_url = "{served.base_url}"\n',
        encoding="utf-8",
    )
    return path


@prop(30)
@given(hostile=hostile_invocations(batch_flags()))
@example(hostile=Hostile("FILE", (InPath("file", b"\x80"),)))
def test_batch_flags(hostile: Hostile, afas_served: Served, in_workdir: Path) -> None:
    base = {
        "FILE": [str(valid_batch_file(in_workdir, afas_served))],
        "--timeout": ["--timeout", "2"],
    }
    env: dict[str, str | None] = {"PROPERTY_AFAS_TOKEN": afas_served.simulator.scenario.token_data}
    case = make_case(["batch"], base, hostile, env, in_workdir, afas_served.server.port)
    if hostile.flag == "FILE":
        case.names += (case.args[-1],)  # an unreadable file is named by its path
    run_case(case, [afas_served])


def merge_flags() -> dict[str, st.SearchStrategy[Hostile]]:
    return {
        "REPORTS": st.lists(in_paths, min_size=1, max_size=3).map(
            lambda paths: Hostile("REPORTS", tuple(paths), ("REPORT", "shard", "report"))
        ),
        "--format": text_flag("--format"),
        "--output": out_path_flag("--output"),
        "--json": out_path_flag("--json"),
        "--junit": out_path_flag("--junit"),
        "--html": out_path_flag("--html"),
        "--lang": text_flag("--lang"),
        "--strict": bool_flag("--strict"),
        "--exit-zero": bool_flag("--exit-zero"),
        "--no-color": bool_flag("--no-color"),
    }


@pytest.fixture(scope="module")
def shard_reports(workdir: Path, afas_served: Served) -> list[str]:
    """The two shard reports of a valid batch file (made once: merge sends nothing)."""
    folder = workdir / "shards"
    folder.mkdir(exist_ok=True)
    batch = valid_batch_file(folder, afas_served)
    env = {"PROPERTY_AFAS_TOKEN": afas_served.simulator.scenario.token_data}
    paths = []
    for k in (1, 2):
        path = folder / f"shard{k}.json"
        result = invoke(["batch", str(batch), "--shard", f"{k}/2", "--json", str(path)], env=env)
        assert result.exit_code == 0, result.output
        paths.append(str(path))
    return paths


@prop(30)
@given(hostile=hostile_invocations(merge_flags()))
def test_batch_merge_flags(
    hostile: Hostile, afas_served: Served, shard_reports: list[str], in_workdir: Path
) -> None:
    case = make_case(["batch", "merge"], {"REPORTS": shard_reports}, hostile, {}, in_workdir, 1)
    if hostile.flag in ("REPORTS", "<stray>"):  # a stray argument is one more report to read
        case.names += ("REPORTS",)
    result = run_case(case, [afas_served])
    # 1 only with --strict: a healthy AFAS run with a classic token ends with a sunset warning.
    assert result.exit_code in ((0, 1, 2) if hostile.flag == "--strict" else (0, 2)), result.output


# --- checklist, simulate, demo ------------------------------------------------------------------


@prop(40)
@given(
    system=st.one_of(st.sampled_from(["afas", "nmbrs", "AFAS", "Nmbrs"]), argv_text),
    option=st.one_of(st.none(), st.sampled_from(["overkoepelend", "per-debiteur"]), argv_text),
    fmt=st.one_of(st.none(), st.sampled_from(["text", "markdown", "html"]), argv_text),
    lang=st.one_of(st.none(), st.sampled_from(["nl", "en", "EN"]), argv_text),
    output=st.one_of(st.none(), out_paths),
    api=st.one_of(st.none(), st.sampled_from(["soap", "rest", "REST"]), argv_text),
    auth=st.one_of(st.none(), st.sampled_from(["classic", "oauth", "hybrid"]), argv_text),
)
@example(
    system="afas", option=None, fmt=None, lang=None, output=OutPath("dir"), api=None, auth=None
)
@example(system="afas", option=None, fmt=None, lang=None, output=None, api="rest", auth=None)
@example(system="nmbrs", option=None, fmt=None, lang=None, output=None, api=None, auth="oauth")
def test_checklist_flags(
    system: str,
    option: str | None,
    fmt: str | None,
    lang: str | None,
    output: OutPath | None,
    api: str | None,
    auth: str | None,
    in_workdir: Path,
) -> None:
    args = ["checklist", system]
    checked = (("--option", option), ("--format", fmt), ("--lang", lang), ("--api", api))
    for flag, value in (*checked, ("--auth", auth)):
        if value is not None:
            args += [flag, value]
    if output is not None:
        args += ["--output", output.make(in_workdir)]
    result = invoke(args)
    assert_well_behaved(result, what=args)
    if result.exit_code == 2:
        names = (
            "afas|nmbrs",
            "system",
            "SYSTEM",
            "--option",
            "--format",
            "--lang",
            "--output",
            "--api",
            "--auth",
        )
        assert_names_one_of(result, names, what=args)


@pytest.fixture
def no_serving(monkeypatch: pytest.MonkeyPatch) -> None:
    """``simulate`` would serve until Ctrl-C: serve in the background and return at once."""
    monkeypatch.setattr(SimulatorServer, "serve_forever", SimulatorServer.start)


HAR_SAMPLES = [
    b"{}",
    b'{"log": {}}',
    b'{"log": {"entries": "x"}}',
    b'{"log": {"entries": [1, 2]}}',
    b'{"log": {"entries": [{"request": {"url": 5, "headers": [{"value": 1}]}}]}}',
    b'{"log": {"entries": [{"request": {}, "response": {"status": "x"}}]}}',
    b"\xff\xfe",
]
scenario_file_bytes = st.one_of(
    file_bytes,
    st.sampled_from(
        [
            b'name = "[/]"\n',
            b'name = "x"\nlatency_ms = -5\n',
            b'name = "x"\nlatency_ms = "slow"\n',
            b"[[connectors]]\nid = 5\n",
            b'name = "x"\n[[faults]]\nkind = "boom"\n',
        ]
    ),
)


@prop(15)
@given(
    system=st.sampled_from(["nmbrs", "afas"]),
    port=st.one_of(st.none(), number_text),
    scenario=st.one_of(st.none(), st.sampled_from(["healthy", "faults", "bad-token"]), argv_text),
    scenario_file=st.one_of(st.none(), scenario_file_bytes.map(lambda b: InPath("file", b))),
    latency=st.one_of(st.none(), number_text),
    replay=st.one_of(
        st.none(),
        st.one_of(file_bytes, st.sampled_from(HAR_SAMPLES)).map(lambda b: InPath("file", b)),
    ),
)
@example(
    system="nmbrs",
    port=None,
    scenario=None,
    scenario_file=InPath(
        "file", b'name = "[/]"\nusername = "a@b.nl"\ntoken = "t"\ndomain = "[bold]"\n'
    ),
    latency=None,
    replay=None,
)
@example(system="afas", port="0", scenario="healthy", scenario_file=None, latency="0", replay=None)
@example(
    system="nmbrs",
    port=None,
    scenario=None,
    scenario_file=None,
    latency=None,
    replay=InPath("file", b'{"log": {"entries": [{"request": "x"}]}}'),
)
def test_simulate_flags(
    system: str,
    port: str | None,
    scenario: str | None,
    scenario_file: InPath | None,
    latency: str | None,
    replay: InPath | None,
    in_workdir: Path,
    no_serving: None,
) -> None:
    args = ["simulate", system]
    for flag, value in (("--port", port), ("--scenario", scenario), ("--latency-ms", latency)):
        if value is not None:
            args += [flag, value]
    if scenario_file is not None:
        args += ["--scenario-file", scenario_file.make(in_workdir)]
    if replay is not None:
        args += ["--replay", replay.make(in_workdir)]
    result = invoke(args)
    assert_well_behaved(result, what=args)
    if result.exit_code == 2:
        names = ("--port", "--scenario", "--scenario-file", "--latency-ms", "--replay")
        assert_names_one_of(result, names, what=args)


@prop(10)
@given(
    port=st.one_of(st.none(), number_text),
    scenario=st.one_of(st.none(), st.sampled_from(["healthy", "throttled"]), argv_text),
)
def test_simulate_nmbrs_rest_flags(
    port: str | None, scenario: str | None, in_workdir: Path, no_serving: None
) -> None:
    args = ["simulate", "nmbrs-rest"]
    for flag, value in (("--port", port), ("--scenario", scenario)):
        if value is not None:
            args += [flag, value]
    result = invoke(args)
    assert_well_behaved(result, what=args)
    if result.exit_code == 2:
        assert_names_one_of(result, ("--port", "--scenario"), what=args)


@settings(prop(1), phases=[Phase.explicit])  # a demo run takes seconds: one hostile example
@given(lang=st.one_of(st.sampled_from(NASTY_STRINGS), argv_text))
@example(lang="[/]\x1b[31m\u202e")
def test_demo_lang(lang: str, in_workdir: Path) -> None:
    result = invoke(["demo", "--lang", lang])
    assert_well_behaved(result, what=lang)
    assert result.exit_code in (0, 2)


# --- bundle, keys, credentials, the root ---------------------------------------------------------


@pytest.fixture(scope="module")
def a_bundle(workdir: Path) -> Path:
    from tests.unit.test_bundle_build import write

    folder = workdir / "bundle"
    folder.mkdir(exist_ok=True)
    return write(folder)


@dataclass(frozen=True)
class BundleEdit:
    """A hostile bundle file, made from the valid one: raw bytes, cut short, a member replaced."""

    kind: str
    data: Any = None
    key: str = ""

    def make(self, valid: bytes, where: Path) -> str:
        if self.kind == "missing":
            return InPath("missing").make(where)
        if self.kind == "truncate":
            content = valid[: self.data]
        elif self.kind == "replace":
            content = json.dumps({**json.loads(valid), self.key: self.data}).encode()
        else:
            content = self.data
        return InPath("file", content).make(where)


MEMBERS = st.sampled_from(["protected", "payload", "signature", "header", ""])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)
bundle_edits = st.one_of(
    st.just(BundleEdit("missing")),
    file_bytes.map(lambda data: BundleEdit("raw", data)),
    st.integers(0, 2000).map(lambda n: BundleEdit("truncate", n)),
    st.tuples(MEMBERS, json_values).map(lambda kv: BundleEdit("replace", kv[1], kv[0])),
    st.tuples(
        MEMBERS,
        st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=."),
    ).map(lambda kv: BundleEdit("replace", kv[1], kv[0])),
    st.sampled_from(
        [
            b'{"protected": "e30", "payload": "e30", "signature": ""}',
            b'{"protected": "bnVsbA", "payload": "W10", "signature": "AA"}',
            b'{"protected": "eyJhbGciOiJub25lIn0", "payload": "e30", "signature": ""}',
            b'{"protected": "' + b"W" * 5000 + b'", "payload": "e30", "signature": ""}',
        ]
    ).map(lambda data: BundleEdit("raw", data)),
)


@prop(40)
@given(
    command=st.sampled_from(["verify", "show"]),
    edit=st.one_of(st.none(), bundle_edits),
    public_key=st.one_of(st.none(), in_paths),
    lang=st.one_of(st.none(), argv_text),
)
@example(command="verify", edit=BundleEdit("raw", b"[" * 10_000), public_key=None, lang=None)
@example(command="show", edit=BundleEdit("raw", b"[" * 10_000), public_key=None, lang=None)
@example(command="verify", edit=None, public_key=InPath("file", b"[" * 10_000), lang=None)
def test_bundle_verify_and_show(
    command: str,
    edit: BundleEdit | None,
    public_key: InPath | None,
    lang: str | None,
    a_bundle: Path,
    in_workdir: Path,
) -> None:
    file_arg = str(a_bundle) if edit is None else edit.make(a_bundle.read_bytes(), in_workdir)
    argv = ["bundle", command, file_arg]
    if public_key is not None and command == "verify":
        argv += ["--public-key", public_key.make(in_workdir)]
    if lang is not None:
        argv += ["--lang", lang]
    result = invoke(argv)
    assert_well_behaved(result, what=argv)
    assert result.exit_code in (0, 1, 2), result.stderr
    if command == "verify" and edit is not None and result.exit_code == 0:
        original = json.loads(a_bundle.read_bytes())
        tampered = edit.kind == "raw" or (
            edit.kind == "replace" and edit.key in original and edit.data != original[edit.key]
        )
        assert not tampered, "a tampered bundle verified"
    if result.exit_code == 2:
        assert_names_one_of(
            result, ("FILE", "file", "--public-key", "--lang", file_arg, "bundle"), what=argv
        )


@prop(20)
@given(
    command=st.sampled_from(["init", "show", "export"]),
    force=st.booleans(),
    lang=st.one_of(st.none(), argv_text),
    output=st.one_of(st.none(), out_paths),
    short=st.booleans(),
)
@example(command="export", force=False, lang=None, output=OutPath("dir"), short=False)
def test_keys_flags(
    command: str,
    force: bool,
    lang: str | None,
    output: OutPath | None,
    short: bool,
    in_workdir: Path,
) -> None:
    invoke(["keys", "init"])  # export and show need a key; init twice is no error
    args = ["keys", command]
    if lang is not None:
        args += ["--lang", lang]
    if command == "init" and force:
        args.append("--force")
    if command == "export" and output is not None:
        args += ["-o" if short else "--output", output.make(in_workdir)]
    result = invoke(args)
    assert_well_behaved(result, what=args)
    if result.exit_code == 2:
        assert_names_one_of(result, ("--output", "-o", "--lang"), what=args)


@prop(40)
@given(
    command=st.sampled_from(["set", "delete", "list"]),
    system=st.one_of(st.sampled_from(["nmbrs", "afas"]), argv_text),
    domain=st.one_of(st.none(), st.just("acme"), argv_text),
    username=st.one_of(st.none(), st.just("salaris@acme.nl"), argv_text),
    environment_id=st.one_of(st.none(), st.just("O12345AA"), argv_text),
    token_file=st.one_of(st.none(), in_paths, st.just(InPath("literal", "-"))),
    stdin=argv_text,
    no_input=st.booleans(),
    client_id=st.one_of(st.none(), st.just("benefits-plaza"), argv_text),
)
@example(
    command="set",
    system="nmbrs",
    domain="acme",
    username="[/]x@acme.nl",
    environment_id=None,
    token_file=InPath("file", b"9F2C4E6A8B0D1F3E5A7C9E1B3D5F7A9C"),
    stdin="",
    no_input=True,
    client_id=None,
)
@example(
    command="delete",
    system="nmbrs",
    domain="acme",
    username="[/]x@acme.nl",
    environment_id=None,
    token_file=None,
    stdin="",
    no_input=True,
    client_id=None,
)
def test_credentials_flags(
    command: str,
    system: str,
    domain: str | None,
    username: str | None,
    environment_id: str | None,
    token_file: InPath | None,
    stdin: str,
    no_input: bool,
    client_id: str | None,
    in_workdir: Path,
) -> None:
    args = ["credentials", command]
    if command != "list":
        args.append(system)
        for flag, value in (
            ("--domain", domain),
            ("--username", username),
            ("--environment-id", environment_id),
            ("--client-id", client_id),
        ):
            if value is not None:
                args += [flag, value]
    if command == "set":
        if token_file is not None:
            args += ["--token-file", token_file.make(in_workdir)]
        if no_input:
            args.append("--no-input")
    result = invoke(args, input=stdin)
    assert_well_behaved(result, what=args)
    if result.exit_code == 2:
        names = ("--domain", "--username", "--environment-id", "--token-file", "system", "SYSTEM")
        names += ("--client-id",)
        assert_names_one_of(result, names, what=args)


@pytest.mark.parametrize(
    "args",
    [
        ["--version"],
        ["--help"],
        ["--show-completion"],
        ["--version", "--help"],
        ["--version=1"],
        ["--frobnicate"],
        ["no-such-command"],
        [],
        *[[command, "--help"] for command in ("nmbrs", "afas", "checklist", "demo", "batch")],
        *[[group] for group in ("simulate", "bundle", "keys", "credentials")],
    ],
)
def test_root_flags_and_help(args: list[str]) -> None:
    # --install-completion is left out on purpose: it edits the user's shell start-up files.
    result = invoke(args)
    assert_well_behaved(result, what=args)
    # --show-completion exits 1 where Typer cannot tell the shell (no terminal, no parent shell).
    assert result.exit_code in ((0, 1) if args == ["--show-completion"] else (0, 2))


# --- coverage of the table ----------------------------------------------------------------------


def _every_option() -> Iterator[tuple[str, str]]:
    def walk(command: Any, path: tuple[str, ...]) -> Iterator[tuple[str, str]]:
        for param in command.params:
            yield " ".join(path), param.opts[0] if param.param_type_name == "option" else "ARG"
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, (*path, name))

    yield from walk(typer.main.get_command(app), ())


def test_every_flag_of_every_command_has_a_property() -> None:
    """A flag added later without a hostile-value property fails here."""

    covered = {
        "": {"--version", "--show-completion", "--install-completion"},
        "nmbrs": set(nmbrs_flags()) | set(rest_flags()),
        "afas": set(afas_flags()),
        "batch run": set(batch_flags()) - {"FILE"} | {"ARG"},
        "batch merge": set(merge_flags()) - {"REPORTS"} | {"ARG"},
        "checklist": {"ARG", "--option", "--format", "--lang", "--output", "--api", "--auth"},
        "simulate nmbrs": {"--port", "--scenario", "--scenario-file", "--latency-ms", "--replay"},
        "simulate afas": {"--port", "--scenario", "--scenario-file", "--latency-ms", "--replay"},
        "simulate nmbrs-rest": {"--port", "--scenario"},
        "demo": {"--lang"},
        "bundle verify": {"ARG", "--public-key", "--lang"},
        "bundle show": {"ARG", "--lang"},
        "keys init": {"--force", "--lang"},
        "keys show": {"--lang"},
        "keys export": {"--output", "--lang"},
        "credentials set": {
            "ARG",
            "--domain",
            "--username",
            "--environment-id",
            "--token-file",
            "--no-input",
            "--client-id",
        },
        "credentials delete": {"ARG", "--domain", "--username", "--environment-id", "--client-id"},
        "credentials list": set(),
    }
    missing = [(cmd, opt) for cmd, opt in _every_option() if opt not in covered.get(cmd, set())]
    assert not missing, f"flags without a hostile-input property: {missing}"


# --- invalid means nothing sent: oracles for the values that travel -----------------------------


def environment_id_is_valid(value: str) -> bool:
    """The contract: ``12345`` or ``O12345AA``/``T…``/``A…`` (ASCII digits), any case."""
    return re.fullmatch(r"[0-9]{5}|[OTA][0-9]{5}[A-Z]{2}", value.strip().upper()) is not None


def domain_is_valid(value: str) -> bool:
    """``acme``, ``acme.nmbrs.nl`` or ``https://acme.nmbrs.nl/…``: one DNS label in the end."""
    text = value.strip().lower()
    if "://" in text:
        try:
            text = urlsplit(text).hostname or ""
        except ValueError:
            return False
    text = text.split("/")[0]
    for suffix in (".nmbrs.nl", ".nmbrs-sandbox.nl", ".nmbrs.com"):
        text = text.removesuffix(suffix)
    return re.fullmatch(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", text) is not None


def connector_is_valid(value: str) -> bool:
    text = value.strip()
    return bool(text) and text.isprintable() and not re.search(r"[\s/?#&]", text)


look_alikes = st.sampled_from(
    [
        "١٢٣٤٥",
        "O١٢٣٤٥AA",
        "１２３４５",
        "12345\n",
        "O12345AA\nx",
        "voorbeeld\n.nmbrs.nl",
        "voorbeeld\n",
        "voor\u200bbeeld",
        "https://voorbeeld.nmbrs.nl\n/x",
        "BP\u200bWerknemers",
        "BP_Werknemers\x7f",
        "BP%2FWerknemers",
        "BP_Werknemers/../metainfo",
    ]
)


@prop(30)
@given(
    value=st.one_of(look_alikes, argv_text, st.from_regex(r"\A[OTAota]?[0-9]{5}[A-Za-z]{0,2}\Z"))
)
@example(value="١٢٣٤٥")
def test_afas_environment_id_invalid_is_never_sent(
    value: str, afas_served: Served, in_workdir: Path
) -> None:
    scenario = afas_served.simulator.scenario
    args = ["afas", "--environment-id", value, "--base-url", afas_served.base_url]
    args += ["--no-input", "--timeout", "2", "--connector", "BP_Werknemers"]
    hits = afas_served.hits()
    result = invoke(args, env={"KOPPELCHECK_AFAS_TOKEN": scenario.token_data})
    assert_well_behaved(result, what=value)
    if environment_id_is_valid(value):
        assert afas_served.hits() > hits
    else:
        assert result.exit_code in (2, 3), result.stderr  # 3: blank, as if not given
        assert afas_served.hits() == hits
        assert "--environment-id" in result.stderr


@prop(30)
@given(value=st.one_of(look_alikes, argv_text, st.from_regex(r"\A[a-z0-9-]{1,12}\Z")))
@example(value="voorbeeld\n.nmbrs.nl")
def test_nmbrs_domain_invalid_is_never_sent(
    value: str, nmbrs_served: Served, in_workdir: Path
) -> None:
    scenario = nmbrs_served.simulator.scenario
    args = ["nmbrs", "--username", scenario.username, "--domain", value]
    args += ["--base-url", nmbrs_served.base_url, "--no-input", "--timeout", "2"]
    hits = nmbrs_served.hits()
    result = invoke(args, env={"KOPPELCHECK_NMBRS_TOKEN": scenario.token})
    assert_well_behaved(result, what=value)
    if domain_is_valid(value):
        assert nmbrs_served.hits() > hits
    else:
        assert result.exit_code in (2, 3), result.stderr
        assert nmbrs_served.hits() == hits
        assert "--domain" in result.stderr


@prop(30)
@given(
    value=st.one_of(
        argv_text,
        st.sampled_from(["a\x7f@b.nl", "a\u200b@b.nl", "a@b.nl\nx", "a@b@c.nl", "a@b"]),
        st.emails().map(str),
    )
)
@example(value="a\u200b@voorbeeld.nl")
def test_nmbrs_username_invalid_is_never_sent(
    value: str, nmbrs_served: Served, in_workdir: Path
) -> None:
    scenario = nmbrs_served.simulator.scenario
    args = ["nmbrs", "--username", value, "--domain", scenario.domain]
    args += ["--base-url", nmbrs_served.base_url, "--no-input", "--timeout", "2"]
    hits = nmbrs_served.hits()
    result = invoke(args, env={"KOPPELCHECK_NMBRS_TOKEN": scenario.token})
    assert_well_behaved(result, what=value)
    text = value.strip()
    valid = re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text) is not None and text.isprintable()
    if valid:
        assert nmbrs_served.hits() > hits
    else:
        assert result.exit_code in (2, 3), result.stderr
        assert nmbrs_served.hits() == hits
        assert "--username" in result.stderr


@prop(30)
@given(values=st.lists(st.one_of(look_alikes, argv_text, st.just("BP_Werknemers")), max_size=3))
@example(values=["BP_Werknemers\x7f"])
def test_afas_connector_invalid_is_never_sent(
    values: list[str], afas_served: Served, in_workdir: Path
) -> None:
    scenario = afas_served.simulator.scenario
    args = ["afas", "--environment-id", scenario.envid, "--base-url", afas_served.base_url]
    args += ["--no-input", "--timeout", "2"]
    args += [arg for value in values for arg in ("--connector", value)]
    hits = afas_served.hits()
    result = invoke(args, env={"KOPPELCHECK_AFAS_TOKEN": scenario.token_data})
    assert_well_behaved(result, what=values)
    if all(connector_is_valid(v) for v in values):
        assert afas_served.hits() > hits
    else:
        assert result.exit_code == 2, result.stderr
        assert afas_served.hits() == hits
        assert "--connector" in result.stderr
