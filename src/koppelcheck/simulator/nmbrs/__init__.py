"""A faithful local Nmbrs SOAP v3 that owns its contract, as a pure ``handle(SimRequest)`` object.

It follows the public record (``shared/reference/nmbrs-api.md``), not our client. Its operations,
parameter names and answer types come from the WSDLs it serves (``served/``, built by
:mod:`.wsdlgen` from the real v2.1 WSDLs moved to the v3 namespace), never from koppelcheck's
call catalogue. The parts:

- :mod:`.contract`: the served WSDLs, read into operations and types; renders answers in the
  declared order and refuses undeclared elements;
- :mod:`.codec`: SOAP 1.1/1.2 as ASP.NET .asmx speaks it (routing, faults, status codes);
- :mod:`.dispatcher`: :class:`NmbrsSimulator`, authentication, the Template User, tasks;
- :mod:`.scenario`: the scenario model and loader;
- :mod:`.data`: the sample data and one handler per simulated operation.

docs/fidelity.md lists every simulated behaviour with its source and confidence.
"""

from koppelcheck.simulator.nmbrs.codec import SOAP11, SOAP12
from koppelcheck.simulator.nmbrs.dispatcher import NmbrsSimulator, make_nmbrs_simulator
from koppelcheck.simulator.nmbrs.scenario import (
    NMBRS_SCENARIOS,
    NmbrsCompany,
    NmbrsEmployee,
    NmbrsRun,
    NmbrsScenario,
    load_nmbrs_scenario,
)

__all__ = [
    "NMBRS_SCENARIOS",
    "SOAP11",
    "SOAP12",
    "NmbrsCompany",
    "NmbrsEmployee",
    "NmbrsRun",
    "NmbrsScenario",
    "NmbrsSimulator",
    "load_nmbrs_scenario",
    "make_nmbrs_simulator",
]
