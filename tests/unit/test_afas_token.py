"""AFAS token forms: data part, XML, base64; cleaning; warnings; the Authorization header."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from koppelcheck.afas.token import TokenForm, TokenProblem, parse_token
from koppelcheck.errors import InputError
from koppelcheck.secret import Secret

DATA = "949C1A9C" * 8
XML = f"<token><version>1</version><data>{DATA}</data></token>"
B64 = base64.b64encode(XML.encode()).decode()


def header_xml(header: str) -> str:
    scheme, _, value = header.partition(" ")
    assert scheme == "AfasToken"
    return base64.b64decode(value, validate=True).decode()


@pytest.mark.parametrize(
    ("raw", "form"),
    [(DATA, TokenForm.DATA), (XML, TokenForm.XML), (B64, TokenForm.BASE64)],
)
def test_each_form_builds_the_same_header(raw: str, form: TokenForm) -> None:
    token = parse_token(raw)
    assert token.form is form
    assert token.problems == ()
    assert header_xml(token.authorization()) == XML


@pytest.mark.parametrize(
    "raw",
    [
        f"  {DATA}\n",
        f"\ufeff{DATA}",
        f'"{DATA}"',
        f"'{B64}'\r\n",
        f"<token>\n  <version>1</version>\n  <data>{DATA}</data>\n</token>\n",
        f"AfasToken {B64}",
        Secret(f" {XML} "),
    ],
)
def test_paste_noise_is_cleaned(raw: str | Secret) -> None:
    assert header_xml(parse_token(raw).authorization()) == XML


def test_version_defaults_to_1_and_can_be_given() -> None:
    assert parse_token(DATA).version == "1"
    token = parse_token(DATA, 2)
    assert header_xml(token.authorization()) == XML.replace(">1<", ">2<")
    assert token.problems == (TokenProblem.VERSION_NOT_1,)


def test_xml_version_wins_over_a_different_flag() -> None:
    token = parse_token(XML, 3)
    assert token.version == "1"
    assert token.problems == (TokenProblem.VERSION_CONFLICT,)


@pytest.mark.parametrize("data", ["ABC123", DATA[:62], DATA.lower()[:60] + "zzzz"])
def test_data_that_is_not_64_hex_is_a_warning(data: str) -> None:
    token = parse_token(data)
    assert TokenProblem.DATA_NOT_HEX64 in token.problems
    assert token.data_length == len(data)


def test_lowercase_hex_is_accepted_as_is() -> None:
    token = parse_token(DATA.lower())
    assert token.problems == ()
    assert DATA.lower() in header_xml(token.authorization())


@pytest.mark.parametrize(
    "raw",
    [
        "abc+def/==",  # base64 of garbage
        base64.b64encode(XML.replace("</version>", "</versioN>").encode()).decode(),  # doc typo
        "<tokens><data>x</data></tokens>",
        "<token><version>1</version><data></data></token>",
        "my token",
        "https://12345.rest.afas.online",
        '""',
    ],
)
def test_other_things_are_an_input_error_naming_the_field(raw: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_token(raw, field="--token-file")
    assert caught.value.field == "--token-file"


def test_errors_and_reprs_never_show_the_token() -> None:
    broken = base64.b64encode(XML.replace("</data>", "</dat>").encode()).decode()
    with pytest.raises(InputError) as caught:
        parse_token(broken)
    token = parse_token(XML)
    for text in (str(caught.value), repr(token), str(token)):
        assert DATA not in text
        assert B64 not in text
        assert broken not in text


def test_secret_forms_cover_every_form() -> None:
    token = parse_token(B64)
    assert {DATA, XML, B64} <= set(token.secret_forms())


@given(st.text(alphabet="0123456789ABCDEF", min_size=64, max_size=64))
def test_any_64_hex_data_round_trips_through_all_forms(data: str) -> None:
    xml = f"<token><version>1</version><data>{data}</data></token>"
    forms = [data, xml, base64.b64encode(xml.encode()).decode()]
    headers = {parse_token(raw).authorization() for raw in forms}
    assert len(headers) == 1
    assert header_xml(headers.pop()) == xml
    assert all(parse_token(raw).problems == () for raw in forms)
