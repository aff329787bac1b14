"""What every command shares: the stderr console, error-to-exit-code mapping, usage errors."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Coroutine
from typing import Any, NoReturn, TypeVar

import typer

from koppelcheck.cli.fields import clear_command_flags, flag_for, with_flags
from koppelcheck.errors import InputError, KoppelcheckError, MissingSettingError
from koppelcheck.exitcodes import ExitCode

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


def stderr_console() -> Any:
    """A rich Console on stderr that honours NO_COLOR and ``--no-color`` (via NO_COLOR)."""
    from rich.console import Console

    return Console(stderr=True, highlight=False, no_color=bool(os.environ.get("NO_COLOR")))


def stdout_console() -> Any:
    """A rich Console on stdout, for text reports."""
    from rich.console import Console

    return Console(highlight=False, no_color=bool(os.environ.get("NO_COLOR")), soft_wrap=False)


def interactive(no_input: bool) -> bool:
    """Whether we may prompt.

    ``--no-input`` always wins. ``KOPPELCHECK_INTERACTIVE=1`` is an explicit opt-in (scripted
    walkthroughs) and wins over the heuristics: ``CI`` set means no prompts, otherwise prompt
    only when stdin is a terminal.
    """
    if no_input:
        return False
    if os.environ.get("KOPPELCHECK_INTERACTIVE") == "1":
        return True
    if os.environ.get("CI"):
        return False
    return sys.stdin.isatty()


def usage_error(field: str, message: str, hint: str = "") -> NoReturn:
    """Say what is wrong with an input and exit 2."""
    raise InputError(field, message, hint)


def _say_error(label: str, text: str) -> None:
    from rich.markup import escape

    from koppelcheck.secret import inert, redact_known

    # An exception's text may quote anything, a token included (a library echoing a header), or
    # a file's lone surrogate that no terminal encoding can write.
    label, text = redact_known(inert(label)), redact_known(inert(text))
    stderr_console().print(f"[bold red]{escape(label)}[/]: {escape(text)}")


def handle_errors(func: F) -> F:
    """Turn koppelcheck's exceptions into a clear message and the contract's exit code.

    No traceback ever reaches a user: an unexpected exception prints its type and message and
    exits 4 (could not determine). Ctrl-C exits 130.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from koppelcheck.i18n import LANGUAGES, Translator
        from koppelcheck.secret import forget_known

        forget_known()  # what an earlier command in this process held is no concern of this one
        clear_command_flags()  # nor the flags it named its settings by
        lang = kwargs.get("lang")
        # Errors speak the command's --lang; a command without one follows KOPPELCHECK_LANG.
        t = Translator(lang if isinstance(lang, str) and lang.lower() in LANGUAGES else None)
        try:
            return func(*args, **kwargs)
        except typer.Exit:
            raise
        except typer.Abort:
            stderr_console().print(f"[yellow]{t('console.interrupted')}[/]")
            raise typer.Exit(ExitCode.INTERRUPTED) from None
        except InputError as exc:
            message, hint = exc.said(t)
            _say_error(flag_for(exc.named(t)), message + (f" — {hint}" if hint else ""))
            raise typer.Exit(ExitCode.USAGE) from None
        except MissingSettingError as exc:
            named, *given = with_flags(exc.texts)  # "token_file PATH" -> "--token-file PATH"
            setting, ways = MissingSettingError(named, given).said(t)
            _say_error(setting, "; ".join(ways))
            raise typer.Exit(ExitCode.CANNOT_RUN) from None
        except KeyboardInterrupt:
            stderr_console().print(f"[yellow]{t('console.interrupted')}[/]")
            raise typer.Exit(ExitCode.INTERRUPTED) from None
        except KoppelcheckError as exc:
            _say_error(type(exc).__name__, str(exc))
            raise typer.Exit(ExitCode.UNDETERMINED) from None
        except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback for users
            _say_error(t("console.unexpected_error"), f"{type(exc).__name__}: {exc}")
            raise typer.Exit(ExitCode.UNDETERMINED) from None

    return wrapper  # type: ignore[return-value]


