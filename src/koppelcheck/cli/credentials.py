"""``koppelcheck credentials set|delete|list``: tokens in the OS keyring.

Entries are keyed by the system and the settings that name its account
(:func:`~koppelcheck.systems.interface.credential_keys`): domain + user for Nmbrs, environment
(and client id) for AFAS, the same accounts ``koppelcheck <system>`` and ``token_keyring = true``
in a batch file look up. Each key is a flag: ``--domain``, ``--username``, ``--environment-id``
and ``--client-id`` are written here; a key of another registered system gets ``--<key>``
(:func:`~koppelcheck.cli.fields.flag_of_key`, as its generated command names it), added when
``set`` or ``delete`` runs or shows its help. The list of accounts (never a token) is kept as one
more keyring entry, because keyrings cannot enumerate.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Mapping
from typing import Annotated, Any

import typer
import typer.core
from typer import _click
from typer._click.globals import get_current_context

from koppelcheck.choices import SystemName
from koppelcheck.cli.common import handle_errors, interactive, stderr_console
from koppelcheck.cli.fields import flag_of_key, use_command_flags
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


SYSTEM_KEYS = "koppelcheck.credential_keys"
"""Where the options of other systems' keys leave their values (``ctx.meta``)."""


def _remember(ctx: _click.Context, param: _click.Parameter, value: str | None) -> str | None:
    if value is not None and param.name is not None:
        ctx.meta.setdefault(SYSTEM_KEYS, {})[param.name] = value
    return value


def _as_parameters(options: Mapping[str, Any]) -> list[_click.Parameter]:
    """Typer's click options for ``key -> Annotated[type, typer.Option(...)]``, their values
    left in ``ctx.meta`` (:func:`given_keys`) rather than passed to the command's function."""

    def holder(**values: Any) -> None:  # pragma: no cover - only its signature is read
        """Options."""

    holder.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(key, inspect.Parameter.KEYWORD_ONLY, annotation=kind, default=None)
            for key, kind in options.items()
        ]
    )
    app = typer.Typer(add_completion=False)
    app.command()(holder)
    params = typer.main.get_command(app).params
    for param in params:
        param.expose_value = False
        param.callback = _remember
    return params


class SystemKeysCommand(typer.core.TyperCommand):
    """``set`` and ``delete``: their own options, then one per credential key of a registered
    system that has no flag yet (Loonpakket's ``tenant`` is ``--tenant``). Built when the command
    parses or shows its help, which imports the systems; ``koppelcheck --help`` imports none."""

    _system_options: list[_click.Parameter] | None = None

    def system_options(self, ctx: _click.Context) -> list[_click.Parameter]:
        if self._system_options is None:
            from koppelcheck.cli import click_text
            from koppelcheck.i18n import catalogue
            from koppelcheck.registry import TABLE
            from koppelcheck.systems import get_system
            from koppelcheck.systems.interface import credential_keys

            t = click_text.translator()
            messages = catalogue(t.lang)
            taken = {opt for param in self.params for opt in getattr(param, "opts", ())}
            options: dict[str, Any] = {}
            for name in TABLE:
                for key in credential_keys(get_system(name)):
                    flag = flag_of_key(key)
                    if flag in taken:
                        continue
                    taken.add(flag)
                    metavar = messages.get(f"cli.{name}.{key}.metavar", key.upper())
                    option = typer.Option(flag, metavar=metavar, help=t(f"cli.{name}.{key}.help"))
                    options[key] = Annotated[str | None, option]
            self._system_options = _as_parameters(options)
        return self._system_options

    def get_params(self, ctx: _click.Context) -> list[_click.Parameter]:
        params = super().get_params(ctx)
        own = [param for param in params if param.name != "help"]
        help_option = [param for param in params if param.name == "help"]
        return [*own, *self.system_options(ctx), *help_option]


def given_keys(**fixed: str | None) -> dict[str, str | None]:
    """The credential keys the running command's flags gave: its own and other systems'."""
    ctx = get_current_context(silent=True)
    extra: dict[str, str] = ctx.meta.get(SYSTEM_KEYS, {}) if ctx is not None else {}
    return {**fixed, **extra}


def account_for(system: str, given: Mapping[str, str | None]) -> tuple[str, bool]:
    """The keyring account for the flags ``given`` (key -> value) and whether it holds a client
    secret rather than a token; missing or bad inputs raise InputError (exit 2), named by flag."""
    from koppelcheck.errors import InputError
    from koppelcheck.systems import SYSTEMS, find_system
    from koppelcheck.systems.interface import credential_keys

    kind = find_system(system)
    if kind is None:
        raise InputError(
            "system",
            Text("input.credentials.unknown_system", system=repr(system)),
            Text("input.credentials.unknown_system_hint", systems=", ".join(SYSTEMS)),
        )
    keys = credential_keys(kind)
    use_command_flags(keys)
    settings = {key: value for key, value in given.items() if key in keys and value is not None}
    try:
        if given.get("client_id") is not None:  # an OAuth client secret, keyed by its client id
            account = kind.client_secret_account(settings) if "client_id" in keys else None
            if account is None:
                raise InputError(
                    "client_id",
                    Text("input.credentials.client_id_afas"),
                    Text("input.credentials.client_id_afas_hint"),
                )
            return account, True
        return kind.token_account(settings), False
    except KeyError as exc:  # a system that does not name a missing key itself
        key = str(exc.args[0]) if exc.args else "system"
        raise InputError(
            key,
            Text("input.credentials.needs", system=system),
            Text("input.credentials.needs_hint"),
        ) from None


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


@credentials_app.command("set", cls=SystemKeysCommand, help=_t("cli.credentials.set.help"))
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

    given = given_keys(
        domain=domain, username=username, environment_id=environment_id, client_id=client_id
    )
    account, is_client_secret = account_for(system, given)
    backend = _backend()
    from koppelcheck.cli.system_command import env_name
    from koppelcheck.systems import get_system

    t = Translator()
    kind = "client_secret" if is_client_secret else "token"
    label_key = f"console.secret.{system}_{kind}"
    label = (
        t(label_key)
        if t.has(label_key)
        else t(f"console.secret.system_{kind}", system=t(f"system.{system}"))
    )
    request = SecretRequest(
        label,
        env_name(system, kind),
        None,
        xml=get_system(system).token_is_xml and not is_client_secret,
    )
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


@credentials_app.command("delete", cls=SystemKeysCommand, help=_t("cli.credentials.delete.help"))
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

    given = given_keys(
        domain=domain, username=username, environment_id=environment_id, client_id=client_id
    )
    account, _ = account_for(system, given)
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
