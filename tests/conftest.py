"""Shared fixtures: simulators on loopback, an in-memory keyring, a clean environment, and the
test-only third payroll system registered by its one line."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backend import KeyringBackend

from koppelcheck import systems
from koppelcheck.i18n import catalogue
from koppelcheck.report._common import _label_keys
from koppelcheck.secret import forget_known
from koppelcheck.simulator.server import SimulatorServer
from koppelcheck.systems import System, get_system


class InMemoryKeyring(KeyringBackend):
    """A secure-looking keyring that keeps passwords in a dict of its own."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        from keyring.errors import PasswordDeleteError

        if (service, username) not in self.passwords:
            raise PasswordDeleteError("not found")
        del self.passwords[(service, username)]


RUNNING_IN_CI = bool(os.environ.get("CI"))
"""Read once at import, before ``clean_environment`` hides ``CI`` from every test."""


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test sees the developer's tokens, language, CI flags or proxies."""
    for name in (
        "KOPPELCHECK_NMBRS_TOKEN",
        "KOPPELCHECK_NMBRS_USERNAME",
        "KOPPELCHECK_NMBRS_DOMAIN",
        "KOPPELCHECK_AFAS_TOKEN",
        "KOPPELCHECK_AFAS_ENVIRONMENT",
        "KOPPELCHECK_LANG",
        "KOPPELCHECK_SIGNING_KEY",
        "CI",
        "GITHUB_ACTIONS",
        "GITHUB_STEP_SUMMARY",
        "HTTPS_PROXY",
        "HTTP_PROXY",
        "ALL_PROXY",
        "https_proxy",
        "http_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    yield
    # Secrets a test made known are masked process-wide; the next test must not inherit them
    # (a demo subscription key masked the word "subscription" in a later test's expectation).
    forget_known()


@pytest.fixture
def memory_keyring() -> Iterator[InMemoryKeyring]:
    """Install an in-memory keyring for the test; restore the previous backend after."""
    previous = keyring.get_keyring()
    backend = InMemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def nmbrs_server() -> Iterator[Callable[..., tuple[SimulatorServer, Any]]]:
    """Start Nmbrs simulators on loopback: ``server, simulator = nmbrs_server("healthy")``."""
    from koppelcheck.simulator.nmbrs import NmbrsSimulator, load_nmbrs_scenario

    started: list[SimulatorServer] = []

    def start(scenario: str = "healthy", latency_ms: int = 0) -> tuple[SimulatorServer, Any]:
        simulator = NmbrsSimulator(load_nmbrs_scenario(scenario))
        server = SimulatorServer(simulator, latency_ms=latency_ms).start()
        started.append(server)
        return server, simulator

    yield start
    for server in started:
        server.stop()


SUPPORT = Path(__file__).resolve().parent / "support"
"""Where the test-only third system ``loonpakket`` lives (tests/support/loonpakket)."""


@pytest.fixture
def loonpakket(monkeypatch: pytest.MonkeyPatch) -> Iterator[System]:
    """``loonpakket`` registered by its one line (the message catalogues re-read with it)."""
    monkeypatch.syspath_prepend(str(SUPPORT))
    monkeypatch.setitem(systems.TABLE, "loonpakket", "loonpakket.system:LOONPAKKET")
    catalogue.cache_clear()
    try:
        yield get_system("loonpakket")
    finally:
        systems._loaded.pop("loonpakket", None)
        monkeypatch.undo()
        catalogue.cache_clear()
        _label_keys.cache_clear()  # the report's memo of the systems' target_label_keys
