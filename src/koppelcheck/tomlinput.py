"""Reading a TOML input file (a batch file, a form file) within bounds.

tomllib is recursive: an array nested a thousand deep ends in RecursionError, which would be an
"unexpected error" (exit 4) although the file is at fault. Here it is :class:`TooDeep`, and so is
any value nested deeper than :data:`MAX_NESTING_DEPTH`, which no koppelcheck file needs (a batch
file is three levels deep, a form file two). Parsing is linear in the file's size.
"""

from __future__ import annotations

import tomllib
from typing import Any, TypeAlias

MAX_NESTING_DEPTH = 16
"""The deepest nesting of tables and arrays a batch or form file may have."""


TOMLTable: TypeAlias = dict[str, Any]
"""A parsed TOML document or table, as ``tomllib`` types it: strings, numbers, booleans, dates,
arrays and tables. The edge with the file: a pydantic model or the reader narrows it."""


class TooDeep(ValueError):
    """The document nests tables or arrays deeper than :data:`MAX_NESTING_DEPTH`."""


def loads(text: str) -> TOMLTable:
    """``tomllib.loads`` that raises :class:`TooDeep` instead of RecursionError, and for any value
    nested deeper than :data:`MAX_NESTING_DEPTH`; TOMLDecodeError as tomllib does."""
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise TooDeep(f"nested deeper than {MAX_NESTING_DEPTH} levels") from None
    if depth(data) > MAX_NESTING_DEPTH:
        raise TooDeep(f"nested deeper than {MAX_NESTING_DEPTH} levels")
    return data


def depth(value: object) -> int:
    """How deep tables (dicts) and arrays (lists) nest in ``value`` (a scalar is 0), without
    recursion; stops counting past :data:`MAX_NESTING_DEPTH` + 1."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            level += 1
            deepest = max(deepest, level)
            if level > MAX_NESTING_DEPTH:
                return level
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level) for child in children)
    return deepest
