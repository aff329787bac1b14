"""koppelcheck: verify an AFAS Profit or Nmbrs setup for the a.s.r. data exchange.

As a library: ``from koppelcheck import check, Report, Status`` (see :mod:`koppelcheck.api`).
The names load on first use, so that ``koppelcheck --help`` stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

__version__ = "0.1.0"
__all__ = ["Report", "Secret", "Status", "__version__", "check"]

if TYPE_CHECKING:
    from koppelcheck.api import check
    from koppelcheck.models import Report, Status
    from koppelcheck.secret import Secret

_LAZY = {
    "check": "koppelcheck.api",
    "Report": "koppelcheck.models",
    "Status": "koppelcheck.models",
    "Secret": "koppelcheck.secret",
}


def __getattr__(name: str) -> object:
    """The library's names, imported when first used."""
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'koppelcheck' has no attribute {name!r}")
