"""koppelcheck: verify an AFAS Profit or Nmbrs setup for the a.s.r. data exchange."""

__version__ = "0.1.0"
__all__ = ["__version__"]
