"""Click's and Typer's own words are Dutch by default and English with ``--lang en``.

The English texts are taken from the installed Typer (and the Click it vendors), not from a hand
list: every Typer module is either read here or named with the reason it prints nothing a
koppelcheck user sees, so a module or a text added by an upgrade fails until it is translated
(``i18n/{nl,en}/click.toml``, see ``cli/click_text.py``) or explained below.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
import typer
import typer.main
from typer.testing import CliRunner

from koppelcheck.cli import click_text
from koppelcheck.cli.app import app
from koppelcheck.i18n import catalogue

TYPER = Path(typer.__file__).parent

READ = {
    "core.py",
    "completion.py",
    "_completion_shared.py",
    "_completion_classes.py",
    "_coercion.py",
    "_param_types.py",
    "_adapters.py",
    "_click/core.py",
    "_click/exceptions.py",
    "_click/parser.py",
    "_click/decorators.py",
    "_click/formatting.py",
    "_click/termui.py",
}
"""Typer modules whose texts a user of koppelcheck can read."""

NOT_READ = {
    "__init__.py": "re-exports only",
    "__main__.py": "runs the `typer` tool, not koppelcheck",
    "cli.py": "the `typer` command-line tool, not koppelcheck",
    "main.py": "builds commands; its texts are programming errors and parameter docs",
    "params.py": "parameter declarations and their docs",
    "models.py": "parameter models; its texts are programming errors",
    "utils.py": "annotation checks at import; programming errors",
    "testing.py": "the test runner",
    "rich_utils.py": "rich help and rich errors, off: the app sets rich_markup_mode=None",
    "colors.py": "colour names",
    "_typing.py": "type introspection",
    "_display.py": "get_error_msg, replaced by click_text.validation_message",
    "exceptions.py": "exception base classes; no text",
    "_click/__init__.py": "re-exports only",
    "_click/_compat.py": "stream set-up; programming errors",
    "_click/_termui_impl.py": "pager, editor and progress bar internals; programming errors",
    "_click/_textwrap.py": "text wrapping",
    "_click/_winconsole.py": "the Windows console",
    "_click/globals.py": "the context stack; a programming error",
    "_click/shell_completion.py": "completion protocol; no prose",
    "_click/utils.py": "echo, files, app dirs; programming errors",
}
"""Typer modules not read, each with why (nothing a koppelcheck user reads)."""

NOT_SHOWN = {
    "Context | None": "a type annotation",
    "_TyperParameter | None": "a type annotation",
    "Callable[..., Any]": "a type annotation",
    "(DEPRECATED: {})": "no koppelcheck command or option is deprecated (checked below)",
    "DeprecationWarning: The command {} is deprecated.{}": "idem",
    "Missing parameter: {}": "str() of the exception, never printed by Click",
    "(Possible options: {})": "printed only after 'No such option: …', translated as one line",
    "Invalid start character for option ({})": "a programming error in an option's name",
    "unknown action '{}'": "a programming error",
    "Cannot have two nargs < 0": "a programming error",
    "Expected two columns for definition list": "a programming error",
    "Unknown color {}": "a programming error",
    "At least one help option should be provided": "a programming error",
    "Command has no name.": "a programming error",
    "Name '{}' defined twice": "a programming error",
    "Boolean option {} cannot use the same flag for true/false.": "a programming error",
    "Expected one list item type, got: {}": "a programming error",
    "Typer currently doesn't support Union types": "a programming error",
    "List types with complex sub-types are not currently supported": "a programming error",
    "Tuple types with complex sub-types are not currently supported": "a programming error",
    " (env var: '{}')": "part of a programming error about a missing required env var",
    "{} range": "a range type's label; koppelcheck's ranges are parsers (cli/options.py)",
    "env var: {}": "an argument's env var; no koppelcheck argument has one (checked below)",
    "In Typer, only the parameter 'autocompletion' is supported. The support for "
    "'shell_complete' is deprecated and will be removed in upcoming versions. ": "a warning "
    "for programmers",
    "%(label)s  [%(bar)s]  %(info)s": "a progress bar layout; koppelcheck uses rich's",
    'echo "${BASH_VERSION}"': "a shell command",
    "_arguments '*: :(({}))'": "a zsh completion script",
    "fpath+=~/.zfunc; autoload -Uz compinit; compinit": "a zsh completion script",
    "zstyle ':completion:*' menu select": "a zsh completion script",
    "source '{}'": "a line written to the shell's rc file",
    "Choose from:\n\t{}": "translated whole in 'Missing …. Choose from: …'",
    "{}. Did you mean {}?": "translated as click.did_you_mean",
}
"""Texts of the modules read that no koppelcheck user reads (or that are read as part of a
longer text), each with why. Texts with a ``{}`` are written with their placeholders emptied."""

_FUNCTION_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)


def _skeleton(node: ast.AST) -> str | None:
    """A string literal, or an f-string with each placeholder written as ``{}``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)  # type: ignore[misc]
    return None


