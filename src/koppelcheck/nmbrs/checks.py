"""The Nmbrs probe: find real IDs in a chain, call every required operation, classify each answer.

The chain (reference §4, "Probe with real IDs"): List_GetAll gives the company (the one named by
``--company``, else the first), Company_GetCurrentPeriod its year and period, Run_GetList a run,
List_GetByCompany an employee. Every discovery call is made once and its answer also decides its
own check. All other calls start as soon as the IDs they need are known.

Whether Nmbrs checks a call's permission before it looks at the data is not documented
(reference §4, "Does a dummy-ID probe still reveal 1002"). So a call made with a placeholder ID,
because a discovery call was itself not Active, is at best ``warn`` ("reached, not confirmed"),
never ``pass``; so is a data error (1003, 2003, 2004, ...) on a call with real IDs.
"""

from __future__ import annotations

import asyncio
import difflib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Protocol

from koppelcheck.checks import CheckSpec, Outcome, outcome
from koppelcheck.errors import NmbrsFault
from koppelcheck.i18n import Translator
from koppelcheck.models import Status
from koppelcheck.nmbrs import calls as catalogue
from koppelcheck.nmbrs.answers import Row, SoapValue
from koppelcheck.nmbrs.answers import rows as _rows
from koppelcheck.nmbrs.calls import NmbrsCall
from koppelcheck.nmbrs.rest.readiness import Inventory, Readiness
from koppelcheck.nmbrs.target import NmbrsTarget
from koppelcheck.steps import steps_for

if TYPE_CHECKING:
    from koppelcheck.steps import Step

AUTH_CHECK = "nmbrs.auth"
COMPANY_CHECK = "nmbrs.company"

INVALID_AUTHENTICATION = 1001
INACTIVE_CALL = 1002
NO_SUBSCRIPTION = 1004
# Codes that say "the function was reached, but the data was refused or not found" (reference §4).
DATA_CODES = frozenset({1003, 2003, 2004, 2006, 2009, 2019, 2020, 2021})

ACTIVE_EMPLOYEE_TYPE = 2
"""Peers pass 2 for active employees; the meaning is their claim, not documented (reference §3)."""
PROBE_WAGE_CODE = 1
"""No wage code can be discovered; any int reaches the call. [GUESS] which codes exist."""
FINAL_TASK_STATUSES = frozenset({"success", "error", "unknown", "failed"})


class SoapCaller(Protocol):
    """What the probe needs of the Nmbrs client."""

    async def call(self, call: NmbrsCall, **params: object) -> SoapValue:
        """Call one operation; raise NmbrsFault or a RemoteError."""
        ...


@dataclass(frozen=True)
class Answer:
    """A call's answer or its exception, kept so that one call serves several checks."""

    value: SoapValue = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        """Whether the call answered without a fault."""
        return self.error is None

    def fault_code(self) -> int | None:
        """The Nmbrs fault code, when the answer was an Nmbrs fault with one."""
        return self.error.code if isinstance(self.error, NmbrsFault) else None


@dataclass(frozen=True)
class Ids:
    """The IDs a call needs, and whether each is real or a placeholder."""

    values: dict[str, object]
    placeholders: tuple[str, ...] = ()


class AnswerCache:
    """Answers by (call, parameters). One cache per Nmbrs login lets every employer behind that
    login share the login-level calls (one List_GetAll, not one per employer)."""

    def __init__(self) -> None:
        self._tasks: dict[str, asyncio.Task[Answer]] = {}

    def done(self, key: str) -> Answer | None:
        """The answer for ``key`` when it has arrived, else None."""
        task = self._tasks.get(key)
        return task.result() if task is not None and task.done() and not task.cancelled() else None

    def once(self, key: str, factory: Callable[[], Awaitable[Answer]]) -> asyncio.Task[Answer]:
        """The task answering ``key``, started on first use."""
        if key not in self._tasks:
            self._tasks[key] = asyncio.ensure_future(factory())
        return self._tasks[key]


