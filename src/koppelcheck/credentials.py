"""Where secrets come from: ``--token-file``/stdin, then the environment, then the OS keyring, then
a hidden prompt on a terminal. The source is recorded; the value never is.

Plaintext and "fail" keyring backends are refused: a token in a base64 file is not a kept secret.
"""

from __future__ import annotations

import os
import re
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from keyring.backend import KeyringBackend

from koppelcheck import oskeyring
from koppelcheck.errors import InputError, MissingSettingError
from koppelcheck.i18n import Text
from koppelcheck.secret import Secret

KEYRING_SERVICE = oskeyring.KEYRING_SERVICE
MAX_TOKEN_FILE_BYTES = 64 * 1024
"""The largest token file (or stdin) read: 64 KiB. Tokens are 32 (Nmbrs) or a few hundred (AFAS's
XML) characters; a bigger file is a mistake (``/dev/zero``, a log file) and exits 2."""


_EDGE_NOISE = re.compile(r"^[\s\u200b\u200c\u200d\u2060]+|[\s\u200b\u200c\u200d\u2060]+$")
"""What a paste adds at either end: whitespace, line breaks and zero-width characters."""
_QUOTE_PAIRS = {'"': '"', "'": "'", "\u201c": "\u201d", "\u2018": "\u2019"}
_QUOTES = frozenset(_QUOTE_PAIRS) | frozenset(_QUOTE_PAIRS.values())
_AFAS_HEADER_PREFIX = re.compile(r"^afastoken\s+", re.IGNORECASE)
"""``AfasToken `` before a token copied from an Authorization header (docs/afas.md)."""


def clean_pasted(value: str, field: str, *, xml: bool = False) -> str:
    """Trim what copy-paste adds (whitespace, line breaks, a BOM, one pair of quotes).

    Anything else is refused rather than guessed away: whitespace, a control or invisible
    character, or a quote inside the value. ``xml`` allows an AFAS token's XML, whose tags may
    be separated by whitespace and line breaks (its ``<data>`` part is checked by the parser).
    """
    cleaned = _EDGE_NOISE.sub("", value.replace("\ufeff", ""))
    if len(cleaned) >= 2 and _QUOTE_PAIRS.get(cleaned[0]) == cleaned[-1]:
        cleaned = _EDGE_NOISE.sub("", cleaned[1:-1])
    if xml:
        cleaned = _AFAS_HEADER_PREFIX.sub("", cleaned)
    if not cleaned:
        raise InputError(field, Text("input.empty"))
    is_xml = xml and cleaned.startswith("<")
    if any(ch.isspace() for ch in cleaned) and not is_xml:
        raise InputError(field, Text("input.secret.spaces"), Text("input.secret.one_line"))
    if any(unicodedata.category(ch)[0] == "C" and ch not in "\r\n\t" for ch in cleaned):
        raise InputError(field, Text("input.secret.control"))
    if not is_xml and any(ch in _QUOTES for ch in cleaned):
        raise InputError(field, Text("input.secret.quote"), Text("input.secret.paste"))
    return cleaned


def keyring_account(system: str, *parts: str) -> str:
    """The keyring user name of a stored token: ``nmbrs:<domain>:<username>`` or ``afas:<env>``."""
    return ":".join([system, *[p.strip().lower() for p in parts if p]])


def secure_keyring() -> KeyringBackend | None:
    """The keyring backend tokens are kept in: a secure one, or for a chainer its secure member
    (never a plaintext member); None when there is none. See :mod:`koppelcheck.oskeyring`."""
    return oskeyring.secure_backend()


def keyring_refusal_reason() -> Text | None:
    """Why the keyring cannot be used, or None when it can."""
    return oskeyring.refusal_reason()


def read_keyring(account: str) -> str | None:
    """A token from a secure keyring, or None (also when the keyring is insecure or broken).

    A keyring that does not answer within :data:`~koppelcheck.oskeyring.KEYRING_TIMEOUT_SECONDS`
    raises :class:`~koppelcheck.oskeyring.KeyringUnavailableError` (the caller says exit 3).
    """
    backend = secure_keyring()
    if backend is None:
        return None
    try:
        return oskeyring.get_password(backend, account)
    except oskeyring.KeyringUnavailableError as exc:
        if exc.timed_out:
            raise
        return None  # an unusable keyring is the same as an empty one here


def keyring_timeout_ways(exc: oskeyring.KeyringUnavailableError) -> list[str | Text]:
    """The first line of an exit-3 message for a keyring that did not answer."""
    return [
        Text(
            "input.keyring.timeout",
            backend=exc.backend,
            seconds=f"{oskeyring.KEYRING_TIMEOUT_SECONDS:g}",
        )
    ]


@dataclass(frozen=True)
class SecretRequest:
    """What to look for: a label for messages, the file input's key (the CLI names its flag), the
    variable and the keyring account."""

    label: str
    env_var: str
    keyring_account: str | None
    file_field: str = "token_file"
    xml: bool = False
    """Whether the secret may be XML spanning lines (an AFAS token), see :func:`clean_pasted`."""


def resolve_secret(
    request: SecretRequest,
    *,
    token_file: str | None,
    prompt: Callable[[str], str] | None,
    stdin_reader: Callable[[], str] = lambda: sys.stdin.read(MAX_TOKEN_FILE_BYTES + 1),
) -> Secret:
    """Find a secret in the contract's order; else MissingSettingError (exit 3) naming every way."""
    if token_file:
        if token_file == "-":
            raw = stdin_reader()
            if len(raw) > MAX_TOKEN_FILE_BYTES:
                raise _too_big(request.file_field, "stdin")
        else:
            raw = _read_file(token_file, request.file_field)
        return Secret(
            clean_pasted(raw, request.file_field, xml=request.xml),
            source="stdin" if token_file == "-" else "file",
        )
    from_env = os.environ.get(request.env_var)
    if from_env:
        return Secret(clean_pasted(from_env, request.env_var, xml=request.xml), source="env")
    ways: list[str | Text] = [
        Text("input.way.file", flag=request.file_field),
        Text("input.way.env", name=request.env_var),
    ]
    if request.keyring_account:
        try:
            stored = read_keyring(request.keyring_account)
        except oskeyring.KeyringUnavailableError as exc:
            raise MissingSettingError(request.label, [*keyring_timeout_ways(exc), *ways]) from None
        if stored:
            return Secret(stored, source="keyring")
    if prompt is not None:
        return Secret(
            clean_pasted(prompt(request.label), request.label, xml=request.xml), source="prompt"
        )
    if request.keyring_account:
        ways.append(Text("input.way.keyring", account=request.keyring_account))
    ways.append(Text("input.way.terminal"))
    raise MissingSettingError(request.label, ways)


def _too_big(flag: str, what: str) -> InputError:
    return InputError(
        flag,
        Text("input.secret.too_big", what=what, kib=MAX_TOKEN_FILE_BYTES // 1024),
        Text("input.secret.only_token"),
    )


def _read_file(path: str, flag: str) -> str:
    try:
        with open(path, "rb") as handle:  # at most the limit and one byte: /dev/zero ends too
            data = handle.read(MAX_TOKEN_FILE_BYTES + 1)
        if len(data) > MAX_TOKEN_FILE_BYTES:
            raise _too_big(flag, path)
        return data.decode("utf-8-sig")
    except FileNotFoundError:
        raise InputError(flag, Text("input.file.not_found", path=path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            flag, Text("input.file.unreadable", path=path, reason=type(exc).__name__)
        ) from None
