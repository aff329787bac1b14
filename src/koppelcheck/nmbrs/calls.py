"""The Nmbrs calls a.s.r.'s manual requires to be Active, per manual option, as data.

Read by the probe (``checks.py``), the simulator, the checklist and the docs. Operation and
parameter names follow ``shared/reference/nmbrs-api.md`` §3 (XML is case-sensitive: ``CompanyID`` in
the two ``*_AllEmployeesByCompany`` calls, lower-camel names in the ReportService background call).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

NAMESPACE_TEMPLATE = "https://api.nmbrs.nl/soap/v3/{service}"
PRODUCTION_BASE_URL = "https://api.nmbrs.nl/soap/v3"
SANDBOX_BASE_URL = "https://api-sandbox.nmbrs.nl/soap/v3"
SERVICES = ("CompanyService", "EmployeeService", "ReportService", "DebtorService")


class ManualOption(StrEnum):
    """The manual's two ways to set up the coupling."""

    OVERKOEPELEND = "overkoepelend"
    """Optie 1: one accountant login for all debtors (a.s.r.'s advice)."""
    PER_DEBITEUR = "per-debiteur"
    """Optie 2: a master company login per debtor."""


class Category(StrEnum):
    """The manual's grouping of calls, which is also the Template User screen's grouping."""

    COMPANY = "Company Services"
    EMPLOYEE = "Employee Services"
    REPORT = "Report Services"


@dataclass(frozen=True)
class Param:
    """One request parameter: its exact element name and what value the probe puts in it."""

    name: str
    source: str
    """One of: company, employee, run, year, period, wage_code, task, employee_type, debtor."""


@dataclass(frozen=True)
class NmbrsCall:
    """One SOAP operation the coupling needs."""

    service: str
    operation: str
    category: Category
    params: tuple[Param, ...] = ()
    manual_name: str = ""
    """The name as the manual prints it, when it differs from the operation."""
    confidence: str = "high"
    """How sure the public record is of the signature (reference §3)."""
    idempotent: bool = True
    """Whether sending it twice is harmless, so a lost answer may be asked again. Every call is a
    read except the one that starts a background report (each call starts a new task)."""

    @property
    def check_id(self) -> str:
        """``nmbrs.call.<Service>.<Operation>``."""
        return f"nmbrs.call.{self.service}.{self.operation}"

    @property
    def label(self) -> str:
        """The name the administrator sees in the manual and in Nmbrs' Template User screen."""
        return self.manual_name or self.operation

    @property
    def namespace(self) -> str:
        """The service's XML namespace (the same on the sandbox host)."""
        return NAMESPACE_TEMPLATE.format(service=self.service)

    @property
    def soap_action(self) -> str:
        """The SOAP 1.1 ``SOAPAction``: namespace + "/" + operation."""
        return f"{self.namespace}/{self.operation}"


def _company(op: str, *params: Param, confidence: str = "high") -> NmbrsCall:
    return NmbrsCall("CompanyService", op, Category.COMPANY, params, confidence=confidence)


def _employee(op: str, *params: Param, confidence: str = "high") -> NmbrsCall:
    return NmbrsCall("EmployeeService", op, Category.EMPLOYEE, params, confidence=confidence)


_COMPANY_ID = Param("CompanyId", "company")
_EMPLOYEE_ID = Param("EmployeeId", "employee")

COMPANY_GET_CURRENT_PERIOD = _company("Company_GetCurrentPeriod", _COMPANY_ID)
LIST_GET_ALL = _company("List_GetAll")
RUN_GET_LIST = _company("Run_GetList", _COMPANY_ID, Param("Year", "year"))
WAGE_CODES_FILTER = _company(
    "Reports_GetWageCodesByRunCompany_FilterByWageCode",
    _COMPANY_ID,
    Param("RunId", "run"),
    Param("intYear", "year"),
    Param("WageCode", "wage_code"),
    confidence="medium",
)
WAGE_CODES_V2 = _company(
    "Reports_GetWageCodesByRunCompany_v2",
    _COMPANY_ID,
    Param("RunId", "run"),
    Param("intYear", "year"),
)

