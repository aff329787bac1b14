"""Read and validate a batch file (contract: "Batch file (TOML)") before any call is made.

Every error names its line and key; a literal secret (``token = …``) is refused without echoing
its value. The result is a plan: one validated entry per employer, tokens not yet resolved.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from koppelcheck import tomlinput
from koppelcheck.errors import InputError
from koppelcheck.i18n import Text, os_reason
from koppelcheck.systems import REGISTERED, System, find_system

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SECRET_KEYS = frozenset({"token", "api_token", "password", "secret", "data_token", "client_secret"})
DEFAULT_KEYS = frozenset({"option", "environment", "base_url", "token_version"})
COMMON_KEYS = frozenset({"id", "system", "token_env", "token_keyring", "base_url"})
TEXT_KEYS = frozenset(
    {
        "username",
        "domain",
        "company",
        "option",
        "environment",
        "base_url",
        "connectors_zip",
        "client_id",
        "client_secret_env",
    }
)


@dataclass(frozen=True)
class EmployerPlan:
    """One employer to check, validated. ``settings`` holds the system's inputs (no secret)."""

    id: str
    system: str
    settings: tomlinput.TOMLTable
    token_env: str | None
    token_keyring: bool
    line: int


@dataclass(frozen=True)
class BatchPlan:
    """A validated batch file."""

    path: Path
    employers: tuple[EmployerPlan, ...]


@dataclass
class _Problems:
    lines: _LineIndex
    found: list[Text] = field(default_factory=list)

    def add(self, index: int | None, key: str, message: str | Text) -> None:
        line = self.lines.line_of(index, key)
        where = f"employer[{index + 1}]" if index is not None else "defaults"
        self.found.append(
            Text("input.batch.problem", line=line, where=f"{where}.{_shown(key)}", what=message)
        )


def _shown(key: str) -> str:
    """A key as printed in a problem: bare when TOML allows it bare, else in quotes (escaped),
    with every character that would break or hide the line (U+0085, U+2028, bidi) escaped."""
    if re.fullmatch(r"[A-Za-z0-9_-]+", key):
        return key
    return _UNPRINTABLE.sub(
        lambda m: f"\\u{ord(m.group()):04x}", json.dumps(key, ensure_ascii=False)
    )


_UNPRINTABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]"
)


_KEY_AT_START = re.compile(r'^(?:"((?:[^"\\]|\\.)*)"|([^\s="]+))\s*=')


class _LineIndex:
    """Finds the line of ``key`` in the n-th ``[[employer]]`` table (tomllib keeps no positions).

    Built in one pass over the file: each table's keys and their first lines are kept in a dict,
    so looking up every key of 10,000 employers is linear in the file, not quadratic.
    """

    def __init__(self, text: str) -> None:
        self._tables: list[int] = []
        self._defaults = 0
        self._keys: dict[int, dict[str, int]] = {0: {}}
        """Header line (0: before any table) -> key -> its first line in that table."""
        current: dict[str, int] | None = self._keys[0]
        for number, line in enumerate(text.split("\n"), start=1):  # TOML's line breaks only
            stripped = line.strip()
            if stripped.startswith("["):
                current = self._keys.setdefault(number, {})
                if re.match(r"^\[\[\s*\"?employer\"?\s*\]\]", stripped):
                    self._tables.append(number)
                elif re.match(r"^\[\s*\"?defaults\"?\s*\]", stripped):
                    self._defaults = number
                continue
            match = _KEY_AT_START.match(stripped)
            if match and current is not None:
                current.setdefault(match.group(1) or match.group(2) or "", number)

    def line_of(self, index: int | None, key: str) -> int:
        """The 1-based line of ``key`` in that table, or the table's header line."""
        if index is None:
            header = self._defaults
        else:
            header = self._tables[index] if index < len(self._tables) else 0
        return self._keys.get(header, {}).get(key, header)


