"""One HTTP client for every call to a platform: a User-Agent (Canvas refuses requests
without one), timeouts from settings, connection reuse — and the outbound rules.

The rules hold for every request and every redirect hop: http(s) only, no user name or
password in the URL, and never a loopback, private, link-local (cloud metadata), multicast,
reserved or otherwise non-public address unless ``OUTBOUND_ALLOWED_NETWORKS`` lists it. The
address is checked after DNS resolution, on the address the socket then connects to (a pooled
connection is checked again before reuse), so a name that resolves to an internal address —
or changes its answer between two look-ups — is refused. Answers are read up to
``OUTBOUND_MAX_RESPONSE_BYTES``; within ``outbound_budget`` every call shares one deadline.

Idempotent requests (GET, HEAD, PUT, DELETE, OPTIONS) are retried a couple of times, with
backoff, after a connect error or a 502/503/504 (and a 429/503 with ``Retry-After``, which is
honoured up to ``RETRY_AFTER_MAX_SECONDS``); a POST is never sent twice. A refused address is
never retried. ``set_outbound_limiter`` plugs in a per-platform rate limiter.
"""

from __future__ import annotations

import contextvars
import functools
import ipaddress
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests
from flask import Flask, current_app, has_app_context
from requests.adapters import HTTPAdapter
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import (
    ConnectTimeoutError,
    InvalidHeader,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ReadTimeoutError,
    ResponseError,
)
from urllib3.util import connection as urllib3_connection
from urllib3.util.retry import Retry

from lti_tool.core.metrics import MeteredSession
from lti_tool.errors import PlatformServiceError

USER_AGENT = "Reciprocal-LTI/0.1 (+https://github.com/reciprocal)"
ALLOWED_SCHEMES = ("http", "https")
MAX_REDIRECTS = 5
_CHUNK_BYTES = 64 * 1024

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_local = threading.local()


class OutboundRefused(PlatformServiceError):
    """The tool will not contact this URL or address (see the module's rules)."""

    status_code = 400
    title = "The tool refuses to contact that address"
    hint = (
        "Use your LMS's public https address. If the LMS really is on an internal network, "
        "the tool's operator can allow that network with the OUTBOUND_ALLOWED_NETWORKS "
        "setting (a list of CIDR ranges)."
    )


class ResponseTooLarge(PlatformServiceError):
    hint = (
        "Check that the URL is your LMS's; the tool's operator can raise the limit with the "
        "OUTBOUND_MAX_RESPONSE_BYTES setting."
    )


class OutboundDeadline(requests.Timeout):
    """The request's time budget for outbound calls ran out."""


# -- the rules ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=16)
def parse_networks(setting: str) -> tuple[IPNetwork, ...]:
    """``"10.0.0.0/8, 192.168.4.7"`` → networks; commas or spaces separate them.

    :raise ValueError: an entry is not an address or CIDR range.
    """
    return tuple(
        ipaddress.ip_network(entry, strict=False) for entry in setting.replace(",", " ").split()
    )


def allowed_networks() -> tuple[IPNetwork, ...]:
    if not has_app_context():
        return ()
    return parse_networks(str(current_app.config.get("OUTBOUND_ALLOWED_NETWORKS") or ""))


# Not public, though Python's ipaddress may call them global: IETF protocol assignments
# (Oracle Cloud's metadata service is 192.0.0.192) and NAT64 prefixes (which reach IPv4
# addresses, internal ones included, through a gateway).
_NOT_PUBLIC = tuple(
    ipaddress.ip_network(n) for n in ("192.0.0.0/24", "64:ff9b::/96", "64:ff9b:1::/48")
)


