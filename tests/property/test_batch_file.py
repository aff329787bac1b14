"""The batch file (``koppelcheck batch FILE``): hostile bytes and almost-right documents.

Whatever the file holds: a plan, or an InputError that lists every problem by line and key
(exit 2, nothing sent); a token that is missing is exit 3. No other exception, ever: not while
reading the file, not while building each employer's target before the first call.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from koppelcheck.batch.plan import load_batch_file
from koppelcheck.batch.run import prepare, resolve_tokens
from koppelcheck.errors import InputError, MissingSettingError
from koppelcheck.http import is_loopback_host, validate_base_url
from koppelcheck.i18n import Translator
from tests.property.conftest import Served
from tests.property.hostile import assert_names_one_of, assert_well_behaved, invoke, prop
from tests.property.toml_text import keys, text_damage, to_toml, values

_files = itertools.count()
NMBRS_URL, AFAS_URL = "{nmbrs_url}", "{afas_url}"
"""Stand for the simulators' base URLs; filled in when the file is written."""

NMBRS_TOKEN_ENV, AFAS_TOKEN_ENV = "PROPERTY_NMBRS_TOKEN", "PROPERTY_AFAS_TOKEN"

VALID: dict[str, Any] = {
    "defaults": {"option": "overkoepelend", "token_version": 1},
    "employer": [
        {
            "id": "bakkerij-jansen",
            "system": "nmbrs",
            "username": "salaris@voorbeeld.nl",
            "domain": "voorbeeld",
            "token_env": NMBRS_TOKEN_ENV,
            "company": "Bakkerij Jansen B.V.",
            "base_url": NMBRS_URL,
        },
        {
            "id": "garage-de-vries",
            "system": "afas",
            "environment_id": "O12345AA",
            "token_env": AFAS_TOKEN_ENV,
            "connectors": ["BP_Werknemers"],
            "base_url": AFAS_URL,
        },
    ],
}
"""The contract's example, pointed at the simulators."""

EMPLOYER_KEYS = sorted({k for e in VALID["employer"] for k in e} | {"connectors_zip", "option"})
EMPLOYER_KEYS += ["environment", "token_keyring", "token_version"]
SECRETS = ["token", "api_token", "password", "secret", "data_token"]


@st.composite
def almost_valid(draw: st.DrawFn) -> dict[str, Any]:
    """The valid file after one to three edits: values of any type, dropped or unknown keys,
    literal secrets, duplicated or odd employers, odd sections."""
    doc = copy.deepcopy(VALID)
    for _ in range(draw(st.integers(1, 3))):
        employers = doc.get("employer")
        edit = draw(
            st.sampled_from(
                ["replace", "replace", "drop", "unknown", "secret", "duplicate", "add", "section"]
            )
        )
        if not isinstance(employers, list) or not employers or edit == "section":
            doc[draw(st.sampled_from(["defaults", "employer", "extra", "Employer"]))] = draw(values)
            continue
        target = draw(st.sampled_from(employers))
        if not isinstance(target, dict):
            continue
        key = draw(st.sampled_from(EMPLOYER_KEYS))
        if edit == "replace":
            target[key] = draw(values)
        elif edit == "drop":
            target.pop(key, None)
        elif edit == "unknown":
            target[draw(keys)] = draw(values)
        elif edit == "secret":
            target[draw(st.sampled_from(SECRETS))] = draw(values)
        elif edit == "duplicate":
            employers.append(copy.deepcopy(target))
        else:
            employers.append(draw(st.dictionaries(keys, values, max_size=4)))
    return doc


def goes_only_to_loopback(content: bytes) -> bool:
    """Whether every employer of the file would talk to loopback (or the file fails before any
    call): a property must never make koppelcheck call the real AFAS or Nmbrs."""
    try:
        doc = tomllib.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return True
    defaults = doc.get("defaults") if isinstance(doc.get("defaults"), dict) else {}
    employers = doc.get("employer")
    if not isinstance(employers, list):
        return True
    for employer in employers:
        if not isinstance(employer, dict):
            continue
        url = employer.get("base_url", defaults.get("base_url"))
        if not url:
            return False
        try:
            checked = validate_base_url(str(url))
        except InputError:
            continue
        host = re.sub(r"^\w+://", "", checked).split("/")[0].rsplit(":", 1)[0].strip("[]")
        if not is_loopback_host(host):
            return False
    return True


documents = st.one_of(
    almost_valid().map(lambda doc: (doc, None)),
    almost_valid().flatmap(
        lambda doc: text_damage(to_toml(doc, ("employer",))).map(lambda b: (doc, b))
    ),
    st.binary(max_size=300).map(lambda b: ({}, b)),
)

REGRESSIONS = [
    {**VALID, "employer": [{**VALID["employer"][0], "company": 5}]},
    {**VALID, "employer": [{**VALID["employer"][0], "username": 5}]},
    {**VALID, "employer": [{**VALID["employer"][0], "base_url": 5}]},
    {**VALID, "employer": [{**VALID["employer"][0], "id": "bakkerij\n"}]},
    {**VALID, "employer": [{**VALID["employer"][1], "connectors_zip": 5}]},
    {**VALID, "employer": [{**VALID["employer"][1], "token_version": True}]},
    {**VALID, "employer": [{**VALID["employer"][1], "connectors": ["BP\u0000", "a/b"]}]},
]


