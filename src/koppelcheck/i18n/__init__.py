"""nl and en message catalogues.

Each language is a folder of TOML files (one per area: ``core.toml``, ``form.toml``, ...), and
each registered system's package may add its own (``nmbrs/i18n/nl/steps.toml``); a file holds
flat ``key = "text"`` pairs, where text may use ``{name}`` placeholders. Both languages
carry the same keys and placeholders (a test proves it). Dutch is the default; ``--lang`` or
``KOPPELCHECK_LANG`` pick English.

Plurals: a message that depends on a number has two keys, ``<key>.one`` and ``<key>.other``, and
is looked up with :meth:`Translator.plural`. Dutch and English share these two CLDR categories, so
a plural library (Babel, gettext's ``ngettext``) would add a dependency and a build step without
changing a single answer; TOML catalogues stay readable data that tests can walk.

Every text the :class:`Translator` makes is a :class:`Message`: a ``str`` that also remembers its
key and parameters. This is the one place where check messages are built from catalogue keys, so
the JSON report takes ``message_key``/``message_params`` (and the title's and fix's) from here,
without any check having to pass them on by hand (:func:`message_ref`).

Code that has no language at hand (the core validating a domain, a URL, a batch file) says what
it means as a :class:`Text` (a key and its parameters) instead of English: the error carries it,
and the CLI renders it in the user's ``--lang`` (see ``cli.common.handle_errors``).
"""

from __future__ import annotations

import errno
import os
import tomllib
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

from koppelcheck.registry import TABLE, package_of

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"


def catalogue_files(lang: str) -> list[Traversable]:
    """The TOML files of one language: the core's (``i18n/<lang>/``), then each registered
    system's (``<package>/i18n/<lang>/``, :mod:`koppelcheck.registry`), each folder sorted."""
    folders = [resources.files(__package__) / lang]
    folders.extend(resources.files(package_of(name)) / "i18n" / lang for name in TABLE)
    return [
        entry
        for folder in folders
        if folder.is_dir()
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".toml")
    ]


@cache
def catalogue(lang: str) -> dict[str, str]:
    """All messages of one language, merged from its files; a key defined twice is an error."""
    merged: dict[str, str] = {}
    for entry in catalogue_files(lang):
        for key, text in tomllib.loads(entry.read_text(encoding="utf-8")).items():
            if key in merged:
                raise ValueError(f"message key {key!r} defined twice in {lang} catalogues")
            merged[key] = text
    return merged


def resolve_language(lang: str | None) -> str:
    """``lang``, else ``KOPPELCHECK_LANG``, else Dutch; unknown values fall back to Dutch."""
    chosen = (lang or os.environ.get("KOPPELCHECK_LANG") or DEFAULT_LANGUAGE).lower()
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


class Message(str):
    """A translated text that remembers the catalogue key and parameters it was made from.

    It *is* the text (a ``str``: print it, format it, compare it), so every caller of
    :class:`Translator` keeps working; the JSON report reads :attr:`key` and :attr:`params` to
    write language-independent fields beside the prose. Anything derived from it (``+``, an
    f-string, ``.upper()``) is a plain ``str`` again: only a text exactly as the catalogue made it
    carries its key.
    """

    key: str
    params: Mapping[str, object]

    def __new__(
        cls, text: str, key: str = "", params: Mapping[str, object] | None = None
    ) -> Message:
        made = super().__new__(cls, text)
        made.key = key
        made.params = dict(params or {})
        return made

    def __getnewargs__(self) -> tuple[str, str, Mapping[str, object]]:  # type: ignore[override]
        # pickle and copy: keep key and params (a batch sends reports between processes).
        return (str(self), self.key, self.params)

    def map_text(self, change: Callable[[str], str]) -> Message:
        """The same key, with ``change`` applied to the text and to every text parameter
        (redaction: a secret hidden in the text is hidden in its parameters too)."""
        return Message(change(str(self)), self.key, _map_params(self.params, change))


class MessageList(str):
    """Texts joined into one, remembering the parts: a message parameter that lists messages
    (``"Partner_Get: ...; Schedule_GetList: ..."``) becomes a JSON list of their keys."""

    parts: tuple[str, ...]

    def __new__(
        cls, separator: str, parts: Iterable[str], *, text: str | None = None
    ) -> MessageList:
        kept = tuple(parts)
        made = super().__new__(cls, separator.join(kept) if text is None else text)
        made.parts = kept
        return made

    def __getnewargs_ex__(self) -> tuple[tuple[str, tuple[str, ...]], dict[str, str]]:
        return ("", self.parts), {"text": str(self)}


