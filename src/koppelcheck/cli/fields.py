"""The core names an input by its key (``domain``, ``environment_id``); the CLI names its flag.

Errors below ``cli/`` carry the key a batch file, a form and a flag share; only the CLI turns it
into ``--domain``. A key that is not a flag (a form key, ``employer x (line 3): token_env``) is
shown as it is.
"""

from __future__ import annotations

FLAGS: dict[str, str] = {
    "base_url": "--base-url",
    "client_id": "--client-id",
    "company": "--company",
    "connector": "--connector",
    "connectors_zip": "--connectors-zip",
    "domain": "--domain",
    "domain/username": "--domain/--username",
    "environment": "--environment",
    "environment_id": "--environment-id",
    "option": "--option",
    "username": "--username",
}
"""Setting key -> the flag that gives it."""


def flag_for(field: str) -> str:
    """The flag for an error's field key; anything else unchanged."""
    return FLAGS.get(field, field)
