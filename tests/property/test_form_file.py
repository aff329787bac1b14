"""The registration form file (``--form FILE``): hostile bytes and almost-right documents.

Whatever the file holds: a dict or an InputError naming ``--form`` or the key, never another
exception; validation names a form field; on the command line an exit 2 names the field or
key, sends nothing and writes no bundle, and a valid form passes.
"""

from __future__ import annotations

import copy
import itertools
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from koppelcheck.errors import InputError
from koppelcheck.registration import (
    FORM_FIELDS,
    Form,
    FormContext,
    form_errors,
    load_form_file,
    validate_form,
)
from tests.property.conftest import Served
from tests.property.hostile import assert_names_one_of, assert_well_behaved, invoke, prop
from tests.property.toml_text import keys, text_damage, to_toml, values

_files = itertools.count()

VALID: dict[str, Any] = {
    "organisation": "Salarisbureau Voorbeeld",
    "email": "salaris@voorbeeld.nl",
    "contract_number": "RC-2024-118",
    "payroll_tax_number": "123456782L01",
    "nmbrs": {
        "company": "Bakkerij Jansen B.V.",
        "dga_name": "J. Jansen",
        "dga_employee_number": 1,
        "payroll_frequency": "monthly",
        "thirteenth_month": False,
    },
    "afas": {"employer_codes": ["01"]},
}
"""The contract's example form."""

FIELD_KEYS = tuple(f.key for f in FORM_FIELDS)
CREDENTIALS = ["token", "username", "domain", "environment_id", "api_token", "data_token"]
CREDENTIALS += ["participant_number", "token_version", "token_file"]
PLACES = [(None, k) for k in VALID if k not in ("nmbrs", "afas")]
PLACES += [(section, k) for section in ("nmbrs", "afas") for k in VALID[section]]


@st.composite
def almost_valid(draw: st.DrawFn) -> dict[str, Any]:
    """The valid form after one to three edits: a value replaced by anything, a key dropped, an
    unknown or credential key added, a section replaced or added."""
    doc = copy.deepcopy(VALID)
    for _ in range(draw(st.integers(1, 3))):
        section, key = draw(st.sampled_from(PLACES))
        table = doc if section is None else doc.get(section)
        if not isinstance(table, dict):
            table = doc
        edit = draw(st.sampled_from(["replace", "drop", "unknown", "credential", "section"]))
        if edit == "replace":
            table[key] = draw(values)
        elif edit == "drop":
            table.pop(key, None)
        elif edit == "unknown":
            table[draw(keys)] = draw(values)
        elif edit == "credential":
            table[draw(st.sampled_from(CREDENTIALS))] = draw(values)
        else:
            name = draw(st.sampled_from(["nmbrs", "afas", "extra", "Nmbrs", ""]))
            doc[name] = draw(values)
    return doc


def dotted_keys(data: Any, prefix: str = "") -> set[str]:
    found: set[str] = set()
    if isinstance(data, Mapping):
        for key, value in data.items():
            name = f"{prefix}{key}"
            found |= {str(key), name} | dotted_keys(value, f"{name}.")
    return found


def keys_in(content: bytes) -> set[str]:
    """The dotted keys of the file as TOML reads it (none when it is not TOML)."""
    try:
        return dotted_keys(tomllib.loads(content.decode("utf-8-sig")))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return set()


def write(where: Path, content: bytes) -> Path:
    path = where / f"form-{next(_files)}.toml"
    path.write_bytes(content)
    return path


form_documents = st.one_of(
    almost_valid().map(lambda doc: (doc, to_toml(doc).encode("utf-8"))),
    almost_valid().flatmap(lambda doc: text_damage(to_toml(doc)).map(lambda b: (doc, b))),
    st.binary(max_size=400).map(lambda b: ({}, b)),
    st.just((VALID, to_toml(VALID).encode("utf-8"))),
)


# --- the Python side ----------------------------------------------------------------------------


@prop(200)
@given(document=form_documents)
@example(document=(VALID, b"\xef\xbb\xbf" + to_toml(VALID).encode()))
@example(document=({}, b"[[[[" * 300))
def test_a_form_file_is_a_dict_or_an_input_error(
    document: tuple[dict[str, Any], bytes], workdir: Path
) -> None:
    doc, content = document
    path = write(workdir, content)
    try:
        data = load_form_file(path, lang="en")
    except InputError as error:
        assert error.field == "form" or error.field in keys_in(content), error.field
        assert error.message.strip()
        return
    assert isinstance(data, dict)


contexts = st.builds(
    FormContext,
    companies=st.one_of(st.none(), st.lists(st.text(max_size=30), max_size=4)),
    employees=st.one_of(
        st.none(), st.dictionaries(st.integers(-5, 10**6), st.text(max_size=20), max_size=3)
    ),
    period=st.one_of(
        st.none(), st.sampled_from(["2026-11-M", "2026-11-W4", "2026-01-W1", "", "x"])
    ),
    environment_id=st.one_of(st.none(), st.sampled_from(["12345", "O12345AA", "x", ""])),
)
CHECK_INPUTS = {
    "afas": {"participant_number": "12345", "token_version": "1", "data_token": "A" * 64},
    "nmbrs": {"username": "salaris@voorbeeld.nl", "domain": "voorbeeld", "api_token": "t" * 32},
}


