"""JSON as koppelcheck reads and writes it (reports, bundles, schemas, HAR traces).

``JSON`` is any JSON value, ``JSONObject`` one object. They stand where ``Any`` stood for values
that are ours: code reading one narrows it with ``isinstance``.
"""

from __future__ import annotations

from typing import TypeAlias

JSON: TypeAlias = "dict[str, JSON] | list[JSON] | str | int | float | bool | None"
JSONObject: TypeAlias = "dict[str, JSON]"