def _is_gettext(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_"


def _texts_of(source: str) -> Iterator[str]:
    """The prose of one module: ``_()`` arguments, and literals with words and a space (or a
    metavar/usage prefix) that are not docstrings, statements or parts of an f-string."""
    tree = ast.parse(source)
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, _FUNCTION_TYPES) and node.body and isinstance(node.body[0], ast.Expr):
            skip.add(id(node.body[0].value))
        if isinstance(node, ast.Expr):
            skip.add(id(node.value))  # a docstring or a bare string: never shown
        if isinstance(node, ast.JoinedStr):
            skip.update(id(value) for value in node.values)
    for node in ast.walk(tree):
        if _is_gettext(node):
            text = _skeleton(node.args[0])  # type: ignore[attr-defined]
            if text is not None:
                yield text
            continue
        if id(node) in skip:
            continue
        text = _skeleton(node)
        if text is None:
            continue
        prose = " " in text.strip() and re.search(r"[A-Za-z]{2,}", text)
        if prose or text in {"Usage: ", "[OPTIONS]"}:  # a usage prefix and metavar default
            yield text


@cache
def typer_texts() -> dict[str, set[str]]:
    """Each English text (placeholders as ``{}``) of the Typer modules read -> where it is."""
    found: dict[str, set[str]] = {}
    for name in sorted(READ):
        for text in _texts_of((TYPER / name).read_text(encoding="utf-8")):
            found.setdefault(text, set()).add(name)
    return found


def _blank(text: str) -> str:
    return re.sub(r"\{\w*(![rsa])?\}", "{}", text).strip("\n")


SCRIPT = "%(prog_name)s"
"""Texts with this are the shell completion scripts Typer writes: code, not prose."""


def _shown() -> dict[str, set[str]]:
    return {
        text: where
        for text, where in typer_texts().items()
        if text not in NOT_SHOWN and SCRIPT not in text
    }


def test_every_typer_module_is_read_or_explained() -> None:
    modules = {str(path.relative_to(TYPER)) for path in TYPER.rglob("*.py")}
    unknown = sorted(modules - READ - set(NOT_READ))
    assert not unknown, f"new Typer modules, read them or say why not: {unknown}"
    gone = sorted((READ | set(NOT_READ)) - modules)
    assert not gone, f"Typer modules that no longer exist: {gone}"


def test_the_texts_are_found() -> None:
    """The reader finds what it must (it would pass vacuously if it found nothing)."""
    texts = typer_texts()
    for text in (
        "Usage: ",
        "Show this message and exit.",
        "Invalid value for {}: {}",
        "Missing command.",
        "default: {default}",
        "No such option: {}",
    ):
        assert text in texts, text


def test_every_typer_text_is_in_the_catalogue() -> None:
    """Each text (or a longer text containing it, in order) is an English catalogue entry."""
    english = [_blank(text) for text in click_text.msgids()]
    missing = []
    for text in _shown():
        blank = _blank(text)
        pieces = [re.escape(piece) for piece in blank.split("{}")]
        inside = re.compile(".*".join(pieces), re.DOTALL)
        if blank not in english and not any(inside.search(entry) for entry in english):
            missing.append(f"{text!r} ({', '.join(sorted(typer_texts()[text]))})")
    assert not missing, "Typer texts not in i18n/en/click.toml (nor in NOT_SHOWN):\n" + "\n".join(
        missing
    )


def test_nothing_is_explained_that_typer_no_longer_writes() -> None:
    stale = sorted(text for text in NOT_SHOWN if text not in typer_texts())
    assert not stale, stale


def test_the_translation_is_installed_where_typer_looks() -> None:
    """An upgrade that renames what click_text replaces must fail here, not print English."""
    for module, name in click_text.PATCHED_ECHO:
        assert getattr(module, name) is click_text._echo, (module.__name__, name)
    for module in click_text.NOT_PATCHED_ECHO:  # the help page is not re-read line by line
        assert module.echo is click_text._ORIGINAL_ECHO, module.__name__
    for module in click_text.PATCHED_GETTEXT:
        assert module._ is click_text.gettext  # type: ignore[attr-defined]
    for module in click_text.PATCHED_ERROR_MESSAGE:
        assert module.get_error_msg is click_text.validation_message  # type: ignore[attr-defined]
    assert typer.core._TyperParameter.display_type is click_text._display_type
    gettext_users = {
        name for name in READ if "from gettext import" in (TYPER / name).read_text("utf-8")
    }
    patched = {
        module.__name__.removeprefix("typer.").replace(".", "/") + ".py"
        for module in click_text.PATCHED_GETTEXT
    }
    assert gettext_users == patched


