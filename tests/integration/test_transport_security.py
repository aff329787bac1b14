"""Transport security over real loopback sockets: TLS verification, corporate CAs, HTTPS_PROXY,
plain http only to loopback, and redirects that are never followed.

A throw-away CA and a server certificate for 127.0.0.1/localhost are made with ``cryptography``;
the simulators are served over TLS by wrapping the listening socket of a
:class:`~koppelcheck.simulator.server.SimulatorServer`. A tiny CONNECT proxy in a thread records
what a proxy gets to see.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from typer.testing import CliRunner, Result

from koppelcheck.cli.app import app
from koppelcheck.i18n import Translator
from koppelcheck.simulator.afas import BASE_PATH, AfasSimulator, load_afas_scenario
from koppelcheck.simulator.nmbrs import NmbrsSimulator, load_nmbrs_scenario
from koppelcheck.simulator.server import SimulatorServer

pytestmark = pytest.mark.integration
runner = CliRunner()
EN = Translator("en")
AFAS = load_afas_scenario("healthy")
NMBRS = load_nmbrs_scenario("healthy")
CONNECTORS = tuple(c.id for c in AFAS.connectors)


# --- a throw-away PKI ------------------------------------------------------------------------


@dataclass(frozen=True)
class Pki:
    ca_pem: Path
    """The CA certificate, as ``--ca-bundle`` or ``SSL_CERT_FILE`` would name it."""
    server: ssl.SSLContext
    """A server context with a certificate for 127.0.0.1 and localhost, signed by the CA."""
    wrong_name: ssl.SSLContext
    """The same, with a certificate for ``other.example`` only."""


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    folder = tmp_path_factory.mktemp("pki")
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("koppelcheck test CA"))
        .issuer_name(_name("koppelcheck test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(ca=True), critical=True)
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    ca_pem = folder / "ca.pem"
    ca_pem.write_bytes(ca.public_bytes(pem))

    def server_context(name: str, names: list[x509.GeneralName]) -> ssl.SSLContext:
        key = ec.generate_private_key(ec.SECP256R1())
        leaf = (
            x509.CertificateBuilder()
            .subject_name(_name(name))
            .issuer_name(ca.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_usage(ca=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
                critical=False,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .sign(ca_key, hashes.SHA256())
        )
        cert_pem, key_pem = folder / f"{name}.pem", folder / f"{name}.key"
        cert_pem.write_bytes(leaf.public_bytes(pem))
        private = serialization.PrivateFormat.PKCS8
        key_pem.write_bytes(key.private_bytes(pem, private, serialization.NoEncryption()))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_pem, key_pem)
        return context

    loopback = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    return Pki(
        ca_pem,
        server_context("localhost", loopback),
        server_context("other.example", [x509.DNSName("other.example")]),
    )


class TlsSimulatorServer(SimulatorServer):
    """A simulator served over TLS: the listening socket is wrapped, the handshake happens in the
    request's own thread, and a client that refuses the certificate is not an error here."""

    def __init__(self, simulator: Any, context: ssl.SSLContext) -> None:
        super().__init__(simulator)
        inner = self._server
        inner.socket = context.wrap_socket(
            inner.socket, server_side=True, do_handshake_on_connect=False
        )
        inner.handle_error = lambda _request, _address: None  # type: ignore[method-assign]

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.port}"


@pytest.fixture
def tls_afas(pki: Pki) -> Iterator[tuple[TlsSimulatorServer, AfasSimulator]]:
    simulator = AfasSimulator(AFAS)
    with TlsSimulatorServer(simulator, pki.server) as server:
        yield server, simulator


@pytest.fixture
def tls_nmbrs(pki: Pki) -> Iterator[tuple[TlsSimulatorServer, NmbrsSimulator]]:
    simulator = NmbrsSimulator(NMBRS)
    with TlsSimulatorServer(simulator, pki.server) as server:
        yield server, simulator


