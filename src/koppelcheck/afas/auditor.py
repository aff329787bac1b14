"""Read the report of AFAS's AppConnector Auditor (Markdown or HTML) into ``afas.auditor.*`` checks.

The Auditor (Profit 5 and later) copies a Markdown report to the clipboard (2025-01 docs) or saves
it as HTML or PDF (2025-11 docs). Its layout is documented only by its sections and message titles
(``shared/reference/migration-rest-oauth.md`` §4.4, kept in :mod:`koppelcheck.afas.facts`), so the
reader is lenient about layout and strict about content: it looks for the documented section
``App Connector "Name"`` and the documented message titles, and refuses (exit 2) a file that has
neither. Both forms become the same lines: HTML headings turn into Markdown ``#`` headings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from koppelcheck.afas import facts
from koppelcheck.errors import InputError
from koppelcheck.i18n import Text, os_reason

AUDITOR_FIELD = "auditor"
_MAX_BYTES = 20 * 1024 * 1024
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*$")
_APP = re.compile(r'App Connector\s+["“](?P<name>[^"”]+)["”]', re.IGNORECASE)
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?(?P<text>.*)$")


@dataclass(frozen=True)
class AuditorFinding:
    """One documented message found in the report: its title and koppelcheck's key for it."""

    key: str
    title: str
    kind: str
    """``expected`` (the a.s.r. manual causes it), ``token`` (a warning) or ``other`` (info)."""
    manual_step: str = ""


@dataclass(frozen=True)
class PrivacyFields:
    """The privacy-sensitive fields the report lists for one GetConnector."""

    connector: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class AuditorReport:
    """What koppelcheck read from an Auditor export (no secrets: the report holds none)."""

    app_connectors: tuple[str, ...]
    findings: tuple[AuditorFinding, ...]
    privacy: tuple[PrivacyFields, ...]
    form: str
    """``markdown`` or ``html``."""


