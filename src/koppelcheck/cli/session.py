"""Helpers the check commands share: asking for settings, hidden prompts, running and reporting."""

from __future__ import annotations

import logging
import sys

import typer

from koppelcheck.errors import MissingSettingError
from koppelcheck.i18n import Text, Translator

_ASK = {
    "--username": "console.ask.username",
    "--domain": "console.ask.domain",
    "--environment-id": "console.ask.environment_id",
    "--client-id": "console.ask.client_id",
}
"""The question for each setting :func:`ask_setting` may ask for."""


def ask_setting(flag: str, env_var: str, can_ask: bool, lang: str | None = None) -> str:
    """Ask for a missing setting on a terminal; otherwise exit 3 naming the flag and variable."""
    if not can_ask:
        raise MissingSettingError(flag, [flag, Text("input.way.env", name=env_var)])
    label = Translator(lang)(_ASK[flag]) if flag in _ASK else flag.lstrip("-")
    return str(typer.prompt(label, err=True))


def hidden_prompt(label: str) -> str:
    """Ask for a secret without echoing it."""
    return str(typer.prompt(label, hide_input=True, err=True))


class _ScrubbingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        from koppelcheck.secret import redact_known

        record.msg = redact_known(record.getMessage())
        record.args = ()
        return True


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the moment of logging, never a stale stream."""

    @property
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


def configure_logging(verbose: bool) -> None:
    """With ``--verbose``, debug logs on stderr, with SOAP tokens and AfasToken headers masked.

    Without it, a handler left by an earlier run in the same process is removed, so one
    verbose command never makes the next one chatty.
    """
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _StderrHandler)]:
        root.removeHandler(handler)
        root.setLevel(logging.WARNING)
    if not verbose:
        return
    handler = _StderrHandler()
    handler.addFilter(_ScrubbingFilter())
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)


_YES = {"y", "yes", "j", "ja"}
_NO = {"n", "no", "nee"}


def confirm(text: str, default: bool, lang: str | None = None) -> bool:
    """A yes/no question on stderr that also understands Dutch (j, ja, nee): ``[J/n]`` in Dutch."""
    from koppelcheck.i18n import resolve_language

    dutch = resolve_language(lang) == "nl"
    yes, no = ("J", "N") if dutch else ("Y", "N")
    hint = f"[{yes}/{no.lower()}]" if default else f"[{yes.lower()}/{no}]"
    while True:
        answer = str(typer.prompt(f"{text} {hint}", default="", show_default=False, err=True))
        word = answer.strip().lower()
        if not word:
            return default
        if word in _YES:
            return True
        if word in _NO:
            return False
        typer.echo("j/n" if dutch else "y/n", err=True)
