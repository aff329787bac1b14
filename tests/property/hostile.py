"""Hostile values and the checks every CLI result must pass, shared by the property modules."""

from __future__ import annotations

import os
import re
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from koppelcheck.cli.app import app

PROPERTY = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    print_blob=True,
)
"""Every property: no deadline (a CLI run takes tens of milliseconds, sometimes more), fixtures
set up once per test function and reused by every example (they are reset by hand)."""


SCALE = float(os.environ.get("KOPPELCHECK_PROPERTY_SCALE", "1"))
"""Multiplies every property's examples: the default keeps the suite under 40 s on two cores;
``KOPPELCHECK_PROPERTY_SCALE=20`` makes a thorough (nightly) run."""


def prop(max_examples: int) -> settings:
    """:data:`PROPERTY` with this many examples (times :data:`SCALE`)."""
    return settings(PROPERTY, max_examples=max(1, round(max_examples * SCALE)))


CONTRACT_EXIT_CODES = frozenset({0, 1, 2, 3, 4})

runner = CliRunner()

# --- values -------------------------------------------------------------------------------------

NASTY_STRINGS = (
    "",
    " ",
    "\t",
    "\n",
    "\r\n",
    "\ufeff",
    "\u200b",
    "\u2028",
    "\x85",
    "\x7f",
    "\x1b[31mred\x1b[0m",
    "'",
    '"',
    "''",
    '""',
    "\\",
    "%s%s%n",
    "{0}{name}{}",
    "[bold]",
    "[/]",
    "[/red]x",
    "$(echo pwned)",
    "`id`",
    "../../../etc/passwd",
    "-",
    "--",
    "--help",
    "=",
    "a=b",
    "null",
    "None",
    "NaN",
    "true",
    "0",
    "-1",
    "9" * 400,
    "x" * 5000,
    "∞",
    "Ω≈ç√∫",
    "🙂" * 3,
    "ÿ",
    "İ",
    "ß",
    "١٢٣٤٥",
    "１２３４５",
    "<token>",
    "<![CDATA[x]]>",
    "&amp;",
    "http://example.com",
    "file:///etc/passwd",
)
"""Values that broke some CLI somewhere: blanks, invisible and control characters, quotes,
format strings, rich markup, shell syntax, huge values, look-alike digits, XML."""


def _no_nul(text: str) -> bool:
    return "\x00" not in text


argv_text = st.one_of(
    st.sampled_from(NASTY_STRINGS),
    st.text(max_size=30).filter(_no_nul),
    st.text(st.characters(codec="ascii"), max_size=30).filter(_no_nul),
    st.builds(
        lambda a, b: a + b, st.sampled_from(NASTY_STRINGS), st.text(max_size=10).filter(_no_nul)
    ),
)
"""Anything a command line or an environment variable can carry (argv and environ cannot hold
NUL on POSIX, so neither do these; files and TOML escapes do, and their properties use it)."""

number_text = st.one_of(
    st.sampled_from(
        [
            "0",
            "-0",
            "-1",
            "1e3",
            "1e309",
            "-1e309",
            "nan",
            "NaN",
            "inf",
            "-inf",
            "Infinity",
            "0x10",
            "1_000",
            "1,5",
            "0.0000001",
            "99999999999999999999999999",
            "",
            " 5 ",
            "５",
            "5.5",
        ]
    ),
    st.integers(-(10**30), 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    argv_text,
)
"""What people and scripts put where a number belongs."""


# --- results ------------------------------------------------------------------------------------


def invoke(args: list[str], *, env: dict[str, str | None] | None = None, **kwargs: Any) -> Result:
    """Run ``koppelcheck`` in-process, as a user would from a shell."""
    return runner.invoke(app, args, env=env, **kwargs)


def assert_well_behaved(result: Result, *, what: object = "") -> None:
    """The outside of every run: a contract exit code, a message, never a traceback."""
    context = f"{what!r}\nexit {result.exit_code}\nstdout: {result.stdout[-2000:]}\n" + (
        f"stderr: {result.stderr[-2000:]}"
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__}: {result.exception}\n{context}"
    )
    assert result.exit_code in CONTRACT_EXIT_CODES, context
    for stream in (result.stdout, result.stderr):  # anchored: a value may echo the words
        assert not re.search(r"(?m)^Traceback \(most recent call last\):$", stream), context
    # handle_errors' last line of defence: an exception nobody anticipated (a bug in disguise).
    # It exits 4 with "onverwachte fout: <ExceptionType>: ..." (in English "unexpected error";
    # a value may merely echo the words).
    unexpected = re.search(r"(?m)^(onverwachte fout|unexpected error): \w+: ", result.stderr)
    assert not (result.exit_code == 4 and unexpected), context
    if result.exit_code != 0:
        assert (result.stderr + result.stdout).strip(), f"no message at all\n{context}"


def assert_names_one_of(result: Result, names: tuple[str, ...], *, what: object = "") -> None:
    """An exit 2 says what was wrong: the flag, field, key or line."""
    assert any(name in result.stderr for name in names), (
        f"exit 2 without naming any of {names}\n{what!r}\nstderr: {result.stderr[-2000:]}"
    )