# --- the rendered app ---------------------------------------------------------------------------


def _commands() -> list[tuple[tuple[str, ...], object]]:
    found: list[tuple[tuple[str, ...], object]] = []

    def walk(command: object, path: tuple[str, ...]) -> None:
        found.append((path, command))
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, (*path, name))

    walk(typer.main.get_command(app), ())
    return found


COMMANDS = _commands()


@cache
def english_fragments() -> tuple[str, ...]:
    """The literal parts of every Typer text a user may read (from the installed sources)."""
    words = {text for text, key in click_text.msgids().items() if key.startswith("click.word.")}
    dutch = [text for key, text in catalogue("nl").items() if key.startswith("click.")]
    pieces: set[str] = {"Value error", "Input should"}
    for text in _shown():
        for piece in _blank(text).split("{}"):
            piece = piece.strip(" .\n\t")
            if len(piece) < 4 or not re.search(r"[A-Za-z]{2,}", piece) or piece in words:
                continue
            if not any(piece in text for text in dutch):  # "Argument" is Dutch too
                pieces.add(piece)
    return tuple(sorted(pieces))


def _english_in(output: str) -> list[str]:
    return [piece for piece in english_fragments() if piece in output]


def _run(args: list[str], env: dict[str, str] | None = None) -> str:
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200", **(env or {})})
    return result.output + (result.stderr if result.stderr_bytes is not None else "")


def test_the_app_is_as_this_test_assumes() -> None:
    """rich help off (its panels are not read); no deprecated command; no argument env var."""
    for path, command in COMMANDS:
        assert getattr(command, "rich_markup_mode", None) is None, path
        assert not getattr(command, "deprecated", False), path
        for param in command.params:  # type: ignore[attr-defined]
            assert not getattr(param, "deprecated", False), (path, param.name)
            if param.param_type_name == "argument":
                assert not param.envvar, (path, param.name)


@pytest.mark.parametrize("path", [path for path, _ in COMMANDS], ids=" ".join)
def test_help_is_dutch_by_default(path: tuple[str, ...]) -> None:
    shown = _run([*path, "--help"])
    assert "Gebruik: koppelcheck" in shown, shown
    assert "Toon deze hulp en stop." in shown, shown
    assert not _english_in(shown), (_english_in(shown), shown)


@pytest.mark.parametrize("path", [path for path, _ in COMMANDS], ids=" ".join)
def test_help_is_english_with_lang_en(path: tuple[str, ...]) -> None:
    command = dict(COMMANDS)[path]
    takes_lang = any(p.name == "lang" for p in command.params)  # type: ignore[attr-defined]
    if takes_lang:
        shown = _run([*path, "--lang", "en", "--help"])
    else:
        shown = _run([*path, "--help"], env={"KOPPELCHECK_LANG": "en"})
    assert "Usage: koppelcheck" in shown and "Show this message and exit." in shown, shown
    assert "Gebruik" not in shown and "Toon deze hulp" not in shown, shown


USAGE_ERRORS = {
    "bad choice": ["nmbrs", "--format", "xx"],
    "bad number": ["nmbrs", "--timeout", "abc"],
    "bad whole number": ["nmbrs", "--concurrency", "abc"],
    "bad argument choice": ["credentials", "set", "xx"],
    "missing option value": ["nmbrs", "--format"],
    "unknown option": ["nmbrs", "--bogus"],
    "extra argument": ["nmbrs", "extra"],
    "missing argument": ["credentials", "set"],
    "missing command": ["keys", "--"],
    "unknown command": ["frobnicate"],
}
"""Usage errors Click and Typer word themselves (exit 2)."""

NO_LANG = {"missing command", "bad argument choice", "missing argument"}
"""Errors of a command without ``--lang`` (a group, ``credentials set``): English comes from
KOPPELCHECK_LANG there."""


def _with_lang_en(name: str, args: list[str]) -> tuple[list[str], dict[str, str]]:
    if name in NO_LANG:
        return args, {"KOPPELCHECK_LANG": "en"}
    return [args[0], "--lang", "en", *args[1:]], {}


@pytest.mark.parametrize("args", USAGE_ERRORS.values(), ids=USAGE_ERRORS.keys())
def test_usage_errors_are_dutch_by_default(args: list[str]) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "Fout: " in result.stderr, result.stderr
    assert not _english_in(result.output), (_english_in(result.output), result.output)


