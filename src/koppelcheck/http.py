"""The one place HTTP clients are built: timeouts, TLS, proxies, a User-Agent, per-host limits."""

from __future__ import annotations

import asyncio
import ipaddress
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from koppelcheck import __version__
from koppelcheck.errors import InputError

if TYPE_CHECKING:
    import httpx

USER_AGENT = f"koppelcheck/{__version__}"
LIMIT_KEY_EXTENSION = "koppelcheck.limit_key"
"""An httpx request extension (never sent) that names the key calls in flight are limited by."""


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` is localhost or in 127.0.0.0/8 or ::1."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def validate_base_url(url: str, field: str = "--base-url") -> str:
    """Return ``url`` without a trailing slash; ``http://`` is allowed only for loopback hosts."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(field, f"not a URL: {url!r}", "use https://host/path")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise InputError(
            field,
            "http:// is only allowed to this machine (127.0.0.1, localhost, ::1)",
            "use https:// for any other host",
        )
    if parts.username or parts.password:
        raise InputError(field, "a URL must not carry a user name or password")
    return url.strip().rstrip("/")


def _limited_transport_class() -> type:
    import httpx

    class HostLimitedTransport(httpx.AsyncBaseTransport):
        """Allows at most ``per_host`` requests in flight to any one host (AFAS asks for ≤ 5), or to
        any one key a request names in its ``koppelcheck.limit_key`` extension."""

        def __init__(self, inner: httpx.AsyncBaseTransport, per_host: int) -> None:
            self._inner = inner
            self._per_host = per_host
            self._semaphores: dict[str, asyncio.Semaphore] = {}
            self.peak_in_flight: dict[str, int] = {}
            self._in_flight: dict[str, int] = {}

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            # A client may name a finer key than the host (Nmbrs: the domain) in an extension.
            host = str(
                request.extensions.get(LIMIT_KEY_EXTENSION)
                or f"{request.url.host}:{request.url.port or ''}"
            )
            semaphore = self._semaphores.setdefault(host, asyncio.Semaphore(self._per_host))
            async with semaphore:
                self._in_flight[host] = self._in_flight.get(host, 0) + 1
                self.peak_in_flight[host] = max(
                    self.peak_in_flight.get(host, 0), self._in_flight[host]
                )
                try:
                    response = await self._inner.handle_async_request(request)
                    await response.aread()
                    return response
                finally:
                    self._in_flight[host] -= 1

        async def aclose(self) -> None:
            await self._inner.aclose()

    return HostLimitedTransport


def make_async_client(
    *,
    timeout_s: float,
    per_host_limit: int,
    ca_bundle: str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` with koppelcheck's settings.

    TLS verification is always on (``ca_bundle`` adds a corporate CA; ``SSL_CERT_FILE`` and
    ``HTTPS_PROXY`` are honoured through httpx's ``trust_env``); redirects are not followed, so a
    redirect to another host can never carry a token along. ``transport`` is for tests.
    """
    import ssl

    import httpx

    inner = transport
    if inner is None:
        verify: ssl.SSLContext | bool = True
        if ca_bundle:
            verify = ssl.create_default_context(cafile=ca_bundle)
        inner = httpx.AsyncHTTPTransport(
            verify=verify,
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=64),
            trust_env=True,
        )
    limited = _limited_transport_class()(inner, per_host_limit)
    return httpx.AsyncClient(
        transport=limited,
        timeout=httpx.Timeout(timeout_s),
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT},
        trust_env=True,
    )
