"""``koppelcheck nmbrs``: verify an Nmbrs setup (walking through the manual on a terminal)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from koppelcheck.cli import options as o
from koppelcheck.cli.common import handle_errors, interactive
from koppelcheck.i18n import Translator

_t = Translator()


@handle_errors
def nmbrs(
    username: Annotated[
        str | None,
        typer.Option(
            "--username",
            envvar="KOPPELCHECK_NMBRS_USERNAME",
            help=_t("cli.nmbrs.username.help"),
            show_envvar=True,
        ),
    ] = None,
    domain: Annotated[
        str | None,
        typer.Option(
            "--domain",
            envvar="KOPPELCHECK_NMBRS_DOMAIN",
            help=_t("cli.nmbrs.domain.help"),
            show_envvar=True,
        ),
    ] = None,
    token_file: o.TokenFileOpt = None,
    option: Annotated[
        str, typer.Option("--option", help=_t("cli.nmbrs.option.help"))
    ] = "overkoepelend",
    company: Annotated[
        str | None, typer.Option("--company", help=_t("cli.nmbrs.company.help"))
    ] = None,
    environment: Annotated[
        str, typer.Option("--environment", help=_t("cli.nmbrs.environment.help"))
    ] = "production",
    concurrency: Annotated[
        int,
        typer.Option("--concurrency", help=_t("cli.nmbrs.concurrency.help"), min=1, max=32),
    ] = 24,
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
) -> None:
    """Verify an Nmbrs setup: login, company name, and every API call the manual requires."""
    common = o.CommonOptions.from_flags(locals())
    from koppelcheck.cli.check_command import run_check_command
    from koppelcheck.cli.session import ask_setting, configure_logging, hidden_prompt
    from koppelcheck.credentials import SecretRequest, keyring_account, resolve_secret
    from koppelcheck.nmbrs.target import NmbrsTarget

    configure_logging(verbose)
    can_ask = interactive(no_input)
    username = username or ask_setting("--username", "KOPPELCHECK_NMBRS_USERNAME", can_ask)
    domain = domain or ask_setting("--domain", "KOPPELCHECK_NMBRS_DOMAIN", can_ask)
    target = NmbrsTarget.create(
        username=username,
        domain=domain,
        option=option,
        company=company or _form_company(common),
        environment=environment,
        base_url=base_url,
    )
    token = resolve_secret(
        SecretRequest(
            "Nmbrs API token",
            "KOPPELCHECK_NMBRS_TOKEN",
            keyring_account("nmbrs", target.domain, target.username),
        ),
        token_file=token_file,
        prompt=hidden_prompt if can_ask else None,
    )
    raise typer.Exit(
        run_check_command(nmbrs_job(target, token, common, concurrency), common, can_ask=can_ask)
    )


def _form_company(common: o.CommonOptions) -> str | None:
    """The form's company name, so that the checks look at the company being registered."""
    if common.form is None:
        return None
    from koppelcheck.registration import load_form_file

    section = load_form_file(common.form, lang=common.lang).get("nmbrs", {})
    company = section.get("company") if isinstance(section, dict) else None
    if company is not None and not isinstance(company, str):
        from koppelcheck.errors import InputError
        from koppelcheck.i18n import Translator

        raise InputError("nmbrs.company", Translator(common.lang)("form.error.invalid"))
    return company


def nmbrs_job(target: Any, token: Any, common: o.CommonOptions, concurrency: int) -> Any:
    """The Nmbrs check as the shared driver runs it."""
    from koppelcheck.cli.check_command import CheckJob
    from koppelcheck.nmbrs.calls import calls_for
    from koppelcheck.nmbrs.checks import NmbrsFacts
    from koppelcheck.nmbrs.verify import verify_nmbrs
    from koppelcheck.registration import FormContext

    facts: list[NmbrsFacts] = []

    def run(progress: Any) -> Any:
        facts.clear()
        return verify_nmbrs(
            target,
            token,
            translator=Translator(common.lang),
            timeout_s=common.timeout,
            concurrency=concurrency,
            strict=common.strict,
            exit_zero=common.exit_zero,
            on_progress=progress,
            facts_out=facts,
            ca_bundle=str(common.ca_bundle) if common.ca_bundle else None,
        )

    def context() -> FormContext:
        known = facts[-1] if facts else NmbrsFacts()
        return FormContext(
            companies=known.companies, employees=known.employees, period=known.period
        )

    return CheckJob(
        system="nmbrs",
        option=target.option.value,
        label="Nmbrs",
        total=2 + len(calls_for(target.option)),
        run=run,
        form_context=context,
        form_inputs={
            "nmbrs": {"username": target.username, "domain": target.domain, "api_token": token}
        },
        bundle_tokens={"username": target.username, "domain": target.domain, "token": token},
    )
