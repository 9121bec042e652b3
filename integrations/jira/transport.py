"""Bounded HTTP for the Jira client: every response has a deadline and a size cap.

requests' timeout applies to each socket read, so a server that sends one byte every
few seconds never trips it, and a body is buffered whole however large it is. Here
every attempt gets:

- a connect timeout and a per-read timeout (requests' own `timeout`);
- a wall-clock deadline for the whole response, headers and body: a watchdog thread
  shuts the socket down when it passes, so a read blocked on a dripping server returns
  at once instead of waiting for the next byte;
- a cap on the size of the (decoded) body, read in chunks and abandoned past the cap,
  so a huge body is never held in memory.

`responses` (the unit tests' network fake) patches `HTTPAdapter.send`, which the
adapter here inherits untouched: faked responses go through the same body reading.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import orjson
import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

MB = 1024 * 1024
_CHUNK = 256 * 1024
# `json` is also the name of the request body argument, as in requests.
_dumps = json.dumps


@dataclass(frozen=True)
class Limits:
    """How long and how large one response may be (settings JIRA_*; see docs/deploy.md)."""

    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    deadline: float = 60.0
    max_body_bytes: int = 50 * MB
    # Attempts after a timeout (connect, read or deadline): a site that times out once
    # usually times out again, and each try can take a whole deadline.
    timeout_retries: int = 2


class DeadlinePassed(Exception):
    """The whole response took longer than `Limits.deadline`."""


class BodyTooLarge(Exception):
    """The body is larger than `Limits.max_body_bytes`; it was not read to the end."""


def parse_json(body: bytes) -> Any:
    """The JSON in `body`; ValueError for anything that isn't JSON, whatever the reason.

    orjson decodes a search page in about half the time json takes (a sync decodes
    hundreds of megabytes) but refuses some of what json reads, such as NaN and UTF-16:
    json gets what orjson refuses. Integers past 64 bits, which Jira never sends, come
    back as floats. json raises ValueError for bad syntax and encodings, but
    RecursionError for deeply nested arrays or objects: both mean "not a response we
    can use".
    """
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(body)
    except (ValueError, RecursionError, TypeError) as error:
        raise ValueError(f"not JSON: {type(error).__name__}") from None


# -- the watchdog --------------------------------------------------------------------


class _Ticket:
    """One attempt's deadline, and the connection it is using once it has one."""

    __slots__ = ("deadline", "connection", "expired", "lock")

    def __init__(self, deadline: float):
        self.deadline = deadline
        self.connection: HTTPConnection | None = None
        self.expired = False
        # Orders the watchdog's shutdown against the connection going back to the pool.
        self.lock = threading.Lock()

    def expire(self) -> None:
        with self.lock:
            self.expired = True
            _shut_down(self.connection)


class _Watchdog:
    """Shuts down the socket of every attempt that outlives its deadline.

    One daemon thread per process, asleep while no attempt is armed. Checks four times a
    second: deadlines are tens of seconds, so a quarter second late is close enough.
    Every request arms and disarms a ticket: those are the only uses of the shared lock.
    """

    TICK = 0.25

    def __init__(self):
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._armed: set[_Ticket] = set()
        self._thread: threading.Thread | None = None

    def arm(self, deadline: float) -> _Ticket:
        ticket = _Ticket(deadline)
        with self._lock:
            self._armed.add(ticket)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="jira-deadlines", daemon=True
                )
                self._thread.start()
            elif len(self._armed) == 1:
                self._wake.notify()  # it sleeps without a timeout while nothing is armed
        return ticket

    def disarm(self, ticket: _Ticket) -> None:
        with self._lock:
            self._armed.discard(ticket)

    @staticmethod
    def attach(ticket: _Ticket, connection: HTTPConnection) -> None:
        with ticket.lock:
            ticket.connection = connection
            connection._pensero_ticket = ticket

    @staticmethod
    def detach(connection: HTTPConnection) -> bool:
        """Forget `connection` (it goes back to the pool); True if its deadline passed."""
        ticket = getattr(connection, "_pensero_ticket", None)
        if ticket is None:
            return False
        with ticket.lock:
            connection._pensero_ticket = None
            ticket.connection = None
            return ticket.expired

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._armed:
                    self._wake.wait()
                now = time.monotonic()
                due = [t for t in self._armed if t.deadline <= now]
                self._armed.difference_update(due)
            for ticket in due:
                ticket.expire()
            time.sleep(self.TICK)


def _shut_down(connection: HTTPConnection | None) -> None:
    sock = getattr(connection, "sock", None)
    if sock is None:
        return  # still connecting: the connect timeout bounds that
    # socket.socket's own shutdown, also for TLS sockets: SSLSocket.shutdown would unwrap
    # the TLS object under the reading thread's feet. Either way a blocked read returns
    # now, and the connection is closed instead of pooled.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


_watchdog = _Watchdog()
_current = threading.local()


class _WatchedConnectionMixin:
    def request(self, *args, **kwargs):
        ticket = getattr(_current, "ticket", None)
        if ticket is not None:
            _watchdog.attach(ticket, self)
        return super().request(*args, **kwargs)


class _WatchedHTTPConnection(_WatchedConnectionMixin, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_WatchedConnectionMixin, HTTPSConnection):
    pass


class _WatchedPoolMixin:
    def _put_conn(self, conn):
        # A connection whose deadline passed had its socket shut down: close it rather
        # than hand a dead socket to the next request.
        if conn is not None and _watchdog.detach(conn):
            conn.close()
        super()._put_conn(conn)


