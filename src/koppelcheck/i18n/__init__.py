"""nl and en message catalogues.

Each language is a folder of TOML files (one per area: ``core.toml``, ``nmbrs.toml``, ...); a
file holds flat ``key = "text"`` pairs, where text may use ``{name}`` placeholders. Both languages
carry the same keys (a test proves it). Dutch is the default; ``--lang`` or ``KOPPELCHECK_LANG``
pick English.
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
        return text.format(**params) if params else text

    def has(self, key: str) -> bool:
        """Whether the catalogue knows ``key``."""
        return key in self._messages
