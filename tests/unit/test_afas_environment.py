"""AFAS environment ids and their REST hosts."""

from __future__ import annotations

import pytest

from koppelcheck.afas.environment import EnvironmentType, parse_environment_id
from koppelcheck.errors import InputError


@pytest.mark.parametrize(
    ("value", "kind", "url"),
    [
        ("12345", EnvironmentType.PRODUCTION, "https://12345.rest.afas.online/ProfitRestServices"),
        (
            "O12345AA",
            EnvironmentType.PRODUCTION,
            "https://12345.rest.afas.online/ProfitRestServices",
        ),
        ("T36369AA", EnvironmentType.TEST, "https://36369.resttest.afas.online/ProfitRestServices"),
        (
            " a12345ab ",
            EnvironmentType.ACCEPT,
            "https://12345.restaccept.afas.online/ProfitRestServices",
        ),
    ],
)
def test_accepted_forms(value: str, kind: EnvironmentType, url: str) -> None:
    env = parse_environment_id(value)
    assert env.kind is kind
    assert env.default_base_url == url
    assert env.base_url() == url
    assert env.number == url[8:13]


@pytest.mark.parametrize(
    "value", ["", "1234", "123456", "X12345AA", "O12345", "O12345AAA", "O1234AA", "abc", "12 345"]
)
def test_anything_else_is_exit_2_showing_the_accepted_forms(value: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_environment_id(value)
    assert caught.value.field == "environment_id"
    assert "O12345AA" in caught.value.hint and "T12345AA" in caught.value.hint


def test_a_long_value_is_not_echoed() -> None:
    pasted = "949C1A9C" * 8
    with pytest.raises(InputError) as caught:
        parse_environment_id(pasted)
    assert pasted not in str(caught.value)


def test_base_url_overrides_the_host() -> None:
    env = parse_environment_id("T12345AA")
    assert env.base_url("http://127.0.0.1:8080/ProfitRestServices/") == (
        "http://127.0.0.1:8080/ProfitRestServices"
    )
    with pytest.raises(InputError):
        env.base_url("http://example.com/ProfitRestServices")
