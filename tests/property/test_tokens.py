"""Pasted tokens: what copy-paste adds around a token is trimmed, anything else is refused.

A valid token wrapped in whitespace, line breaks, a BOM or one pair of matching quotes comes out
as exactly the token; a token with whitespace, a line break, a control or invisible character or
a stray quote inside is refused with an InputError naming where it came from, without echoing it.
The same holds on the command line, for ``KOPPELCHECK_*_TOKEN``, ``--token-file`` and stdin.
"""

from __future__ import annotations

import base64
import itertools
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from koppelcheck.afas.token import TokenForm, parse_token
from koppelcheck.credentials import SecretRequest, clean_pasted, resolve_secret
from koppelcheck.errors import InputError
from koppelcheck.secret import Secret
from koppelcheck.simulator.nmbrs import NmbrsSimulator, load_nmbrs_scenario
from koppelcheck.simulator.server import SimRequest, SimResponse, SimulatorServer
from tests.property.conftest import Served
from tests.property.hostile import assert_well_behaved, invoke, prop

_files = itertools.count()

# --- tokens and what a paste adds ---------------------------------------------------------------

nmbrs_tokens = st.text(alphabet="0123456789abcdefABCDEF-", min_size=16, max_size=64).filter(
    lambda t: t.strip("-")
)
"""Nmbrs API tokens are hex (32 characters, sometimes shown with dashes)."""

afas_data = st.text(alphabet="0123456789ABCDEF", min_size=64, max_size=64)

EDGE_NOISE = [" ", "\t", "\n", "\r\n", "\r", "\ufeff", "\u00a0", "\u2028", "\x0b", "\x0c"]
"""What a paste adds at either end: spaces, tabs, CR/LF, a BOM, NBSP, Unicode line breaks."""

INNER_NOISE = (
    [" ", "\t", "\n", "\r\n", "\r", "\u00a0", "\u2028", "\u3000", "\x85"]  # whitespace
    + ["\x00", "\x01", "\x08", "\x1b", "\x7f", "\x9b"]  # control characters (C0, DEL, C1)
    + ["\u200b", "\u200d", "\u2060", "\u202e", "\u00ad"]  # invisible format characters
    + ['"', "'", "\u201c", "\u201d"]  # quotes that are not a pair around the value
)
"""What must never be inside a token: it cannot be told from damage, so it is not guessed away."""

edges = st.lists(st.sampled_from(EDGE_NOISE), max_size=4).map("".join)
QUOTE_PAIRS = [("", ""), ('"', '"'), ("'", "'"), ("\u201c", "\u201d"), ("\u2018", "\u2019")]


@st.composite
def decorated(draw: st.DrawFn, token: str) -> str:
    """``token`` as a paste delivers it: noise, maybe one pair of quotes, more noise."""
    opening, closing = draw(st.sampled_from(QUOTE_PAIRS))
    return draw(edges) + opening + draw(edges) + token + draw(edges) + closing + draw(edges)


@st.composite
def damaged(draw: st.DrawFn, tokens: st.SearchStrategy[str]) -> tuple[str, str]:
    """A token with something inside that a paste does not add at the edges only."""
    token = draw(tokens)
    position = draw(st.integers(1, len(token) - 1))
    noise = draw(st.sampled_from(INNER_NOISE))
    return token, token[:position] + noise + token[position:]


unmatched_quotes = st.sampled_from(['"', "'", "\u201c", "\u201d", "\u2018", "\u2019"])


def assert_refused(error: InputError, field: str, token: str) -> None:
    assert error.field == field
    assert error.message.strip()
    # The value is never echoed, not even the part before the damage.
    assert token[:8] not in str(error), str(error)


# --- clean_pasted and resolve_secret ------------------------------------------------------------


@prop(300)
@given(data=st.data(), token=nmbrs_tokens)
@example(data=None, token="0f3c9a1e7b2d4c6e8a0b1c2d3e4f5a6b")
def test_paste_noise_around_a_token_is_trimmed(data: Any, token: str) -> None:
    pasted = f"\ufeff  \u201c{token}\u201d\r\n" if data is None else data.draw(decorated(token))
    assert clean_pasted(pasted, "KOPPELCHECK_NMBRS_TOKEN") == token


