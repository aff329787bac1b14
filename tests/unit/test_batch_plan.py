"""Batch file validation: everything checked before any call, errors name line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from koppelcheck.batch.plan import load_batch_file
from koppelcheck.errors import InputError
from koppelcheck.i18n import Translator

EN = Translator("en")
"""The core raises keyed messages; these tests read them as the CLI renders them in English."""

GOOD = """
[defaults]
option = "per-debiteur"

[[employer]]
id = "bakkerij-jansen"
system = "nmbrs"
username = "salaris@bureau.nl"
domain = "https://bureau.nmbrs.nl/"
token_env = "NMBRS_TOKEN_BUREAU"
company = "Bakkerij Jansen B.V."

[[employer]]
id = "garage-de-vries"
system = "afas"
environment_id = "O12345AA"
token_keyring = true
connectors = ["BP_Werknemers"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "batch.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> str:
    with pytest.raises(InputError) as info:
        load_batch_file(write(tmp_path, text))
    return info.value.said(EN)[0]


def test_good_file_gives_a_plan_with_defaults_applied(tmp_path) -> None:
    plan = load_batch_file(write(tmp_path, GOOD))
    nmbrs, afas = plan.employers
    assert nmbrs.settings["option"] == "per-debiteur" and nmbrs.token_env == "NMBRS_TOKEN_BUREAU"
    assert "option" not in afas.settings and afas.token_keyring


def test_literal_token_refused_without_echoing_it(tmp_path) -> None:
    text = GOOD.replace("token_keyring = true", 'token = "0123456789ABCDEFSECRET"')
    message = problems(tmp_path, text)
    assert "0123456789ABCDEFSECRET" not in message
    assert "line 17: employer[2].token:" in message


def test_duplicate_ids_unknown_system_and_missing_keys(tmp_path) -> None:
    text = (
        GOOD.replace('id = "garage-de-vries"', 'id = "bakkerij-jansen"')
        + """
[[employer]]
id = "x"
system = "exact"

[[employer]]
id = "y"
system = "nmbrs"
token_env = "T"
"""
    )
    message = problems(tmp_path, text)
    assert "employer[2].id: duplicate id 'bakkerij-jansen'" in message
    assert "employer[3].system: must be one of nmbrs, afas" in message
    assert "employer[4].username: required for nmbrs" in message
    assert "employer[4].domain: required for nmbrs" in message


@pytest.mark.parametrize(
    ("replace", "expected"),
    [
        (('environment_id = "O12345AA"', 'environment_id = "Z1"'), "employer[2].environment_id"),
        (('domain = "https://bureau.nmbrs.nl/"', 'domain = "not a domain"'), "employer[1].domain"),
        (('token_env = "NMBRS_TOKEN_BUREAU"', 'token_env = "not a name"'), "employer[1].token_env"),
        (
            ('connectors = ["BP_Werknemers"]', 'connectors = "BP_Werknemers"'),
            "employer[2].connectors",
        ),
        (('company = "Bakkerij Jansen B.V."', 'colour = "red"'), "employer[1].colour: unknown key"),
        (("token_keyring = true", 'base_url = "http://example.com"'), "employer[2].base_url"),
    ],
)
def test_each_error_names_its_key(tmp_path, replace, expected) -> None:
    assert expected in problems(tmp_path, GOOD.replace(*replace))


def test_line_numbers_point_at_the_key(tmp_path) -> None:
    message = problems(
        tmp_path, GOOD.replace('domain = "https://bureau.nmbrs.nl/"', 'domain = "a b"')
    )
    assert "line 9: employer[1].domain" in message


@pytest.mark.parametrize(
    "text", ["", "not toml = = =", "[defaults]\noption = 'x'\n", "[[employer]]\nid = 1\n"]
)
def test_broken_files_are_input_errors(tmp_path, text) -> None:
    with pytest.raises(InputError):
        load_batch_file(write(tmp_path, text))


def test_missing_file_is_input_error(tmp_path) -> None:
    with pytest.raises(InputError) as caught:
        load_batch_file(tmp_path / "nope.toml")
    assert "cannot read" in caught.value.said(EN)[0]
    assert "kan " in caught.value.message and "niet lezen" in caught.value.message  # Dutch default


def test_admission_is_round_robin_over_limit_groups() -> None:
    from types import SimpleNamespace

    from koppelcheck.batch.run import interleave_by_limit

    def employer(system: str, group: str, number: int):
        target = SimpleNamespace(base_url="https://api", domain=group, url=f"https://{group}")
        return SimpleNamespace(
            plan=SimpleNamespace(system=system, id=f"{group}-{number}"), target=target
        )

    employers = (
        [employer("nmbrs", "a", i) for i in range(3)]
        + [employer("nmbrs", "b", i) for i in range(2)]
        + [employer("afas", "c", 0)]
    )
    order = [e.plan.id for e in interleave_by_limit(employers)]
    assert order == ["a-0", "b-0", "c-0", "a-1", "b-1", "a-2"]


def _inline_batch(count: int) -> str:
    rows = ",\n".join(
        f'  {{ id = "e{n}", system = "nmbrs", username = "s{n}@v.nl", domain = "d{n}", '
        f'token_env = "T{n}" }}'
        for n in range(count)
    )
    return f"employer = [\n{rows}\n]\n"


def test_ten_thousand_inline_employers_validate(tmp_path: Path) -> None:
    """Inline arrays have no [[employer]] headers: the line index answers from one pass over the
    file (it used to rescan the whole file per employer: 130 s for these 10,000)."""
    path = tmp_path / "many.toml"
    path.write_text(_inline_batch(10_000), encoding="utf-8")
    plan = load_batch_file(path)
    assert len(plan.employers) == 10_000
    assert plan.employers[-1].id == "e9999"


def test_line_numbers_survive_the_one_pass_index(tmp_path: Path) -> None:
    path = tmp_path / "b.toml"
    path.write_text(
        '[defaults]\noption = "overkoepelend"\n\n[[employer]]\nid = "a"\nsystem = "nmbrs"\n'
        'username = "s@v.nl"\ndomain = "v"\ntoken_env = "T"\n\n[[employer]]\nid = "b"\n'
        'system = "nmbrs"\nusername = "s@v.nl"\ndomain = "v"\n"token" = "x"\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        load_batch_file(path)
    assert "line 16: employer[2].token" in caught.value.said(EN)[0]
