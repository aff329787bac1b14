"""``koppelcheck nmbrs --api rest``: the opt-in REST probe with a bureau's own Nmbrs app."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

from koppelcheck.cli.options import CommonOptions
from koppelcheck.errors import InputError
from koppelcheck.i18n import Text, Translator

CLIENT_SECRET_ENV = "KOPPELCHECK_NMBRS_CLIENT_SECRET"
SUBSCRIPTION_KEY_ENV = "KOPPELCHECK_NMBRS_SUBSCRIPTION_KEY"


@dataclass(frozen=True)
class RestFlags:
    """The REST probe's own flags, as given."""

    client_id: str | None
    client_secret_file: str | None
    subscription_key_file: str | None
    redirect_uri: str | None
    no_browser: bool
    identity_url: str | None
    company: str | None


def _check_redirect(uri: str | None) -> str | None:
    """A loopback ``http://`` address with a port: the listener must be on this machine."""
    from urllib.parse import urlsplit

    from koppelcheck.http import is_loopback_host

    if uri is None:
        return None
    try:
        parts = urlsplit(uri.strip())
        port = parts.port
    except ValueError:
        port, parts = None, None
    if parts is None or parts.scheme != "http" or not is_loopback_host(parts.hostname or ""):
        raise InputError(
            "--redirect-uri",
            Text("input.rest.redirect_loopback", uri=repr(uri)),
            Text("input.rest.redirect_example"),
        )
    if not port:
        raise InputError(
            "--redirect-uri", Text("input.rest.redirect_port"), Text("input.rest.redirect_example")
        )
    return uri.strip()


def rest_settings(flags: RestFlags, common: CommonOptions, can_ask: bool) -> Any:
    """Validate the flags and find the two secrets (file/stdin, env, keyring, prompt)."""
    from koppelcheck.cli.session import ask_setting, hidden_prompt
    from koppelcheck.credentials import SecretRequest, keyring_account, resolve_secret
    from koppelcheck.http import validate_base_url
    from koppelcheck.nmbrs.rest import mapping
    from koppelcheck.nmbrs.rest.probe import RestSettings

    t = Translator(common.lang)
    for flag, value in (
        ("--bundle", common.bundle),
        ("--form", common.form),
    ):
        if value is not None:
            raise InputError(flag, t("console.rest.not_with_rest"), t("console.rest.soap_run"))
    if flags.client_secret_file == "-" and flags.subscription_key_file == "-":
        raise InputError("--subscription-key-file", t("console.rest.stdin_read"))
    identity = validate_base_url(flags.identity_url or mapping.IDENTITY_URL, "--identity-url")
    redirect = _check_redirect(flags.redirect_uri)
    client_id = flags.client_id or ask_setting(
        "--client-id", "KOPPELCHECK_NMBRS_CLIENT_ID", can_ask, common.lang
    )
    prompt = hidden_prompt if can_ask else None
    secret = resolve_secret(
        SecretRequest(
            t("console.secret.nmbrs_client_secret"),
            CLIENT_SECRET_ENV,
            keyring_account("nmbrs-rest", client_id, "client-secret"),
            file_field="client_secret_file",
        ),
        token_file=flags.client_secret_file,
        prompt=prompt,
    )
    key = resolve_secret(
        SecretRequest(
            t("console.secret.nmbrs_subscription_key"),
            SUBSCRIPTION_KEY_ENV,
            keyring_account("nmbrs-rest", client_id, "subscription-key"),
            file_field="subscription_key_file",
        ),
        token_file=flags.subscription_key_file,
        prompt=prompt,
    )
    return RestSettings(
        client_id=client_id.strip(),
        client_secret=secret,
        subscription_key=key,
        base_url=common.base_url or mapping.API_BASE_URL,
        identity_url=identity,
        redirect_uri=redirect,
        company=flags.company,
    )


def run_rest(flags: RestFlags, common: CommonOptions) -> int:
    """Run the REST probe (on a terminal after walking through the REST steps); exit code."""
    from koppelcheck.cli.common import interactive, run_async, stderr_console
    from koppelcheck.cli.exit_policy import with_exit_policy
    from koppelcheck.cli.output import emit_report
    from koppelcheck.nmbrs.rest.probe import verify_rest

    can_ask = interactive(common.no_input)
    settings = rest_settings(flags, common, can_ask)
    t = Translator(common.lang)
    console = stderr_console()

    def show_url(url: str) -> None:
        console.print(t("rest.probe.open"), markup=False)
        sys.stderr.write(url + "\n")  # on a line of its own, for copying or for a script
        sys.stderr.flush()
        if not flags.no_browser:
            import webbrowser

            webbrowser.open(url)

    def probe() -> Any:
        report, consent = run_async(
            verify_rest(
                settings,
                translator=t,
                show_url=show_url,
                timeout_s=common.timeout,
                ca_bundle=str(common.ca_bundle) if common.ca_bundle else None,
            )
        )
        if consent.tokens is not None:
            if consent.revoked:
                console.print(
                    t("rest.probe.revoked", kinds=", ".join(consent.revoked)), markup=False
                )
            else:
                console.print(t("rest.probe.not_revoked"), markup=False)
        return report

    report = _walk(probe, common, console) if can_ask else probe()
    report = with_exit_policy(report, strict=common.strict, exit_zero=common.exit_zero)
    emit_report(report, common)
    return int(report.exit_code)


def _walk(probe: Any, common: CommonOptions, console: Any) -> Any:
    """The REST steps on a terminal; the probe runs at the first step it verifies."""
    from koppelcheck.cli.walkthrough import Walkthrough
    from koppelcheck.nmbrs.rest.steps import REST_STEPS
    from koppelcheck.reporting import build_report

    outcome = Walkthrough(REST_STEPS, probe, Translator(common.lang), console).run()
    last = outcome.report or probe()
    return build_report(
        system=last.system,
        option=last.option,
        target=last.target,
        started_at=last.started_at,
        results=outcome.results() or last.checks,
    )
