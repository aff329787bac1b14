"""Serve a HAR trace (``--trace``) as a scenario: a user's run, reproduced on this machine.

``koppelcheck simulate nmbrs --replay FILE.har`` matches a request to the trace's entries by
service (the ``.asmx`` path's last segment) and operation (the ``SOAPAction``, else the body
element); ``simulate afas --replay FILE.har`` by method and path (case-insensitive, without the
query). Entries with the same key are served in the order they were recorded, the last one again
after that. Credentials are not checked: the trace holds none. An entry recorded without an answer
(a reset, a time-out) drops the connection.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree

from koppelcheck.errors import InputError
from koppelcheck.i18n import Text
from koppelcheck.jsontypes import JSON, JSONObject
from koppelcheck.simulator.server import SimRequest, SimResponse
from koppelcheck.systems import SYSTEMS, get_system

REPLAY_SYSTEMS = SYSTEMS
_HOP_BY_HOP = {
    "content-length",
    "transfer-encoding",
    "connection",
    "content-encoding",
    "keep-alive",
}


def load_har(path: Path, field: str = "replay") -> list[JSONObject]:
    """The entries of a HAR file; InputError (exit 2) for anything that is not one."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        entries: JSON = document["log"]["entries"]
    except FileNotFoundError:
        raise InputError(field, Text("input.file.not_found", path=path)) from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(
            field,
            Text("console.simulate.not_har", path=path, reason=type(exc).__name__),
            Text("input.scenario.har_hint"),
        ) from None
    found = [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []
    if (
        not isinstance(entries, list)
        or len(found) != len(entries)
        or not all(isinstance(e.get("request"), dict) for e in found)
    ):
        raise InputError(
            field,
            Text("console.simulate.not_har", path=path, reason=Text("input.scenario.no_entries")),
            Text("input.scenario.har_hint"),
        )
    return found


def _soap_operation(headers: dict[str, str], body: str) -> str:
    action = headers.get("soapaction", "").strip().strip('"')
    if action:
        return action.rsplit("/", 1)[-1]
    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        root = etree.fromstring(body.encode("utf-8"), parser)
    except (etree.XMLSyntaxError, ValueError):
        return ""
    for node in root:
        if isinstance(node.tag, str) and etree.QName(node).localname == "Body":
            children = [c for c in node if isinstance(c.tag, str)]
            return etree.QName(children[0]).localname if children else ""
    return ""


def request_key(
    system: str,
    method: str,
    path: str,
    query: Mapping[str, object],
    headers: dict[str, str],
    body: str,
) -> tuple[str, ...]:
    """What a request is matched on (the same for a recorded and a live request): a SOAP system's
    service and operation, a REST system's method and path."""
    if get_system(system).replay_protocol == "soap":
        service = path.rstrip("/").rsplit("/", 1)[-1].lower()
        if method in ("GET", "HEAD"):
            return (service, "?wsdl" if any(k.lower() == "wsdl" for k in query) else "GET")
        return (service, _soap_operation(headers, body))
    return (method, path.rstrip("/").lower())


class ReplaySimulator:
    """Answers requests from a HAR trace. Thread-safe; ``hits`` counts matched requests."""

    def __init__(self, system: str, entries: list[JSONObject]) -> None:
        if system not in REPLAY_SYSTEMS:
            raise ValueError(system)
        self.system = system
        self.hits = 0
        self._lock = threading.Lock()
        self._served: dict[tuple[str, ...], int] = defaultdict(int)
        self._entries: dict[tuple[str, ...], list[SimResponse]] = defaultdict(list)
        for number, entry in enumerate(entries):
            try:
                key, answer = _parse_entry(system, entry)
            except (KeyError, TypeError, AttributeError, ValueError) as exc:
                raise ValueError(f"entry {number}: {type(exc).__name__}") from None
            self._entries[key].append(answer)

    @property
    def keys(self) -> list[tuple[str, ...]]:
        """Every recorded key."""
        return list(self._entries)

    def handle(self, request: SimRequest) -> SimResponse:
        """The recorded answer to this request, or 404 when the trace has none."""
        body = request.body.decode("utf-8", "replace")
        key = request_key(
            self.system,
            request.method,
            request.path,
            dict(request.query),
            dict(request.headers),
            body,
        )
        answers = self._entries.get(key)
        if not answers:
            text = f"koppelcheck replay: no recorded answer for {' '.join(key)}"
            return SimResponse(404, text.encode(), {"Content-Type": "text/plain; charset=utf-8"})
        with self._lock:
            index = min(self._served[key], len(answers) - 1)
            self._served[key] += 1
            self.hits += 1
        answer = answers[index]
        return SimResponse(answer.status, answer.body, dict(answer.headers), reset=answer.reset)


def _parse_entry(system: str, entry: JSONObject) -> tuple[tuple[str, ...], SimResponse]:
    """One HAR entry: the key it answers and the answer (ValueError etc. when malformed)."""
    request = _object(entry["request"])
    url = urlsplit(str(request.get("url", "")))
    pairs = _objects(request.get("queryString"))
    query = {str(q["name"]): str(q.get("value", "")) for q in pairs}
    headers = {
        str(h["name"]).lower(): str(h.get("value", "")) for h in _objects(request.get("headers"))
    }
    body = str(_object(request.get("postData") or {}).get("text", ""))
    key = request_key(system, str(request.get("method", "GET")), url.path, query, headers, body)
    response = _object(entry.get("response") or {})
    status = _number(response.get("status") or 0)
    if status == 0:  # recorded without an answer: a reset, a time-out
        return key, SimResponse(reset=True)
    if not 100 <= status <= 599:
        raise ValueError(f"status {status}")
    answer_headers = {
        str(h["name"]): str(h.get("value", ""))
        for h in _objects(response.get("headers"))
        if str(h["name"]).lower() not in _HOP_BY_HOP
    }
    text = str(_object(response.get("content") or {}).get("text", ""))
    return key, SimResponse(status, text.encode("utf-8"), answer_headers)


def _object(value: JSON) -> JSONObject:
    if not isinstance(value, dict):
        raise TypeError("not a JSON object")
    return value


def _objects(value: JSON) -> list[JSONObject]:
    """The objects of a JSON array (``None`` or empty: none); TypeError for anything else."""
    if not value:
        return []
    if not isinstance(value, list):
        raise TypeError("not a JSON array")
    return [_object(item) for item in value]


def _number(value: JSON) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError("not a number")
    return int(value)
