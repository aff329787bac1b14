"""Imports in the core (everything but ``cli/``) sit at module top, where a reader and mypy see
them; a function-level import needs a reason, written down in ``LAZY`` below. ``--help`` stays
light because the modules it loads import nothing heavy, which the second test holds."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import koppelcheck

CORE = Path(koppelcheck.__file__).parent

LAZY: dict[tuple[str, str], str] = {
    # (path under src/koppelcheck, function name or "*" for the whole file): why it stays lazy.
    ("retry.py", "_worth_retrying"): "httpx: explain.py imports retry on the CLI's start-up path",
    # A system's adapter is asked by light commands too (checklist, credentials, the form): what
    # runs the system, signs its bundle or simulates it loads when that method is called.
    # Measured: `koppelcheck checklist nmbrs` takes 0.30 s of CPU this way, 0.60 s with zeep eager.
    ("nmbrs/system.py", "verify"): "the SOAP client: zeep and requests (0.3 s)",
    ("nmbrs/system.py", "simulator"): "the simulator: its WSDLs and server",
    ("afas/system.py", "simulator"): "the simulator",
    ("nmbrs/client.py", "_zeep"): "zeep and requests (0.1 s), only for what compiled.py lacks",
    ("nmbrs/compiled.py", "_datetime"): "isodate, only for a date-time form Nmbrs does not send",
    ("afas/oauth.py", "_oauth_client_class"): "authlib (0.15 s), only when a token is fetched",
    ("afas/oauth.py", "_fetch"): "authlib (0.15 s), only when a token is fetched",
}


def function_level_imports() -> dict[tuple[str, str], list[str]]:
    """(path, function) -> the imports inside it, for every core module."""
    found: dict[tuple[str, str], list[str]] = {}
    for path in sorted(CORE.rglob("*.py")):
        relative = path.relative_to(CORE).as_posix()
        if relative.startswith("cli/"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for inner in node.body:
                for sub in ast.walk(inner):
                    if isinstance(sub, ast.Import | ast.ImportFrom):
                        where = f"{relative}:{sub.lineno}"
                        found.setdefault((relative, node.name), []).append(where)
    return found


def allowed(key: tuple[str, str]) -> bool:
    return key in LAZY or (key[0], "*") in LAZY


def test_the_core_imports_at_module_top() -> None:
    unexplained = sorted(
        where
        for key, places in function_level_imports().items()
        if not allowed(key)
        for where in places
    )
    assert not unexplained, (
        "move these imports to module top, or add them to LAZY with the reason they must wait: "
        + ", ".join(unexplained)
    )


def test_every_lazy_entry_is_still_needed() -> None:
    found = function_level_imports()
    stale = [
        key
        for key in LAZY
        if not (key in found if key[1] != "*" else any(k[0] == key[0] for k in found))
    ]
    assert not stale, f"remove these LAZY entries, nothing imports there any more: {stale}"


def test_the_modules_help_loads_import_no_third_party_library() -> None:
    """``koppelcheck --help`` loads these core modules (and ``cli.*``): none may pull in httpx,
    zeep, pydantic, lxml, keyring or any other installed package."""
    code = (
        "import sys, koppelcheck, koppelcheck.errors, koppelcheck.exitcodes, koppelcheck.files,"
        " koppelcheck.i18n, koppelcheck.choices, koppelcheck.nmbrs.calls;"
        "print(sorted({m.split('.')[0] for m in sys.modules}"
        " - set(sys.stdlib_module_names) - {'__main__', 'koppelcheck', '_distutils_hack'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_bundle_package_exports_what_it_loads() -> None:
    import koppelcheck.bundle as bundle

    assert sorted(bundle.__all__) == sorted(bundle._EXPORTS)
    for name in bundle.__all__:
        assert getattr(bundle, name) is not None