LIST_GET_BY_COMPANY = _employee(
    "List_GetByCompany", _COMPANY_ID, Param("EmployeeType", "employee_type")
)
EMPLOYEE_CALLS: tuple[NmbrsCall, ...] = (
    _employee("Address_GetListCurrent", _EMPLOYEE_ID),
    _employee("BankAccount_GetListCurrent", _EMPLOYEE_ID),
    _employee("Children_Get", _EMPLOYEE_ID),
    _employee("Contract_GetCurrentPeriod", _EMPLOYEE_ID),
    LIST_GET_BY_COMPANY,
    _employee("Partner_Get", _EMPLOYEE_ID, confidence="medium"),
    _employee("PersonalInfo_GetCurrent", _EMPLOYEE_ID),
    _employee("Salary_GetAll_AllEmployeesByCompany", Param("CompanyID", "company")),
    _employee("Schedule_GetCurrent", _EMPLOYEE_ID),
    _employee("Schedule_GetList", _EMPLOYEE_ID, Param("Period", "period"), Param("Year", "year")),
    _employee("SVW_GetCurrent", _EMPLOYEE_ID),
    _employee("WageComponentFixed_GetCurrent", _EMPLOYEE_ID),
    _employee("WageComponentVar_GetCurrent", _EMPLOYEE_ID),
    _employee("Employment_GetAll_AllEmployeesByCompany", Param("CompanyID", "company")),
)

WAGE_CODES_BACKGROUND = NmbrsCall(
    "ReportService",
    "Reports_GetWageCodesByRunCompany_FilterByWageCode_Background",
    Category.REPORT,
    (
        Param("companyId", "company"),
        Param("runId", "run"),
        Param("year", "year"),
        Param("wageCode", "wage_code"),
    ),
    manual_name="Report_GetWageCodesByRunCompany_FilterByWageCode_Background",
    confidence="medium",
    idempotent=False,
)
BACKGROUND_TASK_RESULT = NmbrsCall(
    "ReportService",
    "Reports_BackgroundTask_Result",
    Category.REPORT,
    (Param("TaskId", "task"),),
    manual_name="Report_BackgroundTask_Result",
)

ENVIRONMENT_GET = NmbrsCall("DebtorService", "Environment_Get", Category.COMPANY, ())
"""Not in the manual; answers the domain for a user name and token (reference §3)."""

DEBTOR_LIST_GET_ALL = NmbrsCall("DebtorService", "List_GetAll", Category.COMPANY, ())
"""Not in the manual: the login's debtors, for the REST readiness inventory. In no public WSDL;
the answer shape (Debtor{Id, Number, Name}) is a peer's (bundled DebtorService.wsdl says which)."""
LIST_GET_BY_DEBTOR = NmbrsCall(
    "CompanyService", "List_GetByDebtor", Category.COMPANY, (Param("DebtorId", "debtor"),)
)
"""Not in the manual: one debtor's companies, for the REST readiness inventory (v2.1 WSDL)."""
INVENTORY_CALLS: tuple[NmbrsCall, ...] = (DEBTOR_LIST_GET_ALL, LIST_GET_BY_DEBTOR)
"""The two calls ``nmbrs.rest.inventory`` makes; a Template User must have them Active."""

CATALOGUE: dict[ManualOption, tuple[NmbrsCall, ...]] = {
    ManualOption.OVERKOEPELEND: (
        COMPANY_GET_CURRENT_PERIOD,
        LIST_GET_ALL,
        RUN_GET_LIST,
        *EMPLOYEE_CALLS,
        WAGE_CODES_BACKGROUND,
        BACKGROUND_TASK_RESULT,
    ),
    ManualOption.PER_DEBITEUR: (
        COMPANY_GET_CURRENT_PERIOD,
        LIST_GET_ALL,
        WAGE_CODES_FILTER,
        WAGE_CODES_V2,
        RUN_GET_LIST,
        *EMPLOYEE_CALLS,
    ),
}

ALL_CALLS: tuple[NmbrsCall, ...] = tuple(
    dict.fromkeys(c for calls in CATALOGUE.values() for c in calls)
)
"""Every distinct call of both options, in manual order."""


def calls_for(option: ManualOption | str) -> tuple[NmbrsCall, ...]:
    """The calls one manual option needs, in the manual's order."""
    return CATALOGUE[ManualOption(option)]


def find_call(service: str, operation: str) -> NmbrsCall:
    """Look a call up by service and operation."""
    for call in (*ALL_CALLS, ENVIRONMENT_GET, *INVENTORY_CALLS):
        if call.service == service and call.operation == operation:
            return call
    raise KeyError(f"{service}.{operation}")