@pytest.fixture(autouse=True)
def no_trust_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only what a test gives is trusted: no SSL_CERT_FILE/SSL_CERT_DIR from the machine."""
    for name in ("SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)


def afas(base_url: str, *extra: str, env: dict[str, str] | None = None) -> Result:
    args = ["afas", "--environment-id", AFAS.envid, "--base-url", base_url, "--no-input"]
    args += [arg for cid in CONNECTORS for arg in ("--connector", cid)]
    args += ["--lang", "en", "--format", "json", "--timeout", "5", *extra]
    return runner.invoke(app, args, env={"KOPPELCHECK_AFAS_TOKEN": AFAS.token_data, **(env or {})})


def nmbrs(base_url: str, *extra: str, env: dict[str, str] | None = None) -> Result:
    args = ["nmbrs", "--username", NMBRS.username, "--domain", NMBRS.domain]
    args += ["--base-url", base_url, "--no-input", "--lang", "en", "--format", "json"]
    args += ["--timeout", "5", *extra]
    return runner.invoke(app, args, env={"KOPPELCHECK_NMBRS_TOKEN": NMBRS.token, **(env or {})})


def statuses(result: Result) -> dict[str, str]:
    return {c["id"]: c["status"] for c in json.loads(result.stdout)["checks"]}


def messages(result: Result) -> str:
    return "\n".join(c["message"] for c in json.loads(result.stdout)["checks"])


def assert_no_token(result: Result) -> None:
    for token in (AFAS.token_data, NMBRS.token):
        assert token not in result.stdout + result.stderr


# --- TLS -------------------------------------------------------------------------------------


def test_an_untrusted_certificate_is_an_error_with_the_tls_message(tls_afas) -> None:
    server, simulator = tls_afas
    result = afas(server.base_url + BASE_PATH)
    assert result.exit_code == 4, result.output
    assert statuses(result)["afas.auth"] == "error"
    assert EN("core.transport.tls") in messages(result)
    assert sum(simulator.hits.values()) == 0  # no request got past the handshake
    assert_no_token(result)


def test_an_untrusted_nmbrs_certificate_is_an_error_too(tls_nmbrs) -> None:
    server, simulator = tls_nmbrs
    result = nmbrs(f"{server.base_url}/soap/v3")
    assert result.exit_code == 4, result.output
    assert statuses(result)["nmbrs.auth"] == "error"
    assert EN("core.transport.tls") in messages(result)
    assert sum(simulator.hits.values()) == 0


def test_ca_bundle_makes_the_certificate_trusted(tls_afas, tls_nmbrs, pki: Pki) -> None:
    afas_server, _ = tls_afas
    result = afas(afas_server.base_url + BASE_PATH, "--ca-bundle", str(pki.ca_pem))
    assert result.exit_code == 0, result.output
    found = statuses(result)
    assert found.pop("afas.classic.sunset") == "warn"  # every classic run warns about AFAS's end
    assert set(found.values()) == {"pass"}
    nmbrs_server, _ = tls_nmbrs
    result = nmbrs(f"{nmbrs_server.base_url}/soap/v3", "--ca-bundle", str(pki.ca_pem))
    assert result.exit_code == 0, result.output


def test_ssl_cert_file_makes_the_certificate_trusted(tls_afas, pki: Pki) -> None:
    server, _ = tls_afas
    result = afas(server.base_url + BASE_PATH, env={"SSL_CERT_FILE": str(pki.ca_pem)})
    assert result.exit_code == 0, result.output


def test_a_certificate_for_another_name_is_refused_even_with_its_ca(pki: Pki) -> None:
    """The CA is trusted, but the certificate names another host: still refused."""
    simulator = AfasSimulator(AFAS)
    with TlsSimulatorServer(simulator, pki.wrong_name) as server:
        result = afas(server.base_url + BASE_PATH, "--ca-bundle", str(pki.ca_pem))
    assert result.exit_code == 4, result.output
    assert EN("core.transport.tls") in messages(result)
    assert sum(simulator.hits.values()) == 0


@pytest.mark.parametrize("flag", ["--insecure", "--no-verify", "--no-verify-ssl", "-k"])
def test_verification_cannot_be_turned_off_by_a_flag(tls_afas, flag: str) -> None:
    server, simulator = tls_afas
    result = afas(server.base_url + BASE_PATH, flag)
    assert result.exit_code == 2, result.output
    assert sum(simulator.hits.values()) == 0


def test_verification_cannot_be_turned_off_by_the_environment(tls_afas) -> None:
    server, simulator = tls_afas
    lax = {"PYTHONHTTPSVERIFY": "0", "CURL_CA_BUNDLE": "", "REQUESTS_CA_BUNDLE": ""}
    result = afas(server.base_url + BASE_PATH, env=lax)
    assert result.exit_code == 4, result.output
    assert EN("core.transport.tls") in messages(result)
    assert sum(simulator.hits.values()) == 0


# --- HTTPS_PROXY -----------------------------------------------------------------------------


@dataclass
class ConnectProxy:
    """An HTTP proxy on loopback that only tunnels (CONNECT), and records what it sees."""

    refuse: bool = False
    targets: list[str] = field(default_factory=list)
    heads: list[bytes] = field(default_factory=list)
    """Each request head it received, as bytes (the CONNECT line and headers)."""
    tunnelled: bytearray = field(default_factory=bytearray)
    """Every byte the client sent through a tunnel (TLS records: opaque)."""

    def __post_init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with client:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = client.recv(4096)
                if not chunk:
                    return
                head += chunk
            head, _, rest = head.partition(b"\r\n\r\n")
            method, target, _ = head.split(b"\r\n", 1)[0].decode().split(" ", 2)
            with self._lock:
                self.heads.append(head)
                self.targets.append(f"{method} {target}")
            if self.refuse or method != "CONNECT":
                client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                return
            host, port = target.rsplit(":", 1)
            with socket.create_connection((host, int(port)), timeout=10) as upstream:
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                if rest:
                    self._record(rest)
                    upstream.sendall(rest)
                back = threading.Thread(target=self._pump, args=(upstream, client, False))
                back.start()
                self._pump(client, upstream, True)
                back.join(10)

    def _pump(self, source: socket.socket, sink: socket.socket, record: bool) -> None:
        try:
            while chunk := source.recv(65536):
                if record:
                    self._record(chunk)
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_WR)

    def _record(self, data: bytes) -> None:
        with self._lock:
            self.tunnelled.extend(data)

    def close(self) -> None:
        self._listener.close()


@pytest.fixture
def proxy_env(monkeypatch: pytest.MonkeyPatch) -> Callable[[ConnectProxy], None]:
    """Point HTTPS_PROXY at a proxy, with no NO_PROXY exception for loopback."""

    def use(proxy: ConnectProxy) -> None:
        for name in ("NO_PROXY", "no_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)

    return use


@pytest.fixture
def proxies() -> Iterator[Callable[..., ConnectProxy]]:
    started: list[ConnectProxy] = []

    def start(**kwargs: Any) -> ConnectProxy:
        started.append(proxy := ConnectProxy(**kwargs))
        return proxy

    yield start
    for proxy in started:
        proxy.close()


def _secret_forms() -> list[bytes]:
    import base64

    return [
        AFAS.token_data.encode(),
        AFAS.token_xml.encode(),
        base64.b64encode(AFAS.token_xml.encode()),
        NMBRS.token.encode(),
    ]


def test_https_proxy_is_used_through_a_connect_tunnel(
    tls_afas, tls_nmbrs, pki: Pki, proxies, proxy_env
) -> None:
    proxy = proxies()
    proxy_env(proxy)
    afas_server, afas_simulator = tls_afas
    result = afas(afas_server.base_url + BASE_PATH, "--ca-bundle", str(pki.ca_pem))
    assert result.exit_code == 0, result.output
    nmbrs_server, _ = tls_nmbrs
    result = nmbrs(f"{nmbrs_server.base_url}/soap/v3", "--ca-bundle", str(pki.ca_pem))
    assert result.exit_code == 0, result.output
    assert f"CONNECT 127.0.0.1:{afas_server.port}" in proxy.targets
    assert f"CONNECT 127.0.0.1:{nmbrs_server.port}" in proxy.targets
    assert {t.split()[0] for t in proxy.targets} == {"CONNECT"}
    assert sum(afas_simulator.hits.values()) > 0
    # The proxy saw the tunnel's bytes, but only as TLS: never a token, nor an auth header.
    seen = bytes(proxy.tunnelled) + b"".join(proxy.heads)
    assert len(proxy.tunnelled) > 1000
    for secret in _secret_forms():
        assert secret not in seen
    assert b"AfasToken" not in seen and b"Authorization" not in seen and b"<Token>" not in seen


def test_a_proxy_that_refuses_connect_is_an_error_with_the_proxy_message(
    tls_afas, pki: Pki, proxies, proxy_env
) -> None:
    proxy = proxies(refuse=True)
    proxy_env(proxy)
    server, simulator = tls_afas
    result = afas(server.base_url + BASE_PATH, "--ca-bundle", str(pki.ca_pem))
    assert result.exit_code == 4, result.output
    assert statuses(result)["afas.auth"] == "error"
    assert EN("core.transport.proxy") in messages(result)
    assert proxy.targets and {t.split()[0] for t in proxy.targets} == {"CONNECT"}
    assert sum(simulator.hits.values()) == 0
    seen = b"".join(proxy.heads) + bytes(proxy.tunnelled)
    assert not proxy.tunnelled
    for secret in _secret_forms():
        assert secret not in seen
    assert b"AfasToken" not in seen and b"Authorization" not in seen
    assert_no_token(result)


def test_no_proxy_still_bypasses_the_proxy(tls_afas, pki: Pki, proxies, proxy_env, monkeypatch):
    proxy = proxies(refuse=True)
    proxy_env(proxy)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    server, _ = tls_afas
    result = afas(server.base_url + BASE_PATH, "--ca-bundle", str(pki.ca_pem))
    assert result.exit_code == 0, result.output
    assert proxy.targets == []


def test_plain_http_to_a_loopback_simulator_never_goes_through_a_proxy(
    proxies, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A proxy cannot reach this machine's simulators: HTTP_PROXY/ALL_PROXY leave them alone."""
    proxy = proxies(refuse=True)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("ALL_PROXY", proxy.url)
    with SimulatorServer(AfasSimulator(AFAS)) as server:
        result = afas(server.base_url + BASE_PATH)
    assert result.exit_code == 0, result.output
    assert proxy.targets == []