@prop(300)
@given(case=damaged(nmbrs_tokens), before=edges, after=edges)
@example(case=("0f3c9a1e", "0f3c\u200b9a1e"), before="", after="")
@example(case=("0f3c9a1e", "0f3c\x7f9a1e"), before="", after="")
@example(case=("0f3c9a1e", "0f3c'9a1e"), before="", after="")
def test_noise_inside_a_token_is_refused(case: tuple[str, str], before: str, after: str) -> None:
    token, broken = case
    with pytest.raises(InputError) as caught:
        clean_pasted(before + broken + after, "--token-file")
    assert_refused(caught.value, "--token-file", token)


@prop(200)
@given(token=nmbrs_tokens, quote=unmatched_quotes, side=st.sampled_from(["left", "right"]))
@example(token="0f3c9a1e", quote='"', side="left")
def test_an_unmatched_quote_is_refused(token: str, quote: str, side: str) -> None:
    pasted = quote + token if side == "left" else token + quote
    with pytest.raises(InputError) as caught:
        clean_pasted(pasted, "KOPPELCHECK_NMBRS_TOKEN")
    assert_refused(caught.value, "KOPPELCHECK_NMBRS_TOKEN", token)


@prop(100)
@given(noise=st.lists(st.sampled_from([*EDGE_NOISE, '""', "''"]), max_size=6).map("".join))
def test_nothing_but_noise_is_empty(noise: str) -> None:
    with pytest.raises(InputError) as caught:
        clean_pasted(noise, "token_file")
    assert caught.value.field == "token_file"


@prop(100)
@given(text=st.text(max_size=80))
def test_any_paste_is_a_clean_token_or_an_input_error(text: str) -> None:
    """Whatever is pasted: a value with no whitespace, control, format character or stray quote
    in it, or an InputError. Nothing else escapes."""
    try:
        cleaned = clean_pasted(text, "token")
    except InputError as error:
        assert error.field == "token"
        return
    assert cleaned and cleaned == cleaned.strip()
    if not cleaned.startswith("<"):  # an AFAS token's XML may be pretty-printed
        assert not any(ch.isspace() for ch in cleaned)
        assert not any(ch in "\"'\u201c\u201d\u2018\u2019" for ch in cleaned)
    assert not any(
        unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\r\n\t" for ch in cleaned
    )


NMBRS_REQUEST = SecretRequest("Nmbrs API token", "KOPPELCHECK_NMBRS_TOKEN", None)