@prop(200)
@given(doc=almost_valid(), system=st.sampled_from(["afas", "nmbrs"]), context=contexts)
@example(doc={**VALID, "afas": {"employer_codes": 5}}, system="afas", context=FormContext())
@example(doc={**VALID, "afas": {"employer_codes": "01"}}, system="afas", context=FormContext())
@example(doc={**VALID, "nmbrs": 5}, system="nmbrs", context=FormContext())
def test_validation_names_a_field_and_nothing_else_escapes(
    doc: dict[str, Any], system: str, context: FormContext
) -> None:
    section = doc.get(system)
    merged = dict(doc)
    if isinstance(section, dict):
        merged[system] = {**section, **CHECK_INPUTS[system]}
    errors = form_errors(merged, system, context, lang="en")
    known = dotted_keys(merged) | set(FIELD_KEYS) | {system, "system"}
    for error in errors:
        assert isinstance(error, InputError)
        assert error.field in known, error.field
        assert error.message.strip()
    try:
        form = validate_form(merged, system, context, lang="en")
    except InputError as error:
        assert errors and error.field == errors[0].field
        return
    assert not errors and isinstance(form, Form)
    if system == "afas":
        codes = section["employer_codes"] if isinstance(section, dict) else None
        # A valid form keeps what the file says: a text is codes separated by commas (as with
        # --field), never a list of its letters.
        expected = codes.split(",") if isinstance(codes, str) else codes
        assert form.afas is not None and isinstance(expected, list)
        assert form.afas.employer_codes == [str(c).strip() for c in expected]


# --- on the command line ------------------------------------------------------------------------


@pytest.fixture
def signing_key(in_workdir: Path) -> None:
    """A key in the (in-memory) keyring, so that a valid form can end in a written bundle."""
    assert invoke(["keys", "init"]).exit_code == 0


@pytest.fixture
def in_workdir(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(workdir)
    return workdir


@prop(40)
@given(document=form_documents)
@example(document=(VALID, to_toml(VALID).encode("utf-8")))
@example(document=(VALID, b"\xef\xbb\xbf" + to_toml(VALID).encode()))
@example(document=({}, b'organisation = "[/]"\n"[/x]" = 1\n'))
def test_cli_afas_with_a_hostile_form_and_bundle(
    document: tuple[dict[str, Any], bytes],
    afas_served: Served,
    in_workdir: Path,
    signing_key: None,
) -> None:
    doc, content = document
    form = write(in_workdir, content)
    bundle = in_workdir / f"bundle-{next(_files)}.json"
    scenario = afas_served.simulator.scenario
    args = ["afas", "--environment-id", scenario.envid, "--base-url", afas_served.base_url]
    args += ["--no-input", "--timeout", "2", "--connector", "BP_Werknemers"]
    args += ["--form", str(form), "--bundle", str(bundle)]
    hits = afas_served.hits()
    result = invoke(args, env={"KOPPELCHECK_AFAS_TOKEN": scenario.token_data})
    assert_well_behaved(result, what=content[:300])
    if result.exit_code == 2:
        assert afas_served.hits() == hits, "an invalid form, and yet something was sent"
        assert not bundle.exists()
        names = ("--form", *FIELD_KEYS, *keys_in(content), "afas", "nmbrs")
        assert_names_one_of(result, names, what=content[:300])
    else:
        assert result.exit_code == 0, result.stderr
        assert bundle.exists()
    if content in (to_toml(VALID).encode(), b"\xef\xbb\xbf" + to_toml(VALID).encode()):
        assert result.exit_code == 0, result.stderr  # the contract's example, BOM or not


@prop(25)
@given(document=form_documents)
@example(document=({}, to_toml({**VALID, "nmbrs": {"company": 5}}).encode()))
@example(document=({}, to_toml({**VALID, "nmbrs": {"company": ["x"]}}).encode()))
def test_cli_nmbrs_reads_the_company_from_a_hostile_form(
    document: tuple[dict[str, Any], bytes], nmbrs_served: Served, in_workdir: Path
) -> None:
    doc, content = document
    form = write(in_workdir, content)
    scenario = nmbrs_served.simulator.scenario
    args = ["nmbrs", "--username", scenario.username, "--domain", scenario.domain]
    args += ["--base-url", nmbrs_served.base_url, "--no-input", "--timeout", "2"]
    args += ["--form", str(form)]
    hits = nmbrs_served.hits()
    result = invoke(args, env={"KOPPELCHECK_NMBRS_TOKEN": scenario.token})
    assert_well_behaved(result, what=content[:300])
    if result.exit_code == 2:
        assert nmbrs_served.hits() == hits
        names = ("--form", "--company", *FIELD_KEYS, *keys_in(content), "nmbrs")
        assert_names_one_of(result, names, what=content[:300])
