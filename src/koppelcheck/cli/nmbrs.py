"""``koppelcheck nmbrs``: verify an Nmbrs setup."""

from __future__ import annotations

from typing import Annotated

import typer

from koppelcheck.cli import options as o
from koppelcheck.cli.common import handle_errors, interactive


@handle_errors
def nmbrs(
    username: Annotated[str | None, typer.Option("--username", envvar="KOPPELCHECK_NMBRS_USERNAME", help="The e-mail address the coupling's user logs in with.", show_envvar=True)] = None,
    domain: Annotated[str | None, typer.Option("--domain", envvar="KOPPELCHECK_NMBRS_DOMAIN", help="acme, acme.nmbrs.nl or https://acme.nmbrs.nl/...", show_envvar=True)] = None,
    token_file: o.TokenFileOpt = None,
    option: Annotated[str, typer.Option("--option", help="Manual option: overkoepelend or per-debiteur.")] = "overkoepelend",
    company: Annotated[str | None, typer.Option("--company", help="Company name exactly as in Nmbrs.")] = None,
    environment: Annotated[str, typer.Option("--environment", help="production or sandbox.")] = "production",
    concurrency: Annotated[int, typer.Option("--concurrency", help="Calls in flight at once.", min=1, max=32)] = 8,
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
    no_color: o.NoColorOpt = False,
    ca_bundle: o.CaBundleOpt = None,
    verbose: o.VerboseOpt = False,
) -> None:
    """Verify an Nmbrs setup: login, company name, and every API call the manual requires."""
    common = o.CommonOptions(format=format, output=output, json_path=json, junit_path=junit,
                             html_path=html, no_input=no_input, lang=lang, timeout=timeout,
                             strict=strict, exit_zero=exit_zero, base_url=base_url, bundle=bundle,
                             no_color=no_color, ca_bundle=ca_bundle, verbose=verbose).validate()
    from koppelcheck.cli.session import ask_setting, configure_logging, hidden_prompt, run_and_report
    from koppelcheck.credentials import SecretRequest, keyring_account, resolve_secret
    from koppelcheck.i18n import Translator
    from koppelcheck.nmbrs.calls import calls_for
    from koppelcheck.nmbrs.target import NmbrsTarget
    from koppelcheck.nmbrs.verify import verify_nmbrs

    configure_logging(verbose)
    t = Translator(lang)
    can_ask = interactive(no_input)
    username = username or ask_setting("--username", "KOPPELCHECK_NMBRS_USERNAME", can_ask)
    domain = domain or ask_setting("--domain", "KOPPELCHECK_NMBRS_DOMAIN", can_ask)
    target = NmbrsTarget.create(username=username, domain=domain, option=option, company=company,
                                environment=environment, base_url=base_url)
    token = resolve_secret(
        SecretRequest("Nmbrs API token", "KOPPELCHECK_NMBRS_TOKEN",
                      keyring_account("nmbrs", target.domain, target.username)),
        token_file=token_file, prompt=hidden_prompt if can_ask else None,
    )
    code = run_and_report(
        lambda progress: verify_nmbrs(
            target, token, translator=t, timeout_s=common.timeout, concurrency=concurrency,
            strict=strict, exit_zero=exit_zero, on_progress=progress,
            ca_bundle=str(ca_bundle) if ca_bundle else None,
        ),
        common, total=2 + len(calls_for(target.option)), label="Nmbrs",
    )
    raise typer.Exit(code)