_PER_EMPLOYER_PARAMS = frozenset({"companyid", "employeeid", "runid", "taskid"})
"""A call with one of these (in any case: the catalogue has ``CompanyId``, ``CompanyID`` and
``companyId``) is about one company: its answer is not shared across a login."""


class Discovery:
    """Finds real IDs once, in the chain, sharing every answer among the checks that need it."""

    def __init__(
        self, client: SoapCaller, target: NmbrsTarget, cache: AnswerCache | None = None
    ) -> None:
        self._client = client
        self._target = target
        # Only login-level answers (List_GetAll, the debtors) are shared across a batch's
        # employers; answers about one company live and die with this employer's check, so a
        # batch does not hold every company's answers until it ends.
        self._shared = cache or AnswerCache()
        self._cache = AnswerCache() if cache is not None else self._shared

    async def fresh(self, call: NmbrsCall, **params: object) -> Answer:
        """Call now, without remembering (for polling)."""
        try:
            return Answer(value=await self._client.call(call, **params))
        except Exception as exc:  # noqa: BLE001 - kept and judged by the check that owns it
            return Answer(error=exc)

    def known(self, call: NmbrsCall, **params: object) -> Answer | None:
        """An answer already received (never calls): for the form, after the checks ran."""
        return self._cache_for(params).done(f"{call.check_id}:{sorted(params.items())}")

    def _cache_for(self, params: dict[str, object]) -> AnswerCache:
        per_employer = any(name.lower() in _PER_EMPLOYER_PARAMS for name in params)
        return self._cache if per_employer else self._shared

    async def answer(self, call: NmbrsCall, **params: object) -> Answer:
        """Call once per (call, params) and remember the answer."""
        key = f"{call.check_id}:{sorted(params.items())}"
        # shield: a check that times out must not cancel an answer other checks share.
        cache = self._cache_for(params)
        return await asyncio.shield(cache.once(key, lambda: self.fresh(call, **params)))

    async def companies(self) -> Answer:
        """List_GetAll."""
        return await self.answer(catalogue.LIST_GET_ALL)

    async def company(self) -> tuple[int | None, str | None]:
        """The company to probe: the one named exactly by ``--company``, else the first.

        A named company that the login does not see is probed as none (its calls get
        placeholders): the checks never look at another company than the one named.
        """
        listing = await self.companies()
        row = chosen_company(_rows(listing.value) if listing.ok else [], self._target.company)
        return (int(row["ID"]), str(row.get("Name"))) if row else (None, None)

    async def period_answer(self) -> tuple[Answer | None, int | None]:
        """Company_GetCurrentPeriod for the probed company (None when no company was found)."""
        company_id, _ = await self.company()
        if company_id is None:
            return None, None
        return await self.answer(
            catalogue.COMPANY_GET_CURRENT_PERIOD, CompanyId=company_id
        ), company_id

    async def year_and_period(self) -> tuple[int, int, bool]:
        """(year, period, real) from ``yyyy-pp-type``; this year and period 1 as placeholders."""
        answer, _ = await self.period_answer()
        if answer is not None and answer.ok:
            parsed = parse_period(answer.value)
            if parsed:
                return parsed[0], parsed[1], True
        return date.today().year, 1, False

    async def runs_answer(self) -> Answer | None:
        """Run_GetList for the company's current year."""
        company_id, _ = await self.company()
        if company_id is None:
            return None
        year, _, _ = await self.year_and_period()
        return await self.answer(catalogue.RUN_GET_LIST, CompanyId=company_id, Year=year)

    async def run_id(self) -> int | None:
        """A real run id, or None."""
        answer = await self.runs_answer()
        rows = _rows(answer.value) if answer is not None and answer.ok else []
        return int(rows[0]["ID"]) if rows else None

    async def employees_answer(self) -> Answer | None:
        """List_GetByCompany for the probed company."""
        company_id, _ = await self.company()
        if company_id is None:
            return None
        return await self.answer(
            catalogue.LIST_GET_BY_COMPANY, CompanyId=company_id, EmployeeType=ACTIVE_EMPLOYEE_TYPE
        )

    async def employee_id(self) -> int | None:
        """A real employee id, or None."""
        answer = await self.employees_answer()
        rows = _rows(answer.value) if answer is not None and answer.ok else []
        return int(rows[0]["Id"]) if rows else None

    async def ids_for(self, call: NmbrsCall) -> Ids:
        """The parameter values for ``call``: real where found, placeholders (0) where not."""
        values: dict[str, object] = {}
        placeholders: list[str] = []
        for param in call.params:
            value, real = await self._value(param.source)
            values[param.name] = value
            if not real:
                placeholders.append(param.source)
        return Ids(values, tuple(placeholders))

    async def _value(self, source: str) -> tuple[object, bool]:
        if source == "company":
            company_id, _ = await self.company()
            return (company_id, True) if company_id is not None else (0, False)
        if source in ("year", "period"):
            year, period, real = await self.year_and_period()
            return (year if source == "year" else period), real
        if source == "run":
            run_id = await self.run_id()
            return (run_id, True) if run_id is not None else (0, False)
        if source == "employee":
            employee_id = await self.employee_id()
            return (employee_id, True) if employee_id is not None else (0, False)
        if source == "employee_type":
            return ACTIVE_EMPLOYEE_TYPE, True
        if source == "wage_code":
            return PROBE_WAGE_CODE, True
        raise ValueError(f"unknown parameter source {source!r}")