def load_batch_file(path: Path) -> BatchPlan:
    """Read and validate ``path``; every problem found is listed in one InputError (exit 2)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(
            "FILE",
            Text("input.file.unreadable", path=path, reason=os_reason(exc)),
        ) from None
    except UnicodeDecodeError as exc:
        raise InputError("FILE", Text("input.file.not_utf8", path=path, byte=exc.start)) from None
    try:
        data = tomlinput.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError("FILE", Text("input.file.not_toml", path=path, reason=exc)) from None
    except tomlinput.TooDeep as exc:
        raise InputError(
            "FILE", Text("input.file.too_deep", path=path, reason=exc), Text("input.batch.depth")
        ) from None
    problems = _Problems(_LineIndex(text))
    unknown_top = set(data) - {"defaults", "employer"}
    for key in sorted(unknown_top):
        problems.found.append(Text("input.batch.unknown_section", name=_shown(key)))
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        problems.found.append(Text("input.batch.not_table", where="defaults"))
        defaults = {}
    for key in sorted(set(defaults) - DEFAULT_KEYS):
        problems.add(None, key, _secret_or_unknown(key, DEFAULT_KEYS))
    employers = data.get("employer", [])
    if not isinstance(employers, list) or not employers:
        problems.found.append(Text("input.batch.no_employers"))
        employers = []
    plans = [_employer(i, raw, defaults, problems) for i, raw in enumerate(employers)]
    _check_unique_ids(plans, problems)
    if problems.found:
        count = len(problems.found)
        raise InputError(
            str(path),
            Text(
                "input.batch.problems." + ("one" if count == 1 else "other"),
                count=count,
                lines=tuple(problems.found),
            ),
            Text("input.batch.problems_hint"),
        )
    return BatchPlan(path, tuple(p for p in plans if p is not None))


def _secret_or_unknown(key: str, allowed: frozenset[str]) -> Text:
    if key == "client_secret":
        return Text("input.batch.secret_in_file", kind="client_secret")
    if key in SECRET_KEYS:
        return Text("input.batch.secret_in_file", kind="token")
    return Text("input.batch.unknown_key", allowed=", ".join(sorted(allowed)))


def _employer(
    index: int, raw: object, defaults: tomlinput.TOMLTable, problems: _Problems
) -> EmployerPlan | None:
    if not isinstance(raw, dict):
        problems.found.append(Text("input.batch.not_table", where=f"employer[{index + 1}]"))
        return None
    system = find_system(raw.get("system"))
    if system is None:
        problems.add(index, "system", Text("input.batch.one_of", values=", ".join(REGISTERED)))
        return None
    allowed = COMMON_KEYS | system.batch_keys
    for key in sorted(set(raw) - allowed):
        problems.add(index, key, _secret_or_unknown(key, allowed))
    employer_id = raw.get("id")
    if not isinstance(employer_id, str) or not _ID.fullmatch(employer_id):
        problems.add(index, "id", Text("input.batch.id"))
        employer_id = f"#{index + 1}"
    for key in system.required_batch_keys:
        if key not in raw:
            problems.add(index, key, Text("input.batch.required_for", system=system.name))
    token_env, token_keyring = raw.get("token_env"), raw.get("token_keyring", False)
    if token_env is not None and (
        not isinstance(token_env, str) or not _ENV_NAME.fullmatch(token_env)
    ):
        problems.add(index, "token_env", Text("input.batch.env_name"))
    if not isinstance(token_keyring, bool):
        problems.add(index, "token_keyring", Text("input.batch.boolean"))
    if not token_env and token_keyring is not True and not system.token_optional(raw):
        problems.add(index, "token_env", Text("input.batch.token_source", kind="token"))
    settings = {k: v for k, v in defaults.items() if k in system.batch_keys | {"base_url"}}
    settings.update({k: v for k, v in raw.items() if k in allowed - COMMON_KEYS | {"base_url"}})
    _validate_settings(index, system, settings, problems)
    return EmployerPlan(
        employer_id,
        system.name,
        settings,
        token_env,
        token_keyring is True,
        problems.lines.line_of(index, "id"),
    )


def _validate_settings(
    index: int, system: System, settings: tomlinput.TOMLTable, problems: _Problems
) -> None:
    """Apply the same rules as the single-employer commands, naming the batch key."""
    wrong_type = sorted(k for k in TEXT_KEYS & set(settings) if not isinstance(settings[k], str))
    for key in wrong_type:
        problems.add(index, key, Text("input.batch.text"))
    if wrong_type:
        return
    try:
        system.validate_batch(settings)
    except InputError as exc:
        # The core names keys, not flags; the message and the fix, as a flag's error says them.
        message, hint = exc.texts
        problems.add(
            index,
            exc.field,
            Text("input.batch.with_hint", message=message, hint=hint) if hint else message,
        )
    except TypeError as exc:
        problems.add(index, "?", Text("input.batch.wrong_type", reason=exc))


def is_env_name(name: str) -> bool:
    """Whether ``name`` can be the name of an environment variable (``token_env``)."""
    return bool(_ENV_NAME.fullmatch(name))


def _check_unique_ids(plans: list[EmployerPlan | None], problems: _Problems) -> None:
    seen: dict[str, int] = {}
    for index, plan in enumerate(plans):
        if plan is None:
            continue
        if plan.id in seen:
            problems.add(
                index,
                "id",
                Text("input.batch.duplicate_id", id=repr(plan.id), first=seen[plan.id] + 1),
            )
        else:
            seen[plan.id] = index
