"""A wrapper for secrets: it never shows its value in str(), repr(), f-strings or tracebacks."""

from __future__ import annotations

import re

_MASK = "••••"


def mask(value: str, tail: int = 4) -> str:
    """Return the masked form of a secret: bullets and at most its last ``tail`` characters."""
    value = value.strip()
    if len(value) < 12:
        return _MASK
    return _MASK + value[-tail:]


class Secret:
    """Holds a secret value. Only :meth:`reveal` gives it back."""

    __slots__ = ("_value", "source")

    def __init__(self, value: str, source: str = "") -> None:
        self._value = value
        self.source = source
        remember(value)

    def reveal(self) -> str:
        """The real value, for the one place that must send it."""
        return self._value

    @property
    def masked(self) -> str:
        """The masked form, safe for any output."""
        return mask(self._value)

    def __str__(self) -> str:
        return self.masked

    def __repr__(self) -> str:
        return f"Secret({self.masked}, source={self.source!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)


class Redactor:
    """Replaces every known secret (and its common encodings) in a text with its masked form."""

    def __init__(self) -> None:
        self._values: dict[str, str] = {}

    def add(self, secret: Secret | str) -> None:
        """Remember a secret so that :meth:`redact` hides it."""
        import base64

        value = secret.reveal() if isinstance(secret, Secret) else secret
        if len(value) < 4:
            return
        self._values[value] = mask(value)
        encoded = base64.b64encode(value.encode()).decode()
        self._values[encoded] = mask(encoded)

    def redact(self, text: str) -> str:
        """Return ``text`` with every remembered secret masked."""
        for value in sorted(self._values, key=len, reverse=True):
            if value in text:
                text = text.replace(value, self._values[value])
        return text


_AUTH_PATTERNS = [
    (re.compile(r"(<(?:\w+:)?Token>)[^<]*(</(?:\w+:)?Token>)"), r"\1" + _MASK + r"\2"),
    (re.compile(r"(AfasToken\s+)[A-Za-z0-9+/=]+"), r"\1" + _MASK),
]


def scrub_auth(text: str) -> str:
    """Mask SOAP ``<Token>`` elements and ``AfasToken`` headers in debug text."""
    for pattern, replacement in _AUTH_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


_KNOWN = Redactor()
"""Every secret this process has held, for the last line of defence: :func:`redact_known`."""
_KNOWN_MIN_LENGTH = 8


def remember(value: Secret | str) -> None:
    """Have :func:`redact_known` mask ``value`` (and its base64) from now on.

    Every :class:`Secret` is remembered when it is made; other secret text (an AFAS token's XML)
    is remembered where it is built. Values shorter than 8 characters are not: masking them would
    garble ordinary words in messages.
    """
    text = value.reveal() if isinstance(value, Secret) else value
    if len(text.strip()) >= _KNOWN_MIN_LENGTH:
        _KNOWN.add(text)


def forget_known() -> None:
    """Start a new command with nothing remembered (a process may run many, tests do)."""
    global _KNOWN
    _KNOWN = Redactor()


def redact_known(text: str) -> str:
    """``text`` with every remembered secret masked and SOAP/AfasToken auth scrubbed.

    For text that may hold anything (an unexpected exception's message, a third-party log line).
    """
    return scrub_auth(_KNOWN.redact(text))
