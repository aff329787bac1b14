"""The registry of payroll systems: one line per system, loaded on first use.

Adding a system is one package with a ``system.py`` that satisfies
:class:`koppelcheck.systems.interface.System`, and one line in :data:`_TABLE`
(see docs/development.md, "Adding a payroll system").
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from koppelcheck.systems.interface import ChecklistVariant, Shared, SimulatorSpec, System, Target

if TYPE_CHECKING:
    import httpx

    from koppelcheck.i18n import Translator
    from koppelcheck.models import Report
    from koppelcheck.secret import Secret

_TABLE: dict[str, str] = {
    "nmbrs": "koppelcheck.nmbrs.system:NMBRS",
    "afas": "koppelcheck.afas.system:AFAS",
}
"""System name -> ``module:attribute`` of its :class:`System` (imported when first asked for)."""

REGISTERED: tuple[str, ...] = tuple(_TABLE)
"""The systems in registry order (batch messages list them in this order)."""
SYSTEMS: tuple[str, ...] = tuple(sorted(_TABLE))
"""The systems, sorted: the one definition checklist, form, steps and replay use."""

_loaded: dict[str, System] = {}


def get_system(name: str) -> System:
    """The system registered as ``name``; KeyError for an unknown one."""
    if name not in _loaded:
        module, _, attribute = _TABLE[name].partition(":")
        system: System = getattr(import_module(module), attribute)
        _loaded[name] = system
    return _loaded[name]


def find_system(name: object) -> System | None:
    """The system registered as ``name``, or None (for values read from files)."""
    return get_system(name) if isinstance(name, str) and name in _TABLE else None


async def verify(
    system: str,
    target: Target,
    token: Secret | None,
    *,
    translator: Translator,
    timeout_s: float,
    http: httpx.AsyncClient | None = None,
    shared: Shared | None = None,
) -> Report:
    """Run the checks of any registered system: the one entry point a batch uses."""
    return await get_system(system).verify(
        target,
        token,
        translator=translator,
        timeout_s=timeout_s,
        http=http,
        shared={} if shared is None else shared,
    )


__all__ = [
    "REGISTERED",
    "SYSTEMS",
    "ChecklistVariant",
    "SimulatorSpec",
    "System",
    "find_system",
    "get_system",
    "verify",
]
