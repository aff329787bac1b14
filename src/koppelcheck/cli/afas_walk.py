"""The parts of ``koppelcheck afas`` that may change during a walkthrough: the expected
GetConnectors (asked at step 1 when none were given) and the token (entered again after a 401)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import typer

from koppelcheck.cli.fields import flag_for
from koppelcheck.cli.options import CommonOptions
from koppelcheck.i18n import Translator

MAX_TRIES = 3
IMPORT_STEP = "1"


class AfasSession:
    """The current settings of one ``koppelcheck afas`` run."""

    def __init__(self, settings: Any, common: CommonOptions) -> None:
        self.settings = settings
        self._common = common
        self._job: Any = None

    def bind(self, job: Any) -> None:
        """Give ``job`` this session's inputs and walkthrough hooks, and keep them current."""
        from koppelcheck.afas.checks import AUTH_CHECK
        from koppelcheck.cli.walkthrough import WalkHooks

        self._job = job
        # With OAuth only, afas.auth carries the Bearer token: there is no token to ask again.
        retoken = self.retoken if self.settings.token is not None else None
        job.walk_hooks = WalkHooks(
            auth_check=AUTH_CHECK, retoken=retoken, before_step=self.before_step
        )
        self._refresh()

    def _refresh(self) -> None:
        environment, token = self.settings.environment, self.settings.token
        client = self.settings.client
        form: dict[str, Any] = {"participant_number": environment.number}
        tokens: dict[str, Any] = {"environment_id": environment.number}
        if token is not None:
            form |= {"token_version": str(token.version), "data_token": token.data}
            tokens |= {"token_version": str(token.version), "token": token.data}
        if client is not None:
            # The client id is verified by afas.oauth; the secret is sealed like a token.
            form |= {"client_id": client.client_id, "client_secret": client.secret}
            tokens |= {"client_id": client.client_id, "client_secret": client.secret}
        self._job.form_inputs = {"afas": form}
        self._job.bundle_tokens = tokens
        from koppelcheck.systems import get_system

        self._job.total = get_system("afas").check_count(self.settings)

    def before_step(self, step: Any) -> None:
        """At step 1 (import a.s.r.'s connectors), ask for the ZIP or the ids when none were
        given: without them nothing is compared, and no bundle can be written."""
        if step.number != IMPORT_STEP or self.settings.connectors:
            return
        from koppelcheck.afas.connectors_zip import expected_connectors
        from koppelcheck.errors import InputError

        t = Translator(self._common.lang)
        for _ in range(MAX_TRIES):
            answer = str(
                typer.prompt(t("walk.connectors.ask"), default="", show_default=False, err=True)
            ).strip()
            if not answer:
                typer.echo(t("walk.connectors.none"), err=True)
                return
            path = Path(answer).expanduser()
            try:
                if path.suffix.lower() == ".zip" or path.is_file():
                    ids = expected_connectors((), path)
                else:
                    ids = expected_connectors([i for i in re.split(r"[,\s]+", answer) if i])
            except InputError as exc:
                typer.echo(f"{flag_for(exc.field)}: {exc.said(t)[0]}", err=True)
                continue
            if ids:
                self.settings = replace(self.settings, connectors=ids)
                self._refresh()
                typer.echo(t("walk.connectors.taken", ids=", ".join(ids)), err=True)
                return

    def retoken(self) -> None:
        """Ask for the token again (hidden): data part, XML, base64 or ``AfasToken <base64>``."""
        from koppelcheck.afas.token import parse_token
        from koppelcheck.cli.session import hidden_prompt
        from koppelcheck.credentials import clean_pasted
        from koppelcheck.errors import InputError

        t = Translator(self._common.lang)
        for _ in range(MAX_TRIES):
            try:
                raw = clean_pasted(
                    hidden_prompt(t("walk.token.afas")), t("console.secret.afas_token"), xml=True
                )
                token = parse_token(raw, field=t("console.secret.afas_token"))
            except InputError as exc:
                typer.echo(f"{flag_for(exc.field)}: {exc.said(t)[0]}", err=True)
                continue
            self.settings = replace(self.settings, token=token)
            self._refresh()
            return
