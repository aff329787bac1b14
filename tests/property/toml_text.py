"""A small TOML writer for the properties (the standard library only reads TOML), and the values
a hostile document is made of."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st


def toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_value(value: Any) -> str:
    """One TOML value; tables nested in a value become inline tables."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return (
            "{" + ", ".join(f"{toml_string(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
        )
    raise TypeError(type(value))


def to_toml(data: Mapping[str, Any], arrays_of_tables: tuple[str, ...] = ()) -> str:
    """A document: top-level values first, then one ``[table]`` per dict and one
    ``[[name]]`` per item of the lists named in ``arrays_of_tables``."""
    lines = []
    tables = []
    for key, value in data.items():
        if isinstance(value, Mapping):
            tables.append((key, value, False))
        elif key in arrays_of_tables and isinstance(value, list) and value:
            if all(isinstance(item, Mapping) for item in value):
                tables.extend((key, item, True) for item in value)
            else:
                lines.append(f"{toml_string(key)} = {toml_value(value)}")
        else:
            lines.append(f"{toml_string(key)} = {toml_value(value)}")
    for key, table, repeated in tables:
        header = f"[[{toml_string(key)}]]" if repeated else f"[{toml_string(key)}]"
        lines.append("")
        lines.append(header)
        for sub, value in table.items():
            lines.append(f"{toml_string(sub)} = {toml_value(value)}")
    return "\n".join(lines) + "\n"


keys = st.one_of(
    st.sampled_from(["", " ", "token", "api_token", "[/]", "a.b", "line 1", "\u00e9", "id"]),
    st.text(max_size=12),
)
scalars = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "\u0000", "\ufeff", "[/]", "{x}", "x" * 3000, "\u202e", "01"]),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(),
    st.booleans(),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=3),
    max_leaves=10,
)
"""Anything TOML can hold in a value (date-times aside): text with NULs and markup, 64-bit
integers, NaN and infinities, lists of mixed types, nested tables."""


@st.composite
def text_damage(draw: st.DrawFn, text: str) -> bytes:
    """A document's bytes after what editors, mail and transfers do to a file."""
    data = text.encode("utf-8")
    kind = draw(
        st.sampled_from(
            ["bom", "crlf", "truncate", "flip", "insert", "utf16", "latin1", "duplicate", "nul"]
        )
    )
    if kind == "bom":
        return b"\xef\xbb\xbf" + data
    if kind == "crlf":
        return data.replace(b"\n", b"\r\n")
    if kind == "truncate":
        return data[: draw(st.integers(0, len(data)))]
    if kind == "flip" and data:
        at = draw(st.integers(0, len(data) - 1))
        return data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1 :]
    if kind == "insert":
        at = draw(st.integers(0, len(data)))
        return data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    if kind == "utf16":
        return text.encode("utf-16")
    if kind == "latin1":
        return text.encode("latin-1", "replace") + "é".encode("latin-1")
    if kind == "duplicate":
        lines = text.splitlines(keepends=True)
        at = draw(st.integers(0, max(0, len(lines) - 1)))
        return "".join(lines[: at + 1] + lines[at:]).encode("utf-8")
    return data + b"\x00"
