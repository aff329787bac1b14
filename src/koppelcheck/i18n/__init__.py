"""nl and en message catalogues.

Each language is a folder of TOML files (one per area: ``core.toml``, ``nmbrs.toml``, ...); a
file holds flat ``key = "text"`` pairs, where text may use ``{name}`` placeholders. Both languages
carry the same keys and placeholders (a test proves it). Dutch is the default; ``--lang`` or
``KOPPELCHECK_LANG`` pick English.

Plurals: a message that depends on a number has two keys, ``<key>.one`` and ``<key>.other``, and
is looked up with :meth:`Translator.plural`. Dutch and English share these two CLDR categories, so
a plural library (Babel, gettext's ``ngettext``) would add a dependency and a build step without
changing a single answer; TOML catalogues stay readable data that tests can walk.
"""

from __future__ import annotations

import os
import tomllib
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
