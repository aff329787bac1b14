"""When koppelcheck may prompt: ``--no-input`` > ``KOPPELCHECK_INTERACTIVE=1`` > ``CI`` > a tty."""

from __future__ import annotations

import io

import pytest

from koppelcheck.cli.common import interactive


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("no_input", "env", "tty", "expected"),
    [
        (False, {}, True, True),
        (False, {}, False, False),
        (False, {"CI": "true"}, True, False),
        (False, {"CI": "true", "KOPPELCHECK_INTERACTIVE": "1"}, False, True),
        (False, {"KOPPELCHECK_INTERACTIVE": "1"}, False, True),
        (False, {"KOPPELCHECK_INTERACTIVE": "0"}, False, False),
        (True, {"KOPPELCHECK_INTERACTIVE": "1"}, True, False),
    ],
)
def test_precedence(monkeypatch, no_input, env, tty, expected) -> None:
    monkeypatch.delenv("KOPPELCHECK_INTERACTIVE", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("sys.stdin", _Terminal() if tty else io.StringIO())
    assert interactive(no_input) is expected
