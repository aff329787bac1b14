"""Properties of the one edge every server text passes (:func:`koppelcheck.secret.server_text`),
of ``Retry-After`` parsing, of the form's text rule and of the answer cap: total functions whose
output holds no fragment of a secret, no character a file or terminal cannot take."""

from __future__ import annotations

import asyncio
import unicodedata
import zlib

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from koppelcheck.errors import ProtocolError
from koppelcheck.http import read_capped
from koppelcheck.registration.validators import Invalid, text_value
from koppelcheck.retry import MAX_RETRY_AFTER_S, retry_after_s, retry_after_seconds
from koppelcheck.secret import FRAGMENT, Redactor, forget_known, remember, sanitise, server_text
from tests.property.hostile import NASTY_STRINGS, prop

ALPHABET = "0123456789ABCDEFabcdefghijklmnopqrstuvwxyz+/="
tokens = st.text(st.sampled_from(ALPHABET), min_size=FRAGMENT, max_size=96)
surroundings = st.one_of(st.sampled_from(NASTY_STRINGS), st.text(max_size=400))
cases = st.sampled_from([str, str.lower, str.upper, str.swapcase])
BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def fragments_in(secret: str, text: str) -> list[str]:
    folded, haystack = secret.lower(), text.lower()
    grams = {folded[i : i + FRAGMENT] for i in range(len(folded) - FRAGMENT + 1)}
    return [g for g in grams if g in haystack]


@pytest.fixture(autouse=True)
def _forget() -> None:
    forget_known()


@prop(300)
@given(
    token=tokens,
    before=surroundings,
    after=surroundings,
    case=cases,
    limit=st.integers(1, 400),
    part=st.tuples(st.integers(0, 96), st.integers(0, 96)),
)
def test_server_text_never_shows_a_fragment_of_a_known_secret(
    token: str, before: str, after: str, case, limit: int, part: tuple[int, int]
) -> None:
    forget_known()
    remember(token)
    start, end = sorted(part)
    echoed = case(token)[start:end] if end - start >= FRAGMENT else case(token)
    shown = server_text(before + echoed + after, limit)
    assert len(shown) <= limit
    if not fragments_in(token, before + after):  # the surroundings may hold a fragment alone
        assert fragments_in(token, shown) == []


@prop(200)
@given(secret=tokens, text=st.text(max_size=300), at=st.integers(0, 300), case=cases)
def test_a_redactor_masks_every_fragment(secret: str, text: str, at: int, case) -> None:
    redactor = Redactor()
    redactor.add(secret)
    shown = redactor.redact(text[:at] + case(secret) + text[at:])
    assert fragments_in(secret.strip(), shown) == [] or fragments_in(secret.strip(), text)


@prop(100)
@given(first=tokens, second=tokens, text=st.text(max_size=100), case=cases)
def test_a_text_redacted_before_a_secret_was_known_is_masked_after(
    first: str, second: str, text: str, case
) -> None:
    redactor = Redactor()
    redactor.add(first)
    shown_before = redactor.redact(text + case(second))  # kept: the same text may come again
    redactor.add(second)
    shown = redactor.redact(text + case(second))
    assert fragments_in(second.strip(), shown) == [] or fragments_in(second.strip(), text)
    assert redactor.redact(text + case(second)) == shown
    assert fragments_in(first.strip(), shown_before) == [] or fragments_in(first.strip(), text)


@prop(300)
@given(text=st.one_of(st.text(), st.sampled_from(NASTY_STRINGS), st.binary().map(repr)))
def test_sanitised_text_is_one_inert_line(text: str) -> None:
    shown = sanitise(text)
    shown.encode("utf-8")  # strict: no lone surrogate left
    assert "\n" not in shown and "\r" not in shown
    assert not any(unicodedata.category(ch) == "Cc" for ch in shown)
    assert not BIDI & set(shown)


@prop(300)
@given(
    value=st.one_of(
        st.none(),
        st.text(),
        st.text(st.characters(codec="latin-1")),
        st.text(st.sampled_from("0123456789"), min_size=1, max_size=6000),
        st.sampled_from(["9" * 5000, "\u00b2", "١٢", "-1", " 5 ", "Fri, 31 Dec 9999 23:59:59 GMT"]),
    )
)
def test_retry_after_is_total(value: str | None) -> None:
    seconds = retry_after_seconds(value)
    assert seconds is None or 0 <= seconds <= MAX_RETRY_AFTER_S
    wait = retry_after_s(value)
    assert wait is None or wait >= 0


