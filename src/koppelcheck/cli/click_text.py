"""Click's and Typer's own words (``Usage:``, ``Options``, ``Error:``, ``Invalid value for`` ...)
in the interface language.

Typer vendors Click (``typer._click``) without Click's gettext markers: its texts are plain
literals and f-strings. Typer's own module ``typer.core`` still calls stdlib ``gettext``, whose
answer would follow the OS locale. Neither can be given a translation catalogue, so this module,
and only this module, installs koppelcheck's translation into them (:func:`install`):

- ``typer.core``'s ``_`` becomes :func:`gettext` (``Options``, ``[default: …]``, ``Aborted!``);
- the ``echo`` that Click's errors, prompts and Typer's completion print through passes each
  line through :func:`translate`, which recognises it by the English texts of
  ``i18n/en/click.toml`` (Click's and Typer's texts as written in their source, placeholders
  named) and prints the same key in the interface language;
- the help formatter translates the ``Usage:`` line, the help of ``--help`` and the
  completion options, and an argument's type (``FILE <path>``);
- pydantic's wording of a bad option value (``Value error, …``, ``Input should be …``) becomes
  koppelcheck's own message (``input.option.*``), which names the value and what to give.

The interface language is known before Click parses anything: the root group
(:class:`koppelcheck.cli.lazy_group.KoppelcheckGroup`) reads
``--lang`` from the arguments (else ``KOPPELCHECK_LANG``, else Dutch) when the command starts, so
help and parse errors follow it too. tests/cli/test_click_text.py takes every text from the
installed Typer sources and fails when one is neither here nor explained.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from functools import cache
from importlib import resources
from typing import Any

import typer
import typer.core
from typer import _click, _coercion, _param_types
from typer._click import decorators as click_decorators
from typer._click import exceptions as click_exceptions
from typer._click import formatting as click_formatting
from typer._click import termui as click_termui
from typer._click import utils as click_utils
from typer._click.utils import _escape_control_characters

from koppelcheck.i18n import LANGUAGES, Translator, catalogue, resolve_language

HELP_LANGUAGE = resolve_language(None)
"""The language the commands' help texts were built in (at import, from ``KOPPELCHECK_LANG``)."""

_WORDS = ("param_type", "path_type")
"""Placeholders that hold one of Click's words (``option``, ``file``): ``click.word.*``."""

_language: str | None = None


def set_language(lang: str | None) -> None:
    """Speak ``lang`` from now on (``None``: ``KOPPELCHECK_LANG``, else Dutch)."""
    global _language
    _language = resolve_language(lang) if lang else None


def language() -> str:
    """The interface language Click's and Typer's texts are shown in."""
    return _language or resolve_language(None)


def translator() -> Translator:
    """A :class:`Translator` in the interface language (for texts raised while Click parses)."""
    return Translator(language())


def language_from_args(args: Sequence[str]) -> str | None:
    """The value of the last ``--lang X`` / ``--lang=X`` before ``--``, when it is a language
    koppelcheck speaks; else None (an unknown one is reported by the command itself)."""
    found: str | None = None
    for index, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and index + 1 < len(args):
            found = args[index + 1]
        elif arg.startswith("--lang="):
            found = arg.partition("=")[2]
    return found.lower() if found and found.lower() in LANGUAGES else None


@cache
def msgids() -> dict[str, str]:
    """Click's and Typer's English texts (as in their source) -> catalogue key."""
    text = (resources.files("koppelcheck.i18n") / "en" / "click.toml").read_text(encoding="utf-8")
    return {english: key for key, english in tomllib.loads(text).items()}


def gettext(msgid: str) -> str:
    """Typer's ``_()``: the text in the interface language, placeholders kept for ``.format``."""
    key = msgids().get(msgid)
    if key is None:
        return msgid
    return catalogue(language()).get(key, msgid)


_PLACEHOLDER = re.compile(r"\{(\w+)(![rsa])?\}")


