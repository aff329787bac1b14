"""The simulator's sample data and its answers, one handler per operation, as data.

``HANDLERS`` maps ``(service, operation)`` to a function of the simulator and the request's
parameters (read by the names the served WSDL declares). A handler returns plain values (dicts,
lists, str, int, Decimal, datetime); the codec puts them in the WSDL's order and refuses anything
the WSDL does not declare. To simulate another operation, declare it in the served WSDL
(``wsdlgen``) and add one entry here.

All personal data is made up: names from the scenario, BSNs that pass the 11-test from a range no
person has, IBANs with a valid check but a made-up account.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from lxml import etree

from koppelcheck.simulator.nmbrs.codec import Fault, Params
from koppelcheck.simulator.nmbrs.contract import Fields, Value
from koppelcheck.simulator.nmbrs.scenario import (
    NmbrsCompany,
    NmbrsEmployee,
    NmbrsRun,
    NmbrsScenario,
)

if TYPE_CHECKING:
    from koppelcheck.simulator.nmbrs.dispatcher import NmbrsSimulator


def _company_fields(company: NmbrsCompany) -> Fields:
    slug = company.name.lower().replace(" b.v.", "").replace(" ", "")
    return {
        "ID": company.id,
        "Number": company.number,
        "Name": company.name,
        "PhoneNumber": f"020-{5550000 + company.number}",
        "FaxNumber": "",
        "Email": f"info@{slug}.nl",
        "Website": f"https://www.{slug}.nl",
        "LoonaangifteTijdvak": {"M": "Month", "W4": "Week4"}.get(company.period_type, "None"),
        "KvkNr": str(34000000 + company.id % 1000000),
    }


def _run_fields(run: NmbrsRun, locked: bool) -> Fields:
    return {
        "ID": run.id,
        "Number": run.number,
        "Year": run.year,
        "PeriodStart": run.period_start,
        "PeriodEnd": run.period_end,
        "Description": f"Run {run.number} periode {run.period_start} {run.year}",
        "RunAt": datetime(run.year, min(run.period_start, 12), 24, 14, 30),
        "IsLocked": locked,
    }


_FIRST_NAMES = {
    "J": ("Johannes", "male"),
    "A": ("Anna", "female"),
    "P": ("Pieter", "male"),
    "M": ("Maria", "female"),
    "S": ("Sem", "male"),
}


def _name_parts(employee: NmbrsEmployee) -> dict[str, str]:
    words = employee.display_name.split()
    initials = words[0] if words and words[0].endswith(".") else ""
    rest = words[1:] if initials else words
    prefix = " ".join(w for w in rest[:-1] if w.islower())
    first, gender = _FIRST_NAMES.get(initials[:1], ("Kim", "undefined"))
    return {
        "Initials": initials,
        "Prefix": prefix,
        "LastName": rest[-1] if rest else "",
        "FirstName": first,
        "Gender": gender,
    }


def _bsn(seed: int) -> str:
    """A 9-digit number passing the 11-test (not a real person's BSN)."""
    base = 90000000 + seed % 9000000
    while True:
        digits = [int(d) for d in f"{base:08d}"]
        check = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True)) % 11
        if check < 10:
            return f"{base:08d}{check}"
        base += 1


def _iban(seed: int) -> str:
    account = f"{seed % 10**10:010d}"
    numeric = "".join(str(int(ch, 36)) for ch in f"ABNA{account}NL00")
    return f"NL{98 - int(numeric) % 97:02d}ABNA{account}"


def _birthday(employee: NmbrsEmployee) -> datetime:
    return datetime(1965 + employee.id % 30, 1 + employee.id % 12, 1 + employee.id % 28)


def _employee_fields(employee: NmbrsEmployee) -> Fields:
    return {"Id": employee.id, "Number": employee.number, "DisplayName": employee.display_name}


