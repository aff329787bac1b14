"""Which Nmbrs answers a batch shares across a login, and which leave with their employer."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from koppelcheck.nmbrs import calls as catalogue
from koppelcheck.nmbrs.calls import find_call
from koppelcheck.nmbrs.checks import AnswerCache, Discovery
from koppelcheck.nmbrs.target import NmbrsTarget


class Client:
    def __init__(self) -> None:
        self.calls: list[str] = []

    async def call(self, call: Any, **params: Any) -> str:
        self.calls.append(call.operation)
        return "answer"


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        (("EmployeeService", "Salary_GetAll_AllEmployeesByCompany"), {"CompanyID": 1}),
        (("CompanyService", "Company_GetCurrentPeriod"), {"CompanyId": 1}),
        (
            ("ReportService", "Reports_GetWageCodesByRunCompany_FilterByWageCode_Background"),
            {"companyId": 1, "runId": 2, "wageCode": 1, "year": 2026},
        ),
    ],
)
def test_an_answer_about_one_company_is_not_kept_for_the_login(
    operation: tuple[str, str], params: dict[str, Any]
) -> None:
    shared = AnswerCache()
    target = NmbrsTarget(username="a@b.nl", domain="bureau")

    async def run() -> None:
        one = Discovery(Client(), target, shared)
        await one.answer(find_call(*operation), **params)
        assert one.known(find_call(*operation), **params) is not None  # the employer has it
        other = Discovery(Client(), target, shared)
        assert other.known(find_call(*operation), **params) is None  # the login does not

    asyncio.run(run())
    assert shared._tasks == {}


def test_a_login_level_answer_is_shared() -> None:
    shared = AnswerCache()
    target = NmbrsTarget(username="a@b.nl", domain="bureau")
    client = Client()

    async def run() -> None:
        await Discovery(client, target, shared).companies()
        await Discovery(client, target, shared).companies()

    asyncio.run(run())
    assert client.calls == [catalogue.LIST_GET_ALL.operation]