# --- http:// only to loopback ----------------------------------------------------------------


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Record (and refuse) every name lookup and connection attempt."""
    attempts: list[Any] = []

    def refuse(kind: str) -> Callable[..., Any]:
        def record(*args: Any, **_kwargs: Any) -> Any:
            attempts.append((kind, args[1:] if kind == "connect" else args))
            raise OSError("no network in this test")

        return record

    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket.socket, "connect", refuse("connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("connect"))
    return attempts


@pytest.mark.parametrize(
    "url", ["http://api.nmbrs.nl/soap/v3", "http://10.1.2.3/x", "http://[2001:db8::1]:8080/x"]
)
@pytest.mark.parametrize("system", ["nmbrs", "afas"])
def test_plain_http_to_a_remote_host_exits_2_and_sends_nothing(
    system: str, url: str, no_network: list[Any]
) -> None:
    result = nmbrs(url) if system == "nmbrs" else afas(url)
    assert result.exit_code == 2, result.output
    assert "--base-url" in result.stderr
    assert result.stdout == ""
    assert no_network == []
    assert_no_token(result)


def test_the_no_network_guard_sees_an_attempt(no_network: list[Any]) -> None:
    """The guard above has teeth: an allowed URL (loopback) is tried, and recorded."""
    result = afas("http://127.0.0.1:9/ProfitRestServices")
    assert result.exit_code == 4, result.output
    assert no_network


def test_plain_http_to_a_remote_host_in_a_batch_exits_2_and_sends_nothing(
    tmp_path: Path, no_network: list[Any]
) -> None:
    batch = tmp_path / "b.toml"
    batch.write_text(
        '[[employer]]\nid = "a"\nsystem = "afas"\nenvironment_id = "O12345AA"\n'
        'token_env = "T"\nbase_url = "http://12345.rest.afas.online/ProfitRestServices"\n'
    )
    result = runner.invoke(app, ["batch", str(batch)], env={"T": AFAS.token_data})
    assert result.exit_code == 2, result.output
    assert "base_url" in result.stderr
    assert no_network == []


# --- redirects -------------------------------------------------------------------------------


class _Recorder(BaseHTTPRequestHandler):
    """Answers every request with ``server.answer`` and records it."""

    protocol_version = "HTTP/1.1"
    server: _RecordingServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def _any(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.requests.append((self.command, self.path, dict(self.headers), body))
        status, headers = self.server.answer(self.path)
        self.send_response(status)
        for name, value in {"Content-Length": "0", **headers}.items():
            self.send_header(name, value)
        self.end_headers()

    do_GET = do_POST = do_HEAD = do_PUT = _any


class _RecordingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str, answer: Callable[[str], tuple[int, dict[str, str]]]) -> None:
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        self.answer = answer
        super().__init__((host, 0), _Recorder)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


@pytest.fixture
def recording() -> Iterator[Callable[..., _RecordingServer]]:
    started: list[_RecordingServer] = []

    def start(host: str, answer: Callable[[str], tuple[int, dict[str, str]]]) -> _RecordingServer:
        server = _RecordingServer(host, answer)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.shutdown()
        server.server_close()


def _other_host() -> str:
    """Another loopback address when the system routes all of 127/8 (Linux), else 127.0.0.1."""
    try:
        with socket.create_server(("127.0.0.2", 0)):
            return "127.0.0.2"
    except OSError:
        return "127.0.0.1"


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("system", ["nmbrs", "afas"])
def test_a_redirect_to_another_host_is_not_followed(recording, system: str, status: int) -> None:
    elsewhere = recording(_other_host(), lambda _path: (200, {}))
    redirecting = recording(
        "127.0.0.1", lambda path: (status, {"Location": f"{elsewhere.url}{path}"})
    )
    if system == "nmbrs":
        result = nmbrs(f"{redirecting.url}/soap/v3")
        first = "nmbrs.auth"
    else:
        result = afas(f"{redirecting.url}{BASE_PATH}")
        first = "afas.auth"
    assert redirecting.requests, "the first server was asked"
    assert elsewhere.requests == [], "the redirect was followed"
    assert result.exit_code == 4, result.output
    checks = statuses(result)
    assert checks[first] == "error"
    assert "pass" not in {s for cid, s in checks.items() if cid != "afas.token"}
    assert_no_token(result)


def test_ca_bundle_adds_to_the_trusted_cas_instead_of_replacing_them(
    tls_afas, pki: Pki, tmp_path: Path
) -> None:
    """`--ca-bundle` with an unrelated CA keeps the default trust (here: SSL_CERT_FILE)."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    other = (
        x509.CertificateBuilder()
        .subject_name(_name("another corporate CA"))
        .issuer_name(_name("another corporate CA"))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(key, hashes.SHA256())
    )
    other_pem = tmp_path / "other-ca.pem"
    other_pem.write_bytes(other.public_bytes(serialization.Encoding.PEM))
    server, _ = tls_afas
    result = afas(
        server.base_url + BASE_PATH,
        "--ca-bundle",
        str(other_pem),
        env={"SSL_CERT_FILE": str(pki.ca_pem)},
    )
    assert result.exit_code == 0, result.output