def _personal_info(employee: NmbrsEmployee) -> Fields:
    names = _name_parts(employee)
    mail = f"{names['FirstName'].lower()}.{names['LastName'].lower()}"
    return {
        **_employee_fields(employee),
        "EmployeeNumber": employee.number,
        "BSN": _bsn(employee.id),
        "Title": "",
        "FirstName": names["FirstName"],
        "Initials": names["Initials"],
        "Prefix": names["Prefix"],
        "LastName": names["LastName"],
        "Nickname": names["FirstName"],
        "Gender": names["Gender"],
        "NationalityCode": 1,
        "PlaceOfBirth": "Utrecht",
        "CountryOfBirthISOCode": "NL",
        "IdentificationNumber": f"NX{employee.id:07d}",
        "IdentificationType": 1,
        "PartnerPrefix": "",
        "PartnerLastName": "",
        "TelephonePrivate": "030-2345678",
        "TelephoneWork": "",
        "TelephoneMobilePrivate": f"06-{12000000 + employee.id % 1000000}",
        "TelephoneMobileWork": "",
        "TelephoneOther": "",
        "EmailPrivate": f"{mail}@example.nl",
        "EmailWork": f"{mail}@werk.example.nl",
        "BurgerlijkeStaat": "Gehuwd",
        "Naamstelling": "E",
        "Birthday": _birthday(employee),
        "DeceasedDate": None,
        "InCaseOfEmergency": "Partner",
        "InCaseOfEmergencyPhone": "06-87654321",
        "InCaseOfEmergencyRelation": "Partner",
        "TitleAfter": "",
    }


def _address(employee: NmbrsEmployee) -> Fields:
    return {
        "Id": 700000 + employee.id % 100000,
        "Default": True,
        "Street": "Dorpsstraat",
        "HouseNumber": str(1 + employee.id % 150),
        "HouseNumberAddition": "",
        "PostalCode": f"{3500 + employee.id % 400} AB",
        "City": "Utrecht",
        "StateProvince": "Utrecht",
        "CountryISOCode": "NL",
        "Type": "HomeAddress",
    }


def _bank_account(employee: NmbrsEmployee) -> Fields:
    return {
        "Id": 600000 + employee.id % 100000,
        "Number": _iban(employee.id),
        "Description": "Salaris",
        "IBAN": _iban(employee.id),
        "BIC": "ABNANL2A",
        "City": "Amsterdam",
        "Name": employee.display_name,
        "Type": "Bankrekening1",
    }


def _children_item(employee: NmbrsEmployee) -> Fields:
    names = _name_parts(employee)
    child: Fields = {
        "Id": 400000 + employee.id % 100000,
        "Name": names["LastName"],
        "FirstName": "Daan",
        "Initials": "D.",
        "Gender": "male",
        "Birthday": datetime(2015, 5, 17),
    }
    kids = [child] if employee.number == 1 else []
    return {"EmployeeId": employee.id, "EmployeeChildren": kids}


def _contract_item(employee: NmbrsEmployee) -> Fields:
    contract: Fields = {
        "ContractID": 300000 + employee.id % 100000,
        "CreationDate": datetime(2019, 12, 20, 9, 0),
        "StartDate": datetime(2020, 1, 1),
        "TrialPeriod": None,
        "EndDate": None,
        "EmployementType": 1,
        "EmploymentSequenceTaxId": 1,
        "Indefinite": True,
        # v3 (2020 WAB) fields, names from PY-NMBRS's Contract data class (reference §3).
        "PhaseClassification": 1,
        "WrittenContract": True,
        "HoursPerWeek": Decimal("40.00"),
    }
    return {"EmployeeId": employee.id, "EmployeeContracts": [contract]}


def _partner(employee: NmbrsEmployee) -> Fields:
    return {
        "Id": 910000 + employee.id % 100000,
        "PartnerName": _name_parts(employee)["LastName"],
        "FirstName": "Eva",
        "Initials": "E.",
        "Gender": "female",
        "Birthday": datetime(1972, 3, 9),
        "StartDate": datetime(2001, 6, 15),
        "Telephone": "06-11223344",
        "Email": "eva@example.nl",
    }


def _schedule(part_time: bool) -> Fields:
    day = Decimal("8.00")
    days = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
    hours = {
        d: (day if i < (4 if part_time else 5) else Decimal("0.00")) for i, d in enumerate(days)
    }
    fields: Fields = {f"Hours{d}": hours[d] for d in days}
    fields.update({f"Hours{d}2": hours[d] for d in days})
    fields["ParttimePercentage"] = Decimal("80.00") if part_time else Decimal("100.00")
    fields["StartDate"] = datetime(2020, 1, 1)
    return fields


