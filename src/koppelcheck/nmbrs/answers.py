"""The shape of a Nmbrs SOAP answer once zeep has turned it into plain Python: read by the probe,
the REST readiness checks and the company picker alike."""

from __future__ import annotations

from typing import Any, TypeAlias

SoapValue: TypeAlias = Any
"""A Nmbrs answer once :func:`koppelcheck.nmbrs.client.to_plain` made zeep's objects plain:
lists, dicts, strings, numbers, dates or None, in whatever shape the WSDL gives. The edge with
zeep, named once: readers narrow it (:func:`rows`, ``isinstance``)."""
Row: TypeAlias = dict[str, SoapValue]
"""One item of an ``ArrayOf…`` answer."""


def rows(value: SoapValue) -> list[Row]:
    """The items of an ``ArrayOf…`` answer as dicts (zeep gives a list, or a dict holding one)."""
    if value is None:
        return []
    if isinstance(value, dict):
        inner = next(iter(value.values()), None) if len(value) == 1 else None
        return rows(inner) if isinstance(inner, list | dict) and inner is not value else [value]
    return [row for row in value if isinstance(row, dict)]
