"""How the REST probe reads one endpoint's answer (no network)."""

from __future__ import annotations

import pytest

from koppelcheck.i18n import Translator
from koppelcheck.models import Status
from koppelcheck.nmbrs.rest import mapping
from koppelcheck.nmbrs.rest.probe import ApiAnswer, Consent, RestProbe, RestSettings, Tokens
from koppelcheck.secret import Secret

ALL = frozenset(mapping.REQUIRED_SCOPES)


def judge(answer: ApiAnswer, granted: frozenset[str] = ALL, name: str = "bankaccounts"):
    settings = RestSettings("app", Secret("secret-value-1234"), Secret("key-value-123456"))
    consent = Consent(tokens=Tokens(Secret("access-token-value"), None, granted))
    probe = RestProbe(None, settings, consent, Translator("en"))  # type: ignore[arg-type]
    probe.company_name = "Bakkerij Jansen B.V."
    return probe._judge(mapping.endpoint(name), answer, "")


@pytest.mark.parametrize(
    ("answer", "status", "words"),
    [
        (ApiAnswer(200), Status.PASS, "BankAccount_GetListCurrent"),
        (ApiAnswer(202), Status.PASS, "still being made"),
        (ApiAnswer(403, 40303), Status.FAIL, "cannot see company Bakkerij Jansen B.V."),
        (ApiAnswer(403, 40304), Status.FAIL, "disabled"),
        (ApiAnswer(403, 40306), Status.WARN, "several debtors"),
        (ApiAnswer(404, 40404), Status.FAIL, "40404"),
        (ApiAnswer(429, 42908, retry_after="12"), Status.ERROR, "wait 12 s"),
        (ApiAnswer(401, 40102), Status.FAIL, "subscription key"),
        (ApiAnswer(500, 50001), Status.ERROR, "HTTP 500"),
    ],
)
def test_each_answer_has_its_status(answer, status, words) -> None:
    result = judge(answer)
    assert result.status is status
    assert words in result.message


def test_a_403_without_the_scope_names_the_scope_not_the_login() -> None:
    granted = ALL - {"employee.bankaccount.read"}
    result = judge(ApiAnswer(403, 40303), granted)
    assert result.status is Status.FAIL
    assert "employee.bankaccount" in result.message and "cannot see" not in result.message
    assert judge(ApiAnswer(403, 40303), granted | {"employee.bankaccount"}).status is Status.FAIL
    assert "cannot see" in judge(ApiAnswer(403), granted | {"employee.bankaccount"}).message