@dataclass(frozen=True)
class NmbrsFacts:
    """What the checks learnt that the registration form is checked against (None: not known)."""

    companies: tuple[str, ...] | None = None
    company: str | None = None
    """The company the checks ran against."""
    employees: dict[int, str] | None = None
    """The probed company's employees: number → display name."""
    period: str | None = None
    inventory: Inventory | None = None
    """The REST readiness inventory (``nmbrs.rest.inventory``), when it ran."""


def chosen_company(rows: list[Row], wanted: str | None) -> Row | None:
    """The listing row of the company named exactly ``wanted``; the first row when no company was
    named; None when the named one is not there."""
    if wanted is None:
        return rows[0] if rows else None
    return next((row for row in rows if row.get("Name") == wanted), None)


def parse_period(value: object) -> tuple[int, int, str] | None:
    """``"2026-11-M"`` → (2026, 11, "M"); None when the text is not in that form."""
    parts = str(value or "").strip().split("-")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    return int(parts[0]), int(parts[1]), parts[2]


def rows_of(value: SoapValue) -> list[Row]:
    """The items of an ``ArrayOf…`` answer as dicts (for callers outside the probe)."""
    return _rows(value)


class NmbrsProbe:
    """Builds the Nmbrs checks for one target. ``client`` is an NmbrsClient (or a fake)."""

    def __init__(
        self,
        client: SoapCaller,
        target: NmbrsTarget,
        t: Translator,
        *,
        poll_budget_s: float = 20.0,
        poll_interval_s: float = 0.1,
        cache: AnswerCache | None = None,
        rest_readiness: bool = False,
        today: date | None = None,
    ) -> None:
        self._target = target
        self._t = t
        self.discovery = Discovery(client, target, cache)
        self.readiness = None
        if rest_readiness:
            self.readiness = Readiness(
                self.discovery, target.option, t, today=today, requires=(AUTH_CHECK,)
            )
        self._poll_budget_s = poll_budget_s
        self._poll_interval_s = poll_interval_s

    def checks(self) -> list[CheckSpec]:
        """``nmbrs.auth``, ``nmbrs.company``, then one check per call of the chosen option."""
        t = self._t
        step, step_id = self._step_labeller()
        specs = [
            CheckSpec(
                AUTH_CHECK,
                t("nmbrs.auth.title"),
                step(AUTH_CHECK),
                self._check_auth,
                step_id=step_id(AUTH_CHECK),
            ),
            CheckSpec(
                COMPANY_CHECK,
                t("nmbrs.company.title"),
                step(COMPANY_CHECK),
                self._check_company,
                requires=(AUTH_CHECK,),
                step_id=step_id(COMPANY_CHECK),
            ),
        ]
        specs.extend(
            CheckSpec(
                call.check_id,
                call.label,
                step(call.check_id),
                self._call_check(call),
                requires=(AUTH_CHECK,),
                timeout_s=self._poll_budget_s + 60
                if call is catalogue.BACKGROUND_TASK_RESULT
                else None,
                step_id=step_id(call.check_id),
            )
            for call in catalogue.calls_for(self._target.option)
        )
        if self.readiness is not None:
            specs.extend(self.readiness.checks())
        return specs

    def _step_labeller(self) -> tuple[Callable[[str], str], Callable[[str], str]]:
        """``check id → "Step 2: Set the Template User's rights"``: the manual step it verifies;
        and ``check id → "nmbrs.step.2"``, that step's stable id."""
        steps = steps_for("nmbrs", self._target.option.value)

        def top(check_id: str) -> Step | None:
            return next(
                (s for s in steps if any(sub.is_verified_by(check_id) for sub in s.walk())), None
            )

        def label(check_id: str) -> str:
            found = top(check_id)
            return (
                f"{self._t('nmbrs.step.word')} {found.number}: {found.title_text(self._t)}"
                if found
                else ""
            )

        def step_id(check_id: str) -> str:
            found = top(check_id)
            return found.id if found else ""

        return label, step_id

    def facts(self) -> NmbrsFacts:
        """Company names, the probed company's employees and its period, from answers received."""
        discovery = self.discovery
        inventory = self.readiness.inventory if self.readiness is not None else None
        listing = discovery.known(catalogue.LIST_GET_ALL)
        if listing is None or not listing.ok:
            return NmbrsFacts(inventory=inventory)
        rows = _rows(listing.value)
        names = tuple(str(r.get("Name")) for r in rows)
        chosen = chosen_company(rows, self._target.company)
        if chosen is None:
            return NmbrsFacts(companies=names, inventory=inventory)
        company_id = int(chosen["ID"])
        staff = discovery.known(
            catalogue.LIST_GET_BY_COMPANY, CompanyId=company_id, EmployeeType=ACTIVE_EMPLOYEE_TYPE
        )
        period = discovery.known(catalogue.COMPANY_GET_CURRENT_PERIOD, CompanyId=company_id)
        return NmbrsFacts(
            companies=names,
            company=str(chosen.get("Name")),
            employees={
                int(e["Number"]): str(e.get("DisplayName") or "") for e in _rows(staff.value)
            }
            if staff is not None and staff.ok
            else None,
            period=str(period.value) if period is not None and period.ok else None,
            inventory=inventory,
        )

    # -- nmbrs.auth and nmbrs.company -------------------------------------------------------

    async def _check_auth(self) -> Outcome:
        answer = await self.discovery.companies()
        code = answer.fault_code()
        t = self._t
        if answer.ok or code in (INACTIVE_CALL, *DATA_CODES):
            # 1002 comes after authentication: the login works, the call is judged on its own.
            return outcome(
                Status.PASS,
                t("nmbrs.auth.pass", username=self._target.username, domain=self._target.domain),
            )
        if code == INVALID_AUTHENTICATION:
            return outcome(Status.FAIL, t("nmbrs.auth.invalid"), t("nmbrs.auth.invalid.fix"))
        if code == NO_SUBSCRIPTION:
            return outcome(
                Status.FAIL, t("nmbrs.auth.subscription"), t("nmbrs.auth.subscription.fix")
            )
        assert answer.error is not None
        raise answer.error

    async def _check_company(self) -> Outcome:
        t = self._t
        listing = await self.discovery.companies()
        if not listing.ok:
            return outcome(Status.WARN, t("nmbrs.company.unknown"), t("nmbrs.company.unknown.fix"))
        names = [str(row.get("Name")) for row in _rows(listing.value)]
        if not names:
            return outcome(Status.FAIL, t("nmbrs.company.none"), t("nmbrs.company.none.fix"))
        wanted = self._target.company
        if wanted is None:
            return outcome(Status.PASS, t("nmbrs.company.first", name=names[0], count=len(names)))
        if wanted in names:
            return outcome(Status.PASS, t("nmbrs.company.found", name=wanted))
        close = closest_names(wanted, names)
        return outcome(
            Status.FAIL,
            t(
                "nmbrs.company.missing",
                name=wanted,
                close=", ".join(f"'{n}'" for n in close) or "-",
            ),
            t("nmbrs.company.missing.fix"),
        )

    # -- one check per call ---------------------------------------------------------------------

    def _call_check(self, call: NmbrsCall) -> Callable[[], Awaitable[Outcome]]:
        async def run() -> Outcome:
            if call is catalogue.BACKGROUND_TASK_RESULT:
                return await self._check_task_result(call)
            ids = await self.discovery.ids_for(call)
            answer = await self.discovery.answer(call, **ids.values)
            return self._judge(call, answer, ids.placeholders)

        return run

    def _judge(
        self, call: NmbrsCall, answer: Answer, placeholders: tuple[str, ...], note: str = ""
    ) -> Outcome:
        t = self._t
        code = answer.fault_code()
        if placeholders and (answer.ok or code in DATA_CODES):
            return outcome(
                Status.WARN,
                t("nmbrs.call.placeholder", ids=", ".join(placeholders)),
                t("nmbrs.call.placeholder.fix"),
            )
        if answer.ok:
            return outcome(Status.PASS, note or t("nmbrs.call.active"))
        if code == INACTIVE_CALL:
            return outcome(
                Status.FAIL,
                t("nmbrs.call.inactive", call=call.label),
                t("nmbrs.call.inactive.fix", category=call.category.value, call=call.label),
            )
        if code in DATA_CODES:
            return outcome(
                Status.WARN,
                t("nmbrs.call.data_error", code=code, title=getattr(answer.error, "title", "")),
                t("nmbrs.call.data_error.fix"),
            )
        assert answer.error is not None
        if isinstance(answer.error, NmbrsFault):
            return outcome(
                Status.ERROR,
                t("nmbrs.call.unknown_fault", reason=str(answer.error)),
                t("core.fix.retry_later"),
            )
        raise answer.error

    # -- the background report ------------------------------------------------------------------

    async def _check_task_result(self, call: NmbrsCall) -> Outcome:
        task_id = None
        if catalogue.WAGE_CODES_BACKGROUND in catalogue.calls_for(self._target.option):
            # The same memoised call as the start check's own: one task, started once.
            ids = await self.discovery.ids_for(catalogue.WAGE_CODES_BACKGROUND)
            started = await self.discovery.answer(catalogue.WAGE_CODES_BACKGROUND, **ids.values)
            task_id = str(started.value) if started.ok and started.value else None
        if task_id is None:
            # No task could be started: ask for a random one. An Active call answers with a
            # task-status fault (2019/2020) — reached, not confirmed. [GUESS] reference §6.
            answer = await self.discovery.answer(call, TaskId=str(uuid.uuid4()))
            return self._judge(call, answer, ("task",))
        return await self._poll(call, task_id)

    async def _poll(self, call: NmbrsCall, task_id: str) -> Outcome:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._poll_budget_s
        interval = self._poll_interval_s
        polls = 0
        while True:
            polls += 1
            answer = await self.discovery.fresh(call, TaskId=task_id)
            status = str((answer.value or {}).get("Status", "")) if answer.ok else ""
            if not answer.ok or status.lower() in FINAL_TASK_STATUSES or loop.time() >= deadline:
                note = self._t("nmbrs.task.status", status=status or "?", polls=polls)
                return self._judge(call, answer, (), note=note)
            await asyncio.sleep(min(interval, max(0.0, deadline - loop.time())))
            interval = min(interval * 2, 2.0)  # short backoff: a task is often done in seconds


def closest_names(wanted: str, names: list[str], limit: int = 3) -> list[str]:
    """Real names most like ``wanted``, ignoring case first (the usual slip), then by similarity."""
    same_but_case = [n for n in names if n.casefold() == wanted.casefold()]
    similar = difflib.get_close_matches(
        wanted.casefold(), [n.casefold() for n in names], n=limit, cutoff=0.5
    )
    by_folded = {n.casefold(): n for n in names}
    ordered = same_but_case + [by_folded[s] for s in similar]
    return list(dict.fromkeys(ordered))[:limit]
