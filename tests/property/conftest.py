"""Shared pieces of the hostile-input properties: simulators started once per session, a network
guard that refuses anything but loopback, an in-memory keyring and a private config folder."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest

from koppelcheck.simulator.afas import AfasSimulator, make_afas_simulator
from koppelcheck.simulator.nmbrs import NmbrsSimulator, load_nmbrs_scenario
from koppelcheck.simulator.server import SimulatorServer
from tests.conftest import InMemoryKeyring


def _is_loopback(host: object) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    text = str(host).strip("[]").lower()
    if text in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(text.split("%")[0]).is_loopback
    except ValueError:
        return False


class NetworkGuard:
    """Refuses every name lookup and connection that is not loopback, and remembers the attempt.

    A property that makes koppelcheck reach for the internet is a broken property (or a bug): the
    attempt is refused here and the test fails on it (see :func:`network_guard`).
    """

    def __init__(self) -> None:
        self.refused: list[str] = []


@pytest.fixture(autouse=True)
def network_guard(monkeypatch: pytest.MonkeyPatch) -> Iterator[NetworkGuard]:
    """Only 127.0.0.1/::1/localhost may be looked up or connected to during a property."""
    guard = NetworkGuard()
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _is_loopback(host):
            guard.refused.append(f"lookup {host!r}")
            raise socket.gaierror(socket.EAI_NONAME, "refused by the property tests' guard")
        return real_getaddrinfo(host, *args, **kwargs)

    def allowed(address: Any) -> bool:
        if isinstance(address, tuple) and address:
            return _is_loopback(address[0])
        return isinstance(address, str | bytes)  # AF_UNIX paths are local

    def connect(self: socket.socket, address: Any) -> Any:
        if not allowed(address):
            guard.refused.append(f"connect {address!r}")
            raise ConnectionRefusedError("refused by the property tests' guard")
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> Any:
        if not allowed(address):
            guard.refused.append(f"connect {address!r}")
            return 111
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    yield guard
    assert not guard.refused, f"tried to leave this machine: {guard.refused[:5]}"


@pytest.fixture(autouse=True)
def private_places(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[InMemoryKeyring]:
    """An in-memory keyring and a private config folder: no property touches the real ones."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("NO_COLOR", "1")
    previous = keyring.get_keyring()
    backend = InMemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


class Served:
    """A simulator on loopback, and how many requests it has seen in all."""

    def __init__(self, server: SimulatorServer, simulator: Any, base_url: str) -> None:
        self.server = server
        self.simulator = simulator
        self.base_url = base_url

    def hits(self) -> int:
        return sum(self.simulator.hits.values())


@pytest.fixture(scope="session")
def nmbrs_served() -> Iterator[Served]:
    """The Nmbrs simulator with the ``bad-token`` scenario: a full run is one call (fast)."""
    simulator = NmbrsSimulator(load_nmbrs_scenario("bad-token"))
    with SimulatorServer(simulator) as server:
        yield Served(server, simulator, f"{server.base_url}/soap/v3")


@pytest.fixture(scope="session")
def afas_served() -> Iterator[Served]:
    """The AFAS simulator with the ``healthy`` scenario (a run is a handful of fast calls)."""
    simulator: AfasSimulator = make_afas_simulator("healthy")
    with SimulatorServer(simulator) as server:
        yield Served(server, simulator, f"{server.base_url}/ProfitRestServices")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder for the files the properties write (one per module)."""
    return tmp_path_factory.mktemp("property")
