"""The manual steps as data: ids, verifying checks, call lists from calls.py, i18n coverage."""

from __future__ import annotations

import pytest

from koppelcheck.afas.auditor_checks import AUDITOR_CHECK
from koppelcheck.afas.checks import AUTH_OAUTH_CHECK
from koppelcheck.afas.deadlines import OAUTH_CHECK, SUNSET_CHECK, TOKEN_EXPIRY_CHECK
from koppelcheck.afas.steps import AFAS_STEPS, afas_steps
from koppelcheck.i18n import catalogue
from koppelcheck.nmbrs.calls import ALL_CALLS, ManualOption, calls_for
from koppelcheck.nmbrs.steps import nmbrs_steps
from koppelcheck.steps import (
    find_step,
    flatten,
    step_for_check,
    steps_for,
    verifying_checks,
)

#: Check ids the checks modules define (besides the call catalogue's).
KNOWN_CHECKS = {"nmbrs.auth", "nmbrs.company", "afas.token", "afas.auth", "afas.connectors"}
KNOWN_CHECKS |= {OAUTH_CHECK, AUTH_OAUTH_CHECK, TOKEN_EXPIRY_CHECK, SUNSET_CHECK, AUDITOR_CHECK}
#: Prefixes whose members depend on the run (AFAS connector ids, the Auditor's messages) or the
#: catalogue.
KNOWN_PREFIXES = {"afas.connector.*", "nmbrs.call.*", f"{AUDITOR_CHECK}.*"}

ALL_STEP_LISTS = {
    "afas": AFAS_STEPS,
    "afas-oauth": afas_steps("oauth"),
    "afas-hybrid": afas_steps("hybrid"),
    **{f"nmbrs-{o.value}": nmbrs_steps(o) for o in ManualOption},
}


@pytest.mark.parametrize("name", ALL_STEP_LISTS)
def test_every_verifying_check_exists(name: str) -> None:
    catalogue_ids = {call.check_id for call in ALL_CALLS}
    for check in verifying_checks(ALL_STEP_LISTS[name]):
        assert check in KNOWN_CHECKS | KNOWN_PREFIXES | catalogue_ids, check


@pytest.mark.parametrize("name", ALL_STEP_LISTS)
def test_ids_are_unique_and_follow_the_pattern(name: str) -> None:
    steps = flatten(ALL_STEP_LISTS[name])
    system = name.split("-")[0]
    ids = [s.id for s in steps]
    assert len(ids) == len(set(ids))
    for s in steps:
        assert s.id == f"{system}.step.{s.number}"
        assert s.manual_only == (not s.verified_by)


def test_rest_steps_have_ids_of_their_own() -> None:
    """``nmbrs.step.1`` is the SOAP manual's step 1; a REST step is ``nmbrs.rest.step.1``."""
    from koppelcheck.nmbrs.rest.steps import READINESS_STEP_ID, REST_STEPS, rest_step_id

    ids = [s.id for s in flatten(REST_STEPS)]
    assert ids == [f"nmbrs.rest.step.{s.number}" for s in flatten(REST_STEPS)]
    soap = {s.id for o in ManualOption for s in flatten(nmbrs_steps(o))}
    assert not soap & set(ids)
    assert rest_step_id("nmbrs.rest.auth") == "nmbrs.rest.step.1"
    assert rest_step_id("nmbrs.rest.endpoint.companies") == "nmbrs.rest.step.2"
    assert rest_step_id("nmbrs.rest.deadline") == READINESS_STEP_ID == "nmbrs.rest.step.0"


def test_afas_has_the_manuals_sub_steps() -> None:
    numbers = {top.number: len(top.substeps) for top in AFAS_STEPS}
    assert numbers == {"1": 3, "2": 9, "3": 9, "4": 0}


def test_afas_verification_mapping() -> None:
    assert find_step(AFAS_STEPS, "afas.step.1.1").manual_only  # mailing a.s.r. for the ZIP
    assert find_step(AFAS_STEPS, "afas.step.3.6").is_verified_by("afas.token")
    assert find_step(AFAS_STEPS, "afas.step.3.7").is_verified_by("afas.auth")
    assert find_step(AFAS_STEPS, "afas.step.3.9").is_verified_by("afas.connector.Bp_Werknemers")
    assert find_step(AFAS_STEPS, "afas.step.2.8").partly
    assert step_for_check(AFAS_STEPS, "afas.connector.X").id == "afas.step.1.3"
    assert step_for_check(AFAS_STEPS, "afas.token").id == "afas.step.3.6"