@cache
def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """(pattern, key) for every English text: exact texts first, then the longest literal text
    (``No such option: {name} (Possible options: …)`` before ``No such option: {name}``)."""
    words = "|".join(
        re.escape(english) for english, key in msgids().items() if key.startswith("click.word.")
    )
    built: list[tuple[int, int, re.Pattern[str], str]] = []
    for english, key in msgids().items():
        if key.startswith("click.word."):
            continue
        parts: list[str] = []
        last = 0
        for match in _PLACEHOLDER.finditer(english):
            parts.append(re.escape(english[last : match.start()]))
            name = match.group(1)
            body = words if name in _WORDS else ".*?"
            parts.append(f"(?P<{name}>{body})")
            last = match.end()
        parts.append(re.escape(english[last:]))
        literal = len(_PLACEHOLDER.sub("", english))
        placeholders = len(_PLACEHOLDER.findall(english))
        pattern = re.compile("".join(parts), re.DOTALL)
        built.append((min(placeholders, 1), -literal, pattern, key))
    built.sort(key=lambda item: (item[0], item[1]))
    return tuple((pattern, key) for _, _, pattern, key in built)


def _fill(template: str, params: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: params.get(m.group(1), m.group(0)), template)


def translate_line(line: str) -> str:
    """One line (or message) Click or Typer built, in the interface language; a text they did not
    build from a known template is returned unchanged."""
    messages = catalogue(language())
    for pattern, key in _patterns():
        match = pattern.fullmatch(line)
        if match is None:
            continue
        params: dict[str, str] = {}
        for name, value in match.groupdict().items():
            if name == "message":
                value = translate(value)
            elif name in _WORDS:
                word = msgids().get(value)
                value = messages.get(word, value) if word else value
            params[name] = value
        return _fill(messages.get(key, line), params)
    return line


def translate(text: str) -> str:
    """Every line of ``text`` through :func:`translate_line` (a usage line and its hint)."""
    if "\n" not in text:
        return translate_line(text)
    whole = translate_line(text)  # a text with a newline of its own ("Choose from:\n\t...")
    if whole != text:
        return whole
    return "\n".join(translate_line(line) for line in text.split("\n"))


_ORIGINAL_ECHO = click_utils.echo


def _echo(message: Any = None, *args: Any, **kwargs: Any) -> None:
    """Click's ``echo`` for the texts Click and Typer print themselves: translated first."""
    if isinstance(message, str):
        message = translate(message)
    _ORIGINAL_ECHO(message, *args, **kwargs)


_ORIGINAL_WRITE_USAGE = click_formatting.HelpFormatter.write_usage
_ORIGINAL_WRITE_DL = click_formatting.HelpFormatter.write_dl


def _write_usage(
    self: click_formatting.HelpFormatter, prog: str, args: str = "", prefix: str | None = None
) -> None:
    """``Usage: koppelcheck [OPTIONS] COMMAND [ARGS]...`` in the interface language."""
    for piece in ("COMMAND [ARGS]...", "[OPTIONS]"):
        args = args.replace(piece, gettext(piece))
    _ORIGINAL_WRITE_USAGE(self, prog, args, gettext("Usage: ") if prefix is None else prefix)


def _write_dl(
    self: click_formatting.HelpFormatter, rows: Sequence[tuple[str, str]], *args: Any, **kw: Any
) -> None:
    """A help table; the help texts Click and Typer wrote themselves (``--help``'s
    ``Show this message and exit.``, the completion options) in the interface language."""
    translated = [(first, gettext(second)) for first, second in rows]
    _ORIGINAL_WRITE_DL(self, translated, *args, **kw)


_ORIGINAL_DISPLAY_TYPE = typer.core._TyperParameter.display_type


def _display_type(self: Any, ctx: Any) -> str:
    """An argument's type in help (``FILE <path>``): Click's words in the interface language."""
    shown = _ORIGINAL_DISPLAY_TYPE(self, ctx)
    key = msgids().get(shown[1:-1])
    if key is None or not key.startswith("click.word."):
        return shown
    return f"<{catalogue(language()).get(key, shown[1:-1]).lower()}>"


