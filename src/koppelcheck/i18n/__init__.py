"""nl and en message catalogues.

Each language is a folder of TOML files (one per area: ``core.toml``, ``nmbrs.toml``, ...); a
file holds flat ``key = "text"`` pairs, where text may use ``{name}`` placeholders. Both languages
carry the same keys and placeholders (a test proves it). Dutch is the default; ``--lang`` or
``KOPPELCHECK_LANG`` pick English.

Plurals: a message that depends on a number has two keys, ``<key>.one`` and ``<key>.other``, and
is looked up with :meth:`Translator.plural`. Dutch and English share these two CLDR categories, so
a plural library (Babel, gettext's ``ngettext``) would add a dependency and a build step without
changing a single answer; TOML catalogues stay readable data that tests can walk.

Code that has no language at hand (the core validating a domain, a URL, a batch file) says what
it means as a :class:`Text` (a key and its parameters) instead of English: the error carries it,
and the CLI renders it in the user's ``--lang`` (see ``cli.common.handle_errors``).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import resources

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"


@cache
def catalogue(lang: str) -> dict[str, str]:
    """All messages of one language, merged from its files; a key defined twice is an error."""
    merged: dict[str, str] = {}
    folder = resources.files(__package__) / lang
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        for key, text in tomllib.loads(entry.read_text(encoding="utf-8")).items():
            if key in merged:
                raise ValueError(f"message key {key!r} defined twice in {lang}/")
            merged[key] = text
    return merged


def resolve_language(lang: str | None) -> str:
    """``lang``, else ``KOPPELCHECK_LANG``, else Dutch; unknown values fall back to Dutch."""
    chosen = (lang or os.environ.get("KOPPELCHECK_LANG") or DEFAULT_LANGUAGE).lower()
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


class Translator:
    """Looks up messages in one language: ``t("nmbrs.call.inactive", call="Children_Get")``."""

    def __init__(self, lang: str | None = None) -> None:
        self.lang = resolve_language(lang)
        self._messages = catalogue(self.lang)

    def __call__(self, key: str, **params: object) -> str:
        text = self._messages.get(key)
        if text is None:
            # A missing key is a bug, but it must never crash a user's run.
            return key
        if not params:
            return text
        try:
            return text.format_map(_KeepMissing(params))
        except (ValueError, IndexError, AttributeError, TypeError):
            return text  # a malformed message is a bug too: show it unfilled rather than crash

    def plural(self, key: str, count: int, **params: object) -> str:
        """``<key>.one`` when ``count`` is 1, else ``<key>.other``; ``{count}`` is filled in."""
        form = "one" if count == 1 else "other"
        return self(f"{key}.{form}", count=count, **params)

    def has(self, key: str) -> bool:
        """Whether the catalogue knows ``key``."""
        return key in self._messages


class _KeepMissing(dict[str, object]):
    """Format parameters where a placeholder nobody passed stays as ``{name}``, not a KeyError."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class Text:
    """A message not yet rendered: a catalogue key and its parameters.

    ``str(text)`` renders it in the default language (``KOPPELCHECK_LANG``, else Dutch);
    :meth:`render` in any. A parameter that is itself a :class:`Text` is rendered in the same
    language, so a hint can quote another message; a tuple of them becomes one indented line
    each (a list of problems).
    """

    __slots__ = ("key", "params")

    def __init__(self, key: str, **params: object) -> None:
        self.key = key
        self.params: Mapping[str, object] = params

    def render(self, t: Translator | None = None) -> str:
        t = t or Translator()
        return t(self.key, **{k: render(v, t) for k, v in self.params.items()})

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"Text({self.key!r}, **{dict(self.params)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Text) and (self.key, self.params) == (other.key, other.params)

    def __hash__(self) -> int:
        return hash((self.key, tuple(sorted(self.params))))


def render(text: object, t: Translator | None = None) -> object:
    """``text`` rendered by ``t`` when it is a :class:`Text` (or a tuple of them: one indented
    line each); anything else as it is."""
    if isinstance(text, tuple):
        return "".join(f"\n  {render(item, t)}" for item in text)
    return text.render(t) if isinstance(text, Text) else text
