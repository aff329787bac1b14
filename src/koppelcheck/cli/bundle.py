"""``koppelcheck bundle verify|show``, and :func:`announce_bundle` for commands that write one.

Exit codes of ``verify``: 0 valid; 1 invalid signature, tampered, or not the pinned key; 2 the
file is unreadable or not a bundle (or ``--public-key`` is bad). ``show`` never prints a secret:
plain tokens are masked and JWE tokens are described, not shown.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from koppelcheck.cli.common import handle_errors
from koppelcheck.cli.keys import say
from koppelcheck.cli.options import LANG_METAVAR, check_language, complete_language
from koppelcheck.exitcodes import ExitCode
from koppelcheck.i18n import Translator

if TYPE_CHECKING:
    from koppelcheck.bundle.build import BundleInfo
    from koppelcheck.bundle.verify import FlattenedJWS

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
FileArgument = Annotated[Path, typer.Argument(metavar="FILE", help=_t("bundle.file.help"))]

bundle_app = typer.Typer(name="bundle", help=_t("bundle.help"), no_args_is_help=True)


def announce_bundle(info: BundleInfo, *, lang: str | None = None) -> None:
    """Say on stderr where a bundle was written and which key (thumbprint) signed it."""
    say(Translator(lang)("bundle.written", path=info.path, kid=info.thumbprint), style="green")


@bundle_app.command("verify", help=_t("bundle.verify.help"))
@handle_errors
def verify_command(
    file: FileArgument,
    public_key: Annotated[
        Path | None, typer.Option("--public-key", metavar="PATH", help=_t("bundle.public_key.help"))
    ] = None,
    lang: LangOption = None,
) -> None:
    """Verify a bundle; exit 0 valid, 1 invalid, 2 unreadable."""
    from koppelcheck.bundle.verify import BundleInvalidError, verify_bundle

    t = Translator(check_language(lang))
    try:
        verified = verify_bundle(file, public_key_path=public_key, lang=lang)
    except BundleInvalidError as exc:
        say(t("bundle.verify.invalid", reason=str(exc)), style="bold red")
        raise typer.Exit(ExitCode.FAILED) from None
    payload = verified.payload
    typer.echo(
        t(
            "bundle.verify.ok",
            kid=verified.kid,
            system=payload["system"],
            created_at=payload["created_at"],
        )
    )
    if public_key is not None:
        typer.echo(t("bundle.verify.pinned", path=public_key))


def _signature_line(jws: FlattenedJWS, t: Translator) -> str:
    """``show``'s one-line verdict on the signature (embedded key, not pinned)."""
    from koppelcheck.bundle.verify import BundleInvalidError, verify_jws

    try:
        verify_jws(jws, lang=t.lang)
    except BundleInvalidError as exc:
        return t("bundle.show.invalid", reason=str(exc))
    return t("bundle.show.valid")


@bundle_app.command("show", help=_t("bundle.show.help"))
@handle_errors
def show_command(file: FileArgument, lang: LangOption = None) -> None:
    """Print the kid, the signature verdict and the payload with every secret masked."""
    from koppelcheck.bundle.encrypt import masked_view
    from koppelcheck.bundle.verify import BundleInvalidError, decode_json_segment, read_bundle
    from koppelcheck.secret import inert

    t = Translator(check_language(lang))
    jws = read_bundle(file, lang=lang)
    try:
        header = decode_json_segment(jws["protected"], "protected", t)
        payload = decode_json_segment(jws["payload"], "payload", t)
    except BundleInvalidError as exc:
        say(t("bundle.verify.invalid", reason=str(exc)), style="bold red")
        raise typer.Exit(ExitCode.FAILED) from None
    # A bundle is someone else's file: its text is shown inert (no lone surrogate, which no
    # terminal encoding can write, no bidi override, no control character).
    view = masked_view(payload)
    origins = payload.get("provenance") if isinstance(payload, dict) else None
    if isinstance(view, dict) and isinstance(origins, dict):
        # Keys such as afas.data_token look secret, but their provenance is a source and a check
        # id: shown as is (anything else in it stays masked).
        view["provenance"] = {
            key: origin
            if isinstance(origin, dict)
            and set(origin) <= {"source", "check"}
            and all(isinstance(v, str) and len(v) <= 100 for v in origin.values())
            else masked_view({key: origin})[key]
            for key, origin in origins.items()
        }
    lines = [
        t("bundle.show.kid", kid=header.get("kid")),
        t("bundle.show.alg", alg=header.get("alg"), typ=header.get("typ")),
        _signature_line(jws, t),
        *provenance_lines(view, t),
        t("bundle.show.payload"),
        json.dumps(view, indent=2, ensure_ascii=False),
    ]
    for line in lines:
        typer.echo(inert(line))


def provenance_lines(view: Any, t: Translator) -> list[str]:
    """One line per form value: the key, the value (secrets masked), and where it comes from
    (``verified by nmbrs.company`` or ``declared``)."""
    form = view.get("form") if isinstance(view, dict) else None
    origins = view.get("provenance") if isinstance(view, dict) else None
    if not isinstance(form, dict) or not isinstance(origins, dict):
        return []
    lines = [t("bundle.show.provenance")]
    for key, origin in origins.items():
        head, _, rest = str(key).partition(".")
        value = form.get(head)
        if rest:
            value = value.get(rest) if isinstance(value, dict) else None
        source = origin.get("source") if isinstance(origin, dict) else None
        check = origin.get("check") if isinstance(origin, dict) else None
        where = (
            t("bundle.show.verified", check=check)
            if source == "verified"
            else t("bundle.show.declared")
        )
        shown = json.dumps(value, ensure_ascii=False)
        lines.append(f"  {key} = {shown}  [{where}]")
    return lines