@pytest.mark.parametrize("name", USAGE_ERRORS)
def test_usage_errors_are_english_with_lang_en(name: str) -> None:
    args, env = _with_lang_en(name, USAGE_ERRORS[name])
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 2, result.output
    assert "Error: " in result.stderr and "Fout" not in result.stderr, result.stderr
    assert "Value error" not in result.stderr and "Input should" not in result.stderr


def test_a_bad_choice_names_the_field_and_the_fix() -> None:
    nl = CliRunner().invoke(app, ["nmbrs", "--format", "xx"]).stderr
    assert "Fout: Ongeldige waarde voor '--format': 'xx' kan hier niet; kies uit 'text'," in nl
    en = CliRunner().invoke(app, ["nmbrs", "--lang", "en", "--format", "xx"]).stderr
    assert "Invalid value for '--format': 'xx' is not a choice here; use one of 'text'," in en


def test_the_usage_line_and_hint_are_dutch() -> None:
    shown = CliRunner().invoke(app, ["nmbrs", "--bogus"]).stderr
    assert shown.splitlines()[:2] == [
        "Gebruik: koppelcheck nmbrs [OPTIES]",
        "Zie 'koppelcheck nmbrs --help' voor hulp.",
    ]
    assert "Fout: Onbekende optie: --bogus (bedoel je: --verbose)" in shown


def test_lang_env_sets_click_language() -> None:
    result = CliRunner().invoke(app, ["nmbrs", "--bogus"], env={"KOPPELCHECK_LANG": "en"})
    assert "Error: No such option: --bogus" in result.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["nmbrs", "--lang", "en"], "en"),
        (["nmbrs", "--lang=EN"], "en"),
        (["nmbrs", "--lang", "nl", "--lang", "en"], "en"),
        (["nmbrs", "--lang", "fr"], None),
        (["nmbrs", "--", "--lang", "en"], None),
        (["nmbrs", "--lang"], None),
    ],
)
def test_language_from_args(args: list[str], expected: str | None) -> None:
    assert click_text.language_from_args(args) == expected


def test_an_unknown_text_is_left_alone() -> None:
    assert click_text.translate_line("Fout bij het lezen") == "Fout bij het lezen"
    assert click_text.gettext("no such msgid") == "no such msgid"


def test_catalogue_words_cover_the_placeholder_words() -> None:
    """``Missing {param_type}`` and ``{path_type} … does not exist`` use the words Typer uses."""
    words = {key.removeprefix("click.word.") for key in catalogue("en") if "click.word." in key}
    assert {"option", "argument", "parameter", "file", "dir", "path"} <= words


def test_an_argument_type_is_dutch() -> None:
    assert "FILE <pad>" in _run(["bundle", "verify", "--help"])
    assert "FILE <path>" in _run(["bundle", "verify", "--lang", "en", "--help"])


def test_a_missing_file_is_named_in_the_interface_language(tmp_path: Path) -> None:
    """The OS's own reason ("No such file or directory") is English: ours is not."""
    missing = str(tmp_path / "none.toml")
    nl = CliRunner().invoke(app, ["batch", "run", missing])
    said = " ".join(nl.stderr.split())
    assert nl.exit_code == 2 and "bestaat niet" in said, said
    assert "No such file" not in said
    en = CliRunner().invoke(app, ["batch", "run", missing, "--lang", "en"])
    assert "does not exist" in " ".join(en.stderr.split()), en.stderr


def test_no_arguments_shows_the_dutch_help() -> None:
    result = CliRunner().invoke(app, [])
    shown = result.output + result.stderr
    assert "Gebruik: koppelcheck [OPTIES] COMMANDO [ARGUMENTEN]..." in shown, shown
    assert not _english_in(shown), _english_in(shown)


def test_the_os_locale_plays_no_part() -> None:
    """stdlib gettext would follow LANGUAGE/LC_ALL; koppelcheck follows --lang and
    KOPPELCHECK_LANG only."""
    english_os = {"LANGUAGE": "en", "LC_ALL": "C.UTF-8", "LANG": "en_US.UTF-8"}
    result = CliRunner().invoke(app, ["nmbrs", "--bogus"], env=english_os)
    assert "Fout: Onbekende optie: --bogus" in result.stderr, result.stderr


def test_typers_own_gettext_texts_are_translated() -> None:
    click_text.set_language("nl")
    try:
        assert click_text.gettext("Aborted!") == "Afgebroken."
        assert click_text.gettext("default: {default}").format(default="8") == "standaard: 8"
        assert click_text.gettext("No such command {name!r}.").format(name="x") == (
            "Onbekend commando 'x'."
        )
    finally:
        click_text.set_language(None)
