"""The alternative a user would script: the PyPI ``nmbrs`` SDK making the same 19 calls as one
koppelcheck check, one after another. ``python benchmarks/sdk_19_calls.py BASE_URL USER TOKEN``.

BASE_URL is a loopback simulator (``http://127.0.0.1:PORT``): the SDK's fixed Nmbrs addresses are
rewritten to it, and any other host is refused (as in tests/integration/test_nmbrs_simulator_peers).
The IDs are those of the simulator's ``healthy`` scenario.
"""

from __future__ import annotations

import sys
from typing import Any
from urllib.parse import urlsplit

import nmbrs
import requests
import zeep
import zeep.transports
from nmbrs.utils.nmbrs_exception_handler import nmbrs_exception_handler

_PRODUCTION = ("https://api-sandbox.nmbrs.nl/soap/v3/", "https://api.nmbrs.nl/soap/v3/")
COMPANY, EMPLOYEE, RUN, YEAR = 54613, 503293, 880101, 2026


class LoopbackTransport(zeep.transports.Transport):
    """Loads and posts to the loopback simulator only."""

    def __init__(self, base_url: str) -> None:
        session = requests.Session()
        session.trust_env = False
        super().__init__(session=session, timeout=30, operation_timeout=30)
        self.base_url = base_url

    def _loopback(self, url: str) -> str:
        for base in _PRODUCTION:
            if url.startswith(base):
                url = f"{self.base_url}/soap/v3/{url.removeprefix(base)}"
        if urlsplit(url).hostname != "127.0.0.1":
            raise SystemExit(f"refused a request to {urlsplit(url).hostname}")
        return url

    def _load_remote_data(self, url: str) -> bytes:
        return super()._load_remote_data(self._loopback(url))  # type: ignore[no-any-return]

    def post(self, address: str, message: Any, headers: Any) -> Any:
        address = self._loopback(address.replace("https://", "http://", 1))
        return super().post(address, message, headers)


def _raw(api: Any, service: str, operation: str, **params: Any) -> Any:
    call = getattr(getattr(api, service).client.service, operation)
    return nmbrs_exception_handler(resource=operation)(
        lambda: call(**params, _soapheaders=api.auth_manager.header)
    )()


def main() -> int:
    base_url, username, token = sys.argv[1:4]
    transport = LoopbackTransport(base_url)
    real = zeep.Client

    def client(wsdl: str, *args: Any, **kwargs: Any) -> zeep.Client:
        return real(wsdl, *args, transport=transport, **kwargs)

    for module in list(sys.modules.values()):
        if (
            getattr(module, "__name__", "").startswith("nmbrs.")
            and getattr(module, "Client", None) is real
        ):
            module.Client = client  # type: ignore[attr-defined]
    api = nmbrs.Nmbrs(username=username, token=token, sandbox=True)
    e, c = api.employee, api.company
    c.get_all()
    c.get_current_period(COMPANY)
    c.run.get(COMPANY, YEAR)
    e.get_by_company(COMPANY, 2)
    e.salary.get_all_by_company(COMPANY)
    e.employment.get_all_by_company(COMPANY)
    e.address.get_current(EMPLOYEE)
    e.bank_account.get_current(EMPLOYEE)
    e.child.get_current(EMPLOYEE)
    e.contract.get_current(EMPLOYEE)
    e.personal_info.get_current(EMPLOYEE)
    e.schedule.get_current(EMPLOYEE)
    e.svw.get_current(EMPLOYEE)
    _raw(api, "employee", "Partner_Get", EmployeeId=EMPLOYEE)
    _raw(api, "employee", "Schedule_GetList", EmployeeId=EMPLOYEE, Period=11, Year=YEAR)
    _raw(api, "employee", "WageComponentFixed_GetCurrent", EmployeeId=EMPLOYEE)
    _raw(api, "employee", "WageComponentVar_GetCurrent", EmployeeId=EMPLOYEE)
    wage = {"CompanyId": COMPANY, "RunId": RUN, "intYear": YEAR}
    _raw(api, "company", "Reports_GetWageCodesByRunCompany_FilterByWageCode", **wage, WageCode=10)
    _raw(api, "company", "Reports_GetWageCodesByRunCompany_v2", **wage)
    return 0


if __name__ == "__main__":
    sys.exit(main())
