"""The registry of payroll systems: one line per system.

A line names a system and where its :class:`koppelcheck.systems.interface.System` lives
(``module:attribute``); the module is imported when the system is first asked for. Its package
(the module's parent) may carry message catalogues in ``i18n/{nl,en}/*.toml``, merged with the
core's. Everything else follows from this table: the CLI's choice of systems, a command per
system, the batch file's ``system``, the checklist, credentials, simulate, the registration form
and the bundle (see docs/development.md, "Adding a payroll system").

This module imports nothing: ``koppelcheck --help`` and the message catalogues read it.
"""

from __future__ import annotations

TABLE: dict[str, str] = {
    "nmbrs": "koppelcheck.nmbrs.system:NMBRS",
    "afas": "koppelcheck.afas.system:AFAS",
}
"""System name -> ``module:attribute`` of its System, in the order batch messages list them."""


def package_of(name: str) -> str:
    """The package a registered system lives in: ``koppelcheck.nmbrs`` for ``nmbrs``."""
    return TABLE[name].partition(":")[0].rpartition(".")[0]
