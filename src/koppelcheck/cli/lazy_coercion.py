"""Typer builds a pydantic ``TypeAdapter`` for a parameter the first time it coerces a value,
even when the value is None (a flag that was not given), where its ``RuntimeParam.coerce``
answers None without touching the adapter. Building one imports pydantic: about 0.1 s of
``koppelcheck nmbrs --help``, which never coerces anything else. Here the adapter is built on the
first value that is not None; what every parameter answers is unchanged (typer 0.29's
``RuntimeParam.coerce``: None, or ``()`` for a parameter taking several values).
"""

from __future__ import annotations

from typing import Any

import typer.core
from typer._coercion import RuntimeParam, build_runtime_param


class _LazyRuntimeParam:
    """Typer's runtime parameter, built on the first value that needs it."""

    def __init__(self, descriptor: Any) -> None:
        self._descriptor = descriptor
        self._built: RuntimeParam | None = None

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        """As ``RuntimeParam.coerce``."""
        if value is None:
            return () if param.multiple or param.nargs == -1 else None
        if self._built is None:
            self._built = build_runtime_param(self._descriptor)
        return self._built.coerce(value, param=param, ctx=ctx)


def install() -> None:
    """Make typer build its runtime parameters lazily (idempotent)."""
    typer.core.build_runtime_param = _LazyRuntimeParam  # type: ignore[assignment,attr-defined]
