"""``koppelcheck <name>`` and ``koppelcheck simulate <name>`` for a registered payroll system that
has no hand-written command: built from the system itself when it is asked for.

One option per key of the system's settings model (``tenant_id`` is ``--tenant-id``, also read
from ``KOPPELCHECK_<NAME>_TENANT_ID``; its help is ``cli.<name>.<key>.help`` and its metavar
``cli.<name>.<key>.metavar`` from the system's own catalogue), the token as every command reads it
(``--token-file``/stdin, ``KOPPELCHECK_<NAME>_TOKEN``, the keyring account
:meth:`~koppelcheck.systems.interface.System.token_account` names, a hidden prompt), a
``--client-secret-file`` when the model has a ``client_id``, and the options every check command
shares. The values are checked by the settings model alone (:func:`settings_from`): a bad one
exits 2 naming its flag, before anything is sent. Then the shared driver
(:func:`koppelcheck.cli.check_command.run_check_command`) runs the checks, the walkthrough, the
report, the form and the bundle as for ``nmbrs`` and ``afas``.
"""

from __future__ import annotations

import inspect
import os
from typing import TYPE_CHECKING, Annotated, Any, get_args, get_origin

import typer
from pydantic import BaseModel
from typer import _click

from koppelcheck.cli import click_text
from koppelcheck.cli import options as o
from koppelcheck.cli.common import handle_errors, interactive
from koppelcheck.cli.fields import flag_of_key, use_command_flags
from koppelcheck.i18n import Text, Translator, catalogue

if TYPE_CHECKING:  # what the command runs is imported when it runs (--help stays light)
    from koppelcheck.credentials import SecretRequest
    from koppelcheck.models import Report
    from koppelcheck.runner import ProgressCallback
    from koppelcheck.secret import Secret
    from koppelcheck.systems import System
    from koppelcheck.systems.interface import Facts

SETTING_PREFIX = "setting_"
"""The Python name of a setting's parameter (``setting_tenant``): a key may be any word, even
one of the common options' names."""

COMMON_KEYS = frozenset({"base_url"})
"""Settings keys given by a common option (``--base-url``) rather than one of their own."""


def env_name(system: str, what: str) -> str:
    """``KOPPELCHECK_<SYSTEM>_<WHAT>``: where a generated command reads a setting or a secret."""
    return "_".join(("KOPPELCHECK", system, what)).upper().replace("-", "_")


def _is_list(annotation: object) -> bool:
    """``list[...]`` or ``tuple[...]``, optional or not (``list[str] | None``): a repeated flag."""
    origins = {get_origin(annotation), *(get_origin(arg) for arg in get_args(annotation))}
    return bool(origins & {list, tuple})


def _is_bool(annotation: object) -> bool:
    return annotation is bool


def _setting_parameters(
    name: str, model: type[BaseModel], t: Translator
) -> list[inspect.Parameter]:
    """One keyword parameter (a typer option) per settings key, in the model's order."""
    messages = catalogue(t.lang)
    parameters = []
    for key, info in model.model_fields.items():
        if key in COMMON_KEYS:
            continue
        flag = flag_of_key(key)
        metavar_key = f"cli.{name}.{key}.metavar"
        metavar = messages[metavar_key] if metavar_key in messages else key.upper()
        help_text = t(f"cli.{name}.{key}.help")
        kind: Any
        if _is_bool(info.annotation):
            kind, option = bool, typer.Option(flag, help=help_text)
            default: object = False
        else:
            kind = list[str] | None if _is_list(info.annotation) else str | None
            option = typer.Option(
                flag,
                metavar=metavar,
                envvar=env_name(name, key),
                show_envvar=True,
                help=help_text,
            )
            default = None
        parameters.append(
            inspect.Parameter(
                SETTING_PREFIX + key,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=Annotated[kind, option],
                default=default,
            )
        )
    return parameters


