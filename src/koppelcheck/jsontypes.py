"""JSON as koppelcheck reads and writes it (reports, bundles, schemas, HAR traces).

``JSON`` is any JSON value, ``JSONObject`` one object. They stand where ``Any`` stood for values
that are ours: code reading one narrows it with ``isinstance``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeAlias

JSON: TypeAlias = "dict[str, JSON] | list[JSON] | str | int | float | bool | None"
"""A parsed JSON value (what ``json.loads`` gives)."""
JSONObject: TypeAlias = "dict[str, JSON]"
JSONValue: TypeAlias = (
    "Mapping[str, JSONValue] | Sequence[JSONValue] | str | int | float | bool | None"
)
"""A value about to be written as JSON: read-only, so a ``list[dict[str, str]]`` is one too."""
