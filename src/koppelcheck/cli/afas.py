"""``koppelcheck afas``: verify an AFAS Profit setup."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from koppelcheck.cli import options as o
from koppelcheck.cli.common import handle_errors, interactive
from koppelcheck.i18n import Translator

_t = Translator()

_TOKEN_FIELDS = {"file": "--token-file", "stdin": "--token-file", "env": "KOPPELCHECK_AFAS_TOKEN"}


@handle_errors
def afas(
    environment_id: Annotated[
        str | None,
        o.env_option(
            "--environment-id", "ID", "KOPPELCHECK_AFAS_ENVIRONMENT", "cli.afas.environment_id.help"
        ),
    ] = None,
    token_file: o.TokenFileOpt = None,
    token_version: Annotated[
        int | None,
        typer.Option(
            "--token-version",
            metavar="N",
            help=_t("cli.afas.token_version.help"),
            parser=o.bounded_int(0),
        ),
    ] = None,
    client_id: Annotated[
        str | None,
        o.env_option("--client-id", "ID", "KOPPELCHECK_AFAS_CLIENT_ID", "cli.afas.client_id.help"),
    ] = None,
    client_secret_file: Annotated[
        str | None,
        typer.Option(
            "--client-secret-file", metavar="PATH", help=_t("cli.afas.client_secret_file.help")
        ),
    ] = None,
    connector: Annotated[
        list[str] | None,
        typer.Option("--connector", metavar="NAME", help=_t("cli.afas.connector.help")),
    ] = None,
    connectors_zip: Annotated[
        Path | None,
        typer.Option("--connectors-zip", metavar="PATH", help=_t("cli.afas.connectors_zip.help")),
    ] = None,
    auditor: Annotated[
        Path | None,
        typer.Option("--auditor", metavar="PATH", help=_t("cli.afas.auditor.help")),
    ] = None,
    format: o.FormatOpt = o.ReportFormat.TEXT,
    output: o.OutputOpt = None,
    json: o.JsonOpt = None,
    junit: o.JunitOpt = None,
    html: o.HtmlOpt = None,
    no_input: o.NoInputOpt = False,
    lang: o.LangOpt = None,
    timeout: o.TimeoutOpt = 30.0,
    strict: o.StrictOpt = False,
    exit_zero: o.ExitZeroOpt = False,
    base_url: o.BaseUrlOpt = None,
    bundle: o.BundleOpt = None,
    form: o.FormOpt = None,
    field: o.FieldOpt = None,
    recipient_key: o.RecipientKeyOpt = None,
    no_color: o.NoColorOpt = False,
    ca_bundle: o.CaBundleOpt = None,
    verbose: o.VerboseOpt = False,
    trace: o.TraceOpt = None,
) -> None:
    """Verify an AFAS Profit setup: the token, the App Connector, and every GetConnector."""
    common = o.CommonOptions.from_flags(locals())
    from koppelcheck.afas.checks import AfasSettings
    from koppelcheck.afas.connectors_zip import expected_connectors
    from koppelcheck.afas.environment import parse_environment_id
    from koppelcheck.afas.system import AfasInputs
    from koppelcheck.afas.token import parse_token
    from koppelcheck.cli.check_command import run_check_command
    from koppelcheck.cli.session import ask_setting, configure_logging, hidden_prompt
    from koppelcheck.credentials import SecretRequest, keyring_account, resolve_secret
    from koppelcheck.systems.interface import settings_from

    configure_logging(verbose)
    can_ask = interactive(no_input)
    environment_id = environment_id or ask_setting(
        "--environment-id", "KOPPELCHECK_AFAS_ENVIRONMENT", can_ask, common.lang
    )
    # The flags are the settings model's keys, as in a batch file and the form: one set of rules.
    inputs = settings_from(
        AfasInputs,
        {
            "environment_id": environment_id,
            "connectors": connector or [],
            "connectors_zip": str(connectors_zip) if connectors_zip is not None else None,
            "token_version": token_version,
            "client_id": client_id if client_id and client_id.strip() else None,
            "base_url": base_url,
        },
    )
    environment = parse_environment_id(inputs.environment_id)
    url = environment.base_url(inputs.base_url)
    connectors = expected_connectors(inputs.connectors, connectors_zip)
    if common.bundle is not None and not can_ask and not connectors:
        from koppelcheck.errors import InputError

        t = Translator(common.lang)
        raise InputError("connectors_zip", t("walk.connectors.required"), t("walk.connectors.hint"))
    auditor_report = None
    if auditor is not None:  # read before anything is sent: an unreadable export exits 2
        from koppelcheck.afas.auditor import read_auditor

        auditor_report = read_auditor(auditor)
    auth = _ask_auth(can_ask, client_id, token_file, common.lang)
    if auth in ("oauth", "hybrid") and not client_id:
        client_id = ask_setting("--client-id", "KOPPELCHECK_AFAS_CLIENT_ID", can_ask, common.lang)
    client = _client_credentials(
        client_id, client_secret_file, token_file, environment.number, can_ask, common.lang
    )
    token_label = Translator(common.lang)("console.secret.afas_token")
    token_request = SecretRequest(
        token_label,
        "KOPPELCHECK_AFAS_TOKEN",
        keyring_account("afas", environment.number),
        xml=True,
    )
    if client is None or token_file or os.environ.get(token_request.env_var) or auth == "hybrid":
        secret = resolve_secret(
            token_request,
            token_file=token_file,
            prompt=hidden_prompt if can_ask else None,
        )
        token_field = _TOKEN_FIELDS.get(secret.source, token_label)
        token = parse_token(secret, inputs.token_version, field=token_field)
    else:  # client credentials only: OAuth mode (a token given beside them makes it hybrid)
        token = None
    settings = AfasSettings(
        environment, token, connectors, url, client=client, auditor=auditor_report
    )
    from koppelcheck.cli.tracing import traced_run

    with traced_run(trace, common.lang):
        code = run_check_command(afas_job(settings, common), common, can_ask=can_ask)
    raise typer.Exit(code)


def _ask_auth(
    can_ask: bool, client_id: str | None, token_file: str | None, lang: str | None
) -> str | None:
    """On a terminal, when neither a client id nor a token was given: ask whether the App
    Connector uses a classic token, OAuth or both (Hybrid). None when nothing was asked."""
    from koppelcheck.afas.steps import AUTH_MODES, default_auth

    if not can_ask or client_id or token_file or os.environ.get("KOPPELCHECK_AFAS_TOKEN"):
        return None
    t = Translator(lang)
    while True:
        answer = str(typer.prompt(t("afas.ask.auth"), default=default_auth(), err=True))
        if answer.strip().lower() in AUTH_MODES:
            return answer.strip().lower()
        typer.echo(t("afas.ask.auth.choices", choices=" / ".join(AUTH_MODES)), err=True)


def _client_credentials(
    client_id: str | None,
    secret_file: str | None,
    token_file: str | None,
    environment_number: str,
    can_ask: bool,
    lang: str | None = None,
) -> Any:
    """The OAuth client credentials, or None when no --client-id was given."""
    from koppelcheck.afas.oauth import (
        CLIENT_SECRET_ENV,
        CLIENT_SECRET_FIELD,
        client_credentials,
        client_secret_account,
        parse_client_id,
    )
    from koppelcheck.cli.session import hidden_prompt
    from koppelcheck.credentials import SecretRequest, resolve_secret
    from koppelcheck.errors import InputError

    t = Translator(lang)
    label = t("console.secret.afas_client_secret")
    if client_id is None or not client_id.strip():
        if secret_file:
            raise InputError(
                CLIENT_SECRET_FIELD,
                t("console.afas.needs_client_id"),
                t("console.afas.give_client_id"),
            )
        return None
    if secret_file == "-" and token_file == "-":
        raise InputError(
            CLIENT_SECRET_FIELD, t("console.stdin_once"), t("console.afas.token_from_file")
        )
    cleaned = parse_client_id(client_id)
    secret = resolve_secret(
        SecretRequest(
            label,
            CLIENT_SECRET_ENV,
            client_secret_account(environment_number, cleaned),
            file_field=CLIENT_SECRET_FIELD,
        ),
        token_file=secret_file,
        prompt=hidden_prompt if can_ask else None,
    )
    field = {"env": CLIENT_SECRET_ENV, "prompt": label}.get(secret.source, CLIENT_SECRET_FIELD)
    return client_credentials(cleaned, secret, field=field)


def afas_job(settings: Any, common: o.CommonOptions) -> Any:
    """The AFAS check as the shared driver runs it (the walkthrough may change the expected
    connectors and the token, see :mod:`koppelcheck.cli.afas_walk`)."""
    from koppelcheck.afas.steps import afas_steps
    from koppelcheck.cli.afas_walk import AfasSession
    from koppelcheck.cli.check_command import CheckJob
    from koppelcheck.systems import get_system, verify

    system = get_system("afas")
    session = AfasSession(settings, common)

    def run(progress: Any) -> Any:
        return verify(
            system.name,
            session.settings,
            None,
            common.run_options(on_progress=progress),
        )

    job = CheckJob(
        system="afas",
        option=None,
        label="AFAS",
        total=system.check_count(settings),  # the session keeps it current
        run=run,
        form_context=lambda: system.form_context(session.settings, []),
        steps=afas_steps(settings.mode),
    )
    session.bind(job)
    return job
