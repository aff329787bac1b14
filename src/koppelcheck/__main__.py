"""``python -m koppelcheck``: the same as the ``koppelcheck`` command."""

from koppelcheck.cli.app import main

main()