def _common_parameters(model: type[BaseModel], has_client: bool) -> list[inspect.Parameter]:
    """The options every check command shares (``--base-url`` when the model has it)."""
    common: list[tuple[str, Any, object]] = [
        ("token_file", o.TokenFileOpt, None),
    ]
    if has_client:
        t = click_text.translator()
        secret_option = typer.Option(
            "--client-secret-file", metavar="PATH", help=t("cli.system.client_secret_file.help")
        )
        common.append(("client_secret_file", Annotated[str | None, secret_option], None))
    common += [
        ("format", o.FormatOpt, o.ReportFormat.TEXT),
        ("output", o.OutputOpt, None),
        ("json", o.JsonOpt, None),
        ("junit", o.JunitOpt, None),
        ("html", o.HtmlOpt, None),
        ("no_input", o.NoInputOpt, False),
        ("lang", o.LangOpt, None),
        ("timeout", o.TimeoutOpt, 30.0),
        ("strict", o.StrictOpt, False),
        ("exit_zero", o.ExitZeroOpt, False),
    ]
    if "base_url" in model.model_fields:
        common.append(("base_url", o.BaseUrlOpt, None))
    common += [
        ("bundle", o.BundleOpt, None),
        ("form", o.FormOpt, None),
        ("field", o.FieldOpt, None),
        ("recipient_key", o.RecipientKeyOpt, None),
        ("no_color", o.NoColorOpt, False),
        ("ca_bundle", o.CaBundleOpt, None),
        ("verbose", o.VerboseOpt, False),
        ("trace", o.TraceOpt, None),
    ]
    return [
        inspect.Parameter(key, inspect.Parameter.KEYWORD_ONLY, annotation=kind, default=default)
        for key, kind, default in common
    ]


def _as_click(name: str, help_text: str, function: Any) -> _click.Command:
    """``function`` (with its ``__signature__``) as a Typer-built click command, its help in the
    interface language (the shared options were built in ``KOPPELCHECK_LANG``'s)."""
    app = typer.Typer(add_completion=False, rich_markup_mode=None)
    app.command(name, help=help_text)(function)
    command = typer.main.get_command(app)
    if click_text.language() != click_text.HELP_LANGUAGE:
        click_text.retranslate_help(command, click_text.language())
    return command


def system_command(name: str) -> _click.Command:
    """``koppelcheck <name>``: check a setup of the registered system ``name``."""
    from koppelcheck.systems import get_system

    system = get_system(name)
    model = system.settings_model
    t = click_text.translator()
    has_client = "client_id" in model.model_fields

    def command(**values: Any) -> None:
        _check(name, values)

    command.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [*_setting_parameters(name, model, t), *_common_parameters(model, has_client)]
    )
    command.__doc__ = f"koppelcheck {name}"
    return _as_click(name, t(f"cli.{name}.help"), handle_errors(command))


def _settings(
    name: str, model: type[BaseModel], values: dict[str, Any], can_ask: bool, lang: str | None
) -> dict[str, object]:
    """The settings the flags give, checked by the system's settings model (InputError naming the
    key, which the running command names by its flag); a missing required one is asked for on
    a terminal, else MissingSettingError (exit 3) naming the flag and the variable."""
    from koppelcheck.cli.session import ask_setting
    from koppelcheck.systems.interface import settings_from

    flags = use_command_flags(model.model_fields)
    given: dict[str, object] = {}
    for key, info in model.model_fields.items():
        value = values.get("base_url") if key in COMMON_KEYS else values[SETTING_PREFIX + key]
        if value is None or value is False or value == []:
            if not info.is_required():
                continue
            value = ask_setting(flags[key], env_name(name, key), can_ask, lang)
        given[key] = value
    checked = settings_from(model, given).model_dump()
    return {key: checked[key] for key in given}  # as a batch row gives them: normalised


def _secret(request: SecretRequest, path: str | None, can_ask: bool) -> Secret:
    from koppelcheck.cli.session import hidden_prompt
    from koppelcheck.credentials import resolve_secret

    return resolve_secret(request, token_file=path, prompt=hidden_prompt if can_ask else None)


