"""Which Nmbrs company a run checks, settled before any check runs.

Given by ``--company``, the form's ``[nmbrs] company`` (or ``--field nmbrs.company=...``), or
chosen from a numbered list on a terminal. A form company that differs from ``--company`` is bad
input. With ``--bundle --no-input`` and several visible companies, none given, the run stops
(exit 2) naming the field and the visible names: a bundle may only name the company checked.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import typer

from koppelcheck.cli.options import CommonOptions
from koppelcheck.errors import InputError
from koppelcheck.i18n import Translator


def form_company(common: CommonOptions) -> str | None:
    """The company named by ``--field nmbrs.company=...``, else by the form file."""
    from koppelcheck.cli.registration_flow import parse_field_flags

    fields = parse_field_flags(list(common.fields), common.lang).get("nmbrs", {})
    company = fields.get("company") if isinstance(fields, dict) else None
    if company is None and common.form is not None:
        from koppelcheck.registration import load_form_file

        section = load_form_file(common.form, lang=common.lang).get("nmbrs", {})
        company = section.get("company") if isinstance(section, dict) else None
    if company is not None and not isinstance(company, str):
        raise InputError("nmbrs.company", Translator(common.lang)("form.error.invalid"))
    return company


def given_company(flag: str | None, common: CommonOptions) -> str | None:
    """``--company`` or the form's company; exit 2 naming both when they differ."""
    from_form = form_company(common)
    if flag is not None and from_form is not None and flag.strip() != from_form.strip():
        t = Translator(common.lang)
        raise InputError(
            "--company",
            t("walk.company.conflict", flag=flag, form=from_form),
            t("walk.company.conflict.hint"),
        )
    return flag if flag is not None else from_form


async def visible_companies(target: Any, token: Any, *, timeout_s: float, ca_bundle: Any) -> Any:
    """The names List_GetAll gives for this login, or None when it gives none (the checks then
    report why: a wrong token, an inactive call, an outage)."""
    from koppelcheck.http import make_async_client
    from koppelcheck.nmbrs import calls as catalogue
    from koppelcheck.nmbrs.checks import rows_of
    from koppelcheck.nmbrs.client import NmbrsClient

    client = make_async_client(timeout_s=timeout_s, per_host_limit=1, ca_bundle=ca_bundle)
    try:
        soap = NmbrsClient(
            client,
            base_url=target.base_url,
            username=target.username,
            token=token,
            domain=target.domain,
        )
        rows = rows_of(await soap.call(catalogue.LIST_GET_ALL))
        return [str(row.get("Name")) for row in rows] or None
    except Exception:  # noqa: BLE001 - the checks that follow report every failure themselves
        return None
    finally:
        await client.aclose()


def settle_company(target: Any, token: Any, common: CommonOptions, *, can_ask: bool) -> Any:
    """``target`` with its company settled when it must be: on a terminal (a numbered choice
    among several), and for a bundle (one visible company is taken; several is exit 2).

    Without a terminal and without ``--bundle`` an unnamed company stays unnamed: the checks
    look at the first one and say so.
    """
    if target.company is not None or not (can_ask or common.bundle is not None):
        return target
    from koppelcheck.cli.common import run_async

    names = run_async(
        visible_companies(
            target,
            token,
            timeout_s=common.timeout,
            ca_bundle=str(common.ca_bundle) if common.ca_bundle else None,
        )
    )
    if not names:
        return target
    if len(names) == 1:
        return replace(target, company=names[0])
    t = Translator(common.lang)
    if can_ask:
        return replace(target, company=choose(names, t))
    raise InputError(
        "nmbrs.company",
        t("walk.company.required", count=len(names), names=", ".join(f"'{n}'" for n in names)),
        t("walk.company.required.hint"),
    )


def choose(names: list[str], t: Translator) -> str:
    """A numbered choice on stderr; returns the chosen name."""
    typer.echo(t("walk.company.list", count=len(names)), err=True)
    for number, name in enumerate(names, start=1):
        typer.echo(f"  {number}. {name}", err=True)
    return names[ask_number(t("walk.company.pick"), len(names)) - 1]


def ask_number(label: str, highest: int, default: int | None = None) -> int:
    """A number from 1 to ``highest`` typed on stderr; asked again until it is one."""
    while True:
        answer = typer.prompt(
            f"{label} [1-{highest}]",
            default="" if default is None else str(default),
            show_default=default is not None,
            err=True,
        )
        text = str(answer).strip()
        if text.isdigit() and 1 <= int(text) <= highest:
            return int(text)
        typer.echo(f"1-{highest}", err=True)