def write(where: Path, doc: dict[str, Any], raw: bytes | None, served: dict[str, str]) -> Path:
    """The file: the document as TOML, or the damaged bytes; the simulators' URLs filled in."""
    content = raw if raw is not None else to_toml(doc, ("employer",)).encode("utf-8")
    for placeholder, url in served.items():
        content = content.replace(placeholder.encode(), url.encode())
    path = where / f"batch-{next(_files)}.toml"
    path.write_bytes(content)
    return path


@pytest.fixture
def tokens_set(monkeypatch: pytest.MonkeyPatch, nmbrs_served: Served, afas_served: Served) -> None:
    monkeypatch.setenv(NMBRS_TOKEN_ENV, nmbrs_served.simulator.scenario.token)
    monkeypatch.setenv(AFAS_TOKEN_ENV, afas_served.simulator.scenario.token_data)


def urls(nmbrs_served: Served, afas_served: Served) -> dict[str, str]:
    return {NMBRS_URL: nmbrs_served.base_url, AFAS_URL: afas_served.base_url}


# --- the Python side ----------------------------------------------------------------------------


@prop(200)
@given(document=documents)
@example(document=({}, b"\xff\xfe"))
@example(document=({}, b"employer = [" * 400))
@example(document=(VALID, b"\xef\xbb\xbf" + to_toml(VALID, ("employer",)).encode()))
def test_a_batch_file_is_a_plan_or_every_problem_by_line(
    document: tuple[dict[str, Any], bytes | None],
    workdir: Path,
    nmbrs_served: Served,
    afas_served: Served,
    tokens_set: None,
) -> None:
    doc, raw = document
    path = write(workdir, doc, raw, urls(nmbrs_served, afas_served))
    try:
        plan = load_batch_file(path)
    except InputError as error:
        assert error.field in ("FILE", str(path)), error.field
        problems = error.said(Translator("en"))[0].splitlines()[1:]
        for line in problems:  # "line 7: employer[2].id: ..." or "<section>: ..."
            key = r'([\w-]+|"(?:[^"\\]|\\.)*")'  # bare, or quoted with escapes
            where = rf"line \d+: (employer\[\d+\]|defaults)\.{key}: "
            assert re.match(rf"\s+({where}|{key}: |employer\[\d+\]: )", line), line
        return
    assert plan.employers
    try:
        prepare(plan, resolve_tokens(plan))
    except (InputError, MissingSettingError) as error:
        assert str(error).strip()


@prop(150)
@given(doc=almost_valid())
@example(doc=REGRESSIONS[0])
@example(doc=REGRESSIONS[1])
@example(doc=REGRESSIONS[2])
@example(doc=REGRESSIONS[3])
@example(doc=REGRESSIONS[4])
@example(doc=REGRESSIONS[5])
@example(doc=REGRESSIONS[6])
def test_what_passes_the_plan_is_what_the_commands_accept(
    doc: dict[str, Any],
    workdir: Path,
    nmbrs_served: Served,
    afas_served: Served,
    tokens_set: None,
) -> None:
    """An employer that passes the plan has an id of letters, digits and . _ -, a token version
    that is a whole number (not a boolean), connector ids as ``--connector`` takes them, and
    builds its target without an error other than InputError (a connectors_zip file)."""
    path = write(workdir, doc, None, urls(nmbrs_served, afas_served))
    try:
        plan = load_batch_file(path)
    except InputError:
        return
    for employer in plan.employers:
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}", employer.id), employer.id
        version = employer.settings.get("token_version", 1)
        assert isinstance(version, int) and not isinstance(version, bool)
        for connector in employer.settings.get("connectors", []):
            assert re.fullmatch(r"[^\s/?#&]+", connector) and connector.isprintable(), connector
    with contextlib.suppress(InputError, MissingSettingError):
        prepare(plan, resolve_tokens(plan))


# --- on the command line ------------------------------------------------------------------------


@prop(30)
@given(document=documents)
@example(document=(VALID, None))
@example(document=(REGRESSIONS[0], None))
@example(document=(REGRESSIONS[4], None))
def test_cli_batch_with_a_hostile_file(
    document: tuple[dict[str, Any], bytes | None],
    workdir: Path,
    nmbrs_served: Served,
    afas_served: Served,
    tokens_set: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    doc, raw = document
    monkeypatch.chdir(workdir)
    path = write(workdir, doc, raw, urls(nmbrs_served, afas_served))
    assume(goes_only_to_loopback(path.read_bytes()))
    hits = nmbrs_served.hits() + afas_served.hits()
    result = invoke(["batch", str(path), "--timeout", "2", "--format", "json"])
    assert_well_behaved(result, what=path.read_bytes()[:400])
    sent = nmbrs_served.hits() + afas_served.hits() - hits
    if result.exit_code in (2, 3):
        assert sent == 0, f"exit {result.exit_code}, and {sent} request(s) sent"
    if result.exit_code == 2:
        assert_names_one_of(result, ("line", "FILE", str(path), "employer", "defaults"))
    if doc is VALID and raw is None:
        assert result.exit_code in (0, 1), result.stderr  # the valid file runs