def _svw() -> Fields:
    """The v3 SVW settings (names from PY-NMBRS's SVW data class; reference §3 says only that the
    fields changed in 2020). Values are plausible, not sourced."""
    return {
        "Id": 1,
        "CreateDate": datetime(2019, 12, 20, 9, 0),
        "StartYear": 2020,
        "StartPeriod": 1,
        "InfluenceObligedInsuranced": "Geen invloed",
        "Wao_Wia": True,
        "Ww": True,
        "Zw": True,
        "IncomeRelatedContributionZvw": "Ja",
        "CodeZvw": "K",
        "EmploymentType": "Normaal",
        "PhaseClassification": "Geen",
        "EmploymentSequenceTaxId": 1,
        "CAO": {"CAOId": 1229, "CAOCode": "1229", "CAODescription": "Bakkersbedrijf"},
        "RiskGroup": {"RiskGroupId": 0, "RiskGroupCode": "0", "RiskGroupDescription": "Geen"},
        "Sector": {"SectorId": 33, "SectorCode": "33", "SectorDescription": "Detailhandel"},
        "WageCostBenefit": {"WageCostBenefitCode": "Geen", "EndPeriod": 0, "EndYear": 0},
    }


def _salary_item(employee: NmbrsEmployee) -> Fields:
    salary: Fields = {
        "ID": 200000 + employee.id % 100000,
        "Value": Decimal("3250.00") + employee.number * 250,
        "Type": 1,
        "SalaryTable": {
            "Code": 0,
            "Description": "Geen schaal",
            "Schaal": {
                "Scale": "",
                "SchaalDescription": "",
                "ScaleValue": Decimal(0),
                "ScalePercentageMax": Decimal(0),
                "ScalePercentageMin": Decimal(0),
            },
            "Trede": {"Step": "", "StepDescription": "", "StepValue": Decimal(0)},
        },
        "StartDate": datetime(2026, 1, 1),
        "CreationDate": datetime(2025, 12, 18, 11, 5),
    }
    return {"EmployeeId": employee.id, "EmployeeSalaries": [salary]}


def _employment_item(employee: NmbrsEmployee) -> Fields:
    employment: Fields = {
        "EmploymentId": 100000 + employee.id % 100000,
        "CreationDate": datetime(2019, 12, 20, 9, 0),
        "StartDate": datetime(2020, 1, 1),
        "EndDate": None,
        "InitialStartDate": datetime(2020, 1, 1),
    }
    return {"EmployeeId": employee.id, "EmployeeEmployments": [employment]}


_WAGE_LINES = ((10, "Salaris"), (190, "Reiskostenvergoeding"), (301, "Pensioenpremie werknemer"))


def _wage_components(employee: NmbrsEmployee, fixed: bool) -> list[Fields]:
    codes = _WAGE_LINES[1:] if fixed else _WAGE_LINES[:1]
    return [
        {"Id": 800000 + employee.id % 10000 + code, "Code": code, "Value": _wage_value(code)}
        for code, _ in codes
    ]


def _wage_report(company: NmbrsCompany, run: NmbrsRun | None, code: int | None) -> str:
    """The XML text of a wage-code report: ``<reports><report>…<lines><line>…`` (reference §6)."""
    reports = etree.Element("reports")
    if run is None:  # an unknown run: an empty report, not a fault (no source says either way)
        return str(etree.tostring(reports, encoding="unicode"))
    for employee in company.employees:
        report = etree.SubElement(reports, "report")
        _leaves(
            report,
            employeeid=employee.id,
            period=run.period_start,
            year=run.year,
            runnumber=run.number,
        )
        lines = etree.SubElement(report, "lines")
        for line_code, description in _WAGE_LINES:
            if code in (None, line_code):
                _leaves(
                    etree.SubElement(lines, "line"),
                    code=line_code,
                    description=description,
                    value=_wage_value(line_code),
                )
    return str(etree.tostring(reports, encoding="unicode"))


def _leaves(parent: etree._Element, **values: object) -> None:
    for name, value in values.items():
        etree.SubElement(parent, name).text = str(value)


def _wage_value(code: int) -> Decimal:
    return Decimal("125.50") + code


def _find_run(company: NmbrsCompany, run_id: int, year: int) -> NmbrsRun | None:
    return next((r for r in company.runs if r.id == run_id and r.year == year), None)


# --------------------------------------------------------------------------- handlers

Handler = Callable[["NmbrsSimulator", Params], Value]
"""Answers one operation from the simulator (for its scenario and state) and the parameters."""


def _per_employee(build: Callable[[NmbrsEmployee], Value]) -> Handler:
    return lambda sim, p: build(sim.employee(p["EmployeeId"])[1])


def _per_company_employee(build: Callable[[NmbrsEmployee], Value]) -> Handler:
    return lambda sim, p: [build(e) for e in sim.company(p["CompanyID"]).employees]


def _list_all(sim: NmbrsSimulator, p: Params) -> list[Fields]:
    scenario: NmbrsScenario = sim.scenario
    return [_company_fields(c) for c in scenario.companies]