@prop(300)
@given(
    value=st.one_of(
        st.text(),
        st.integers(),
        st.booleans(),
        st.floats(),
        st.lists(st.text(max_size=3), max_size=3),
        st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2),
        st.sampled_from(NASTY_STRINGS),
    )
)
def test_a_form_text_is_a_printable_nfc_string_or_refused(value: object) -> None:
    try:
        text = text_value(value)
    except Invalid:
        return
    assert isinstance(text, str) and unicodedata.is_normalized("NFC", text)
    assert all(unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Zl", "Zp") for ch in text)
    assert not isinstance(value, bool | list | dict | float)


class _Chunks(httpx.AsyncByteStream):
    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = chunks

    async def __aiter__(self):  # type: ignore[override]
        for chunk in self._chunks:
            yield chunk


@prop(100)
@given(
    size=st.integers(0, 4096),
    limit=st.integers(1, 2048),
    encoding=st.sampled_from(["", "gzip", "deflate", "identity", "gzip, gzip"]),
    chunk=st.integers(1, 600),
)
def test_the_answer_cap_counts_decoded_bytes(
    size: int, limit: int, encoding: str, chunk: int
) -> None:
    body = bytes(size)
    for name in [e.strip() for e in encoding.split(",") if e.strip()]:
        if name == "gzip":
            packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
            body = packer.compress(body) + packer.flush()
        elif name == "deflate":
            body = zlib.compress(body)
    pieces = [body[i : i + chunk] for i in range(0, len(body), chunk)]
    headers = {"content-encoding": encoding} if encoding else {}
    response = httpx.Response(200, headers=headers, stream=_Chunks(pieces))
    try:
        read = asyncio.run(read_capped(response, limit))
    except ProtocolError as exc:
        assert exc.kind == "too_large" and size > limit
        return
    assert read.content == bytes(size) and size <= limit


# --- on the command line: a hostile AFAS server with any echo, encoding and size ----------------


class _Current:
    hostile: object = None


@pytest.fixture(scope="module")
def hostile_afas():
    from koppelcheck.simulator.afas import AfasSimulator, load_afas_scenario
    from tests.integration.hostile_server import HostileServer

    scenario = load_afas_scenario("healthy")
    current = _Current()
    target = f"/connectors/{scenario.connectors[-1].id}"

    def pick(request):
        return current.hostile if request.path.endswith(target) else None

    with HostileServer(AfasSimulator(scenario), pick) as server:
        yield scenario, server, current


@prop(8)
@given(
    before=st.integers(0, 400),
    case=cases,
    status=st.sampled_from([200, 400, 500, 503]),
    encoding=st.sampled_from(["", "gzip", "deflate"]),
    filler=st.sampled_from(["x", "\ud800", "\u202e", "[a](b)", "é", " "]),
    padding=st.sampled_from([0, 1 << 20, (16 << 20) + 1]),
)
def test_cli_against_a_hostile_afas_echo_of_any_shape(
    hostile_afas, tmp_path_factory, before, case, status, encoding, filler, padding
) -> None:
    import json as json_module

    from tests.integration.hostile_server import Hostile
    from tests.property.hostile import assert_well_behaved, invoke

    scenario, server, current = hostile_afas
    token = scenario.token_data
    message = (filler * before)[:before] + case(token) + filler
    body = json_module.dumps({"externalMessage": message, "rows": []}).encode(
        "utf-8", "surrogatepass"
    )
    body += b" " * padding
    headers = {"Content-Type": "application/json"}
    if encoding == "gzip":
        packer = zlib.compressobj(6, zlib.DEFLATED, zlib.MAX_WBITS | 16)
        body = packer.compress(body) + packer.flush()
        headers["Content-Encoding"] = "gzip"
    elif encoding == "deflate":
        body = zlib.compress(body)
        headers["Content-Encoding"] = "deflate"
    current.hostile = Hostile(status, headers, body)
    folder = tmp_path_factory.mktemp("out")
    connectors = [arg for c in scenario.connectors for arg in ("--connector", c.id)]
    result = invoke(
        [
            *("afas", "--environment-id", scenario.envid, *connectors),
            *("--base-url", f"{server.base_url}/ProfitRestServices", "--no-input"),
            *("--timeout", "5", "--format", "markdown", "--lang", "en"),
            *("--json", str(folder / "r.json"), "--html", str(folder / "r.html")),
        ],
        env={"KOPPELCHECK_AFAS_TOKEN": token},
    )
    assert_well_behaved(result)
    files = [(folder / name).read_text(encoding="utf-8") for name in ("r.json", "r.html")]
    report = json_module.loads(files[0])
    assert all("\n" not in c["message"] for c in report["checks"])
    target_id = scenario.connectors[-1].id
    hostile = [c for c in report["checks"] if c["id"].endswith(target_id)]
    others = [c for c in report["checks"] if not c["id"].endswith(target_id)]
    assert len(hostile) == 1 and [c["status"] for c in others].count("error") == 0
    for text in (result.stdout, result.stderr, *files):
        assert fragments_in(token, text) == []
        assert "\u202e" not in text and "\ud800" not in text
    if padding > (16 << 20):
        assert "answer too large" in hostile[0]["message"]
