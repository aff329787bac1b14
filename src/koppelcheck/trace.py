"""``--trace FILE.har``: every HTTP exchange of a run as HAR 1.2, redacted, for support and replay.

The recorder wraps the innermost transport of every client that
:func:`koppelcheck.http.make_async_client`
builds while :func:`recording` is active, so each attempt on the wire (retries included) is one
entry. Before anything is written:

- secrets go: the ``Authorization`` header and any header, query parameter, form field or JSON key
  named like a token, secret, password or key; the SOAP auth header (``AuthHeaderWithDomain``,
  ``AuthHeader``); and, as a last line of defence, any secret this process has held
  (:mod:`koppelcheck.secret`) wherever it still appears;
- personal data in bodies (names, BSN, IBAN, dates of birth, addresses, e-mail, phone) is replaced
  by a typed placeholder (``[REDACTED:name]``; a date keeps the form of a date, ``1900-01-01``);
- ``log._redactions`` lists what was replaced, per entry and place, never a value.

The HAR opens in a browser's developer tools (Network tab, "Import HAR") and is what
``koppelcheck simulate nmbrs|afas --replay FILE.har`` serves (:mod:`koppelcheck.simulator.replay`).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TypedDict
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
from lxml import etree

from koppelcheck import __version__, http
from koppelcheck.errors import InputError
from koppelcheck.files import atomic_write, check_output_path, is_stdout
from koppelcheck.http import read_capped
from koppelcheck.i18n import Translator
from koppelcheck.jsontypes import JSON, JSONValue
from koppelcheck.secret import known_values, redact_known

REMOVED = "[REMOVED]"
_SECRET_NAME = re.compile(
    r"token|secret|password|passwd|apikey|api-key|api_key|subscription-key|assertion|"
    r"authorization|cookie|code_verifier|^code$",
    re.IGNORECASE,
)
_SOAP_AUTH_HEADERS = ("AuthHeaderWithDomain", "AuthHeader")
_NOT_SECRET_NAMES = frozenset({"tokenexpiry", "token_type"})
"""Keys that match :data:`_SECRET_NAME` but hold no secret: AFAS ``/metainfo``'s token expiry
date and an OAuth answer's ``token_type`` (Bearer); checks read them, so a replay needs them."""

# Personal data by element / key name (lower-case), for Nmbrs SOAP answers (v2.1/v3 field names,
# reference §3) and AFAS GetConnector rows (common Dutch field ids). Matched exactly.
_PERSONAL_NAMES = {
    "name": """firstname lastname initials prefix nickname displayname partnername
        partnerlastname partnerprefix name naam voornaam achternaam roepnaam voorletters
        voorvoegsel geboortenaam incaseofemergency titleafter title""",
    "bsn": "bsn sofinummer burgerservicenummer socialsecuritynumber",
    "iban": "iban rekeningnummer bankrekening bankaccount",
    "date-of-birth": "birthday dateofbirth birthdate geboortedatum deceaseddate",
    "address": """street housenumber housenumberaddition postalcode city stateprovince
        placeofbirth straat huisnummer toevoeging postcode woonplaats adres address plaats""",
    "email": "email emailprivate emailwork e-mail emailadres",
    "phone": """telephone telephoneprivate telephonework telephonemobileprivate
        telephonemobilework telephoneother incaseofemergencyphone phone phonenumber telefoon
        telefoonnummer mobiel mobielnummer""",
    "id-document": "identificationnumber documentnummer paspoortnummer",
}
_PERSONAL_FIELDS: dict[str, str] = {
    field: kind for kind, fields in _PERSONAL_NAMES.items() for field in fields.split()
}
# Elements whose "Name" is an organisation's, not a person's (Nmbrs List_GetAll and the like).
_ORGANISATION_PARENTS = {"company", "debtor"}
# Values recognised wherever they appear in a text value.
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}[A-Z]{4}\d{10}\b")
_NINE_DIGITS = re.compile(r"^\d{9}$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(T[0-9:.]+)?(Z|[+-]\d{2}:\d{2})?$")