class _WatchedHTTPPool(_WatchedPoolMixin, HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(_WatchedPoolMixin, HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class BoundedAdapter(HTTPAdapter):
    """requests' adapter with connections the deadline watchdog can cut (see module doc).

    Its sessions use no proxy and keep no cookies (`bounded_session`): the steps of `send`
    that look for proxies and cookies are skipped, about 7% of the client's CPU per
    request at zero latency. `send` itself stays requests' own, the one the unit tests'
    `responses` fakes; `responses` also calls this `build_response`.
    """

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _WatchedHTTPPool,
            "https": _WatchedHTTPSPool,
        }

    def get_connection_with_tls_context(self, request, verify, proxies=None, cert=None):
        if proxies or verify is not True or cert is not None:
            return super().get_connection_with_tls_context(request, verify, proxies, cert)
        # What requests' own returns for these arguments, without its proxy lookups.
        parts = urlsplit(request.url)
        return self.poolmanager.connection_from_host(
            parts.hostname, parts.port, parts.scheme.lower(), {"cert_reqs": "CERT_REQUIRED"}
        )

    def request_url(self, request, proxies) -> str:
        return super().request_url(request, proxies) if proxies else request.path_url

    def build_response(self, req, resp) -> requests.Response:
        # requests' own, less the cookie jar: nothing here sends cookies back.
        response = requests.Response()
        response.status_code = resp.status
        response.headers = CaseInsensitiveDict(resp.headers)
        response.encoding = get_encoding_from_headers(response.headers)
        response.raw = resp
        response.reason = resp.reason
        response.url = req.url
        response.request = req
        response.connection = self
        return response


def bounded_session(*, pool_size: int = 16) -> requests.Session:
    """A session for one host: bounded connections, nothing taken from the environment."""
    session = requests.Session()
    # No proxies, netrc or CA bundle from the environment: the only host is the one
    # configured, and skipping those lookups saves real time on every request.
    session.trust_env = False
    adapter = BoundedAdapter(pool_connections=4, pool_maxsize=pool_size, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def _prepare(
    session: requests.Session,
    method: str,
    url: str,
    *,
    params: Any = None,
    json: Any = None,
    headers: dict[str, str] | None = None,
) -> requests.PreparedRequest:
    """The request `session.request` would send, built directly.

    Session.request merges cookies, environment settings and hooks and re-parses the URL,
    with runtime Protocol checks along the way: a third of the client's CPU per request
    at zero latency. Nothing of that applies here (no cookies, redirects, proxies or
    hooks are used), so only what goes on the wire is built; the adapter, and `responses`
    in the unit tests, get the same PreparedRequest as before.
    """
    prepared = requests.PreparedRequest()
    prepared.method = method.upper()
    if params:
        query = urlencode(list(params.items()) if isinstance(params, dict) else params)
        url = f"{url}?{query}"
    prepared.url = url
    prepared.headers = CaseInsensitiveDict(session.headers)
    if headers:
        prepared.headers.update(headers)
    prepared.body = None
    if json is not None:
        prepared.body = _dumps(json, allow_nan=False).encode()
        prepared.headers["Content-Type"] = "application/json"
        prepared.headers["Content-Length"] = str(len(prepared.body))
    elif prepared.method in ("POST", "PUT", "PATCH"):
        prepared.headers["Content-Length"] = "0"
    prepared.hooks = {"response": []}
    prepared._cookies = None
    if session.auth is not None:
        prepared = session.auth(prepared)
    return prepared


def fetch(
    session: requests.Session, method: str, url: str, *, limits: Limits, **kwargs
) -> tuple[requests.Response, bytes]:
    """Send one request; return the response (headers) and its whole body.

    Raises requests' exceptions for connect/read failures, DeadlinePassed when the whole
    exchange outlived `limits.deadline`, BodyTooLarge past `limits.max_body_bytes`.
    Redirects are never followed.
    """
    ticket = _watchdog.arm(time.monotonic() + limits.deadline)
    # Saved and restored: a request can run inside another one's auth hook (an OAuth
    # token refresh), and each must keep its own deadline.
    outer = getattr(_current, "ticket", None)
    _current.ticket = ticket
    response = None
    try:
        prepared = _prepare(session, method, url, **kwargs)
        response = session.get_adapter(url).send(
            prepared,
            stream=True,
            timeout=(limits.connect_timeout, limits.read_timeout),
            verify=True,
            cert=None,
            proxies={},
        )
        body = _read_capped(response, limits, ticket)
    except BodyTooLarge:
        raise
    except Exception:
        if ticket.expired:
            raise DeadlinePassed() from None
        raise
    finally:
        _current.ticket = outer
        _watchdog.disarm(ticket)
        if response is not None and not response.raw.closed:
            # Not read to the end (too large, or failed): drop the connection rather
            # than drain the rest of the body into the void.
            response.close()
    if ticket.expired:
        raise DeadlinePassed()
    return response, body


def _read_capped(response: requests.Response, limits: Limits, ticket: _Ticket) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limits.max_body_bytes:
        raise BodyTooLarge()
    chunks: list[bytes] = []
    size = 0
    raw = response.raw
    while True:
        chunk = raw.read(_CHUNK, decode_content=True)
        if not chunk:
            break
        size += len(chunk)
        if size > limits.max_body_bytes:
            raise BodyTooLarge()
        if ticket.expired or time.monotonic() > ticket.deadline:
            raise DeadlinePassed()
        chunks.append(chunk)
    return b"".join(chunks)
