"""``koppelcheck batch FILE``: verify many employers from one TOML file."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from koppelcheck.cli import options as o
from koppelcheck.cli.common import handle_errors, run_async, stderr_console
from koppelcheck.i18n import Translator

_t = Translator()


class _RunByDefault(TyperGroup):
    """``koppelcheck batch FILE`` runs a batch; ``koppelcheck batch merge …`` joins reports.

    Anything but a subcommand's name as the first argument means the (hidden) ``run``.
    """

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not args or args[0] not in self.commands:
            args = ["run", *args]
        return super().parse_args(ctx, args)


batch_app = typer.Typer(
    cls=_RunByDefault,
    help=_t("cli.batch.help"),
    no_args_is_help=False,
    rich_markup_mode=None,
)


@batch_app.command("run", hidden=True, help=_t("cli.batch.help"))
@handle_errors
def batch(
    file: Annotated[Path, typer.Argument(metavar="FILE", help=_t("cli.batch.file.help"))],
    concurrency: Annotated[
        int,
        typer.Option(
            "--concurrency",
            metavar="N",
            help=_t("cli.batch.concurrency.help"),
            parser=o.bounded_int(1, 64),
        ),
    ] = 8,  # a batch is CPU-bound: more in flight cost CPU per call (docs/performance.md)
    shard: Annotated[
        str | None, typer.Option("--shard", help=_t("cli.batch.shard.help"), metavar="K/N")
    ] = None,
    resume: Annotated[
        Path | None, typer.Option("--resume", metavar="PATH", help=_t("cli.batch.resume.help"))
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
    no_color: o.NoColorOpt = False,
    trace: o.TraceOpt = None,
) -> None:
    """Verify every employer of a batch file; exit code over all employers."""
    from koppelcheck.batch.plan import BatchPlan, load_batch_file
    from koppelcheck.batch.run import BatchRunner, prepare, resolve_tokens
    from koppelcheck.batch.shard import (
        batch_info,
        parse_shard,
        select_shard,
        take_over,
    )
    from koppelcheck.batch.store import BatchStore
    from koppelcheck.cli.exit_policy import batch_with_exit_policy, employer_with_exit_policy
    from koppelcheck.manual_order import in_manual_order
    from koppelcheck.models import decide_exit_code

    common = o.CommonOptions(
        format=format,
        output=output,
        json_path=json,
        junit_path=junit,
        html_path=html,
        no_input=no_input,
        lang=lang,
        timeout=timeout,
        strict=strict,
        exit_zero=exit_zero,
        no_color=no_color,
    ).validate()
    share = parse_shard(shard) if shard is not None else None
    whole = load_batch_file(file)
    info = batch_info(whole, share)
    plan = select_shard(whole, share)
    policy = {"strict": strict, "exit_zero": exit_zero}
    # Each employer's line goes to a temporary file as soon as it is known, not into memory;
    # the reports are written from there (docs/batch.md, "Memory and disk").
    with BatchStore(order=[e.id for e in plan.employers]) as store:

        def keep(line: Any) -> None:
            store.append(employer_with_exit_policy(line, **policy))

        skipped = take_over(resume, info, plan, keep) if resume else set()
        to_run = BatchPlan(plan.path, tuple(e for e in plan.employers if e.id not in skipped))
        employers = prepare(to_run, resolve_tokens(to_run)) if to_run.employers else []
        translator = Translator(lang)

        def stored(line: Any) -> None:
            # Its checks in the manual's order, as a single run lists them.
            keep(line.model_copy(update={"report": in_manual_order(line.report, translator.lang)}))

        with _progress(len(employers), translator, **policy) as on_employer:
            runner = BatchRunner(
                translator,
                timeout_s=timeout,
                concurrency=concurrency,
                on_employer=on_employer,
            )
            from koppelcheck.cli.tracing import traced_run

            with traced_run(trace, lang):
                header = run_async(
                    runner.run(
                        employers,
                        batch=info,
                        order=[e.id for e in plan.employers],
                        sink=stored,
                    )
                )
        summary = store.stats.summary  # resumed lines included
        header = header.model_copy(
            update={"summary": summary, "exit_code": decide_exit_code(summary)}
        )
        store.with_header(batch_with_exit_policy(header, **policy))
        _emit(store, common)
        _github(store, translator.lang)
    raise typer.Exit(store.header.exit_code)


@batch_app.command("merge", help=_t("cli.batch.merge.help"))
@handle_errors
def merge(
    reports: Annotated[
        list[str], typer.Argument(metavar="REPORTS", help=_t("cli.batch.merge.reports.help"))
    ],
    format: o.FormatOpt = o.ReportFormat.TEXT,
    output: o.OutputOpt = None,
    json: o.JsonOpt = None,
    junit: o.JunitOpt = None,
    html: o.HtmlOpt = None,
    lang: o.LangOpt = None,
    strict: o.StrictOpt = False,
    exit_zero: o.ExitZeroOpt = False,
    no_color: o.NoColorOpt = False,
) -> None:
    """Join the JSON reports of every shard of one batch file into one report."""
    from koppelcheck.batch.shard import merge_files
    from koppelcheck.batch.store import BatchStore
    from koppelcheck.cli.exit_policy import batch_with_exit_policy, employer_with_exit_policy

    common = o.CommonOptions(
        format=format,
        output=output,
        json_path=json,
        junit_path=junit,
        html_path=html,
        lang=lang,
        strict=strict,
        exit_zero=exit_zero,
        no_color=no_color,
    ).validate()
    policy = {"strict": strict, "exit_zero": exit_zero}
    # One shard's employer at a time into a temporary file (ordered by their lines there).
    with BatchStore() as store:
        header = merge_files(
            reports, lambda line: store.append(employer_with_exit_policy(line, **policy))
        )
        store.with_header(batch_with_exit_policy(header, **policy))
        _emit(store, common)
        _github(store, Translator(lang).lang)
    raise typer.Exit(store.header.exit_code)


class _progress:
    """A live bar on a terminal, one plain line per finished employer otherwise (both on stderr)."""

    def __init__(
        self, total: int, t: Translator, *, strict: bool = False, exit_zero: bool = False
    ) -> None:
        self._t = t
        self._total = total
        self._policy = {"strict": strict, "exit_zero": exit_zero}
        self._done = 0
        self._bar: Any = None

    def __enter__(self) -> Any:
        if sys.stderr.isatty():
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

            self._bar = Progress(
                "{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=stderr_console(),
                transient=True,
            )
            self._task = self._bar.add_task(self._t("console.batch.employers"), total=self._total)
            self._bar.__enter__()
        return self._advance

    def _advance(self, line: Any) -> None:
        from koppelcheck.cli.exit_policy import employer_with_exit_policy

        self._done += 1
        if self._bar is not None:
            self._bar.advance(self._task)
        else:
            code = employer_with_exit_policy(line, **self._policy).exit_code
            said = self._t("console.batch.progress", id=line.id, code=code)
            sys.stderr.write(f"[{self._done}/{self._total}] {said}\n")
            sys.stderr.flush()

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)


def _emit(report: Any, common: o.CommonOptions) -> None:
    """Every format the options ask for, each streamed from ``report`` (a BatchStore or a
    BatchReport) into its file one employer at a time."""
    from koppelcheck.cli.output import emit, text_style
    from koppelcheck.i18n import resolve_language
    from koppelcheck.report.batch_html import write_batch_html
    from koppelcheck.report.batch_text import render_batch_text
    from koppelcheck.report.json import write_batch_json
    from koppelcheck.report.junit import write_batch_junit
    from koppelcheck.report.markdown import write_batch_markdown

    lang = resolve_language(common.lang)
    writers: dict[str, Any] = {
        "json": lambda write: write_batch_json(report, write),
        "junit": lambda write: write_batch_junit(report, write, lang=lang),
        "markdown": lambda write: write_batch_markdown(report, write, lang=lang),
        "html": lambda write: write_batch_html(report, write, lang=lang),
    }

    def render(fmt: str, for_terminal: bool) -> Any:
        if fmt == "text":
            return render_batch_text(
                report, lang=lang, **text_style(common, for_terminal=for_terminal)
            )
        return writers[fmt]

    emit(render, common)


def _github(report: Any, lang: str) -> None:
    """On GitHub Actions: error annotations (stderr, at most 10) and the step summary."""
    if os.environ.get("GITHUB_ACTIONS") != "true":
        return
    from koppelcheck.report.github import batch_annotations, step_summary_markdown

    for line in batch_annotations(report, limit=10):
        sys.stderr.write(line + "\n")
    summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_path:
        with open(summary_path, "a", encoding="utf-8") as handle:
            handle.write(step_summary_markdown(report, lang) + "\n")