def is_public_address(address: IPAddress) -> bool:
    """A globally routable unicast address: not loopback, private, link-local (where cloud
    metadata services live), shared (100.64/10), multicast, reserved or unspecified."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            return is_public_address(embedded)
        if address.teredo is not None:
            return False
    if any(address in network for network in _NOT_PUBLIC):
        return False
    return address.is_global and not (
        address.is_multicast
        or address.is_reserved
        or address.is_link_local
        or address.is_loopback
        or address.is_private
        or address.is_unspecified
    )


def address_allowed(address: str, networks: tuple[IPNetwork, ...]) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return is_public_address(ip) or any(ip in network for network in networks)


def check_outbound_url(url: str) -> None:
    """Scheme and credentials of a URL the tool is about to call.

    :raise OutboundRefused: not http(s), no host, or a user name / password in it.
    """
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 — raises ValueError on a malformed port
    except ValueError as exc:
        raise OutboundRefused(f"The tool cannot use the address {url[:200]!r}.") from exc
    if parts.scheme.lower() not in ALLOWED_SCHEMES or not parts.hostname:
        raise OutboundRefused(
            f"The tool only contacts http and https addresses, not {url[:200]!r}."
        )
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise OutboundRefused(
            "The tool refuses addresses with a user name or password before the host "
            f"({parts.scheme}://…@{parts.hostname}).",
            hint="Use the registration URL your LMS shows, unchanged.",
        )


def _refuse_address(host: str, address: str) -> OutboundRefused:
    return OutboundRefused(
        f"The tool refuses to contact {host} ({address}): it is a loopback, private, "
        "link-local or otherwise non-public address, and OUTBOUND_ALLOWED_NETWORKS does "
        "not allow it."
    )


# -- connections that check the address they connect to ---------------------------------


class _GuardedConnectionMixin:
    """Resolves the host once, refuses disallowed addresses, connects to an allowed one
    (TLS still verifies the host name: only the socket's address is chosen here)."""

    host: str
    port: int
    timeout: float | None
    source_address: tuple[str, int] | None
    socket_options: list | None
    _dns_host: str

    def _new_conn(self) -> socket.socket:
        networks = allowed_networks()
        try:
            infos = socket.getaddrinfo(self._dns_host, self.port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc  # type: ignore[arg-type]
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        allowed = [a for a in addresses if address_allowed(a, networks)]
        if not allowed:
            raise _refuse_address(self.host, addresses[0] if addresses else "?")
        error: OSError | None = None
        for address in allowed:
            try:
                sock = urllib3_connection.create_connection(
                    (address, self.port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except TimeoutError as exc:
                raise ConnectTimeoutError(
                    self, f"Connection to {self.host} timed out. (connect timeout={self.timeout})"
                ) from exc
            except OSError as exc:
                error = exc
                continue
            _check_peer(sock, self.host, networks)
            return sock
        raise NewConnectionError(self, f"Failed to establish a new connection: {error}")  # type: ignore[arg-type]


def _check_peer(sock: socket.socket, host: str, networks: tuple[IPNetwork, ...]) -> None:
    peer = str(sock.getpeername()[0])
    if not address_allowed(peer, networks):
        sock.close()
        raise _refuse_address(host, peer)


class GuardedHTTPConnection(_GuardedConnectionMixin, HTTPConnection):
    pass


class GuardedHTTPSConnection(_GuardedConnectionMixin, HTTPSConnection):
    pass


class _PeerRecheckMixin:
    """A pooled keep-alive connection is checked again before reuse: the allow-list may
    have changed since it was opened."""

    def _validate_conn(self, conn) -> None:  # type: ignore[no-untyped-def]
        super()._validate_conn(conn)  # type: ignore[misc]
        sock = getattr(conn, "sock", None)
        if sock is not None:
            _check_peer(sock, conn.host, allowed_networks())


class GuardedHTTPConnectionPool(_PeerRecheckMixin, HTTPConnectionPool):
    ConnectionCls = GuardedHTTPConnection


class GuardedHTTPSConnectionPool(_PeerRecheckMixin, HTTPSConnectionPool):
    ConnectionCls = GuardedHTTPSConnection


# -- time budget ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Budget:
    connect: float
    read: float
    deadline: float  # time.monotonic()

    def remaining(self) -> float:
        return self.deadline - time.monotonic()


_budget: contextvars.ContextVar[Budget | None] = contextvars.ContextVar(
    "outbound_budget", default=None
)


@contextmanager
def outbound_budget(connect: float, read: float, total: float) -> Iterator[Budget]:
    """Every outbound call inside shares ``total`` seconds, each with at most ``connect``
    seconds to connect and ``read`` seconds between bytes."""
    budget = Budget(connect, read, time.monotonic() + total)
    token = _budget.set(budget)
    try:
        yield budget
    finally:
        _budget.reset(token)


def _bounded_timeout(timeout: object) -> tuple[float | None, float | None]:
    if isinstance(timeout, tuple):
        connect, read = timeout
    else:
        connect = read = timeout  # type: ignore[assignment]
    budget = _budget.get()
    if budget is None:
        return connect, read  # type: ignore[return-value]
    remaining = budget.remaining()
    if remaining <= 0:
        raise OutboundDeadline("The time allowed for calls to the LMS ran out.")
    connect = min(c for c in (connect, budget.connect, remaining) if c is not None)
    read = min(r for r in (read, budget.read, remaining) if r is not None)
    return connect, read


# -- retries --------------------------------------------------------------------------------

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRY_STATUSES = frozenset({502, 503, 504})
RETRY_TOTAL = 2
RETRY_BACKOFF_FACTOR = 0.25
RETRY_AFTER_MAX_SECONDS = 10.0


class IdempotentRetry(Retry):
    """urllib3's ``Retry`` for the tool's calls to an LMS, with three limits of its own:

    - a method that is not idempotent is never sent again, not even after a connect error
      (a score or registration POST must not arrive twice);
    - a ``Retry-After`` longer than ``RETRY_AFTER_MAX_SECONDS``, or a wait that would not
      leave time within the current ``outbound_budget``, ends the retries (the caller gets
      the last answer or error);
    - the body of an answer that is retried is not read (the connection is closed): a
      hostile LMS cannot make the tool read an endless error page.

    A refused address (``OutboundRefused``) is not a connection error: it is never retried.
    """

    RETRY_AFTER_STATUS_CODES = frozenset({429, 503})

    def parse_retry_after(self, retry_after: str) -> float:
        try:
            return super().parse_retry_after(retry_after)
        except InvalidHeader:  # unreadable: taken as "too long", so no retry
            return RETRY_AFTER_MAX_SECONDS + 1

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,  # type: ignore[override]
        response: Any = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> Retry:
        if method is None or not self._is_method_retryable(method):
            # What requests does without retries: the error, as if none were configured.
            return Retry(0, read=False).increment(method, url, response, error, _pool, _stacktrace)
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        wait = retry.get_backoff_time()
        if response is not None:
            after = retry.get_retry_after(response)
            if after is not None:
                wait = after
        budget = _budget.get()
        if wait > RETRY_AFTER_MAX_SECONDS or (budget is not None and wait >= budget.remaining()):
            reason = error or ResponseError(f"the LMS asks to wait {wait:.0f} s")
            raise MaxRetryError(_pool, url or "", reason)
        if response is not None:
            response.close()  # nothing of the failed answer is read
        return retry


def outbound_retry() -> Retry:
    return IdempotentRetry(
        total=RETRY_TOTAL,
        connect=RETRY_TOTAL,
        read=False,
        status=RETRY_TOTAL,
        other=0,
        allowed_methods=IDEMPOTENT_METHODS,
        status_forcelist=RETRY_STATUSES,
        backoff_factor=RETRY_BACKOFF_FACTOR,
        raise_on_status=False,
        respect_retry_after_header=True,
    )


# -- per-platform rate limits -------------------------------------------------------------

LIMITER_EXTENSION = "reciprocal.outbound_limiter"


class OutboundLimiter(Protocol):
    """Where a per-platform rate limiter plugs in: ``acquire`` is called with the LMS's host
    name before every request to it (each redirect hop too; a request's retries count as
    one). It may wait until the request may go, or raise a ``PlatformServiceError`` to refuse
    it. None is installed by default."""

    def acquire(self, host: str) -> None: ...


def set_outbound_limiter(app: Flask, limiter: OutboundLimiter | None) -> None:
    """Install ``limiter`` for every outbound call made in ``app`` (None removes it)."""
    if limiter is None:
        app.extensions.pop(LIMITER_EXTENSION, None)
    else:
        app.extensions[LIMITER_EXTENSION] = limiter


def _limit(url: str) -> None:
    if not has_app_context():
        return
    limiter = current_app.extensions.get(LIMITER_EXTENSION)
    if limiter is not None:
        limiter.acquire((urlsplit(url).hostname or "").lower())


# -- the adapter -----------------------------------------------------------------------------


class GuardedAdapter(HTTPAdapter):
    """Checks each URL (every redirect hop comes through here), asks the rate limiter,
    bounds its timeouts by the current budget, retries idempotent requests, and reads the
    body up to the size limit."""

    def __init__(self) -> None:
        super().__init__(max_retries=outbound_retry())

    def init_poolmanager(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": GuardedHTTPConnectionPool,
            "https": GuardedHTTPSConnectionPool,
        }

    def send(self, request, stream=False, timeout=None, **kwargs):  # type: ignore[no-untyped-def,override]
        check_outbound_url(request.url or "")
        _limit(request.url or "")
        timeout = _bounded_timeout(timeout)
        response = super().send(request, stream=True, timeout=timeout, **kwargs)
        if not stream:
            _read_capped(response, timeout[1])
        return response


def max_response_bytes() -> int:
    if not has_app_context():
        return 1024 * 1024
    return int(current_app.config.get("OUTBOUND_MAX_RESPONSE_BYTES", 1024 * 1024))


def _too_large(url: str, limit: int) -> ResponseTooLarge:
    return ResponseTooLarge(
        f"{urlsplit(url).hostname} answered with more than {limit:,} bytes; the tool "
        "refuses answers that big."
    )


def _read_capped(response: requests.Response, read_timeout: float | None) -> None:
    """Read the whole body into ``response`` or refuse it once it passes the limit."""
    limit = max_response_bytes()
    raw = response.raw
    try:
        declared = int(response.headers.get("Content-Length", "0"))
    except ValueError:
        declared = 0
    if declared > limit:
        response.close()
        raise _too_large(response.url, limit)
    chunks: list[bytes] = []
    size = 0
    budget = _budget.get()
    try:
        while True:
            if budget is not None:
                remaining = budget.remaining()
                if remaining <= 0:
                    raise OutboundDeadline("The time allowed for calls to the LMS ran out.")
                _set_read_timeout(raw, min(t for t in (read_timeout, remaining) if t))
            chunk = raw.read1(_CHUNK_BYTES, decode_content=True)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                raise _too_large(response.url, limit)
            chunks.append(chunk)
    except (ResponseTooLarge, OutboundDeadline):
        response.close()
        raise
    except (ReadTimeoutError, TimeoutError) as exc:
        response.close()
        raise requests.ReadTimeout(f"Reading the answer timed out: {exc}") from exc
    except Exception as exc:
        response.close()
        raise requests.ConnectionError(f"Reading the answer failed: {exc}") from exc
    response._content = b"".join(chunks)
    response._content_consumed = True
    raw.release_conn()


def _set_read_timeout(raw: object, seconds: float) -> None:
    """Each read waits at most until the budget's deadline, even for a slow drip."""
    sock = getattr(getattr(raw, "connection", None), "sock", None)
    if sock is not None:
        sock.settimeout(max(seconds, 0.001))


# -- the session -------------------------------------------------------------------------


def http_session() -> requests.Session:
    """A per-thread requests session (sessions are not thread-safe) that follows the rules."""
    session = getattr(_local, "session", None)
    if session is None:
        session = MeteredSession()  # times and counts each call (core/metrics.py)
        session.headers["User-Agent"] = USER_AGENT
        # No proxies or .netrc from the environment: the tool connects itself. A private CA
        # bundle (an LMS on an internal network) is still honoured.
        session.trust_env = False
        session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or True
        session.max_redirects = MAX_REDIRECTS
        session.adapters.clear()
        adapter = GuardedAdapter()
        for prefix in ("https://", "http://", ""):  # "": other schemes reach the check too
            session.mount(prefix, adapter)
        _local.session = session
    return session


def init_outbound(app: Flask) -> None:
    """Refuse to start with an unreadable ``OUTBOUND_ALLOWED_NETWORKS``."""
    setting = str(app.config.get("OUTBOUND_ALLOWED_NETWORKS") or "")
    try:
        parse_networks(setting)
    except ValueError as exc:
        raise RuntimeError(
            f"OUTBOUND_ALLOWED_NETWORKS={setting!r} is not a list of CIDR ranges: {exc}"
        ) from None


def http_timeout() -> float:
    return float(current_app.config["HTTP_TIMEOUT_SECONDS"])
