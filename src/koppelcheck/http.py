"""The one place HTTP clients are built: timeouts, TLS, proxies, a User-Agent, per-host limits."""

from __future__ import annotations

import asyncio
import heapq
import ipaddress
import itertools
import re
import ssl
import time
import urllib.request
import zlib
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import httpx

from koppelcheck import __version__
from koppelcheck.aionet import AsyncioBackend
from koppelcheck.errors import CallTimeout, InputError, ProtocolError, RemoteError, TransportError
from koppelcheck.i18n import Text
from koppelcheck.loopclock import Budget
from koppelcheck.retry import (
    DEFAULT_POLICY,
    RETRYABLE_STATUSES,
    RetryableAnswer,
    RetryPolicy,
    attempts_of,
    caused_by,
    is_idempotent,
    send_with_retries,
)

USER_AGENT = f"koppelcheck/{__version__}"
MAX_ANSWER_BYTES = 16 * 1024 * 1024
"""The largest answer koppelcheck reads (16 MiB), counted after decompression and enforced while
the answer streams in, before anything parses it. Nmbrs' and AFAS's answers to koppelcheck's
calls are kilobytes (a probe asks for one row); anything near this is a broken or hostile server
or proxy, and ends as ``error`` "answer too large" for that one check."""
ACCEPT_ENCODING = "gzip, deflate"
"""The only encodings asked for and decoded (each decoded within :data:`MAX_ANSWER_BYTES`)."""
LIMIT_KEY_EXTENSION = "koppelcheck.limit_key"
"""An httpx request extension (never sent) that names the key calls in flight are limited by."""
PRIORITY_EXTENSION = "koppelcheck.priority"
"""An httpx request extension (never sent): 0 for a call others wait for (an Nmbrs chain call),
1 (the default) for the rest. A free slot goes to the lowest number first, then first come."""
TRANSPORT_WRAPPERS: list[Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport]] = []
"""Hooks that wrap the innermost transport of each client made while they are listed (one per
attempt sees the wire): :mod:`koppelcheck.trace` records a HAR file with one."""


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` is localhost or in 127.0.0.0/8 or ::1."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def validate_base_url(url: str, field: str = "base_url") -> str:
    """Return ``url`` without a trailing slash; ``http://`` is allowed only for loopback hosts."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a port that is not 0-65535
    except ValueError:  # an unclosed [IPv6 bracket, a port that is not a number
        raise _not_a_url(field, url) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _not_a_url(field, url)
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise InputError(
            field,
            Text("input.url.http_loopback_only"),
            Text("input.url.https_elsewhere"),
        )
    if parts.username or parts.password:
        raise InputError(field, Text("input.url.credentials"))
    cleaned = url.strip().rstrip("/")
    try:  # the URL must also be one httpx sends (a space or a control character in the host)
        raw_host = httpx.Request("GET", cleaned + "/x").url.raw_host.decode("ascii")
    except (httpx.InvalidURL, ValueError, TypeError, UnicodeError):
        raw_host = ""
    if not (_HOST_NAME.fullmatch(raw_host) or _is_ip(raw_host)):
        raise _not_a_url(field, url) from None
    return cleaned


def _not_a_url(field: str, url: str) -> InputError:
    return InputError(field, Text("input.url.not_url", url=repr(url)), Text("input.url.use_https"))


_HOST_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?")
"""A host name as DNS and TLS take it, after IDNA (``bäckerei.nl`` is ``xn--bckerei-…``)."""


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def looks_like_html(response: httpx.Response) -> bool:
    """Whether an answer is a web page (a proxy's, a sign-in portal's), by type or by its start."""
    if "html" in response.headers.get("content-type", "").lower():
        return True
    head = response.content[:256].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


def remote_error_from(exc: Exception, what: str, timeout_s: float | None) -> RemoteError:
    """Map an httpx error into koppelcheck's tree, once for every client. ``what`` names the call
    (it never holds a secret); ``timeout_s`` is the per-call budget, for the timeout's wording."""
    attempts = attempts_of(exc)
    if isinstance(exc, httpx.TimeoutException):
        return CallTimeout(f"{what}: no complete answer in time", timeout_s, attempts)
    kind = "other"
    if isinstance(exc, httpx.ProxyError):
        kind = "proxy"
    elif isinstance(exc, httpx.ConnectError):
        kind = "tls" if caused_by(exc, ssl.SSLError) else "refused"
    elif isinstance(exc, httpx.RemoteProtocolError):
        kind = "incomplete"
    elif isinstance(exc, httpx.ReadError | httpx.WriteError | httpx.CloseError):
        kind = "reset"
    return TransportError(f"{what}: {type(exc).__name__}", kind, attempts)


_NO_SOCKET_TIMEOUTS = {"connect": None, "read": None, "write": None, "pool": None}
NMBRS_CALLS_PER_S = 120
"""Calls started per second per Nmbrs domain. Nmbrs' fair use allows 150 per second and delays
beyond that, and other users of the login may call in the same second (nmbrs-api.md §5, "Usage
limits" [SEEN]; the sentence is missing from one stored version of the page): 120 leaves room."""


class _Slots:
    """A semaphore whose waiters are served by priority, then in order of arrival."""

    def __init__(self, size: int) -> None:
        self._free = size
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    async def acquire(self, priority: int) -> None:
        """Take a slot, waiting for one (lowest ``priority`` first, then first come)."""
        if self._free > 0 and not self._waiting:
            self._free -= 1
            return
        granted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (priority, next(self._order), granted))
        try:
            await granted
        except asyncio.CancelledError:
            if granted.done() and not granted.cancelled():  # handed a slot, then cancelled
                self.release()
            raise

    def release(self) -> None:
        """Give a slot back: to the first waiter still waiting, else to the free ones."""
        while self._waiting:
            _, _, granted = heapq.heappop(self._waiting)
            if not granted.done():  # a cancelled waiter is skipped
                granted.set_result(None)
                return
        self._free += 1


class _RateWindow:
    """At most ``per_s`` starts in any one second (a sliding window), FIFO."""

    def __init__(self, per_s: int) -> None:
        self._per_s = per_s
        self._starts: deque[float] = deque()
        self._lock = asyncio.Lock()

    def _try_start(self, now: float) -> bool:
        starts = self._starts
        while starts and starts[0] <= now - 1.0:
            starts.popleft()
        if len(starts) < self._per_s:
            starts.append(now)
            return True
        return False

    async def wait(self) -> None:
        """Return when a start fits in the window (at once, when nobody waits and it fits)."""
        loop = asyncio.get_running_loop()
        if not self._lock.locked() and self._try_start(loop.time()):
            return
        async with self._lock:
            while not self._try_start(loop.time()):
                await asyncio.sleep(self._starts[0] + 1.0 - loop.time())


class _BoundedDecoder:
    """Undoes one ``Content-Encoding`` (gzip or deflate) without ever making more than ``room``
    bytes at once: zlib's ``max_length`` stops a decompression bomb mid-chunk."""

    def __init__(self, encoding: str) -> None:
        self._raw_deflate_tried = encoding != "deflate"
        wbits = zlib.MAX_WBITS | 16 if encoding in ("gzip", "x-gzip") else zlib.MAX_WBITS
        self._object = zlib.decompressobj(wbits)
        self._seen_input = False

    def feed(self, data: bytes, room: int) -> bytes:
        """Decode ``data``; raises OverflowError when it would make more than ``room`` bytes."""
        try:
            out = self._object.decompress(data, room + 1)
        except zlib.error:
            if self._raw_deflate_tried or self._seen_input:
                raise
            # "deflate" is meant as zlib-wrapped, but some servers send it raw (as httpx allows).
            self._raw_deflate_tried = True
            self._object = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self._object.decompress(data, room + 1)
        self._seen_input = True
        if len(out) > room:
            raise OverflowError
        return out


def _too_large(status: int, limit: int) -> ProtocolError:
    return ProtocolError(
        f"HTTP {status}: answer too large (more than {limit} bytes, decoded)",
        "too_large",
        status,
        f"{limit // (1024 * 1024)} MiB",
    )


async def read_capped(response: httpx.Response, limit: int = MAX_ANSWER_BYTES) -> httpx.Response:
    """The answer read whole, decoded, and at most ``limit`` bytes. Raises
    :class:`~koppelcheck.errors.ProtocolError` (kind ``too_large``) as soon as the body, or what
    its ``Content-Encoding`` unpacks to, passes ``limit``; an unknown encoding or a broken gzip
    stream is ``unreadable``. Memory stays near ``limit``, whatever the server sends (a 1 GB
    body, an endless one, a gzip bomb).

    An answer without ``Content-Encoding`` (every simulator's, most of Nmbrs') is read into the
    response itself; an encoded one becomes a new response holding the decoded body."""
    status = response.status_code
    if hasattr(response, "_content"):  # built in memory (a test's MockTransport): decoded already
        if len(response.content) > limit:
            raise _too_large(status, limit)
        return response
    encoding = response.headers.get("content-encoding")
    if not encoding or encoding.strip().lower() == "identity":
        chunks: list[bytes] = []
        size = 0
        try:
            async for raw in response.aiter_raw():
                size += len(raw)
                if size > limit:
                    raise _too_large(status, limit)
                chunks.append(raw)
        finally:
            await response.aclose()
        # What ``Response.aread`` itself leaves behind once the (identity) stream is read; the
        # response keeps its headers, request and extensions without being copied.
        response._content = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        return response
    return await _read_decoded(response, encoding, limit)


async def _read_decoded(response: httpx.Response, encoding: str, limit: int) -> httpx.Response:
    status = response.status_code
    encodings = [
        e.strip().lower()
        for e in encoding.split(",")
        if e.strip() and e.strip().lower() != "identity"
    ]
    unknown = [e for e in encodings if e not in ("gzip", "x-gzip", "deflate")]
    decoders = [_BoundedDecoder(e) for e in reversed(encodings)]
    chunks: list[bytes] = []
    size = 0

    # What a layer makes counts against the limit: the last layer's output is the answer; an
    # inner layer's output is the next layer's input (a compressed stream is at most a little
    # larger than what it holds, hence the slack), held only for the moment it is passed on.
    made = [0] * len(decoders)

    def take(data: bytes) -> None:
        nonlocal size
        for index, decoder in enumerate(decoders):
            last = index == len(decoders) - 1
            room = limit - size if last else limit + 65536 - made[index]
            data = decoder.feed(data, room)
            made[index] += len(data)
        size += len(data)
        if size > limit:
            raise OverflowError
        if data:
            chunks.append(data)

    try:
        if unknown:
            raise ProtocolError(
                f"HTTP {status}: unknown content encoding {unknown[0][:40]!r}",
                "unreadable",
                status,
                ACCEPT_ENCODING,
            )
        async for raw in response.aiter_raw():
            take(raw)
    except OverflowError:
        raise _too_large(status, limit) from None
    except zlib.error:
        raise ProtocolError(
            f"HTTP {status}: the answer's {encodings[0]} encoding is broken",
            "unreadable",
            status,
            ACCEPT_ENCODING,
        ) from None
    finally:
        await response.aclose()
    skip = {b"content-encoding", b"content-length", b"transfer-encoding"}
    return httpx.Response(
        status,
        headers=[(k, v) for k, v in response.headers.raw if k.lower() not in skip],
        content=b"".join(chunks),
        extensions=response.extensions,
        request=response._request,  # noqa: SLF001 - None when unset (the property raises)
    )


class HostLimitedTransport(httpx.AsyncBaseTransport):
    """Allows at most ``per_host`` requests in flight to any one host (AFAS asks for ≤ 5), or to
    any one key a request names in its ``koppelcheck.limit_key`` extension.

    Each request gets ``budget_s`` seconds from the moment its first attempt is sent: the
    answer must be complete by then (a slow drip or a hang ends as ``httpx.ReadTimeout``),
    and idempotent reads are retried within it (:mod:`koppelcheck.retry`). Time spent
    waiting for a free slot before the first attempt does not count, nor does time the
    event loop was too busy to read an answer (:mod:`koppelcheck.loopclock`).
    """

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        per_host: int,
        budget_s: float,
        policy: RetryPolicy = DEFAULT_POLICY,
        max_answer_bytes: int = MAX_ANSWER_BYTES,
    ) -> None:
        self._inner = inner
        self._max_answer_bytes = max_answer_bytes
        self._per_host = per_host
        self._budget_s = budget_s
        self._policy = policy
        self._semaphores: dict[str, _Slots] = {}
        self._rates: dict[str, _RateWindow] = {}
        self.peak_in_flight: dict[str, int] = {}
        self._in_flight: dict[str, int] = {}
        self.attempts = 0
        """Requests actually sent, retries included (for tests and benchmarks)."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        call = _Call(self, request)
        if not is_idempotent(request):
            return await call.attempt()
        return await send_with_retries(
            call.retryable_attempt, remaining_s=call.remaining_s, policy=self._policy
        )

    async def _send_once(self, request: httpx.Request, call: _Call) -> httpx.Response:
        extensions = request.extensions
        # A client may name a finer key than the host (Nmbrs: the domain) in an extension.
        limit_key = extensions.get(LIMIT_KEY_EXTENSION)
        host = str(limit_key) if limit_key else f"{request.url.host}:{request.url.port or ''}"
        slots = self._semaphores.get(host)
        if slots is None:
            slots = self._semaphores[host] = _Slots(self._per_host)
        await slots.acquire(int(extensions.get(PRIORITY_EXTENSION, 1)))
        try:
            if limit_key:  # a service's per-login fair use
                rate = self._rates.get(host)
                if rate is None:
                    rate = self._rates[host] = _RateWindow(NMBRS_CALLS_PER_S)
                await rate.wait()
            budget = call.budget
            if budget is None:  # the budget is service time (loopclock), not the loop's backlog
                budget = call.budget = Budget(self._budget_s)
            in_flight = self._in_flight[host] = self._in_flight.get(host, 0) + 1
            if in_flight > self.peak_in_flight.get(host, 0):
                self.peak_in_flight[host] = in_flight
            self.attempts += 1
            # httpcore's own per-read timeouts are wall time: the budget alone times a call.
            request.extensions = {**extensions, "timeout": _NO_SOCKET_TIMEOUTS}
            try:
                async with budget.scope():
                    response = await self._inner.handle_async_request(request)
                    return await read_capped(response, self._max_answer_bytes)
            except TimeoutError:
                raise httpx.ReadTimeout(
                    f"no complete answer within {self._budget_s:g} s", request=request
                ) from None
            finally:
                self._in_flight[host] -= 1
        finally:
            slots.release()

    async def aclose(self) -> None:
        await self._inner.aclose()


class _Call:
    """One request's attempts and the budget they share (made by its first attempt)."""

    __slots__ = ("_transport", "_request", "budget")

    def __init__(self, transport: HostLimitedTransport, request: httpx.Request) -> None:
        self._transport = transport
        self._request = request
        self.budget: Budget | None = None

    def remaining_s(self) -> float:
        if self.budget is None:
            return self._transport._budget_s
        return self.budget.remaining_s()

    def attempt(self) -> Awaitable[httpx.Response]:
        return self._transport._send_once(self._request, self)

    async def retryable_attempt(self) -> httpx.Response:
        response = await self._transport._send_once(self._request, self)
        if response.status_code in RETRYABLE_STATUSES:
            raise RetryableAnswer(response)
        return response


def env_proxy_for(url: httpx.URL, proxies: Mapping[str, str]) -> str | None:
    """The proxy ``HTTPS_PROXY``/``HTTP_PROXY``/``ALL_PROXY`` name for ``url`` (``proxies`` as
    :func:`urllib.request.getproxies_environment` reads them), or None when ``NO_PROXY`` exempts
    its host or no proxy is set.

    Plain ``http://`` is only ever a simulator on this machine, which no proxy can reach: it is
    never proxied (so ``koppelcheck demo`` works behind a corporate ``HTTP_PROXY``).
    """
    if url.scheme == "http" and is_loopback_host(url.host):
        return None
    proxy = proxies.get(url.scheme) or proxies.get("all")
    # proxy_bypass_environment: urllib's NO_PROXY rules (not in typeshed, but public since 3.x).
    bypass = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]
    if not proxy or bypass(url.host, proxies):
        return None
    return proxy if "://" in proxy else f"http://{proxy}"


class EnvProxyTransport(httpx.AsyncBaseTransport):
    """Sends each request directly, or through the proxy the environment names for its URL
    (a CONNECT tunnel for https), with one pooled ``httpx.AsyncHTTPTransport`` per route.

    A route is the proxy and the origin, or the limit key a request names (an Nmbrs domain):
    httpcore scans every connection of a pool on every request, so one pool for a whole
    batch cost more CPU than the calls themselves (docs/performance.md). The pools share
    one TLS context, built once. Direct routes run on :mod:`koppelcheck.aionet` (asyncio's own
    transports); routes through a proxy on httpcore's default network layer.
    """

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._proxies = urllib.request.getproxies_environment()
        self._routes: dict[tuple[str | None, str], httpx.AsyncHTTPTransport] = {}
        self._by_origin: dict[tuple[bytes, bytes, int | None, str], httpx.AsyncHTTPTransport] = {}
        self._backend = AsyncioBackend()
        self._swept = time.monotonic()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if time.monotonic() - self._swept >= ROUTE_SWEEP_S:
            await self._release_spent_routes()
        url = request.url
        pool = str(request.extensions.get(LIMIT_KEY_EXTENSION) or "")
        origin = (url.raw_scheme, url.raw_host, url.port, pool)
        route = self._by_origin.get(origin)
        if route is None:
            route = self._by_origin[origin] = self._route(url, pool)
        return await route.handle_async_request(request)

    def _route(self, url: httpx.URL, pool: str) -> httpx.AsyncHTTPTransport:
        proxy = env_proxy_for(url, self._proxies) if self._proxies else None
        key = (proxy, f"{url.scheme}://{url.host}:{url.port}|{pool}")
        route = self._routes.get(key)
        if route is None:
            if not isinstance(self._options.get("verify"), ssl.SSLContext):
                verify = self._options.get("verify", True)
                self._options["verify"] = httpx.create_ssl_context(verify=verify)
            route = self._routes[key] = httpx.AsyncHTTPTransport(proxy=proxy, **self._options)
            if proxy is None:
                # httpx takes no network backend; its pool reads this attribute per connection.
                route._pool._network_backend = self._backend  # noqa: SLF001
        return route

    async def _release_spent_routes(self) -> None:
        """Close the pools that wait for nothing and whose every connection outlived its
        keep-alive (httpcore would drop them at their next use anyway); looked for at most
        every 2 s, by whichever request comes then.

        In a batch these are the routes of the AFAS environments that are done: kept, their
        connections stayed open to the end, 4,037 of them at 5,000 employers
        (docs/performance.md, "Memory of a batch")."""
        self._swept = time.monotonic()
        # Taken out first, closed after: no request can pick a route up while one closes.
        spent = {id(route) for route in self._routes.values() if _spent(route)}
        if not spent:
            return
        self._by_origin = {k: r for k, r in self._by_origin.items() if id(r) not in spent}
        closing = [r for r in self._routes.values() if id(r) in spent]
        self._routes = {k: r for k, r in self._routes.items() if id(r) not in spent}
        for route in closing:
            await route.aclose()

    async def aclose(self) -> None:
        for route in self._routes.values():
            await route.aclose()


ROUTE_SWEEP_S = 2.0
"""How often a request looks for spent routes to release (:func:`_spent`)."""


def _spent(route: Any) -> bool:
    """Whether an ``httpx.AsyncHTTPTransport``'s pool waits for no request and every connection
    of it has expired (idle past its keep-alive, or closed by the server)."""
    pool = route._pool  # noqa: SLF001 - httpx exposes no pool statistics
    if getattr(pool, "_requests", None):
        return False
    return all(connection.has_expired() for connection in pool.connections)


def make_async_client(
    *,
    timeout_s: float,
    per_host_limit: int,
    ca_bundle: str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    retry_policy: RetryPolicy | None = None,
) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` with koppelcheck's settings.

    TLS verification is always on (``ca_bundle`` adds a corporate CA; ``SSL_CERT_FILE`` is
    honoured through httpx's ``trust_env``, ``HTTPS_PROXY`` and ``NO_PROXY`` through
    :func:`env_proxy_for`); redirects are not followed, so a
    redirect to another host can never carry a token along. ``timeout_s`` bounds each remote call,
    its retries included; ``retry_policy`` (default :data:`koppelcheck.retry.DEFAULT_POLICY`)
    says how idempotent reads are retried. ``transport`` is for tests.
    """
    inner = transport
    if inner is None:
        verify: ssl.SSLContext | bool = True
        if ca_bundle:
            # Added to the system's trust, not instead of it (the option promises "extra" CAs).
            verify = ssl.create_default_context()
            verify.load_verify_locations(cafile=ca_bundle)
        # httpx reads HTTPS_PROXY itself only for a transport it builds; this one is ours.
        inner = EnvProxyTransport(
            verify=verify,
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=64),
            trust_env=True,
        )
    for wrap in TRANSPORT_WRAPPERS:
        inner = wrap(inner)
    limited = HostLimitedTransport(inner, per_host_limit, timeout_s, retry_policy or DEFAULT_POLICY)
    return httpx.AsyncClient(
        transport=limited,
        timeout=httpx.Timeout(timeout_s),
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": ACCEPT_ENCODING},
        trust_env=True,
    )


@asynccontextmanager
async def shared_or_own_client(
    shared: httpx.AsyncClient | None,
    *,
    timeout_s: float,
    per_host_limit: int,
    ca_bundle: str | None = None,
) -> AsyncIterator[httpx.AsyncClient]:
    """``shared`` (a batch's client: its owner closes it), or a client of
    :func:`make_async_client` made for this run and closed when the block ends."""
    if shared is not None:
        yield shared
        return
    client = make_async_client(
        timeout_s=timeout_s, per_host_limit=per_host_limit, ca_bundle=ca_bundle
    )
    try:
        yield client
    finally:
        await client.aclose()


class _Through(httpx.AsyncBaseTransport):
    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._client.send(request, follow_redirects=False)


def through(client: httpx.AsyncClient) -> httpx.AsyncBaseTransport:
    """A transport that sends every request through ``client`` (one made by
    :func:`make_async_client`), so a library that builds its own ``httpx.AsyncClient`` (Authlib's
    OAuth client) keeps koppelcheck's TLS, proxy, no-redirect, time budget and per-host limits.
    Closing the transport leaves ``client`` open: its owner closes it."""
    return _Through(client)
