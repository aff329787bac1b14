"""What every command shares: the stderr console, error-to-exit-code mapping, usage errors."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import typer

from koppelcheck.errors import InputError, KoppelcheckError, MissingSettingError
from koppelcheck.exitcodes import ExitCode

F = TypeVar("F", bound=Callable[..., Any])


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

    stderr_console().print(f"[bold red]{label}[/]: {escape(text)}")


def handle_errors(func: F) -> F:
    """Turn koppelcheck's exceptions into a clear message and the contract's exit code.

    No traceback ever reaches a user: an unexpected exception prints its type and message and
    exits 4 (could not determine). Ctrl-C exits 130.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except typer.Exit:
            raise
        except typer.Abort:
            stderr_console().print("[yellow]interrupted[/]")
            raise typer.Exit(ExitCode.INTERRUPTED) from None
        except InputError as exc:
            text = exc.message + (f" — {exc.hint}" if exc.hint else "")
            _say_error(exc.field, text)
            raise typer.Exit(ExitCode.USAGE) from None
        except MissingSettingError as exc:
            _say_error(exc.setting, "; ".join(exc.ways))
            raise typer.Exit(ExitCode.CANNOT_RUN) from None
        except KeyboardInterrupt:
            stderr_console().print("[yellow]interrupted[/]")
            raise typer.Exit(ExitCode.INTERRUPTED) from None
        except KoppelcheckError as exc:
            _say_error(type(exc).__name__, str(exc))
            raise typer.Exit(ExitCode.UNDETERMINED) from None
        except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback for users
            _say_error("unexpected error", f"{type(exc).__name__}: {exc}")
            raise typer.Exit(ExitCode.UNDETERMINED) from None

    return wrapper  # type: ignore[return-value]