def _map_params(params: Mapping[str, object], change: Callable[[str], str]) -> dict[str, object]:
    return {name: _map_value(value, change) for name, value in params.items()}


def _map_value(value: object, change: Callable[[str], str]) -> object:
    if isinstance(value, str):
        return _map_text(value, change)
    if isinstance(value, dict):  # a parameter already in JSON form (a message rebuilt from JSON)
        return {name: _map_value(item, change) for name, item in value.items()}
    if isinstance(value, list):
        return [_map_value(item, change) for item in value]
    return value


def _map_text(value: str, change: Callable[[str], str]) -> str:
    if isinstance(value, Message):
        return value.map_text(change)
    if isinstance(value, MessageList):
        parts = (_map_text(part, change) for part in value.parts)
        return MessageList("", parts, text=change(str(value)))
    return change(value)


def message_ref(text: object) -> tuple[str, dict[str, object]]:
    """``(key, params)`` of a :class:`Message` as JSON values, or ``("", {})`` for other text.

    A parameter that is itself a message becomes ``{"key": ..., "params": {...}}``; numbers,
    booleans and ``None`` stay as they are; anything else becomes its text.
    """
    if not isinstance(text, Message) or not text.key:
        return "", {}
    return text.key, {name: _json_param(value) for name, value in text.params.items()}


def _json_param(value: object) -> object:
    if isinstance(value, Message) and value.key:
        key, params = message_ref(value)
        return {"key": key, "params": params}
    if isinstance(value, MessageList):
        return [_json_param(part) for part in value.parts]
    if isinstance(value, Text):  # not yet rendered: its key, not a text in some language
        return {"key": value.key, "params": {k: _json_param(v) for k, v in value.params.items()}}
    if isinstance(value, tuple) and all(isinstance(item, Text) for item in value):
        return [_json_param(item) for item in value]
    if value is None or isinstance(value, bool | int | float | dict | list):
        return value  # dict and list: parameters already in this form (a message rebuilt)
    return str(value)


class Translator:
    """Looks up messages in one language: ``t("nmbrs.call.inactive", call="Children_Get")``."""

    def __init__(self, lang: str | None = None) -> None:
        self.lang = resolve_language(lang)
        self._messages = catalogue(self.lang)

    def __call__(self, key: str, **params: object) -> str:
        # Typed as str (what every caller needs); it is a Message, which the report reads.
        return Message(self._text(key, params), key, params)

    def _text(self, key: str, params: dict[str, object]) -> str:
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
        return self(plural_key(key, count), count=count, **params)

    def has(self, key: str) -> bool:
        """Whether the catalogue knows ``key``."""
        return key in self._messages


def plural_key(key: str, count: int) -> str:
    """The catalogue key for ``count`` of something: ``<key>.one`` for 1, else ``<key>.other``.

    Dutch and English have these two plural categories only; an error that is rendered later
    (a :class:`Text`, a form rule) picks its key with this when it is raised.
    """
    return f"{key}.{'one' if count == 1 else 'other'}"


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


_OS_REASONS = {
    errno.ENOENT: "core.os.not_found",
    errno.EACCES: "core.os.no_access",
    errno.EPERM: "core.os.no_access",
    errno.EISDIR: "core.os.is_folder",
    errno.ENOTDIR: "core.os.not_folder",
    errno.ENOSPC: "core.os.disk_full",
    errno.EDQUOT: "core.os.disk_full",
    errno.EROFS: "core.os.read_only",
    errno.EEXIST: "core.os.exists",
    errno.ENAMETOOLONG: "core.os.name_too_long",
    errno.ELOOP: "core.os.loop",
    errno.EADDRINUSE: "core.os.port_in_use",
    errno.EADDRNOTAVAIL: "core.os.address_unavailable",
    errno.EMFILE: "core.os.too_many_files",
    errno.EIO: "core.os.io",
}


def os_reason(exc: OSError) -> Text | str:
    """Why the system refused a file or port, as a :class:`Text` (the OS's own ``strerror`` is
    English whatever ``--lang`` says); an unusual error keeps the OS's words."""
    key = _OS_REASONS.get(exc.errno) if exc.errno is not None else None
    return Text(key) if key else (exc.strerror or type(exc).__name__)
