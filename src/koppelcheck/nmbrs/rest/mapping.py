"""The public record on Nmbrs REST as data, written once and read by the readiness checks, the
consent plan, the REST probe, the REST simulator, the checklist and the docs.

Every fact names its source and confidence as ``shared/reference/migration-rest-oauth.md`` does
(§ numbers below are that file's): OFFICIAL (a Nmbrs page), SPEC (the OpenAPI description in
PyPI ``nmbrs-rest-api`` 0.0.3), PEER (third-party code), INFERRED. Where the record is unsure the
entry says ``unsure`` and the code takes the safe reading.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

SOAP_END = date(2027, 3, 1)
"""'As of March 1, 2027, the SOAP API will no longer be supported' [OFFICIAL SSO-DISC, §2]."""
SOAP_END_SOURCE = "migration-rest-oauth.md §2 (OFFICIAL SSO-DISC); nmbrs-api.md §1"

API_BASE_URL = "https://api.nmbrsapp.com"
"""REST host, paths under /api/ [SPEC servers; §1.1]."""
IDENTITY_URL = "https://identityservice.nmbrs.com"
"""Identity provider [OFFICIAL DEV-AUTH; §1.1]."""
DISCOVERY_PATH = "/.well-known/openid-configuration"
AUTHORIZE_PATH = "/connect/authorize"
TOKEN_PATH = "/connect/token"
REVOCATION_PATH = "/connect/revocation"
SUBSCRIPTION_HEADER = "X-Subscription-Key"
"""Sent with ``Authorization: Bearer`` on every API request [SPEC; §1.1]."""
MAX_PAGE_SIZE = 100
"""``pageSize`` default 20, max 100 [SPEC; §1.6]."""

OFFLINE_ACCESS = "offline_access"

REQUIRED_SCOPES: tuple[str, ...] = (
    OFFLINE_ACCESS,
    "company.info.read",
    "company.payrollsettings.read",
    "company.document.read",
    "document.read",
    "employee.info.read",
    "employee.bankaccount.read",
    "employee.employment.read",
    "employee.payrollsettings.read",
    "employee.payment.read",
    "user.info.read",
)
"""The §1.11 minimal set [INFERRED from §1.10] plus ``user.info.read`` (§1.10, "Identity and
tenant of a token"), which the probe uses for ``GET /api/user/info``."""


def satisfied_by(scope: str, granted: frozenset[str]) -> bool:
    """Whether ``scope`` is granted, a write scope satisfying its ``.read`` twin [SPEC; §1.4]."""
    return scope in granted or (scope.endswith(".read") and scope.removesuffix(".read") in granted)


@dataclass(frozen=True)
class RestEndpoint:
    """One REST read the probe makes, with the scopes (any one suffices) it needs [SPEC §1.10]."""

    name: str
    """The check id's last part: ``nmbrs.rest.endpoint.<name>``."""
    path: str
    """Path template; ``{companyId}``, ``{debtorId}``, ``{payrollRunId}``, ``{taskId}``."""
    scopes: tuple[str, ...]
    per_company: bool = True


def _ep(name: str, path: str, *scopes: str, per_company: bool = True) -> RestEndpoint:
    return RestEndpoint(name, path, scopes, per_company)


_C = "/api/companies/{companyId}"
USER_INFO = _ep("user-info", "/api/user/info", "user.info.read", per_company=False)
COMPANIES = _ep(
    "companies", "/api/companies", "company.info", "company.info.read", per_company=False
)
DEBTORS = _ep("debtors", "/api/debtors", "company.info", "company.info.read", per_company=False)
DEBTOR_COMPANIES = _ep(
    "debtor-companies",
    "/api/debtors/{debtorId}/companies",
    "company.info",
    "company.info.read",
    per_company=False,
)
PERIOD = _ep("period", f"{_C}/period", "company.info", "company.info.read")
RUNS = _ep("runs", f"{_C}/runs", "company.payrollsettings.read")
EMPLOYEES = _ep("employees", f"{_C}/employees", "employee.info", "employee.info.read")
WAGECODES = _ep("wagecodes", f"{_C}/runs/{{payrollRunId}}/wagecodes/xml", "company.document.read")
DOCUMENT = _ep("document", "/api/documents/{taskId}", "document.read", per_company=False)
_INFO = ("employee.info", "employee.info.read")
_EMPLOYMENT = ("employee.employment", "employee.employment.read")
_PAYMENT = ("employee.payment", "employee.payment.read")
EMPLOYEE_HISTORY: tuple[RestEndpoint, ...] = (
    _ep("addresses", f"{_C}/employees/addresses", *_INFO),
    _ep(
        "bankaccounts",
        f"{_C}/employees/bankaccounts",
        "employee.bankaccount",
        "employee.bankaccount.read",
    ),
    _ep("children", f"{_C}/employees/children", *_INFO),
    _ep("contracts", f"{_C}/employees/contracts", *_EMPLOYMENT),
    _ep("personalinfo", f"{_C}/employees/personalinfo", *_INFO),
    _ep("salaries", f"{_C}/employees/salaries", *_EMPLOYMENT),
    _ep("schedules", f"{_C}/employees/schedules", *_EMPLOYMENT),
    _ep(
        "svwsettings",
        f"{_C}/employees/svwsettings",
        "employee.payrollsettings",
        "employee.payrollsettings.read",
    ),
    _ep("fixedwagecomponents", f"{_C}/employees/fixedWageComponents", *_PAYMENT),
    _ep("variablewagecomponents", f"{_C}/employees/variablewagecomponents", *_PAYMENT),
    _ep("employments", f"{_C}/employees/employments", *_EMPLOYMENT),
)
PROBE_ENDPOINTS: tuple[RestEndpoint, ...] = (
    USER_INFO,
    COMPANIES,
    DEBTORS,
    DEBTOR_COMPANIES,
    PERIOD,
    RUNS,
    EMPLOYEES,
    *EMPLOYEE_HISTORY,
    WAGECODES,
    DOCUMENT,
)
"""Every endpoint the probe may call, in the order it calls them."""


def endpoint(name: str) -> RestEndpoint:
    """The endpoint with this name."""
    return next(e for e in PROBE_ENDPOINTS if e.name == name)


def blocked_by(scope: str) -> list[str]:
    """The probe's endpoints that ``scope`` (or its write twin) would open, by name."""
    return [e.name for e in PROBE_ENDPOINTS if scope in e.scopes]


@dataclass(frozen=True)
class CallMapping:
    """One of the manual's SOAP calls and its REST counterpart (§1.10)."""

    soap: str
    """``Service.Operation``."""
    endpoint: str
    """A :class:`RestEndpoint` name, or "" when there is none."""
    rest: str
    """The REST call as the reference writes it."""
    full: bool = True
    """False when REST covers the call only in part."""
    lost_key: str = ""
    """i18n key (``rest.lost.*``) saying what is lost when ``full`` is False."""
    confidence: str = "SPEC"


CALL_MAPPING: tuple[CallMapping, ...] = (
    CallMapping("CompanyService.Company_GetCurrentPeriod", "period", "GET {c}/period"),
    CallMapping(
        "CompanyService.List_GetAll",
        "companies",
        "GET /api/companies (or /api/debtors → /api/debtors/{debtorId}/companies)",
    ),
    CallMapping("CompanyService.Run_GetList", "runs", "GET {c}/runs?year="),
    CallMapping(
        "EmployeeService.Address_GetListCurrent", "addresses", "GET {c}/employees/addresses"
    ),
    CallMapping(
        "EmployeeService.BankAccount_GetListCurrent",
        "bankaccounts",
        "GET {c}/employees/bankaccounts",
    ),
    CallMapping("EmployeeService.Children_Get", "children", "GET {c}/employees/children"),
    CallMapping(
        "EmployeeService.Contract_GetCurrentPeriod", "contracts", "GET {c}/employees/contracts"
    ),
    CallMapping("EmployeeService.List_GetByCompany", "employees", "GET {c}/employees"),
    CallMapping(
        "EmployeeService.Partner_Get",
        "personalinfo",
        "partnerInfo in GET {c}/employees/personalinfo (partial)",
        full=False,
        lost_key="rest.lost.partner",
        confidence="SPEC, by absence",
    ),
    CallMapping(
        "EmployeeService.PersonalInfo_GetCurrent",
        "personalinfo",
        "GET {c}/employees/personalinfo (+ BSN via GET {c}/employees/privateInfos)",
    ),
    CallMapping(
        "EmployeeService.Salary_GetAll_AllEmployeesByCompany",
        "salaries",
        "GET {c}/employees/salaries",
    ),
    CallMapping("EmployeeService.Schedule_GetCurrent", "schedules", "GET {c}/employees/schedules"),
    CallMapping(
        "EmployeeService.Schedule_GetList",
        "schedules",
        "GET {c}/employees/schedules (no period/year filter)",
        full=False,
        lost_key="rest.lost.schedule",
    ),
    CallMapping("EmployeeService.SVW_GetCurrent", "svwsettings", "GET {c}/employees/svwsettings"),
    CallMapping(
        "EmployeeService.WageComponentFixed_GetCurrent",
        "fixedwagecomponents",
        "GET {c}/employees/fixedWageComponents?year=&period=",
    ),
    CallMapping(
        "EmployeeService.WageComponentVar_GetCurrent",
        "variablewagecomponents",
        "GET {c}/employees/variablewagecomponents?year=&period=",
    ),
    CallMapping(
        "EmployeeService.Employment_GetAll_AllEmployeesByCompany",
        "employments",
        "GET {c}/employees/employments",
    ),
    CallMapping(
        "ReportService.Reports_GetWageCodesByRunCompany_FilterByWageCode_Background",
        "wagecodes",
        "GET {c}/runs/{payrollRunId}/wagecodes/xml?year=&wageCodes=",
    ),
    CallMapping(
        "ReportService.Reports_BackgroundTask_Result", "document", "GET /api/documents/{taskId}"
    ),
    CallMapping(
        "CompanyService.Reports_GetWageCodesByRunCompany_FilterByWageCode",
        "wagecodes",
        "GET {c}/runs/{payrollRunId}/wagecodes/xml (+ GET /api/documents/{taskId})",
        confidence="SPEC, INFERRED",
    ),
    CallMapping(
        "CompanyService.Reports_GetWageCodesByRunCompany_v2",
        "wagecodes",
        "GET {c}/runs/{payrollRunId}/wagecodes/xml without wageCodes (+ documents)",
        confidence="SPEC, INFERRED",
    ),
)
"""§1.10, and "Further mappings" for the per-debtor option's two synchronous report calls."""


def mapping_for(soap: str) -> CallMapping | None:
    """The mapping of ``Service.Operation``, or None."""
    return next((m for m in CALL_MAPPING if m.soap == soap), None)


# -- who may consent (§1.5, §2) ----------------------------------------------------------------

CONSENT_LOGINS: tuple[str, ...] = (
    "Master Client login",
    "Bedrijfslogin",
)
"""'the client must have a Master Client login or a Bedrijfslogin' [OFFICIAL REST-ACC; §1.5]."""
CONSENT_TEMPLATES: tuple[str, ...] = (
    "Bedrijfslogin (alle scenario's)",
    "HR Manager (System)",
    "(Scenario 3) General Manager Payroll & HR",
)
"""The user templates REST-ACC names [OFFICIAL REST-ACC; §1.5]."""
NOT_CONSENTING = "Master Accountant login"
"""'not with a master login in a Nmbrs Accountant environment' [OFFICIAL BUILD; §1.5]."""


@dataclass(frozen=True)
class Fact:
    """A fact the REST features rely on, with where it comes from and how sure the record is."""

    key: str
    text: str
    source: str
    confidence: str


FACTS: tuple[Fact, ...] = (
    Fact("soap-end", "SOAP stops being supported on 2027-03-01", "§2 SSO-DISC", "OFFICIAL"),
    Fact(
        "per-debtor",
        "REST consent is given per debtor by a debtor-level login, not by a Master Accountant"
        " login; N debtors need N consents",
        "§1.5 BUILD, REST-ACC",
        "OFFICIAL (N consents: INFERRED)",
    ),
    Fact(
        "multi-debtor",
        "40306 from /api/companies for a token consented for several debtors: one consent for"
        " several debtors may exist in some form — unsure, ask Nmbrs/Keylane",
        "§1.5 point 4, §1.7 (SDK errors.py)",
        "PEER only — unsure",
    ),
    Fact(
        "scopes",
        "access = partner scopes ∩ what the consenting user grants ∩ that login's tags/filters;"
        " the Template User's call switches no longer decide it",
        "§1.5 point 2, DEV-SCOPES, 40303 text",
        "OFFICIAL/SPEC (intersection: INFERRED)",
    ),
    Fact(
        "bankaccount-scope",
        "/employees/bankaccounts needs employee.bankaccount(.read), not employee.info",
        "§1.4",
        "SPEC (differs from the OFFICIAL scopes page)",
    ),
    Fact(
        "partial",
        "Partner_Get (partner birth date and more) and Schedule_GetList (period filter) have no"
        " full REST equivalent",
        "§1.10",
        "SPEC (by absence)",
    ),
    Fact("uuids", "SOAP int ids become uuids; join on number/name", "§1.10", "SPEC"),
    Fact(
        "inventory",
        "SOAP DebtorService.List_GetAll answers Debtor{Id, Number, Name};"
        " CompanyService.List_GetByDebtor(DebtorId) answers ArrayOfCompany",
        "nmbrs-api.md §3 (peer tim-online/go-nmbrs debtors/list.go; v2.1 WSDL)",
        "PEER / v2.1 WSDL",
    ),
    Fact(
        "oauth",
        "authorization code only; PKCE S256 accepted (not documented as required); code valid"
        " 5 minutes; revocation at /connect/revocation",
        "§1.2, §1.3, §2",
        "OFFICIAL (PKCE: PEER)",
    ),
    Fact(
        "errors",
        "40303 login cannot see debtor/company (a missing scope may also show as 40303),"
        " 40304 environment disabled, 40404 invalid company, 429 throttled (42908/42909)",
        "§1.7",
        "SPEC (scope as 40303: PEER)",
    ),
)
"""For ``docs/nmbrs.md`` and the closing note."""

CANNOT_PROVE_KEYS: tuple[str, ...] = (
    "rest.cannot.partner_app",
    "rest.cannot.consent",
    "rest.cannot.quota",
    "rest.cannot.refresh",
)
"""What a customer-side probe cannot prove (§3 D, §6.2): i18n keys."""


def docs_tables() -> str:
    """The mapping, scopes and facts as the Markdown ``docs/nmbrs.md`` holds (a test compares)."""
    lines = [
        "| SOAP call (manual) | REST (`{c}` = `/api/companies/{companyId}`) | scope (any one)"
        " | full? | confidence |",
        "|---|---|---|---|---|",
    ]
    for m in CALL_MAPPING:
        scopes = " / ".join(f"`{s}`" for s in endpoint(m.endpoint).scopes) if m.endpoint else "—"
        lines.append(
            f"| `{m.soap}` | {m.rest} | {scopes} | {'yes' if m.full else '**partly**'}"
            f" | {m.confidence} |"
        )
    lines += ["", "Scopes the REST probe asks for: " + ", ".join(f"`{s}`" for s in REQUIRED_SCOPES)]
    lines += ["", "| fact | source (migration-rest-oauth.md) | confidence |", "|---|---|---|"]
    lines += [f"| {f.text} | {f.source} | {f.confidence} |" for f in FACTS]
    return "\n".join(lines) + "\n"
