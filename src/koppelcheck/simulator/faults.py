"""Faults a simulator can inject, as scenario data: how networks, proxies and servers really fail.

A scenario lists rules under ``[[faults]]``::

    [[faults]]
    call = "Children_Get"     # Nmbrs: an operation; AFAS: "metainfo" or a GetConnector id
    kind = "reset"            # one of FaultKind
    times = 1                 # only the first N requests (a transient fault); 0 or absent: all
    seconds = 2.0             # hang / drip pause / Retry-After, where the kind uses it

Both simulators read the same rules and answer through :func:`faulty_response`; only what a
"server error without a fault code" looks like differs per API, so each passes its own.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from koppelcheck.simulator.server import SimResponse
from koppelcheck.tomlinput import TOMLTable


class FaultKind(StrEnum):
    """The ways an answer can go wrong."""

    HANG = "hang"
    """No answer for ``seconds`` (default an hour): past any timeout."""
    RESET = "reset"
    """The connection is dropped with a TCP reset, no answer."""
    TRUNCATED = "truncated"
    """Half the genuine answer, then the connection closes; Content-Length promised all of it."""
    GARBLED = "garbled"
    """HTTP 200 under the genuine Content-Type, with a body that is neither XML nor JSON."""
    SERVER_ERROR = "server-error"
    """HTTP 500 without a fault code or message the client could classify."""
    HTML_200 = "html-200"
    """HTTP 200 with an HTML page, as a captive portal or a proxy's login page sends."""
    UNAVAILABLE = "unavailable"
    """HTTP 503 with ``Retry-After: seconds`` (default 120) and an HTML page."""
    DRIP = "drip"
    """The genuine answer, 16 bytes at a time with ``seconds`` (default 0.25) between pieces."""


_DEFAULT_SECONDS = {
    FaultKind.HANG: 3600.0,
    FaultKind.UNAVAILABLE: 120.0,
    FaultKind.DRIP: 0.25,
}
GARBLED_BODY = b"\x00\x1f<<< connection hiccup >>> \xff\xfe not XML, not JSON"
HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>Sign in</title></head>"
    b"<body><h1>Sign in to continue to the internet</h1></body></html>"
)
UNAVAILABLE_PAGE = (
    b"<!DOCTYPE html><html><head><title>Service Unavailable</title></head>"
    b"<body><h1>Service Unavailable</h1><p>HTTP Error 503.</p></body></html>"
)


@dataclass(frozen=True)
class FaultRule:
    """One injected fault: which call, what kind, how often, and its one number."""

    call: str
    kind: FaultKind
    times: int = 0
    """Fire on the first ``times`` requests to ``call`` only; 0 means every request."""
    seconds: float | None = None

    @property
    def pause_s(self) -> float:
        """The kind's number of seconds: this rule's, else the kind's default."""
        return self.seconds if self.seconds is not None else _DEFAULT_SECONDS.get(self.kind, 0.0)


def parse_fault_rules(items: Iterable[TOMLTable]) -> tuple[FaultRule, ...]:
    """Rules from a scenario's ``[[faults]]`` tables; ValueError names what is wrong."""
    rules = []
    for number, item in enumerate(items, start=1):
        unknown = set(item) - {"call", "kind", "times", "seconds"}
        if unknown:
            raise ValueError(f"faults #{number}: unknown key(s) {sorted(unknown)}")
        try:
            kind = FaultKind(str(item["kind"]))
        except KeyError:
            raise ValueError(f"faults #{number}: 'kind' is missing") from None
        except ValueError:
            kinds = ", ".join(k.value for k in FaultKind)
            raise ValueError(f"faults #{number}: kind must be one of {kinds}") from None
        if not str(item.get("call", "")):
            raise ValueError(f"faults #{number}: 'call' is missing")
        times, seconds = int(item.get("times", 0)), item.get("seconds")
        if times < 0 or (seconds is not None and float(seconds) < 0):
            raise ValueError(f"faults #{number}: times and seconds must not be negative")
        rules.append(
            FaultRule(str(item["call"]), kind, times, None if seconds is None else float(seconds))
        )
    return tuple(rules)


class FaultInjector:
    """Decides, per request, whether a rule fires. Thread-safe; counts requests per call."""

    def __init__(self, rules: Iterable[FaultRule] = ()) -> None:
        self._rules = {rule.call: rule for rule in rules}
        self._seen: Counter[str] = Counter()
        self._lock = threading.Lock()

    def add(self, rule: FaultRule) -> None:
        """Inject one more rule (it replaces a rule for the same call), counting afresh."""
        with self._lock:
            self._rules[rule.call] = rule
            self._seen.pop(rule.call, None)

    def pick(self, call: str) -> FaultRule | None:
        """The rule that fires for this request to ``call``, if any."""
        rule = self._rules.get(call)
        if rule is None:
            return None
        with self._lock:
            self._seen[call] += 1
            seen = self._seen[call]
        return rule if rule.times == 0 or seen <= rule.times else None


def faulty_response(
    rule: FaultRule,
    genuine: Callable[[], SimResponse],
    server_error: Callable[[], SimResponse],
) -> SimResponse:
    """The answer ``rule`` makes of the ``genuine`` one; ``server_error`` is the API's own 500."""
    kind, pause = rule.kind, rule.pause_s
    if kind is FaultKind.HANG:
        return SimResponse(reset=True, delay_s=pause)
    if kind is FaultKind.RESET:
        return SimResponse(reset=True)
    if kind is FaultKind.SERVER_ERROR:
        return server_error()
    if kind is FaultKind.HTML_200:
        return SimResponse(200, HTML_PAGE, {"Content-Type": "text/html; charset=utf-8"})
    if kind is FaultKind.UNAVAILABLE:
        headers = {"Content-Type": "text/html", "Retry-After": f"{pause:g}"}
        return SimResponse(503, UNAVAILABLE_PAGE, headers)
    answer = genuine()
    if kind is FaultKind.GARBLED:
        answer.body = GARBLED_BODY
    elif kind is FaultKind.TRUNCATED:
        answer.truncate_at = max(1, len(answer.body) // 2)
    elif kind is FaultKind.DRIP:
        answer.drip_s = pause
    return answer
