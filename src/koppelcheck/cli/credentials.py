"""``koppelcheck credentials set|delete|list``: tokens in the OS keyring.

Entries are keyed by system + domain + user (Nmbrs) or system + environment (AFAS), the same keys
``koppelcheck nmbrs|afas`` and ``token_keyring = true`` in a batch file look up. The list of
accounts (never a token) is kept as one more keyring entry, because keyrings cannot enumerate.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

import typer

from koppelcheck.choices import SystemName
from koppelcheck.cli.common import handle_errors, interactive, stderr_console
from koppelcheck.cli.options import NoInputOpt, TokenFileOpt
from koppelcheck.i18n import Text, Translator

_t = Translator()
credentials_app = typer.Typer(help=_t("cli.credentials.help"), no_args_is_help=True)

INDEX_ACCOUNT = "__accounts__"
SystemArg = Annotated[
    SystemName,
    typer.Argument(metavar="SYSTEM", case_sensitive=False, help=_t("cli.credentials.system.help")),
]
DomainOpt = Annotated[
    str | None, typer.Option("--domain", metavar="DOMAIN", help=_t("cli.credentials.domain.help"))
]
UsernameOpt = Annotated[
    str | None,
    typer.Option("--username", metavar="EMAIL", help=_t("cli.credentials.username.help")),
]
EnvironmentOpt = Annotated[
    str | None,
    typer.Option("--environment-id", metavar="ID", help=_t("cli.credentials.environment_id.help")),
]
ClientIdOpt = Annotated[
    str | None, typer.Option("--client-id", metavar="ID", help=_t("cli.credentials.client_id.help"))
]


def account_for(
    system: str,
    domain: str | None,
    username: str | None,
    environment_id: str | None,
    client_id: str | None = None,
) -> str:
    """The keyring account for these inputs; missing or bad inputs raise InputError (exit 2)."""
    from koppelcheck.errors import InputError
    from koppelcheck.systems import find_system

    kind = find_system(system)
    if kind is None:
        raise InputError(
            "system",
            Text("input.credentials.unknown_system", system=repr(system)),
            Text("input.credentials.unknown_system_hint"),
        )
    return kind.credential_account(
        domain=domain, username=username, environment_id=environment_id, client_id=client_id
    )


def _backend() -> object:
    from koppelcheck.credentials import keyring_refusal_reason, secure_keyring
    from koppelcheck.errors import MissingSettingError

    backend = secure_keyring()
    if backend is None:
        raise MissingSettingError(
            Text("input.keyring.name"),
            [
                keyring_refusal_reason() or Text("input.keyring.unavailable"),
                Text("input.keyring.use_file"),
                Text("input.keyring.install"),
            ],
        )
    return backend


def _keyring(call: Callable[..., Any], *args: Any) -> Any:
    """One keyring call, bounded in time: a keyring that does not answer (a locked Secret
    Service) or fails exits 3, naming the keyring and the other ways to give a token."""
    from koppelcheck.errors import MissingSettingError
    from koppelcheck.oskeyring import KEYRING_TIMEOUT_SECONDS, KeyringUnavailableError, bounded

    try:
        return bounded(call, *args)
    except KeyringUnavailableError as exc:
        what = (
            Text(
                "input.keyring.timeout", backend=exc.backend, seconds=f"{KEYRING_TIMEOUT_SECONDS:g}"
            )
            if exc.timed_out
            else Text("input.keyring.failed", backend=exc.backend, reason=exc.reason)
        )
        raise MissingSettingError(
            Text("input.keyring.name"),
            [what, Text("input.keyring.unlock"), Text("input.keyring.or_file")],
        ) from None


def _index(backend: object) -> list[str]:
    from koppelcheck.credentials import KEYRING_SERVICE

    raw = _keyring(backend.get_password, KEYRING_SERVICE, INDEX_ACCOUNT)  # type: ignore[attr-defined]
    try:
        return sorted(set(json.loads(raw))) if raw else []
    except (ValueError, TypeError, RecursionError):
        return []


def _save_index(backend: object, accounts: list[str]) -> None:
    from koppelcheck.credentials import KEYRING_SERVICE

    _keyring(
        backend.set_password,  # type: ignore[attr-defined]
        KEYRING_SERVICE,
        INDEX_ACCOUNT,
        json.dumps(sorted(set(accounts))),
    )


@credentials_app.command("set", help=_t("cli.credentials.set.help"))
@handle_errors
def set_token(
    system: SystemArg,
    domain: DomainOpt = None,
    username: UsernameOpt = None,
    environment_id: EnvironmentOpt = None,
    token_file: TokenFileOpt = None,
    no_input: NoInputOpt = False,
    client_id: ClientIdOpt = None,
) -> None:
    """Store a token or an AFAS client secret (read from --token-file, stdin with -, or a hidden
    prompt)."""
    from koppelcheck.cli.session import hidden_prompt
    from koppelcheck.credentials import KEYRING_SERVICE, SecretRequest, resolve_secret

    account = account_for(system, domain, username, environment_id, client_id)
    backend = _backend()
    from koppelcheck.systems import get_system

    t = Translator()
    label = t(f"console.secret.{system}_token")
    request = SecretRequest(
        label,
        f"KOPPELCHECK_{system.upper()}_TOKEN",
        None,
        xml=get_system(system).token_is_xml,
    )
    if client_id is not None:
        from koppelcheck.afas.oauth import CLIENT_SECRET_ENV

        request = SecretRequest(t("console.secret.afas_client_secret"), CLIENT_SECRET_ENV, None)
    secret = resolve_secret(
        request,
        token_file=token_file,
        prompt=hidden_prompt if interactive(no_input) else None,
    )
    _keyring(backend.set_password, KEYRING_SERVICE, account, secret.reveal())  # type: ignore[attr-defined]
    _save_index(backend, [*_index(backend), account])
    stderr_console().print(
        t("console.credentials.stored", account=account, masked=secret.masked), markup=False
    )


@credentials_app.command("delete", help=_t("cli.credentials.delete.help"))
@handle_errors
def delete_token(
    system: SystemArg,
    domain: DomainOpt = None,
    username: UsernameOpt = None,
    environment_id: EnvironmentOpt = None,
    client_id: ClientIdOpt = None,
) -> None:
    """Remove a stored token or client secret."""
    from koppelcheck.credentials import KEYRING_SERVICE

    account = account_for(system, domain, username, environment_id, client_id)
    backend = _backend()
    if _keyring(backend.get_password, KEYRING_SERVICE, account) is None:  # type: ignore[attr-defined]
        stderr_console().print(_t("console.credentials.none", account=account), markup=False)
        raise typer.Exit(1)
    _keyring(backend.delete_password, KEYRING_SERVICE, account)  # type: ignore[attr-defined]
    _save_index(backend, [a for a in _index(backend) if a != account])
    stderr_console().print(_t("console.credentials.deleted", account=account), markup=False)


@credentials_app.command("list", help=_t("cli.credentials.list.help"))
@handle_errors
def list_tokens() -> None:
    """List stored accounts (never the tokens)."""
    from koppelcheck.credentials import KEYRING_SERVICE
    from koppelcheck.secret import mask

    backend = _backend()
    for account in _index(backend):
        value = _keyring(backend.get_password, KEYRING_SERVICE, account)  # type: ignore[attr-defined]
        typer.echo(f"{account}\t{mask(value) if value else _t('console.credentials.missing')}")