def _run_list(sim: NmbrsSimulator, p: Params) -> list[Fields]:
    runs = [r for r in sim.company(p["CompanyId"]).runs if r.year == p["Year"]]
    return [_run_fields(r, locked=r is not runs[-1]) for r in runs]


def _wage_codes(sim: NmbrsSimulator, p: Params) -> str:
    company = sim.company(p["CompanyId"])
    return _wage_report(company, _find_run(company, p["RunId"], p["intYear"]), p.get("WageCode"))


def _wage_codes_background(sim: NmbrsSimulator, p: Params) -> str:
    company = sim.company(p["companyId"])
    report = _wage_report(company, _find_run(company, p["runId"], p["year"]), p["wageCode"])
    return sim.start_task(report)


def _debtors(sim: NmbrsSimulator, p: Params) -> list[Fields]:
    scenario: NmbrsScenario = sim.scenario
    return [{"Id": d.id, "Number": d.number, "Name": d.name} for d in scenario.debtor_list()]


def _companies_of_debtor(sim: NmbrsSimulator, p: Params) -> list[Fields]:
    scenario: NmbrsScenario = sim.scenario
    debtor = next((d for d in scenario.debtor_list() if d.id == p["DebtorId"]), None)
    if debtor is None:  # an unknown or invisible debtor (reference §4: 2009)
        raise Fault(2009, "Unauthorized Access")
    found = [scenario.company(i) for i in debtor.company_ids]
    return [_company_fields(c) for c in found if c is not None]


def _environment(sim: NmbrsSimulator, p: Params) -> dict[str, str]:
    # GUESS (reference §3): peers read Domain and SubDomain; their exact values are not public.
    scenario: NmbrsScenario = sim.scenario
    domain = scenario.domain
    return {"Domain": f"{domain}.nmbrs.nl", "SubDomain": domain}


HANDLERS: dict[tuple[str, str], Handler] = {
    ("CompanyService", "Company_GetCurrentPeriod"): lambda sim, p: (
        sim.company(p["CompanyId"]).current_period
    ),
    ("CompanyService", "List_GetAll"): _list_all,
    ("CompanyService", "Run_GetList"): _run_list,
    ("CompanyService", "Reports_GetWageCodesByRunCompany_FilterByWageCode"): _wage_codes,
    ("CompanyService", "Reports_GetWageCodesByRunCompany_v2"): _wage_codes,
    ("EmployeeService", "List_GetByCompany"): lambda sim, p: [
        _employee_fields(e) for e in sim.company(p["CompanyId"]).employees
    ],
    ("EmployeeService", "Address_GetListCurrent"): _per_employee(lambda e: [_address(e)]),
    ("EmployeeService", "BankAccount_GetListCurrent"): _per_employee(lambda e: [_bank_account(e)]),
    ("EmployeeService", "Children_Get"): _per_employee(_children_item),
    ("EmployeeService", "Contract_GetCurrentPeriod"): _per_employee(_contract_item),
    ("EmployeeService", "Partner_Get"): _per_employee(_partner),
    ("EmployeeService", "PersonalInfo_GetCurrent"): _per_employee(_personal_info),
    ("EmployeeService", "Salary_GetAll_AllEmployeesByCompany"): _per_company_employee(_salary_item),
    ("EmployeeService", "Schedule_GetCurrent"): _per_employee(
        lambda e: _schedule(e.number % 2 == 0)
    ),
    ("EmployeeService", "Schedule_GetList"): _per_employee(
        lambda e: [_schedule(e.number % 2 == 0)]
    ),
    ("EmployeeService", "SVW_GetCurrent"): _per_employee(lambda e: _svw()),
    ("EmployeeService", "WageComponentFixed_GetCurrent"): _per_employee(
        lambda e: _wage_components(e, fixed=True)
    ),
    ("EmployeeService", "WageComponentVar_GetCurrent"): _per_employee(
        lambda e: _wage_components(e, fixed=False)
    ),
    ("EmployeeService", "Employment_GetAll_AllEmployeesByCompany"): _per_company_employee(
        _employment_item
    ),
    (
        "ReportService",
        "Reports_GetWageCodesByRunCompany_FilterByWageCode_Background",
    ): _wage_codes_background,
    ("ReportService", "Reports_BackgroundTask_Result"): lambda sim, p: sim.poll_task(p["TaskId"]),
    ("DebtorService", "Environment_Get"): _environment,
    # For the REST readiness inventory (not in a.s.r.'s manual).
    ("DebtorService", "List_GetAll"): _debtors,
    ("CompanyService", "List_GetByDebtor"): _companies_of_debtor,
}
