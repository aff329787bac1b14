"""Loonpakket's REST API as the checks use it, and the checks (against a real HTTP server).

``GET /api/v1/me`` answers who the token belongs to (401 for a bad token);
``GET /api/v1/tenants/{tenant}`` the tenant (404 when the token does not see it);
``GET /api/v1/tenants/{tenant}/employees?limit=1`` one employee (403 without the read scope).
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from koppelcheck.checks import CheckSpec, Outcome, outcome
from koppelcheck.i18n import Translator
from koppelcheck.models import Status
from koppelcheck.secret import Secret


@dataclass(frozen=True)
class LoonpakketTarget:
    """What the checks run against: one tenant at one API address."""

    tenant: str
    base_url: str

    def describe(self) -> dict[str, str]:
        return {"tenant": self.tenant, "base_url": self.base_url}


class LoonpakketClient:
    """GETs with the token as a Bearer header."""

    def __init__(self, http: httpx.AsyncClient, target: LoonpakketTarget, token: Secret) -> None:
        self._http = http
        self._target = target
        self._token = token

    async def get(self, path: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self._token.reveal()}"}
        return await self._http.get(self._target.base_url.rstrip("/") + path, headers=headers)


def build_checks(
    client: LoonpakketClient, target: LoonpakketTarget, t: Translator
) -> list[CheckSpec]:
    """The three checks, each verifying one manual step."""
    tenant = f"/api/v1/tenants/{target.tenant}"

    async def auth() -> Outcome:
        answer = await client.get("/api/v1/me")
        if answer.status_code == 200:
            return outcome(Status.PASS, t("loonpakket.check.auth.pass"))
        if answer.status_code == 401:
            return outcome(Status.FAIL, t("loonpakket.check.auth.fail"), t("loonpakket.fix.token"))
        return outcome(Status.ERROR, t("loonpakket.check.http", status=answer.status_code))

    async def tenant_check() -> Outcome:
        answer = await client.get(tenant)
        if answer.status_code == 200:
            name = str(answer.json().get("name", ""))
            return outcome(Status.PASS, t("loonpakket.check.tenant.pass", name=name))
        if answer.status_code == 404:
            return outcome(
                Status.FAIL,
                t("loonpakket.check.tenant.fail", tenant=target.tenant),
                t("loonpakket.fix.tenant"),
            )
        return outcome(Status.ERROR, t("loonpakket.check.http", status=answer.status_code))

    async def employees() -> Outcome:
        answer = await client.get(tenant + "/employees?limit=1")
        if answer.status_code == 200:
            return outcome(Status.PASS, t("loonpakket.check.employees.pass"))
        if answer.status_code == 403:
            return outcome(
                Status.FAIL, t("loonpakket.check.employees.fail"), t("loonpakket.fix.scope")
            )
        return outcome(Status.ERROR, t("loonpakket.check.http", status=answer.status_code))

    step1, step2 = t("steps.loonpakket.token.title"), t("steps.loonpakket.scope.title")
    return [
        CheckSpec(
            "loonpakket.auth",
            t("loonpakket.check.auth.title"),
            step1,
            auth,
            step_id="loonpakket.step.1",
        ),
        CheckSpec(
            "loonpakket.tenant",
            t("loonpakket.check.tenant.title"),
            step1,
            tenant_check,
            requires=("loonpakket.auth",),
            step_id="loonpakket.step.1",
        ),
        CheckSpec(
            "loonpakket.employees",
            t("loonpakket.check.employees.title"),
            step2,
            employees,
            requires=("loonpakket.tenant",),
            step_id="loonpakket.step.2",
        ),
    ]
