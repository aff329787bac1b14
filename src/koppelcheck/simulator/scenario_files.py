"""Reading simulator scenario files: bundled ones by name, others by path, with ``base``.

A scenario may start from another with ``base = "healthy"``: its own top-level keys replace the
base's (a list such as ``connectors`` is replaced whole, not merged). The fault scenarios use it
to add ``[[faults]]`` to a correct setup without copying it.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

from koppelcheck.tomlinput import TOMLTable


def read_scenario(system: str, bundled: tuple[str, ...], name_or_path: str | Path) -> TOMLTable:
    """The parsed scenario, its ``base`` resolved. FileNotFoundError or TOMLDecodeError, or
    ValueError for a ``base`` that is not bundled or that loops."""
    return _resolve(system, bundled, _read(system, bundled, name_or_path), seen=())


def _read(system: str, bundled: tuple[str, ...], name_or_path: str | Path) -> TOMLTable:
    if isinstance(name_or_path, str) and name_or_path in bundled:
        folder = resources.files("koppelcheck.simulator") / "scenarios" / system
        return tomllib.loads((folder / f"{name_or_path}.toml").read_text(encoding="utf-8"))
    return tomllib.loads(Path(name_or_path).read_text(encoding="utf-8"))


def _resolve(
    system: str, bundled: tuple[str, ...], data: TOMLTable, seen: tuple[str, ...]
) -> TOMLTable:
    base = data.pop("base", None)
    if base is None:
        return data
    if base not in bundled:
        raise ValueError(f"base {base!r} is not a bundled {system} scenario")
    if base in seen:
        raise ValueError(f"base {base!r} loops")
    parent = _resolve(system, bundled, _read(system, bundled, base), (*seen, base))
    return {**parent, **data}
