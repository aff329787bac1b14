"""``koppelcheck nmbrs``: verify an Nmbrs setup (walking through the manual on a terminal)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from koppelcheck.choices import Api, ManualOption, NmbrsEnvironment
from koppelcheck.cli import options as o
from koppelcheck.cli.common import handle_errors, interactive
from koppelcheck.i18n import Translator

_t = Translator()


@handle_errors
def nmbrs(
    username: Annotated[
        str | None,
        o.env_option(
            "--username", "EMAIL", "KOPPELCHECK_NMBRS_USERNAME", "cli.nmbrs.username.help"
        ),
    ] = None,
    domain: Annotated[
        str | None,
        o.env_option("--domain", "DOMAIN", "KOPPELCHECK_NMBRS_DOMAIN", "cli.nmbrs.domain.help"),
    ] = None,
    token_file: o.TokenFileOpt = None,
    option: Annotated[
        ManualOption, typer.Option("--option", help=_t("cli.nmbrs.option.help"))
    ] = ManualOption.OVERKOEPELEND,
    company: Annotated[
        str | None, typer.Option("--company", metavar="NAME", help=_t("cli.nmbrs.company.help"))
    ] = None,
    environment: Annotated[
        NmbrsEnvironment, typer.Option("--environment", help=_t("cli.nmbrs.environment.help"))
    ] = NmbrsEnvironment.PRODUCTION,
    concurrency: Annotated[
        int,
        typer.Option(
            "--concurrency",
            metavar="N",
            help=_t("cli.nmbrs.concurrency.help"),
            parser=o.bounded_int(1, 32),
        ),
    ] = 24,
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
    no_rest_readiness: Annotated[
        bool, typer.Option("--no-rest-readiness", help=_t("cli.nmbrs.no_rest_readiness.help"))
    ] = False,
    consent_plan: Annotated[
        Path | None,
        typer.Option("--consent-plan", metavar="PATH", help=_t("cli.nmbrs.consent_plan.help")),
    ] = None,
    api: Annotated[
        Api, typer.Option("--api", case_sensitive=False, help=_t("cli.nmbrs.api.help"))
    ] = Api.SOAP,
    client_id: Annotated[
        str | None,
        o.env_option(
            "--client-id", "ID", "KOPPELCHECK_NMBRS_CLIENT_ID", "cli.nmbrs.client_id.help"
        ),
    ] = None,
    client_secret_file: Annotated[
        str | None,
        typer.Option(
            "--client-secret-file", metavar="PATH", help=_t("cli.nmbrs.client_secret_file.help")
        ),
    ] = None,
    subscription_key_file: Annotated[
        str | None,
        typer.Option(
            "--subscription-key-file",
            metavar="PATH",
            help=_t("cli.nmbrs.subscription_key_file.help"),
        ),
    ] = None,
    redirect_uri: Annotated[
        str | None,
        typer.Option("--redirect-uri", metavar="URL", help=_t("cli.nmbrs.redirect_uri.help")),
    ] = None,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help=_t("cli.nmbrs.no_browser.help"))
    ] = False,
    identity_url: Annotated[
        str | None,
        typer.Option("--identity-url", metavar="URL", help=_t("cli.nmbrs.identity_url.help")),
    ] = None,
) -> None:
    """Verify an Nmbrs setup: login, company name, and every API call the manual requires."""
    common = o.CommonOptions.from_flags(locals())
    from koppelcheck.cli.nmbrs_rest import RestFlags, run_rest

    if api is Api.REST:
        rest = RestFlags(
            client_id,
            client_secret_file,
            subscription_key_file,
            redirect_uri,
            no_browser,
            identity_url,
            company,
        )
        from koppelcheck.cli.tracing import traced_run

        with traced_run(trace, common.lang):  # redacts Bearer, subscription key, tokens, code
            code = run_rest(rest, common)
        raise typer.Exit(code)
    plan_path = check_plan_path(consent_plan, no_rest_readiness, common.lang)
    from koppelcheck.cli.check_command import run_check_command
    from koppelcheck.cli.nmbrs_company import given_company
    from koppelcheck.cli.session import ask_setting, configure_logging, hidden_prompt
    from koppelcheck.credentials import SecretRequest, keyring_account, resolve_secret
    from koppelcheck.nmbrs.system import NmbrsSettings
    from koppelcheck.systems.interface import settings_from

    configure_logging(verbose)
    can_ask = interactive(no_input)
    username = username or ask_setting(
        "--username", "KOPPELCHECK_NMBRS_USERNAME", can_ask, common.lang
    )
    domain = domain or ask_setting("--domain", "KOPPELCHECK_NMBRS_DOMAIN", can_ask, common.lang)
    # The flags are the settings model's keys, as in a batch file.
    target = settings_from(
        NmbrsSettings,
        {
            "username": username,
            "domain": domain,
            "option": option,
            "company": given_company(company, common),
            "environment": environment,
            "base_url": base_url,
        },
    ).target()
    token = resolve_secret(
        SecretRequest(
            Translator(common.lang)("console.secret.nmbrs_token"),
            "KOPPELCHECK_NMBRS_TOKEN",
            keyring_account("nmbrs", target.domain, target.username),
        ),
        token_file=token_file,
        prompt=hidden_prompt if can_ask else None,
    )
    from koppelcheck.cli.tracing import traced_run

    facts: list[Any] = []
    job = nmbrs_job(
        target, token, common, concurrency, rest_readiness=not no_rest_readiness, facts=facts
    )
    with traced_run(trace, common.lang):
        code = run_check_command(job, common, can_ask=can_ask)
    if plan_path is not None:
        write_plan(plan_path, facts, target, common.lang)
    raise typer.Exit(code)


def nmbrs_job(
    target: Any,
    token: Any,
    common: o.CommonOptions,
    concurrency: int,
    *,
    rest_readiness: bool = True,
    facts: list[Any] | None = None,
) -> Any:
    """The Nmbrs check as the shared driver runs it (``facts`` receives what the run learnt).

    Before any check the company is settled (see :mod:`koppelcheck.cli.nmbrs_company`); the
    walkthrough may change the option (step 0) and the token (after a failed login).
    """
    from koppelcheck.cli.check_command import CheckJob
    from koppelcheck.cli.nmbrs_walk import NmbrsSession
    from koppelcheck.systems import get_system, verify

    system = get_system("nmbrs")
    facts = facts if facts is not None else []
    session = NmbrsSession(target, token, common)

    def run(progress: Any) -> Any:
        facts.clear()
        return verify(
            system.name,
            session.target,
            session.token,
            common.run_options(
                concurrency=concurrency,
                on_progress=progress,
                facts_out=facts,
                rest_readiness=rest_readiness,
            ),
        )

    job = CheckJob(
        system="nmbrs",
        option=target.option.value,
        label="Nmbrs",
        total=system.check_count(target, rest_readiness=rest_readiness),
        run=run,
        form_context=lambda: system.form_context(session.target, facts),
        prepare=session.prepare,
    )
    session.bind(job)
    return job


def check_plan_path(path: Path | None, no_readiness: bool, lang: str | None) -> Path | None:
    """``--consent-plan``: its folder must exist and the readiness group must run (else exit 2)."""
    from koppelcheck.errors import InputError

    if path is None:
        return None
    if no_readiness:
        t = Translator(lang)
        raise InputError(
            "--consent-plan", t("console.rest.needs_readiness"), t("console.rest.drop_no_readiness")
        )
    if path.is_dir():
        raise InputError("--consent-plan", Translator(lang)("core.input.is_folder", path=path))
    if not path.resolve().parent.is_dir():
        raise InputError(
            "--consent-plan", Translator(lang)("input.file.no_folder", path=path.parent)
        )
    return path


def write_plan(path: Path, facts: list[Any], target: Any, lang: str | None) -> None:
    """Write the consent plan from the last run's inventory (atomically; no secrets in it)."""
    from datetime import date

    from koppelcheck.cli.common import stderr_console
    from koppelcheck.nmbrs.rest.readiness import consent_plan, write_consent_plan

    inventory = facts[-1].inventory if facts else None
    write_consent_plan(path, consent_plan(inventory, target.option, lang, date.today()), lang)
    stderr_console().print(Translator(lang)("rest.plan.written", path=path), markup=False)