def _is_bsn(text: str) -> bool:
    """Nine digits that pass the 11-test (the last digit weighs -1)."""
    if not _NINE_DIGITS.match(text):
        return False
    digits = [int(d) for d in text]
    total = sum(d * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - digits[8]
    return total % 11 == 0 and text != "000000000"


def placeholder(kind: str, original: str) -> str:
    """A typed stand-in: a date stays a date (1900-01-01, same form), anything else names its
    kind."""
    match = _DATE.match(original.strip())
    if kind == "date-of-birth" and match:
        return "1900-01-01" + ("T00:00:00" if match.group(4) else "") + (match.group(5) or "")
    return f"[REDACTED:{kind}]"


class _Tally:
    """What one entry's redaction replaced, by place and kind (no values)."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str]] = Counter()

    def add(self, where: str, kind: str) -> None:
        self.counts[(where, kind)] += 1


def _scrub_text(text: str, where: str, tally: _Tally) -> str:
    """Personal data recognised by its form, in any text value."""
    if _is_bsn(text.strip()):
        tally.add(where, "bsn")
        return placeholder("bsn", text)
    new, count = _EMAIL.subn(placeholder("email", ""), text)
    if count:
        tally.add(where, "email")
    new, count = _IBAN.subn(placeholder("iban", ""), new)
    if count:
        tally.add(where, "iban")
    return new


def _redact_xml(text: str, where: str, tally: _Tally) -> str | None:
    """A SOAP body with the auth header removed and personal data replaced; None when not XML."""
    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        root = etree.fromstring(text.encode("utf-8"), parser)
    except (etree.XMLSyntaxError, ValueError):
        return None
    for node in list(root.iter()):
        if not isinstance(node.tag, str):
            continue
        local = etree.QName(node).localname
        if local in _SOAP_AUTH_HEADERS:
            parent = node.getparent()
            if parent is not None:
                parent.remove(node)
                tally.add(where, f"soap-header:{local}")
            continue
        if _SECRET_NAME.search(local) and len(node) == 0 and node.text:
            node.text = REMOVED
            tally.add(where, "secret")
            continue
        if len(node) == 0 and node.text and node.text.strip():
            kind = _PERSONAL_FIELDS.get(local.lower())
            parent = node.getparent()
            if (
                kind == "name"
                and parent is not None
                and etree.QName(parent).localname.lower() in _ORGANISATION_PARENTS
            ):
                kind = None
            if kind is not None:
                node.text = placeholder(kind, node.text)
                tally.add(where, kind)
            else:
                node.text = _scrub_text(node.text, where, tally)
    body = str(etree.tostring(root, encoding="unicode"))
    if text.lstrip().startswith("<?xml"):
        return '<?xml version="1.0" encoding="utf-8"?>' + body
    return body


def _redact_json_value(value: JSON, where: str, tally: _Tally, key: str = "") -> JSON:
    if isinstance(value, dict):
        return {k: _redact_json_value(v, where, tally, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_json_value(v, where, tally, key) for v in value]
    secret_name = key and _SECRET_NAME.search(key) and key.lower() not in _NOT_SECRET_NAMES
    if secret_name and value not in (None, ""):
        tally.add(where, "secret")
        return REMOVED
    if isinstance(value, str) and value:
        kind = _PERSONAL_FIELDS.get(key.lower())
        if kind is not None:
            tally.add(where, kind)
            return placeholder(kind, value)
        return _scrub_text(value, where, tally)
    return value


def redact_body(text: str, mime: str, where: str, tally: _Tally) -> str:
    """A request or response body, redacted by its media type (and by its look)."""
    if not text:
        return text
    stripped = text.lstrip()
    if "json" in mime or stripped.startswith(("{", "[")):
        try:
            return json.dumps(
                _redact_json_value(json.loads(text), where, tally),
                ensure_ascii=False,
                separators=(",", ":"),
            )
        except ValueError:
            pass
    if "xml" in mime or stripped.startswith("<"):
        redacted = _redact_xml(text, where, tally)
        if redacted is not None:
            return redacted
    if "x-www-form-urlencoded" in mime:
        pairs = []
        for name, value in parse_qsl(text, keep_blank_values=True):
            if _SECRET_NAME.search(name):
                tally.add(where, "secret")
                value = REMOVED
            pairs.append((name, value))
        return urlencode(pairs)
    return _scrub_text(text, where, tally)


def _redact_headers(
    headers: list[tuple[str, str]], where: str, tally: _Tally
) -> list[dict[str, str]]:
    kept = []
    for name, value in headers:
        if _SECRET_NAME.search(name) or name.lower() in ("cookie", "set-cookie"):
            tally.add(where, f"header:{name.lower()}")
            continue
        kept.append({"name": name, "value": value})
    return kept


def _redact_url(url: str, tally: _Tally) -> tuple[str, list[dict[str, str]]]:
    parts = urlsplit(url)
    query = []
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if _SECRET_NAME.search(name):
            tally.add("request.url", "secret")
            value = REMOVED
        query.append((name, value))
    clean = urlunsplit(parts._replace(query=urlencode(query)))
    return clean, [{"name": n, "value": v} for n, v in query]


def _known_secrets() -> list[str]:
    """Every secret value this process holds (and its base64), longest first."""
    return [v for v in known_values() if len(v) >= 8]


def _last_line_of_defence(text: str) -> tuple[str, int]:
    count = 0
    for value in _known_secrets():
        if value in text:
            count += text.count(value)
            text = text.replace(value, REMOVED)
    # A fragment of 8 characters or more, in any case (a server echoing the token cut or in
    # lower case), is masked as in every other output (koppelcheck.secret.Redactor).
    masked = redact_known(text)
    if masked != text:
        try:
            json.loads(masked)
        except ValueError:  # never write a broken file: a mask that cut a JSON escape
            return text, count
        count += 1
        text = masked
    return text, count


# --------------------------------------------------------------------------- recording


class Redaction(TypedDict):
    """What was replaced where: ``entry`` None for the last pass over the whole file."""

    entry: int | None
    where: str
    kind: str
    count: int


class HarLog(TypedDict):
    version: str
    creator: dict[str, str]
    pages: list[JSONValue]
    entries: list[dict[str, JSONValue]]
    _redactions: list[Redaction]


class Har(TypedDict):
    """A HAR 1.2 document, with koppelcheck's ``_redactions`` beside the entries."""

    log: HarLog


class HarRecorder:
    """Collects redacted HAR entries; thread-safe."""

    def __init__(self) -> None:
        self.entries: list[dict[str, JSONValue]] = []
        self.redactions: list[Redaction] = []
        self._lock = threading.Lock()

    def record(
        self,
        request: httpx.Request,
        response: httpx.Response | None,
        started: datetime,
        elapsed_ms: float,
        error: str = "",
    ) -> None:
        """Add one exchange (``response`` None when no answer came: ``error`` names why)."""
        tally = _Tally()
        url, query = _redact_url(str(request.url), tally)
        req_mime = request.headers.get("content-type", "")
        req_text = request.content.decode("utf-8", "replace") if request.content else ""
        har_request: dict[str, JSONValue] = {
            "method": request.method,
            "url": url,
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": _redact_headers(list(request.headers.items()), "request.headers", tally),
            "queryString": query,
            "headersSize": -1,
            "bodySize": len(request.content or b""),
        }
        if req_text:
            har_request["postData"] = {
                "mimeType": req_mime,
                "text": redact_body(req_text, req_mime, "request.body", tally),
            }
        if response is None:
            har_response = _response_dict(0, "", [], "", "", tally)
            har_response["_error"] = error
        else:
            mime = response.headers.get("content-type", "")
            text = response.content.decode("utf-8", "replace")
            har_response = _response_dict(
                response.status_code,
                response.reason_phrase,
                list(response.headers.items()),
                mime,
                redact_body(text, mime, "response.body", tally),
                tally,
            )
        entry: dict[str, JSONValue] = {
            "startedDateTime": started.isoformat(timespec="milliseconds"),
            "time": round(elapsed_ms, 3),
            "request": har_request,
            "cache": {},
            "timings": {"send": 0, "wait": round(elapsed_ms, 3), "receive": 0},
            "response": har_response,
        }
        with self._lock:
            index = len(self.entries)
            self.entries.append(entry)
            self.redactions += [
                Redaction(entry=index, where=where, kind=kind, count=count)
                for (where, kind), count in sorted(tally.counts.items())
            ]

    def har(self) -> Har:
        """The HAR 1.2 document."""
        with self._lock:
            return {
                "log": {
                    "version": "1.2",
                    "creator": {"name": "koppelcheck", "version": __version__},
                    "pages": [],
                    "entries": list(self.entries),
                    "_redactions": list(self.redactions),
                }
            }

    def text(self) -> str:
        """The HAR as JSON text, with any secret this process held removed wherever it is."""
        text = json.dumps(self.har(), ensure_ascii=False, indent=1)
        text, count = _last_line_of_defence(text)
        if count:
            document = json.loads(text)
            document["log"]["_redactions"].append(
                {"entry": None, "where": "anywhere", "kind": "known-secret", "count": count}
            )
            text = json.dumps(document, ensure_ascii=False, indent=1)
        return text

    def wrap(self, inner: httpx.AsyncBaseTransport) -> httpx.AsyncBaseTransport:
        """A transport that records every exchange through ``inner``."""
        return RecordingTransport(inner, self)


def _response_dict(
    status: int, reason: str, headers: list[tuple[str, str]], mime: str, text: str, tally: _Tally
) -> dict[str, JSONValue]:
    return {
        "status": status,
        "statusText": reason,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": _redact_headers(headers, "response.headers", tally),
        "content": {"size": len(text.encode("utf-8")), "mimeType": mime, "text": text},
        "redirectURL": "",
        "headersSize": -1,
        "bodySize": len(text.encode("utf-8")),
    }


class RecordingTransport(httpx.AsyncBaseTransport):
    """Hands every exchange through ``inner`` to a :class:`HarRecorder` (also one that failed)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, recorder: HarRecorder) -> None:
        self._inner = inner
        self._recorder = recorder

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        started = datetime.now(UTC)
        begin = time.perf_counter()
        await request.aread()
        try:
            # Read within the one answer cap (decoded): a trace must not undo it.
            response = await read_capped(await self._inner.handle_async_request(request))
        except BaseException as exc:
            elapsed = (time.perf_counter() - begin) * 1000
            self._recorder.record(request, None, started, elapsed, type(exc).__name__)
            raise
        elapsed = (time.perf_counter() - begin) * 1000
        self._recorder.record(request, response, started, elapsed)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


def check_trace_path(path: Path, lang: str | None = None) -> Path:
    """``--trace`` must name a regular file in an existing, writable folder, like every other
    output (exit 2 before anything is sent); unlike a report it cannot go to standard output."""
    if is_stdout(path):
        raise InputError("trace", Translator(lang)("core.input.trace_not_stdout"))
    check_output_path(path, "trace", lang)
    return path


@contextmanager
def recording(path: Path | None, lang: str | None = None) -> Iterator[HarRecorder | None]:
    """Record every HTTP exchange while active and write the HAR to ``path`` at the end (also when
    the run fails: that is when a trace helps most). ``path`` None records nothing."""
    if path is None:
        yield None
        return
    check_trace_path(path, lang)
    recorder = HarRecorder()
    http.TRANSPORT_WRAPPERS.append(recorder.wrap)
    try:
        yield recorder
    finally:
        http.TRANSPORT_WRAPPERS.remove(recorder.wrap)
        atomic_write(path, recorder.text(), mode=0o600)  # it may hold business data
