"""A wrapper for secrets: it never shows its value in str(), repr(), f-strings or tracebacks."""

from __future__ import annotations

import base64
import re
import unicodedata
from urllib.parse import quote

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


FRAGMENT = 8
"""Any run of this many characters or more of a known secret is masked (case-insensitively)."""
SERVER_TEXT_LIMIT = 300
"""The most characters of a server's text that a report shows (after masking)."""
REDACTED_KEPT = 4096
"""Redacted texts a :class:`Redactor` keeps for when the same text comes again (short texts)."""
REDACTED_KEPT_CHARS = 2048
"""Texts longer than this are redacted each time, never kept."""

_ASCII_FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
"""Lower-cases ASCII only, so that every position in the folded text is the same in the original
(``str.lower`` can change a text's length: ``"İ".lower()`` has two characters)."""


class Redactor:
    """Masks every known secret (and its base64 and URL-encoded forms) in a text.

    Matching ignores ASCII case, and any fragment of :data:`FRAGMENT` characters or more of a
    secret is masked too: a server that echoes the token cut, or in lower case, leaks nothing.
    The mask is ``••••`` without the secret's tail, so no two masks together rebuild it.
    """

    def __init__(self) -> None:
        self._values: dict[str, str] = {}
        """Every remembered form (value, base64, URL-encoded) and its mask."""
        self._short: set[str] = set()
        self._grams: set[str] = set()
        self._alphabet: set[str] = set()
        """Every character of a gram."""
        self._runs: re.Pattern[str] | None = None
        """Runs of FRAGMENT or more characters of the alphabet (built when needed)."""
        self._done: dict[str, str] = {}
        """Texts already redacted with the secrets known now (a batch repeats its sentences)."""

    def values(self) -> list[str]:
        """Every remembered form of every secret, longest first (for exact replacement)."""
        return sorted(self._values, key=len, reverse=True)

    def add(self, secret: Secret | str) -> None:
        """Remember a secret so that :meth:`redact` hides it."""
        value = secret.reveal() if isinstance(secret, Secret) else secret
        value = value.strip()
        if len(value) < 4:
            return
        forms = {value, base64.b64encode(value.encode()).decode(), quote(value, safe="")}
        for form in forms:
            if form in self._values:
                continue
            self._values[form] = _MASK
            self._done.clear()
            folded = form.translate(_ASCII_FOLD)
            if len(folded) < FRAGMENT:
                self._short.add(folded)
            for start in range(len(folded) - FRAGMENT + 1):
                self._grams.add(folded[start : start + FRAGMENT])
            if len(folded) >= FRAGMENT and not self._alphabet.issuperset(folded):
                self._alphabet.update(folded)
                self._runs = None

    def _candidate_runs(self) -> re.Pattern[str]:
        """A gram holds only characters of some secret: a window with any other character (a
        space, most punctuation) cannot match, so only runs without one are looked at."""
        if self._runs is None:
            alphabet = sorted(self._alphabet)
            self._runs = re.compile(f"[{''.join(map(re.escape, alphabet))}]{{{FRAGMENT},}}")
        return self._runs

    def redact(self, text: str) -> str:
        """Return ``text`` with every remembered secret, and every fragment of one, masked."""
        if not text or not (self._grams or self._short):
            return text
        if len(text) > REDACTED_KEPT_CHARS:
            return self._redact(text)
        done = self._done.get(text)
        if done is None:
            if len(self._done) >= REDACTED_KEPT:
                self._done.clear()
            done = self._done[text] = self._redact(text)
        return done

    def _redact(self, text: str) -> str:
        folded = text.translate(_ASCII_FOLD)
        covered = bytearray(len(text))
        grams = self._grams
        if grams:
            for run in self._candidate_runs().finditer(folded):
                for start in range(run.start(), run.end() - FRAGMENT + 1):
                    if folded[start : start + FRAGMENT] in grams:
                        covered[start : start + FRAGMENT] = b"\x01" * FRAGMENT
        for short in self._short:
            at = folded.find(short)
            while at >= 0:
                covered[at : at + len(short)] = b"\x01" * len(short)
                at = folded.find(short, at + 1)
        if not any(covered):
            return text
        pieces: list[str] = []
        at = 0
        while at < len(text):
            if covered[at]:
                end = covered.find(b"\x00", at)
                end = len(text) if end < 0 else end
                pieces.append(_MASK)
                at = end
            else:
                end = covered.find(b"\x01", at)
                end = len(text) if end < 0 else end
                pieces.append(text[at:end])
                at = end
        return "".join(pieces)


_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029]"  # C0/C1 controls, line and paragraph separators
)
_INVISIBLE = re.compile(
    "[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb]"
)
"""Bidi overrides, embeddings, isolates and marks; zero-width and invisible characters."""
_SURROGATE = re.compile("[\ud800-\udfff]")


def sanitise(value: object) -> str:
    """A server's text made inert, on one line: lone surrogates become U+FFFD, control characters
    become spaces, bidi and invisible characters are removed, NFKC-normalised (so a full-width or
    look-alike copy of a token is masked like the token), whitespace collapsed."""
    text = value if isinstance(value, str) else _text_of(value)
    text = _SURROGATE.sub("\ufffd", text)
    text = unicodedata.normalize("NFKC", _INVISIBLE.sub("", _UNSAFE.sub(" ", text)))
    return " ".join(_INVISIBLE.sub("", text).split())


def inert(text: str) -> str:
    """``text`` safe to put in any report, keeping its lines: lone surrogates become U+FFFD
    (UTF-8 cannot hold them), bidi and invisible characters are removed, and control characters
    other than tab and newline become U+FFFD."""
    text = _SURROGATE.sub("\ufffd", text)
    return _CONTROL_EXCEPT_LINES.sub("\ufffd", _INVISIBLE.sub("", text))


_CONTROL_EXCEPT_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _text_of(value: object) -> str:
    try:
        return str(value)
    except Exception:  # noqa: BLE001 - a server's value must never stop a report
        return type(value).__name__


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def server_text(
    value: object, limit: int = SERVER_TEXT_LIMIT, redactor: Redactor | None = None
) -> str:
    """The one way a server's text enters a message or a report: sanitised (:func:`sanitise`),
    then every known secret masked (:func:`redact_known`, and ``redactor`` if given) **before**
    it is shortened to ``limit`` characters, so no cut leaves part of a secret unmasked."""
    text = value if isinstance(value, str) else _text_of(value)
    # Only the start can be shown; a masked secret shortens the text by at most half (a run of
    # FRAGMENT or more characters becomes 4), so twice the limit (plus a margin) is enough to
    # sanitise and mask. A secret cut by that pre-cut keeps a tail shorter than FRAGMENT that no
    # mask would match: those last characters are dropped too.
    budget = 2 * limit + 4 * FRAGMENT + 64
    cut = len(text) > budget
    text = sanitise(text[:budget])
    if cut:
        text = text[: -(FRAGMENT - 1)] + "…"
    text = redact_known(text)
    if redactor is not None:
        text = redactor.redact(text)
    return shorten(text, limit)


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


def known_values() -> list[str]:
    """Every form of every secret this process holds, longest first (never print them)."""
    return _KNOWN.values()


def redact_known(text: str) -> str:
    """``text`` with every remembered secret masked and SOAP/AfasToken auth scrubbed.

    For text that may hold anything (an unexpected exception's message, a third-party log line).
    """
    return scrub_auth(_KNOWN.redact(text))