OWNS_PROCESS = False
"""True when koppelcheck runs as its own process (the console script), not inside a host such
as a test runner: then a Ctrl-C after an interrupt ends the process at once."""


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to the end like :func:`asyncio.run`, with Ctrl-C handled as a CLI needs it.

    The first Ctrl-C cancels the run: every task ends and every connection is closed, then
    KeyboardInterrupt is raised (exit 130 through :func:`handle_errors`). A second Ctrl-C while
    that clean-up runs ends the process at once, with 130: asyncio's own handler would raise
    KeyboardInterrupt wherever the loop happens to be, which can leave a task that never ends
    (a hang) or tracebacks printed at exit. No file is written while a run is in progress, so
    stopping at once leaves no partial file.
    """
    import asyncio
    import signal
    import threading

    from koppelcheck.i18n import Translator

    main: list[asyncio.Task[Any]] = []
    interrupted: list[bool] = []
    said_interrupted = Translator()("console.interrupted")  # looked up now, not in the handler

    async def guarded() -> T:
        task = asyncio.current_task()
        assert task is not None
        main.append(task)
        return await coro

    with asyncio.Runner() as runner:
        loop = runner.get_loop()
        loop.set_exception_handler(_quiet_about_interrupts)

        def on_sigint(_signum: int, _frame: Any) -> None:
            if interrupted or not main or main[0].done():  # again, or nothing left to cancel
                sys.stderr.write(said_interrupted + "\n")
                sys.stderr.flush()
                os._exit(130)
            interrupted.append(True)
            loop.call_soon_threadsafe(main[0].cancel)

        ours = threading.current_thread() is threading.main_thread() and (
            signal.getsignal(signal.SIGINT) is signal.default_int_handler
        )
        previous = signal.signal(signal.SIGINT, on_sigint) if ours else None
        try:
            try:
                return runner.run(guarded())
            except asyncio.CancelledError:
                if interrupted:
                    raise KeyboardInterrupt from None
                raise
            except KeyboardInterrupt:
                interrupted.append(True)
                _finish_tasks(loop)  # raised inside a task: the others were left mid-way
                raise
        finally:
            try:
                runner.close()  # ends what is left, still under our Ctrl-C handler
            finally:
                # After an interrupt the process is on its way out with 130. Restoring Python's
                # handler would let a second Ctrl-C raise KeyboardInterrupt during interpreter
                # teardown (a weakref callback prints "Exception ignored … Traceback"), so the
                # console script keeps ours, which ends the process at once.
                keep_ours = interrupted and OWNS_PROCESS
                if previous is not None and not keep_ours:
                    signal.signal(signal.SIGINT, previous)


def _finish_tasks(loop: Any, seconds: float = 5.0) -> None:
    """Cancel every task still running and let each end (closing its connections). A task that
    ends with KeyboardInterrupt stops the loop again, so go round until none is left."""
    import asyncio
    import time

    deadline = time.monotonic() + seconds
    while (pending := [t for t in asyncio.all_tasks(loop) if not t.done()]) and (
        time.monotonic() < deadline
    ):
        for task in pending:
            task.cancel()
        try:
            loop.run_until_complete(asyncio.wait(pending, timeout=deadline - time.monotonic()))
        except KeyboardInterrupt:
            continue


def _quiet_about_interrupts(loop: Any, context: dict[str, Any]) -> None:
    """The loop's exception handler: a task that ended with KeyboardInterrupt or was cancelled
    is how an interrupt looks, not an error to print (with a traceback) when it is collected."""
    import asyncio

    if isinstance(context.get("exception"), KeyboardInterrupt | asyncio.CancelledError):
        return
    loop.default_exception_handler(context)