def test_prefix_does_not_match_a_longer_name() -> None:
    step = find_step(AFAS_STEPS, "afas.step.3.9")
    assert not step.is_verified_by("afas.connectorX")
    assert not step.is_verified_by("afas.connector")


@pytest.mark.parametrize("option", list(ManualOption))
def test_nmbrs_call_lists_come_from_the_catalogue(option: ManualOption) -> None:
    steps = nmbrs_steps(option)
    rights = find_step(steps, "nmbrs.step.2")
    assert rights.calls == calls_for(option)
    assert tuple(c for sub in rights.substeps for c in sub.calls) == calls_for(option)
    assert set(rights.verified_by) == {c.check_id for c in calls_for(option)}
    for call in calls_for(option):
        assert step_for_check(steps, call.check_id).number.startswith("2.")


def test_nmbrs_options_follow_the_manual() -> None:
    one = [s.number for s in nmbrs_steps("overkoepelend")]
    two = [s.number for s in nmbrs_steps("per-debiteur")]
    assert one == ["0", "1", "2", "3", "4", "5", "6"]
    assert two == ["0", "1", "2", "3", "4", "5"]
    assert [s.informational for s in nmbrs_steps("overkoepelend")][-2:] == [True, True]
    assert find_step(nmbrs_steps("overkoepelend"), "nmbrs.step.3").is_verified_by("nmbrs.auth")
    assert find_step(nmbrs_steps("per-debiteur"), "nmbrs.step.3").is_verified_by("nmbrs.company")


@pytest.mark.parametrize("option", list(ManualOption))
def test_login_fields_keep_sandbox_off_active_on_all_debtors(option: ManualOption) -> None:
    fields = {f.label: f for s in flatten(nmbrs_steps(option)) for f in s.fields}
    assert fields["Sandbox toestaan"].checked is False
    assert fields["Actief"].checked is True
    assert fields["Filter"].value == "Alle debiteuren"


def test_steps_for_picks_the_list() -> None:
    assert steps_for("afas") is AFAS_STEPS
    assert steps_for("nmbrs") == nmbrs_steps("overkoepelend")
    with pytest.raises(KeyError):
        steps_for("sap")
    with pytest.raises(ValueError):
        steps_for("nmbrs", "both")


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_step_text_key_exists(lang: str) -> None:
    messages = catalogue(lang)
    for steps in ALL_STEP_LISTS.values():
        for s in flatten(steps):
            keys = [s.title, s.body, *(f.note for f in s.fields)]
            for key in filter(None, keys):
                assert key in messages, key


@pytest.mark.parametrize("prefix", ["steps.", "form.", "checklist.", "cli."])
def test_nl_and_en_have_the_same_keys(prefix: str) -> None:
    nl = {k for k in catalogue("nl") if k.startswith(prefix)}
    en = {k for k in catalogue("en") if k.startswith(prefix)}
    assert nl, prefix
    assert nl ^ en == set()


def test_the_default_authentication_type_follows_afas_end_date() -> None:
    from datetime import date

    from koppelcheck.afas.facts import CLASSIC_LAST_DAY
    from koppelcheck.afas.steps import default_auth

    assert default_auth(CLASSIC_LAST_DAY) == "classic"
    assert default_auth(date(2027, 9, 1)) == "oauth"


def test_the_oauth_variant_replaces_only_the_token_steps() -> None:
    classic = {s.number: s for s in flatten(afas_steps("classic"))}
    for auth, value in (("oauth", "OAuth"), ("hybrid", "Hybrid")):
        variant = {s.number: s for s in flatten(afas_steps(auth))}
        assert set(variant) == set(classic)
        changed = {n for n in classic if classic[n] != variant[n]}
        assert changed == {"3", "3.6", "3.7"}
        assert variant["3.6"].fields[0].label == "Authenticatietype"
        assert variant["3.6"].fields[0].value == value
        assert "afas.oauth" in variant["3.7"].verified_by
    with pytest.raises(ValueError):
        afas_steps("bearer")