@prop(100)
@given(data=st.data(), token=nmbrs_tokens, source=st.sampled_from(["file", "stdin", "env"]))
def test_every_source_trims_the_same_way(
    data: st.DataObject,
    token: str,
    source: str,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pasted = data.draw(decorated(token))
    assume(source != "env" or "\x00" not in pasted)
    monkeypatch.delenv("KOPPELCHECK_NMBRS_TOKEN", raising=False)
    token_file = None
    if source == "file":
        path = tmp_path_factory.mktemp("token") / "token.txt"
        path.write_text(pasted, encoding="utf-8", newline="")
        token_file = str(path)
    elif source == "stdin":
        token_file = "-"
    else:
        monkeypatch.setenv("KOPPELCHECK_NMBRS_TOKEN", pasted)
    secret = resolve_secret(
        NMBRS_REQUEST, token_file=token_file, prompt=None, stdin_reader=lambda: pasted
    )
    assert secret.reveal() == token


@prop(100)
@given(case=damaged(nmbrs_tokens))
@example(case=("0f3c9a1e", "<0f3c 9a1e>"))
def test_an_nmbrs_token_is_never_xml(case: tuple[str, str]) -> None:
    """Only an AFAS token may be XML (with whitespace between its tags); an Nmbrs token that looks
    like XML is refused like any other damaged paste."""
    token, broken = case
    pasted = broken if broken.startswith("<") else f"<{broken}>"
    with pytest.raises(InputError) as caught:
        resolve_secret(NMBRS_REQUEST, token_file="-", prompt=None, stdin_reader=lambda: pasted)
    assert caught.value.field == "token_file"


# --- AFAS tokens --------------------------------------------------------------------------------


def afas_xml(data: str, version: str = "1", pretty: bool = False) -> str:
    if pretty:
        return f"<token>\n  <version>{version}</version>\n  <data>{data}</data>\n</token>"
    return f"<token><version>{version}</version><data>{data}</data></token>"


@st.composite
def afas_forms(draw: st.DrawFn) -> tuple[str, str, TokenForm]:
    """An AFAS token in one of its three forms (data, XML, base64) as pasted, and its data part.

    The base64 form may come as a whole header value (``AfasToken …``), copied from a tool.
    """
    data = draw(afas_data)
    form = draw(st.sampled_from(list(TokenForm)))
    if form is TokenForm.DATA:
        return data, draw(decorated(data)), form
    xml = afas_xml(data, pretty=draw(st.booleans()))
    if form is TokenForm.XML:
        return data, draw(decorated(xml)), form
    encoded = draw(decorated(base64.b64encode(xml.encode()).decode()))
    if draw(st.booleans()):
        encoded = draw(edges) + "AfasToken " + encoded
    return data, encoded, TokenForm.BASE64


@prop(200)
@given(token=afas_forms())
def test_afas_paste_noise_is_trimmed_in_every_form(token: tuple[str, str, TokenForm]) -> None:
    expected, pasted, form = token
    parsed = parse_token(pasted, field="KOPPELCHECK_AFAS_TOKEN")
    assert parsed.data.reveal() == expected
    assert parsed.form is form
    assert parsed.authorization() == "AfasToken " + base64.b64encode(
        afas_xml(expected).encode()
    ).decode("ascii")


@prop(200)
@given(case=damaged(afas_data), form=st.sampled_from(["data", "xml"]))
@example(case=("A" * 64, "A" * 32 + "\u200b" + "A" * 32), form="data")
@example(case=("A" * 64, "A" * 32 + " " + "A" * 32), form="xml")
@example(case=("0" * 64, "0\x7f" + "0" * 63), form="xml")
def test_afas_noise_inside_is_refused(case: tuple[str, str], form: str) -> None:
    token, broken = case
    pasted = broken if form == "data" else afas_xml(broken)
    with pytest.raises(InputError) as caught:
        parse_token(pasted, field="--token-file")
    assert_refused(caught.value, "--token-file", token)


@prop(200)
@given(text=st.text(max_size=120) | st.binary(max_size=90).map(lambda b: base64.b64encode(b)))
def test_any_afas_paste_is_a_token_or_an_input_error(text: str | bytes) -> None:
    raw = text.decode() if isinstance(text, bytes) else text
    try:
        token = parse_token(raw, field="token")
    except InputError as error:
        assert error.field == "token"
        return
    data = token.data.reveal()
    # Whatever was accepted goes into an XML document and an HTTP header: only letters and digits.
    assert re.fullmatch(r"[A-Za-z0-9]+", data), data
    assert re.fullmatch(r"[A-Za-z0-9+/=]+", token.authorization().removeprefix("AfasToken "))


# --- on the command line ------------------------------------------------------------------------


class RecordingSimulator:
    """A simulator that remembers every ``<Token>`` it was sent (and answers as the real one)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.scenario = inner.scenario
        self.tokens: list[str] = []

    @property
    def hits(self) -> Any:
        return self.inner.hits

    def handle(self, request: SimRequest) -> SimResponse:
        self.tokens += re.findall(r"<(?:\w+:)?Token>([^<]*)</", request.body.decode("utf-8"))
        return self.inner.handle(request)


@pytest.fixture(scope="module")
def nmbrs_recorded() -> Iterator[Served]:
    """The ``bad-token`` Nmbrs simulator (one call a run), recording the tokens sent to it."""
    simulator = RecordingSimulator(NmbrsSimulator(load_nmbrs_scenario("bad-token")))
    with SimulatorServer(simulator) as server:
        yield Served(server, simulator, f"{server.base_url}/soap/v3")


TOKEN_SOURCES = st.sampled_from(["env", "file", "stdin"])


def nmbrs_args(served: Served, source: str, pasted: str, where: Path) -> tuple[list[str], Any]:
    scenario = served.simulator.scenario
    args = ["nmbrs", "--username", scenario.username, "--domain", scenario.domain]
    args += ["--base-url", served.base_url, "--no-input", "--timeout", "2"]
    env: dict[str, str | None] = {"KOPPELCHECK_NMBRS_TOKEN": None}
    if source == "env":
        env["KOPPELCHECK_NMBRS_TOKEN"] = pasted
    elif source == "file":
        path = where / f"token-{next(_files)}.txt"
        path.write_bytes(pasted.encode("utf-8", "surrogatepass"))
        args += ["--token-file", str(path)]
    else:
        args += ["--token-file", "-"]
    return args, env


FIELD_OF = {"env": "KOPPELCHECK_NMBRS_TOKEN", "file": "--token-file", "stdin": "--token-file"}


@prop(20)
@given(data=st.data(), token=nmbrs_tokens, source=TOKEN_SOURCES)
def test_cli_sends_exactly_the_trimmed_token(
    data: st.DataObject, token: str, source: str, nmbrs_recorded: Served, workdir: Path
) -> None:
    pasted = data.draw(decorated(token))
    assume(source != "env" or "\x00" not in pasted)
    recorder = nmbrs_recorded.simulator
    recorder.tokens.clear()
    args, env = nmbrs_args(nmbrs_recorded, source, pasted, workdir)
    result = invoke(args, env=env, input=pasted if source == "stdin" else None)
    assert_well_behaved(result, what=args)
    assert recorder.tokens and set(recorder.tokens) == {token}, (recorder.tokens, result.stderr)
    assert token not in result.stdout + result.stderr


@prop(20)
@given(case=damaged(nmbrs_tokens), source=TOKEN_SOURCES, before=edges)
@example(case=("0f3c9a1e", '"0f3c9a1e'), source="env", before="")
@example(case=("0f3c9a1e", "<0f3c 9a1e>"), source="stdin", before="")
def test_cli_refuses_a_damaged_token_and_sends_nothing(
    case: tuple[str, str], source: str, before: str, nmbrs_recorded: Served, workdir: Path
) -> None:
    token, broken = case
    pasted = before + broken
    assume(source != "env" or "\x00" not in pasted)
    hits = nmbrs_recorded.hits()
    args, env = nmbrs_args(nmbrs_recorded, source, pasted, workdir)
    result = invoke(args, env=env, input=pasted if source == "stdin" else None)
    assert_well_behaved(result, what=args)
    assert result.exit_code == 2, result.stderr
    assert FIELD_OF[source] in result.stderr
    assert nmbrs_recorded.hits() == hits, "a damaged token was sent"
    assert token[:8] not in result.stdout + result.stderr


@prop(20)
@given(token=afas_forms(), source=TOKEN_SOURCES)
def test_cli_afas_token_in_any_form_and_source(
    token: tuple[str, str, TokenForm],
    source: str,
    afas_served: Served,
    workdir: Path,
) -> None:
    expected, pasted, _ = token
    # The command line never took a whole "AfasToken …" header value (a space inside: exit 2);
    # only the Python API reads it.
    assume("AfasToken" not in pasted)
    scenario = afas_served.simulator.scenario
    args = ["afas", "--environment-id", scenario.envid, "--base-url", afas_served.base_url]
    args += ["--no-input", "--timeout", "2", "--connector", "BP_Werknemers"]
    env: dict[str, str | None] = {"KOPPELCHECK_AFAS_TOKEN": None}
    if source == "env":
        env["KOPPELCHECK_AFAS_TOKEN"] = pasted
    elif source == "file":
        path = workdir / f"afas-token-{next(_files)}.txt"
        path.write_text(pasted, encoding="utf-8", newline="")
        args += ["--token-file", str(path)]
    else:
        args += ["--token-file", "-"]
    hits = afas_served.hits()
    result = invoke(args, env=env, input=pasted if source == "stdin" else None)
    assert_well_behaved(result, what=args)
    if expected == scenario.token_data:
        assert result.exit_code == 0, result.stdout
    else:
        assert result.exit_code == 1, result.stdout  # sent (exactly one token), and refused
    assert afas_served.hits() > hits
    assert expected not in result.stdout + result.stderr


def test_the_scenario_token_round_trips(afas_served: Served, workdir: Path) -> None:
    """The real token, decorated every way at once, passes the healthy simulator (exit 0)."""
    data = afas_served.simulator.scenario.token_data
    pasted = "\ufeff \r\n'" + afas_xml(data, pretty=True) + "'\r\n"
    scenario = afas_served.simulator.scenario
    args = ["afas", "--environment-id", scenario.envid, "--base-url", afas_served.base_url]
    args += ["--no-input", "--connector", "BP_Werknemers", "--token-file", "-"]
    result = invoke(args, input=pasted)
    assert result.exit_code == 0, result.output
    assert isinstance(parse_token(Secret(pasted)).data, Secret)
