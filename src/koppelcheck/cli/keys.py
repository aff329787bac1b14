"""``koppelcheck keys init|show|export``, and :func:`load_signing_key` for commands that sign.

joserfc, cryptography and keyring are imported inside the commands, so ``koppelcheck --help``
stays fast. The private key is never printed: only its thumbprint and where it is kept.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from koppelcheck.cli.common import handle_errors, stderr_console
from koppelcheck.cli.options import LANG_METAVAR, check_language, complete_language
from koppelcheck.errors import MissingSettingError
from koppelcheck.i18n import Translator

if TYPE_CHECKING:
    from koppelcheck.bundle.keys import KeyPlace, SigningKey

_t = Translator()
LangOption = Annotated[
    str | None,
    typer.Option(
        "--lang",
        metavar=LANG_METAVAR,
        autocompletion=complete_language,
        help=_t("bundle.lang.help"),
    ),
]

keys_app = typer.Typer(name="keys", help=_t("keys.help"), no_args_is_help=True)


def say(text: str, *, style: str = "") -> None:
    """Print a human line on stderr (``style`` is a rich style such as ``yellow``)."""
    from rich.markup import escape

    stderr_console().print(f"[{style}]{escape(text)}[/]" if style else escape(text))


def describe_place(place: KeyPlace, t: Translator) -> str:
    """Where a key is kept, in words."""
    return t(f"keys.place.{place.storage.value}", detail=place.detail)


def warn_if_insecure(key: SigningKey, t: Translator) -> None:
    """Warn on stderr when the key is kept in the plaintext PEM fallback file."""
    if not key.place.secure:
        say(t("keys.insecure", path=key.place.detail), style="yellow")


def _create(t: Translator) -> SigningKey:
    """Create and store a new key, and say so on stderr."""
    import os

    from koppelcheck.bundle.keys import ENV_VAR, create_signing_key

    key = create_signing_key()
    say(t("keys.init.created", kid=key.thumbprint), style="green")
    say(t("keys.show.place", place=describe_place(key.place, t)))
    warn_if_insecure(key, t)
    if os.environ.get(ENV_VAR, "").strip():
        say(t("keys.init.env_wins", var=ENV_VAR), style="yellow")
    return key


def _missing(t: Translator) -> MissingSettingError:
    """The exit-3 error that says how to supply a signing key."""
    return MissingSettingError(
        t("keys.missing.setting"), [t("keys.missing.init"), t("keys.missing.env")]
    )


def load_signing_key(*, allow_prompt: bool, lang: str | None = None) -> SigningKey:
    """The signing key (env, keyring, PEM file). With none: offer to create one when
    ``allow_prompt``, else MissingSettingError (exit 3) naming ``keys init`` and the variable."""
    from koppelcheck.bundle.keys import find_signing_key

    t = Translator(check_language(lang))
    key = find_signing_key(lang=lang)
    if key is not None:
        return key
    if allow_prompt and typer.confirm(t("keys.prompt.create"), default=True, err=True):
        return _create(t)
    raise _missing(t)


@keys_app.command("init", help=_t("keys.init.help"))
@handle_errors
def init_command(
    force: Annotated[bool, typer.Option("--force", help=_t("keys.force.help"))] = False,
    lang: LangOption = None,
) -> None:
    """Create a signing key unless one exists (``--force`` replaces it)."""
    from koppelcheck.bundle.keys import find_signing_key

    t = Translator(check_language(lang))
    existing = find_signing_key(lang=lang)
    if existing is not None and not force:
        place = describe_place(existing.place, t)
        say(t("keys.init.exists", kid=existing.thumbprint, place=place))
        return
    _create(t)


@keys_app.command("show", help=_t("keys.show.help"))
@handle_errors
def show_command(lang: LangOption = None) -> None:
    """Print the key's thumbprint and where it is kept (exit 3 when there is none)."""
    from koppelcheck.bundle.keys import find_signing_key

    t = Translator(check_language(lang))
    key = find_signing_key(lang=lang)
    if key is None:
        raise _missing(t)
    typer.echo(t("keys.show.kid", kid=key.thumbprint))
    typer.echo(t("keys.show.place", place=describe_place(key.place, t)))
    warn_if_insecure(key, t)


def public_jwk_document(key: SigningKey) -> dict[str, Any]:
    """The exported public JWK: the key plus ``kid``, ``alg`` and ``use``."""
    return {**key.public_jwk(), "kid": key.thumbprint, "alg": "EdDSA", "use": "sig"}


@keys_app.command("export", help=_t("keys.export.help"))
@handle_errors
def export_command(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="PATH", help=_t("keys.output.help"))
    ] = None,
    lang: LangOption = None,
) -> None:
    """Write the public JWK to stdout, or atomically to ``--output``."""
    from koppelcheck.bundle.keys import find_signing_key
    from koppelcheck.files import atomic_write

    t = Translator(check_language(lang))
    if output is not None:
        from koppelcheck.errors import InputError

        if output.is_dir():
            raise InputError("--output", t("core.input.is_folder", path=output))
        if not output.resolve().parent.is_dir():
            raise InputError("--output", t("core.input.no_folder", path=output.parent))
    key = find_signing_key(lang=lang)
    if key is None:
        raise _missing(t)
    text = json.dumps(public_jwk_document(key), indent=2) + "\n"
    if output is None:
        typer.echo(text, nl=False)
        return
    atomic_write(output, text, mode=0o644)
    say(t("keys.export.written", path=output, kid=key.thumbprint))
