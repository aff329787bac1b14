"""``koppelcheck afas``: verify an AFAS Profit setup."""

from __future__ import annotations

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
        typer.Option(
            "--environment-id",
            envvar="KOPPELCHECK_AFAS_ENVIRONMENT",
            help=_t("cli.afas.environment_id.help"),
            show_envvar=True,
        ),
    ] = None,
    token_file: o.TokenFileOpt = None,
    token_version: Annotated[
        int | None,
        typer.Option(
            "--token-version",
            help=_t("cli.afas.token_version.help"),
            min=0,
        ),
    ] = None,
    connector: Annotated[
        list[str] | None,
        typer.Option("--connector", help=_t("cli.afas.connector.help")),
    ] = None,
    connectors_zip: Annotated[
        Path | None,
        typer.Option("--connectors-zip", help=_t("cli.afas.connectors_zip.help")),
    ] = None,
    format: o.FormatOpt = "text",
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
    from koppelcheck.afas.token import parse_token
    from koppelcheck.cli.check_command import run_check_command
    from koppelcheck.cli.session import ask_setting, configure_logging, hidden_prompt
    from koppelcheck.credentials import SecretRequest, keyring_account, resolve_secret

    configure_logging(verbose)
    can_ask = interactive(no_input)
    environment_id = environment_id or ask_setting(
        "--environment-id", "KOPPELCHECK_AFAS_ENVIRONMENT", can_ask
    )
    environment = parse_environment_id(environment_id)
    url = environment.base_url(base_url)
    connectors = expected_connectors(connector or [], connectors_zip)
    if common.bundle is not None and not can_ask and not connectors:
        from koppelcheck.errors import InputError

        t = Translator(common.lang)
        raise InputError(
            "--connectors-zip", t("walk.connectors.required"), t("walk.connectors.hint")
        )
    secret = resolve_secret(
        SecretRequest(
            "AFAS token",
            "KOPPELCHECK_AFAS_TOKEN",
            keyring_account("afas", environment.number),
            xml=True,
        ),
        token_file=token_file,
        prompt=hidden_prompt if can_ask else None,
    )
    token = parse_token(secret, token_version, field=_TOKEN_FIELDS.get(secret.source, "AFAS token"))
    settings = AfasSettings(environment, token, connectors, url)
    from koppelcheck.trace import traced_run

    with traced_run(trace, common.lang):
        code = run_check_command(afas_job(settings, common), common, can_ask=can_ask)
    raise typer.Exit(code)


def afas_job(settings: Any, common: o.CommonOptions) -> Any:
    """The AFAS check as the shared driver runs it (the walkthrough may change the expected
    connectors and the token, see :mod:`koppelcheck.cli.afas_walk`)."""
    from koppelcheck.afas.verify import verify_afas
    from koppelcheck.cli.afas_walk import AfasSession
    from koppelcheck.cli.check_command import CheckJob
    from koppelcheck.registration import FormContext

    session = AfasSession(settings, common)

    def run(progress: Any) -> Any:
        return verify_afas(
            session.settings,
            translator=Translator(common.lang),
            timeout_s=common.timeout,
            strict=common.strict,
            exit_zero=common.exit_zero,
            on_progress=progress,
            ca_bundle=str(common.ca_bundle) if common.ca_bundle else None,
        )

    job = CheckJob(
        system="afas",
        option=None,
        label="AFAS",
        total=2 + max(1, len(settings.connectors)),
        run=run,
        form_context=lambda: FormContext(environment_id=session.settings.environment.code),
    )
    session.bind(job)
    return job
