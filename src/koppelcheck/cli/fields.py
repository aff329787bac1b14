"""The core names an input by its key (``domain``, ``environment_id``); the CLI names its flag.

Errors below ``cli/`` carry the key a batch file, a form and a flag share; only the CLI turns it
into ``--domain``. A key that is not a flag (a form key, ``employer x (line 3): token_env``) is
shown as it is. ``tests/unit/test_field_keys.py`` fails on a flag literal in the core.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextvars import ContextVar

from koppelcheck.i18n import Text

FLAGS: dict[str, str] = {
    "api": "--api",
    "auditor": "--auditor",
    "auth": "--auth",
    "base_url": "--base-url",
    "client_id": "--client-id",
    "client_secret_file": "--client-secret-file",
    "company": "--company",
    "connector": "--connector",
    "connectors": "--connector",
    "connectors_zip": "--connectors-zip",
    "domain": "--domain",
    "domain/username": "--domain/--username",
    "environment": "--environment",
    "environment_id": "--environment-id",
    "field": "--field",
    "form": "--form",
    "format": "--format",
    "option": "--option",
    "public_key": "--public-key",
    "recipient_key": "--recipient-key",
    "redirect_uri": "--redirect-uri",
    "replay": "--replay",
    "resume": "--resume",
    "shard": "--shard",
    "subscription_key_file": "--subscription-key-file",
    "token_file": "--token-file",
    "token_version": "--token-version",
    "trace": "--trace",
    "username": "--username",
}
"""Setting key -> the flag that gives it."""


_COMMAND_FLAGS: ContextVar[Mapping[str, str] | None] = ContextVar("command_flags", default=None)
"""Key -> flag of the command running now, beyond :data:`FLAGS` (a generated command's)."""


def flag_of_key(key: str) -> str:
    """The flag a generated command gives a settings key by: ``tenant_id`` -> ``--tenant-id``."""
    return "--" + key.replace("_", "-")


def use_command_flags(keys: Iterable[str]) -> dict[str, str]:
    """Name errors about ``keys`` (a registered system's settings keys) by the flags the running
    command made from them (:func:`flag_of_key`), without an entry in :data:`FLAGS`; until the
    next command starts (``handle_errors`` clears it). Returns the mapping."""
    flags = {key: flag_of_key(key) for key in keys}
    _COMMAND_FLAGS.set(flags)
    return flags


def clear_command_flags() -> None:
    """Forget the keys of an earlier command (a new command starts)."""
    _COMMAND_FLAGS.set(None)


def flag_for(field: str) -> str:
    """The flag for an error's field key (the running command's own first); anything else
    unchanged."""
    return (_COMMAND_FLAGS.get() or {}).get(field) or FLAGS.get(field, field)


def with_flags(texts: Sequence[str | Text]) -> list[str | Text]:
    """Texts whose ``flag`` parameter holds a key (a MissingSettingError's "give it with
    ``token_file`` PATH"), with the flag in its place."""
    return [
        Text(text.key, **{**text.params, "flag": flag_for(str(text.params["flag"]))})
        if isinstance(text, Text) and "flag" in text.params
        else text
        for text in texts
    ]
