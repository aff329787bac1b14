"""The parts of ``koppelcheck nmbrs`` that may change during a run: the company (settled before
the first check), the manual option (chosen at step 0 of the walkthrough) and the token
(entered again after a failed login)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import typer

from koppelcheck.cli.fields import flag_for
from koppelcheck.cli.options import CommonOptions
from koppelcheck.i18n import Translator

MAX_TOKEN_TRIES = 3


class NmbrsSession:
    """The current target and token of one ``koppelcheck nmbrs`` run."""

    def __init__(self, target: Any, token: Any, common: CommonOptions) -> None:
        self.target = target
        self.token = token
        self._common = common
        self._can_ask = False
        self._job: Any = None

    def bind(self, job: Any) -> None:
        """Give ``job`` this session's inputs and walkthrough hooks, and keep them current."""
        from koppelcheck.cli.walkthrough import WalkHooks
        from koppelcheck.nmbrs.checks import AUTH_CHECK

        self._job = job
        job.walk_hooks = WalkHooks(
            auth_check=AUTH_CHECK, retoken=self.retoken, choose_option=self.choose_option
        )
        self._refresh()

    def _refresh(self) -> None:
        job, target = self._job, self.target
        if job is None:
            return
        section: dict[str, Any] = {
            "username": target.username,
            "domain": target.domain,
            "api_token": self.token,
        }
        if target.company is not None:
            section["company"] = target.company
        job.form_inputs = {"nmbrs": section}
        job.bundle_tokens = {
            "username": target.username,
            "domain": target.domain,
            "token": self.token,
        }
        job.option = target.option.value

    def prepare(self, can_ask: bool) -> None:
        """Settle the company before any check runs."""
        from koppelcheck.cli.nmbrs_company import settle_company

        self._can_ask = can_ask
        self.target = settle_company(self.target, self.token, self._common, can_ask=can_ask)
        self._refresh()

    def retoken(self) -> None:
        """Ask for the API token again (hidden); a wrong paste is asked again, up to 3 times."""
        from koppelcheck.cli.session import hidden_prompt
        from koppelcheck.credentials import clean_pasted
        from koppelcheck.errors import InputError
        from koppelcheck.secret import Secret

        t = Translator(self._common.lang)
        for _ in range(MAX_TOKEN_TRIES):
            try:
                raw = clean_pasted(
                    hidden_prompt(t("walk.token.nmbrs")), t("console.secret.nmbrs_token")
                )
            except InputError as exc:
                typer.echo(f"{flag_for(exc.field)}: {exc.said(t)[0]}", err=True)
                continue
            self.token = Secret(raw, source="prompt")
            break
        self.prepare(self._can_ask)  # a company the old token could not list is settled now

    def choose_option(self) -> tuple[Any, str]:
        """Step 0: option 1 (one account for all debtors) or 2 (an account per debtor)."""
        from koppelcheck.nmbrs.calls import ManualOption
        from koppelcheck.steps import steps_for

        t = Translator(self._common.lang)
        options = [ManualOption.OVERKOEPELEND, ManualOption.PER_DEBITEUR]
        current = options.index(self.target.option) + 1
        for number, option in enumerate(options, start=1):
            typer.echo(f"  {number}. {t(f'walk.option.{option.value}')}", err=True)
        from koppelcheck.cli.nmbrs_company import ask_number

        picked = ask_number(t("walk.option.pick"), len(options), default=current)
        self.target = replace(self.target, option=options[int(picked) - 1])
        self._refresh()
        label = t(f"walk.option.{self.target.option.value}")
        return steps_for("nmbrs", self.target.option.value), t("walk.option.chosen", option=label)