def validation_message(exc: Any) -> str:
    """koppelcheck's words for a value pydantic (Typer's coercion) refused, instead of
    pydantic's ``Value error, …`` / ``Input should be …``: names the value and what to give."""
    t = translator()
    errors = exc.errors()
    first = errors[0] if errors else {}
    kind = str(first.get("type", ""))
    shown = _escape_control_characters(repr(first.get("input")))
    if kind == "value_error":
        cause = first.get("ctx", {}).get("error")
        reason = _escape_control_characters(str(cause if cause is not None else first["msg"]))
        choice = _choice_pattern().fullmatch(reason)
        if choice is not None:
            return t("input.option.choice", value=choice["value"], choices=choice["choices"])
        if reason.startswith("invalid literal for int()"):
            return t("input.option.not_whole_number", value=shown)
        return translate(reason)
    if kind in ("float_parsing", "float_type", "finite_number"):
        return t("input.option.not_number", value=shown)
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return t("input.option.not_whole_number", value=shown)
    return t("input.option.invalid_value", value=shown)


@cache
def _choice_pattern() -> re.Pattern[str]:
    return next(p for p, key in _patterns() if key == "click.not_one_of")


def retranslate_help(command: Any, into: str) -> None:
    """Our help texts, built at import in :data:`HELP_LANGUAGE`, in ``into`` instead (when
    ``--lang`` asks for another language than ``KOPPELCHECK_LANG``)."""
    keys = _help_keys(HELP_LANGUAGE)
    target = catalogue(into)

    def swap(text: Any) -> Any:
        key = keys.get(text) if isinstance(text, str) else None
        return target.get(key, text) if key else text

    for item in _commands(command):
        item.help = swap(item.help)
        item.short_help = swap(item.short_help)
        for param in item.params:
            if hasattr(param, "help"):
                param.help = swap(param.help)


@cache
def _help_keys(lang: str) -> dict[str, str]:
    """Text -> key for one language's catalogue (the first key of a text wins)."""
    found: dict[str, str] = {}
    for key, text in catalogue(lang).items():
        found.setdefault(text, key)
    return found


def _commands(command: Any) -> Iterable[Any]:
    yield command
    for sub in getattr(command, "commands", {}).values():
        yield from _commands(sub)


PATCHED_ECHO: tuple[tuple[Any, str], ...] = (
    (click_exceptions, "echo"),  # Error: …, Usage: … / Try '… --help' for help.
    (click_termui, "echo"),  # a prompt's Error: …
    (_click, "echo"),  # typer.core (Aborted!), typer.completion, typer._completion_shared
    (click_utils, "echo"),  # typer._completion_classes (an old bash)
)
"""Where Click and Typer look up the ``echo`` they print their own texts with. The help page is
printed by ``typer._click.decorators``, imported above so that it keeps Click's own ``echo``:
help is translated where it is built (:func:`_write_usage`, :func:`_write_dl`), not re-read."""

NOT_PATCHED_ECHO = (click_decorators,)
"""Modules that must keep Click's own ``echo`` (checked by the tests)."""

PATCHED_GETTEXT = (typer.core,)
"""Typer modules that call stdlib ``gettext`` as ``_`` (``typer.rich_utils`` too, but rich help
is off: ``rich_markup_mode=None``)."""

PATCHED_ERROR_MESSAGE = (_coercion, _param_types)
"""Typer modules that word a pydantic ``ValidationError`` with ``get_error_msg``."""

_installed = False


def install() -> None:
    """Put the translation into Click and Typer (once; cheap: nothing is read until used)."""
    global _installed
    if _installed:
        return
    _installed = True
    for module, name in PATCHED_ECHO:
        setattr(module, name, _echo)
    for module in PATCHED_GETTEXT:
        module._ = gettext  # type: ignore[attr-defined]
    for module in PATCHED_ERROR_MESSAGE:
        module.get_error_msg = validation_message  # type: ignore[attr-defined]
    formatter: Any = click_formatting.HelpFormatter
    formatter.write_usage = _write_usage
    formatter.write_dl = _write_dl
    parameter: Any = typer.core._TyperParameter
    parameter.display_type = _display_type
