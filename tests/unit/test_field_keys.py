"""Errors below ``cli/`` carry a field key; only the CLI names a flag (``koppelcheck.cli.fields``).

A flag literal (``"--trace"``) in the core would reach a batch report or a library caller as a
flag they never typed; the walk below fails on any string constant in the core that is a flag.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import koppelcheck
from koppelcheck.cli.fields import FLAGS, flag_for, with_flags
from koppelcheck.i18n import Text

CORE = Path(koppelcheck.__file__).parent
FLAG = re.compile(r"^--[a-z][a-z0-9-]*(/--[a-z][a-z0-9-]*)*$")
ALLOWED = {
    # The docs generator's own argparse flag (python -m koppelcheck.checklist --write-docs DIR):
    # a developer tool's option, not an error's field.
    ("checklist/docs.py", "--write-docs"),
}


def _flag_literals() -> list[tuple[str, int, str]]:
    found = []
    for path in sorted(CORE.rglob("*.py")):
        relative = path.relative_to(CORE).as_posix()
        if relative.startswith("cli/"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found += [
            (relative, node.lineno, node.value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and FLAG.match(node.value)
            and (relative, node.value) not in ALLOWED
        ]
    return found


def test_no_flag_literal_in_the_core() -> None:
    assert _flag_literals() == []


def test_the_walk_finds_a_flag_literal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The walk itself works: a planted ``InputError("--trace", ...)`` is found."""
    (tmp_path / "planted.py").write_text('raise InputError("--trace", "x")\n', encoding="utf-8")
    (tmp_path / "cli").mkdir()
    (tmp_path / "cli" / "ok.py").write_text('FLAG = "--trace"\n', encoding="utf-8")
    monkeypatch.setattr(f"{__name__}.CORE", tmp_path)
    assert _flag_literals() == [("planted.py", 1, "--trace")]


def test_every_mapped_flag_is_a_flag_and_keys_are_not() -> None:
    for key, flag in FLAGS.items():
        assert not key.startswith("-")
        assert all(part.startswith("--") for part in flag.split("/")), (key, flag)
    assert flag_for("trace") == "--trace"
    assert flag_for("nmbrs.company") == "nmbrs.company"  # a form key is shown as it is


def test_a_missing_secret_names_the_flag_of_its_file_key() -> None:
    texts = with_flags(["Token", Text("input.way.file", flag="token_file"), "other"])
    assert texts[1] == Text("input.way.file", flag="--token-file")
    assert texts[0] == "Token" and texts[2] == "other"


def test_a_generated_command_names_its_keys_by_their_flags() -> None:
    """A registered system's settings key needs no entry in FLAGS: the running command's own
    flags (``--tenant-id`` for ``tenant_id``) name it, until the next command starts."""
    from koppelcheck.cli.common import handle_errors
    from koppelcheck.cli.fields import flag_of_key, use_command_flags

    assert flag_of_key("tenant_id") == "--tenant-id"
    assert flag_for("tenant_id") == "tenant_id"
    flags = use_command_flags(["tenant_id", "connectors"])
    assert flags == {"tenant_id": "--tenant-id", "connectors": "--connectors"}
    assert flag_for("tenant_id") == "--tenant-id"
    assert flag_for("connectors") == "--connectors"  # its own flag before the AFAS one
    assert flag_for("domain") == "--domain"  # the hand-written table still answers

    @handle_errors
    def next_command() -> str:
        return flag_for("tenant_id")

    assert next_command() == "tenant_id"
