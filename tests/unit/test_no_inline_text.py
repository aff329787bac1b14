"""Every word a user reads comes from the catalogues (i18n/{nl,en}/*.toml).

The test walks the source with ``ast`` and fails on a string literal with words in it that is
handed straight to something a user reads: an echo or print, a prompt, a progress bar, a help
text, or the message, hint or ways of an InputError / MissingSettingError / BadParameter. Such
text belongs in the catalogues, looked up with a Translator or raised as a ``Text`` (a key and
its parameters) that the CLI renders in ``--lang``. Flags (``--base-url``) and placeholders
are not words: a line may show them around a translated text.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import koppelcheck
from koppelcheck.i18n import LANGUAGES, Text, Translator, catalogue

SOURCE = Path(koppelcheck.__file__).parent

SINKS = {
    "echo",
    "secho",
    "print",
    "prompt",
    "confirm",
    "ask",
    "getpass",
    "add_task",
    "usage_error",
    "InputError",
    "MissingSettingError",
    "BadParameter",
    "UsageError",
    "SecretRequest",
}
"""Calls whose string arguments a user reads (``write`` is checked on ``sys.stderr`` only)."""

FIELD_FIRST = {"InputError", "usage_error", "MissingSettingError"}
"""Their first argument names a field or flag (a key the user typed), not prose."""

ALLOWED = {
    ("cli/app.py", "koppelcheck "): "--version prints the program's name and version, no prose",
    ("simulator/nmbrs/wsdlgen.py", ".wsdl:  bytes"): (
        "a maintainer's script that regenerates the served WSDLs; not part of the CLI"
    ),
}
"""(file, literal without its placeholders) -> why it may stay inline. Keep this short."""


def _text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
        )
    return None


def _literals(node: ast.AST) -> Iterator[tuple[ast.AST, str]]:
    text = _text(node)
    if text is not None:
        yield node, text
    elif isinstance(node, ast.List | ast.Tuple):
        for element in node.elts:
            yield from _literals(element)
    elif isinstance(node, ast.BinOp):
        yield from _literals(node.left)
        yield from _literals(node.right)
    elif isinstance(node, ast.IfExp):
        yield from _literals(node.body)
        yield from _literals(node.orelse)


def _has_words(text: str) -> bool:
    text = re.sub(r"\[/?[a-z ]*\]", "", text)  # rich markup
    text = re.sub(r"--[a-z][a-z-]*", "", text)  # flags are typed, not read
    return re.search(r"[A-Za-z]{2,}", text) is not None


def _name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Attribute):
        if func.attr == "write" and ast.unparse(func.value) == "sys.stderr":
            return "write"
        return func.attr
    return func.id if isinstance(func, ast.Name) else None


def inline_texts(root: Path = SOURCE, allowed: bool = False) -> list[tuple[str, int, str]]:
    """(file, line, literal) of every user-facing literal outside the catalogues (with
    ``allowed``, those of :data:`ALLOWED` too)."""
    found = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        for call in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(call, ast.Call):
                continue
            name = _name(call)
            arguments: list[ast.AST] = []
            if name == "SecretRequest":  # its label; then a variable, a keyring account, a flag
                arguments = call.args[:1]
            elif name in SINKS or name == "write":
                arguments = list(call.args[1:] if name in FIELD_FIRST else call.args)
                # a prompt's default is a value the user accepts as their input, not prose
                arguments += [k.value for k in call.keywords if k.arg not in ("field", "default")]
            else:
                arguments = [k.value for k in call.keywords if k.arg == "help"]
            for node, text in (lit for a in arguments for lit in _literals(a)):
                if _has_words(text) and (allowed or (relative, text) not in ALLOWED):
                    found.append((relative, getattr(node, "lineno", 0), text))
    return found


def test_no_user_facing_literal_outside_the_catalogues() -> None:
    assert inline_texts() == []


def test_the_walk_finds_an_inline_message(tmp_path: Path) -> None:
    """The walk is not vacuous: each kind of sink is caught, flags and keys are not."""
    (tmp_path / "m.py").write_text(
        "import sys, typer\n"
        "def f(t, e):\n"
        "    typer.echo('interrupted')\n"
        "    sys.stderr.write(f'{e}: stopped\\n')\n"
        "    raise InputError('--domain', f'{e!r} is not a domain', 'give acme')\n"
        "    raise MissingSettingError('--token', ['--token-file', 'environment variable X'])\n"
        "    typer.Option('--x', help='Some help')\n"
        "    typer.echo(t('cli.key'))\n"
        "    typer.echo(f'  --base-url {e}')\n"
        "    raise InputError('--domain', Text('input.nmbrs.domain', value=e))\n",
        encoding="utf-8",
    )
    lines = [line for _, line, _ in inline_texts(tmp_path)]
    assert lines == [3, 4, 5, 5, 6, 7]


def test_every_allowance_is_still_needed() -> None:
    """An allow-list entry whose literal has gone must go too."""
    found = {(relative, text) for relative, _, text in inline_texts(allowed=True)}
    assert set(ALLOWED) <= found


def _keys_in_source() -> set[str]:
    keys = set()
    for path in SOURCE.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        if not re.search(r"from koppelcheck\.i18n import .*\bText\b", source):
            continue  # rich's Text is another class
        for node in ast.walk(ast.parse(source)):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "Text"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                keys.add(node.args[0].value)
    return keys


def test_every_text_raised_in_the_core_has_its_message() -> None:
    """A ``Text("key")`` in the source names a key both catalogues carry."""
    keys = _keys_in_source()
    assert len(keys) > 50
    for lang in LANGUAGES:
        assert keys - set(catalogue(lang)) == set(), lang


def test_a_text_renders_in_the_language_asked_for() -> None:
    text = Text("input.nmbrs.domain", value="'x y'")
    assert text.render(Translator("en")) == "'x y' is not an Nmbrs domain"
    assert text.render(Translator("nl")) == "'x y' is geen Nmbrs-domein"
    assert str(text) == text.render(Translator("nl"))  # the default language


def test_the_dutch_follows_the_glossary() -> None:
    """docs/development.md's glossary: "je", never "u"; one word per concept."""
    avoided = re.compile(
        r"\b(u|uw|sleutelhanger\w*|signeersleutel\w*|configuratie\w*|checks?)\b", re.IGNORECASE
    )
    found = {}
    for key, text in catalogue("nl").items():
        words = avoided.findall(re.sub(r"\{\w+\}|--[a-z-]+|`[^`]*`|\w+\.\w+", "", text))
        if words:
            found[key] = words
    assert found == {}
