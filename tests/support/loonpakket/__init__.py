"""Loonpakket: a small, made-up payroll system that exists only for the tests.

It proves that adding a third system is one package and one line in the registry
(``TABLE["loonpakket"] = "loonpakket.system:LOONPAKKET"`` with ``tests/support`` on the path):
a settings model, a tiny REST client with three checks, two manual steps, its own message
catalogues (``i18n/{nl,en}/*.toml``) and a simulator of its API. Nothing here imports anything
heavy: the registry reads this package's catalogues for ``koppelcheck --help``.
"""