def _check(name: str, values: dict[str, Any]) -> None:
    """The body of a generated check command."""
    from koppelcheck.cli.check_command import CheckJob, run_check_command
    from koppelcheck.cli.session import configure_logging
    from koppelcheck.cli.tracing import traced_run
    from koppelcheck.credentials import SecretRequest
    from koppelcheck.errors import InputError
    from koppelcheck.systems import get_system, verify

    common = o.CommonOptions.from_flags(values)
    system = get_system(name)
    configure_logging(bool(values["verbose"]))
    can_ask = interactive(bool(values["no_input"]))
    t = Translator(common.lang)
    settings = _settings(name, system.settings_model, values, can_ask, common.lang)
    display = t(f"system.{name}")
    token_file: str | None = values["token_file"]
    token_env = env_name(name, "token")
    token: Secret | None = None
    if token_file or os.environ.get(token_env) or not system.token_optional(settings):
        token = _secret(
            SecretRequest(
                t("console.secret.system_token", system=display),
                token_env,
                system.token_account(settings),
                xml=system.token_is_xml,
            ),
            token_file,
            can_ask,
        )
    secret_file: str | None = values.get("client_secret_file")
    account = system.client_secret_account(settings)
    client_secret: Secret | None = None
    if account is None and secret_file:
        raise InputError(
            "client_secret_file",
            Text("input.system.client_secret_unused"),
            Text("input.system.client_secret_hint", flag=flag_of_key("client_id")),
        )
    if account is not None:
        if secret_file == "-" and token_file == "-":
            raise InputError("client_secret_file", t("console.stdin_once"))
        client_secret = _secret(
            SecretRequest(
                t("console.secret.system_client_secret", system=display),
                env_name(name, "client_secret"),
                account,
                file_field="client_secret_file",
            ),
            secret_file,
            can_ask,
        )
    target = system.prepare(settings, token, client_secret)
    facts: list[Facts] = []

    async def run(progress: ProgressCallback | None) -> Report:
        facts.clear()
        return await verify(
            name,
            target,
            token,
            common.run_options(on_progress=progress, facts_out=facts),
        )

    job = CheckJob(
        system=name,
        option=None,
        label=display,
        total=system.check_count(target),
        run=run,
        form_context=lambda: system.form_context(target, facts),
        form_inputs=_form_inputs(system, settings, token, client_secret),
        bundle_tokens=_bundle_tokens(system, settings, token, client_secret),
        steps=system.steps(),
    )
    with traced_run(values["trace"], common.lang):
        code = run_check_command(job, common, can_ask=can_ask)
    raise typer.Exit(code)


def _form_inputs(
    system: System, settings: dict[str, object], token: Secret | None, client_secret: Secret | None
) -> dict[str, object]:
    """The system's form fields that come from the check's own inputs (``in_file=False``): the
    settings and secrets named like them (``loonpakket.tenant`` is the ``tenant`` setting)."""
    given = {**settings, "token": token, "client_secret": client_secret}
    section = {
        field.name: given[field.name]
        for field in system.form_fields
        if not field.in_file and given.get(field.name) is not None
    }
    return {system.name: section} if section else {}


def _bundle_tokens(
    system: System, settings: dict[str, object], token: Secret | None, client_secret: Secret | None
) -> dict[str, object]:
    """What the bundle's token section of this system takes from the run's inputs: the
    settings and secrets named like the fields of its :meth:`token_model`."""
    given = {**settings, "token": token, "client_secret": client_secret}
    fields = system.token_model().model_fields
    return {key: value for key, value in given.items() if key in fields and value is not None}


def simulate_command(name: str) -> _click.Command:
    """``koppelcheck simulate <name>``: serve the simulator of the registered system ``name``."""
    from koppelcheck.cli.simulate import (
        LatencyOpt,
        PortOpt,
        ReplayOpt,
        ScenarioFileOpt,
        serve,
    )
    from koppelcheck.systems import get_system

    spec = get_system(name).simulator()
    t = click_text.translator()

    def complete(incomplete: str) -> list[str]:
        return [scenario for scenario in spec.scenarios if scenario.startswith(incomplete)]

    scenario_option = typer.Option(
        "--scenario",
        metavar="NAME",
        autocompletion=complete,
        help=t("cli.simulate.scenario.help"),
    )

    def command(**values: Any) -> None:
        serve(
            name,
            values["port"],
            values["scenario"],
            values["scenario_file"],
            values["latency_ms"],
            "",
            values["replay"],
        )

    command.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(key, inspect.Parameter.KEYWORD_ONLY, annotation=kind, default=value)
            for key, kind, value in (
                ("port", PortOpt, 0),
                ("scenario", Annotated[str, scenario_option], spec.scenarios[0]),
                ("scenario_file", ScenarioFileOpt, None),
                ("latency_ms", LatencyOpt, None),
                ("replay", ReplayOpt, None),
            )
        ]
    )
    return _as_click(name, t(f"cli.simulate.{name}.help"), handle_errors(command))