def read_auditor(path: str | Path) -> AuditorReport:
    """Read and parse an Auditor export; InputError (exit 2) naming what was expected."""
    raw = _read_bytes(Path(path))
    if raw.lstrip().startswith(b"%PDF"):
        raise InputError(
            AUDITOR_FIELD,
            Text("input.auditor.pdf", path=path),
            Text("input.auditor.pdf_hint"),
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(
            AUDITOR_FIELD, Text("input.auditor.not_utf8", path=path), Text("input.auditor.save_as")
        ) from None
    is_html = bool(re.search(r"<(html|body|h[1-6]|ul|table|p)\b", text[:5000], re.IGNORECASE))
    lines = _html_lines(text) if is_html else text.splitlines()
    report = parse_auditor_lines(lines, "html" if is_html else "markdown")
    if not report.app_connectors and not report.findings:
        raise InputError(
            AUDITOR_FIELD,
            Text("input.auditor.not_report", path=path),
            Text("input.auditor.expected"),
        )
    return report


def _read_bytes(path: Path) -> bytes:
    try:
        if path.stat().st_size > _MAX_BYTES:
            raise InputError(AUDITOR_FIELD, Text("input.file.too_large", path=path, mb=20))
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(AUDITOR_FIELD, Text("input.file.not_found", path=path)) from None
    except IsADirectoryError:
        raise InputError(AUDITOR_FIELD, Text("input.file.is_folder", path=path)) from None
    except OSError as exc:
        raise InputError(
            AUDITOR_FIELD,
            Text("input.file.unreadable", path=path, reason=os_reason(exc)),
        ) from None


def parse_auditor_lines(lines: list[str], form: str = "markdown") -> AuditorReport:
    """The documented sections, messages and per-GetConnector privacy fields in ``lines``."""
    apps: list[str] = []
    findings: dict[str, AuditorFinding] = {}
    privacy: list[PrivacyFields] = []
    heading = ""
    collecting: list[str] | None = None
    base_indent = -1  # the privacy entry's indent when it is itself a list item
    for line in [*lines, ""]:
        text = line.strip()
        indent = len(line) - len(line.lstrip())
        match = _HEADING.match(text)
        item = _LIST_ITEM.match(line)
        field_item = item is not None and indent > base_indent and not _is_entry(text)
        ends = match or (text and not field_item) or (not text and collecting)
        if collecting is not None and ends:
            if collecting:
                privacy.append(PrivacyFields(_connector_name(heading), tuple(collecting)))
            collecting = None
        if match and not _is_entry(match.group(2)):
            heading = match.group(2).strip()
        app = _APP.search(text)
        if app and app.group("name").strip() not in apps:
            apps.append(app.group("name").strip())
        for finding in _findings_in(text):
            findings.setdefault(finding.key, finding)
        if collecting is not None and item is not None:
            collecting.extend(_field_names(item.group("text")))
            continue
        if facts.AUDITOR_PRIVACY_FIELDS in text.lower():
            _, _, after = text.partition(":")
            named = _field_names(after) if after.strip() else []
            if named:
                privacy.append(PrivacyFields(_connector_name(heading), tuple(named)))
            else:
                collecting = []
                base_indent = indent if item is not None else -1
    return AuditorReport(tuple(apps), tuple(findings.values()), tuple(privacy), form)


def _is_entry(heading: str) -> bool:
    """Whether a heading is one of a GetConnector's documented entries, not its name."""
    lowered = heading.lower()
    return any(entry in lowered for entry in facts.AUDITOR_GETCONNECTOR_ENTRIES)


def _findings_in(text: str) -> list[AuditorFinding]:
    lowered = text.lower()
    found = [
        AuditorFinding(key, title, "expected", step)
        for title, (key, step) in facts.AUDITOR_EXPECTED.items()
        if title.lower() in lowered
    ]
    found += [
        AuditorFinding(key, title, "token")
        for title, key in facts.AUDITOR_TOKEN_MESSAGES.items()
        if title.lower() in lowered
    ]
    found += [
        AuditorFinding(key, title, "other")
        for title, key in facts.AUDITOR_OTHER_MESSAGES.items()
        if title.lower() in lowered
    ]
    return found


def _field_names(text: str) -> list[str]:
    names = [part.strip(" .;`*_\"'") for part in re.split(r"[,;]", text)]
    return [name for name in names if name and len(name) <= 100]


def _connector_name(heading: str) -> str:
    """A GetConnector's name from its section heading (``GetConnector "X"``, ``X``)."""
    quoted = re.search(r'["“]([^"”]+)["”]', heading)
    name = quoted.group(1) if quoted else re.sub(r"(?i)^getconnector\s*:?\s*", "", heading)
    return name.strip()[:100] or "?"


class _TextLines(HTMLParser):
    """HTML as lines: headings as ``#`` lines, list items as ``- `` lines, blocks as lines."""

    _BLOCKS = frozenset({"p", "div", "li", "tr", "br", "section", "table", "ul", "ol", "dt", "dd"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self._parts: list[str] = []
        self._prefix = ""
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif re.fullmatch(r"h[1-6]", tag):
            self._flush()
            self._prefix = "#" * int(tag[1]) + " "
        elif tag in self._BLOCKS:
            self._flush()
            self._prefix = "- " if tag == "li" else ""

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif re.fullmatch(r"h[1-6]", tag) or tag in self._BLOCKS:
            self._flush()
            if tag in ("ul", "ol", "table"):
                self.lines.append("")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._parts.append(data)

    def _flush(self) -> None:
        text = " ".join("".join(self._parts).split())
        if text:
            self.lines.append(self._prefix + text)
        self._parts, self._prefix = [], ""

    def close(self) -> None:
        super().close()
        self._flush()


def _html_lines(text: str) -> list[str]:
    parser = _TextLines()
    parser.feed(text)
    parser.close()
    return parser.lines
