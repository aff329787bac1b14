"""The registry of payroll systems: one line per system, loaded on first use.

Adding a system is one package with a ``system.py`` that satisfies
:class:`koppelcheck.systems.interface.System`, and one line in
:data:`koppelcheck.registry.TABLE` (see docs/development.md, "Adding a payroll system").
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module
from typing import TYPE_CHECKING

from koppelcheck.errors import InputError
from koppelcheck.registry import TABLE
from koppelcheck.systems.interface import (
    ChecklistDoc,
    ChecklistVariant,
    Rule,
    RunOptions,
    SettingInvalid,
    SimulatorSpec,
    System,
    Target,
)

if TYPE_CHECKING:
    from koppelcheck.models import Report
    from koppelcheck.secret import Secret


REGISTERED: tuple[str, ...] = tuple(TABLE)
"""The systems in registry order (batch messages list them in this order)."""
SYSTEMS: tuple[str, ...] = tuple(sorted(TABLE))
"""The systems, sorted: the one definition checklist, form, steps and replay use."""

_loaded: dict[str, System] = {}


def get_system(name: str) -> System:
    """The system registered as ``name``; KeyError for an unknown one."""
    if name not in _loaded:
        module, _, attribute = TABLE[name].partition(":")
        system: System = getattr(import_module(module), attribute)
        _loaded[name] = system
    return _loaded[name]


def find_system(name: object) -> System | None:
    """The system registered as ``name``, or None (for values read from files)."""
    return get_system(name) if isinstance(name, str) and name in TABLE else None


async def verify(system: str, target: Target, token: Secret | None, run: RunOptions) -> Report:
    """Run the checks of any registered system: the one entry point the single commands, batch,
    demo and library use."""
    return await get_system(system).verify(target, token, run)


__all__ = [
    "REGISTERED",
    "SYSTEMS",
    "ChecklistDoc",
    "ChecklistVariant",
    "RunOptions",
    "SimulatorSpec",
    "System",
    "find_system",
    "get_system",
    "setting_rule",
    "verify",
]


def setting_rule(system: str, key: str) -> Rule:
    """The rule of one setting of ``system``'s settings model, for a model that shares the
    setting (the registration form's ``nmbrs.domain``): a bad value raises a ValueError carrying
    the rule's own message and hint, so the form says what the flag and the batch file say."""

    def check(value: object) -> object:
        rules: Mapping[str, Rule] = getattr(get_system(system).settings_model, "RULES", {})
        try:
            return rules[key](value)
        except InputError as exc:
            raise SettingInvalid(exc) from None

    return check
