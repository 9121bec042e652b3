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

Connections come from a keep-alive pool of its own (`_Pool`, on `http.client`) under
requests' `HTTPAdapter.send`, in place of urllib3's: a sync sends about 1.2 requests
per issue, and urllib3's work per request (a liveness poll, timeout objects, two
`settimeout` calls, its response wrapper and buffers) cost more CPU than the request
itself at zero latency. The pool keeps what urllib3 gave: idle connections per host up
to the session's pool size, one new connection when a reused one turns out closed by
the server, certificates and host names verified against requests' CA bundle, gzip and
deflate bodies decoded as they are read, and urllib3's exceptions, which `send` turns
into requests' own.

`responses` (the unit tests' network fake) patches `HTTPAdapter.send`, which the
adapter here inherits untouched: faked responses go through the same body reading.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import json
import socket
import ssl
import threading
import time
import zlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import msgspec
import orjson
import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from urllib3.exceptions import (
    ConnectTimeoutError,
    DecodeError,
    LocationValueError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)
from urllib3.util import Timeout

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


def parse_json(body: bytes, shape: msgspec.json.Decoder | None = None) -> Any:
    """The JSON in `body`; ValueError for anything that isn't JSON, whatever the reason.

    With `shape` (integrations/jira/shapes.py), only what it names is decoded; a body
    that doesn't fit it is decoded whole, as without one.

    orjson decodes a search page in about half the time json takes (a sync decodes
    hundreds of megabytes) but refuses some of what json reads, such as NaN and UTF-16:
    json gets what orjson refuses. Integers past 64 bits, which Jira never sends, come
    back as floats. json raises ValueError for bad syntax and encodings, but
    RecursionError for deeply nested arrays or objects: both mean "not a response we
    can use".
    """
    if shape is not None:
        try:
            return shape.decode(body)
        except (ValueError, RecursionError):
            pass  # not of that shape (or not JSON): decoded whole below
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
        self.connection: http.client.HTTPConnection | None = None
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
    def attach(ticket: _Ticket, connection: http.client.HTTPConnection) -> None:
        with ticket.lock:
            ticket.connection = connection
            connection._pensero_ticket = ticket
            if ticket.expired:  # the deadline passed while it was connecting
                _shut_down(connection)

    @staticmethod
    def detach(connection: http.client.HTTPConnection) -> bool:
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


def _shut_down(connection: http.client.HTTPConnection | None) -> None:
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


# -- the connection pool -------------------------------------------------------------

_DEFAULT_PORTS = {"http": 80, "https": 443}
# What a connection the server closed while it sat idle in the pool looks like when it
# is used again: the request can't be written, or the connection ends before the first
# byte of the response. Such a request is sent once more, on a new connection.
_STALE = (
    http.client.RemoteDisconnected,
    BrokenPipeError,
    ConnectionResetError,
    ConnectionAbortedError,
    ssl.SSLEOFError,
    ssl.SSLZeroReturnError,
)


class _HTTPResponse(http.client.HTTPResponse):
    """http.client's response with its headers read without the email parser.

    `http.client.parse_headers` runs each response's header block through the email
    package's parser, a fifth of the CPU of a small request; header lines are only
    `name: value` (with the obsolete folded continuation lines joined), so they are split
    here and put in the same HTTPMessage. `begin` is http.client's own otherwise.
    """

    def begin(self) -> None:
        if self.headers is not None:
            return
        while True:
            version, status, reason = self._read_status()
            if status != http.client.CONTINUE:
                break
            http.client._read_headers(self.fp)  # a 100 Continue's headers: skipped
        self.code = self.status = status
        self.reason = reason.strip()
        if version in ("HTTP/1.0", "HTTP/0.9"):
            self.version = 10
        elif version.startswith("HTTP/1."):
            self.version = 11
        else:
            raise http.client.UnknownProtocol(version)

        pairs: list[list[str]] = []
        for line in http.client._read_headers(self.fp):
            text = line.decode("iso-8859-1")
            if text[:1] in (" ", "\t"):
                if pairs:  # a folded continuation of the previous header
                    pairs[-1][1] = f"{pairs[-1][1]} {text.strip()}"
                continue
            name, colon, value = text.partition(":")
            if colon:
                pairs.append([name, value.strip()])
        self.headers = self.msg = message = http.client.HTTPMessage()
        for name, value in pairs:
            message[name] = value
        self.header_pairs = pairs

        transfer_encoding = message.get("transfer-encoding")
        self.chunked = bool(transfer_encoding) and transfer_encoding.lower() == "chunked"
        self.chunk_left = None
        self.will_close = self._check_close()
        self.length = None
        length = message.get("content-length")
        if length and not self.chunked:
            try:
                self.length = int(length)
            except ValueError:
                self.length = None
            else:
                if self.length < 0:
                    self.length = None
        if status in (204, 304) or 100 <= status < 200 or self._method == "HEAD":
            self.length = 0
        if not self.will_close and not self.chunked and self.length is None:
            self.will_close = True


class _HTTPConnection(http.client.HTTPConnection):
    response_class = _HTTPResponse


class _HTTPSConnection(http.client.HTTPSConnection):
    response_class = _HTTPResponse


@functools.lru_cache(maxsize=8)
def _tls_context(cafile: str | None, capath: str | None) -> ssl.SSLContext:
    """A client TLS context that verifies the certificate and the host name.

    Loading a CA bundle takes milliseconds: one context per bundle for the process.
    Without a bundle (not given by requests' `cert_verify`) the system's CAs are used:
    verification never turns off.
    """
    context = ssl.create_default_context(cafile=cafile, capath=capath)
    context.set_alpn_protocols(["http/1.1"])
    return context


def _timeouts(timeout: Any) -> tuple[float | None, float | None]:
    """(connect, read) seconds from what requests' `send` passes: a urllib3 Timeout."""
    if isinstance(timeout, Timeout):
        if timeout.total is not None:
            timeout = timeout.clone()
            timeout.start_connect()
        return (
            Timeout.resolve_default_timeout(timeout.connect_timeout),
            Timeout.resolve_default_timeout(timeout.read_timeout),
        )
    return timeout, timeout


class _Pool:
    """Keep-alive connections to one host, on `http.client`, for requests' adapter.

    What `HTTPAdapter.send` needs of a urllib3 pool and no more: `urlopen` sends one
    request on an idle connection (or a new one) and returns the response with its body
    unread; urllib3's exceptions, which `send` turns into requests' own. Per request
    there is no liveness poll, no timeout object and one `settimeout` at most: the
    connection keeps its read timeout from one request to the next.

    A connection goes back to the pool when its body has been read to the end, unless
    the server said `Connection: close` or the deadline shut it down; at most `maxsize`
    connections wait idle, the rest are closed. A request that fails on a reused
    connection before any byte of the response (the server closed it while idle) is
    sent once more on a new connection.
    """

    def __init__(self, scheme: str, host: str, port: int, maxsize: int):
        self.scheme = scheme
        self.host = host
        self.port = port
        self.maxsize = maxsize
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()
        self._closed = False
        # Set by requests' HTTPAdapter.cert_verify before each request.
        self.cert_reqs: str | None = None
        self.ca_certs: str | None = None
        self.ca_cert_dir: str | None = None
        self.cert_file: str | None = None
        self.key_file: str | None = None

    def __repr__(self) -> str:
        return f"<pool {self.scheme}://{self.host}:{self.port}>"

    def urlopen(
        self,
        method: str,
        url: str,
        body: Any = None,
        headers: Any = None,
        *,
        timeout: Any = None,
        chunked: bool = False,
        decode_content: bool = True,
        **_ignored: Any,  # redirect, retries, preload_content: never used here
    ) -> _Response:
        connect_timeout, read_timeout = _timeouts(timeout)
        ticket = getattr(_current, "ticket", None)
        encode_chunked = chunked and not isinstance(body, (bytes, str))
        for attempt in (1, 2):
            conn = self._get(fresh=attempt == 2)
            reused = conn.sock is not None
            if reused:
                if conn._pensero_read_timeout != read_timeout:
                    conn.sock.settimeout(read_timeout)
                    conn._pensero_read_timeout = read_timeout
            else:
                self._connect(conn, url, connect_timeout, read_timeout)
            if ticket is not None:
                _watchdog.attach(ticket, conn)
            try:
                conn.request(method, url, body, headers or {}, encode_chunked=encode_chunked)
                response = conn.getresponse()
            except _STALE as error:
                self._discard(conn)
                if reused and attempt == 1 and not (ticket is not None and ticket.expired):
                    continue
                raise ProtocolError("Connection aborted.", error) from None
            except TimeoutError:
                self._discard(conn)
                raise ReadTimeoutError(
                    self, url, f"Read timed out. (read timeout={read_timeout})"
                ) from None
            except (OSError, http.client.HTTPException) as error:
                self._discard(conn)
                raise ProtocolError("Connection aborted.", error) from None
            except BaseException:
                self._discard(conn)
                raise
            return _Response(self, conn, response, decode_content)
        raise AssertionError("unreachable")

    def _get(self, *, fresh: bool = False) -> http.client.HTTPConnection:
        if not fresh:
            with self._lock:
                if self._idle:
                    return self._idle.pop()
        if self.scheme == "https":
            conn = _HTTPSConnection(
                self.host, self.port, context=_tls_context(self.ca_certs, self.ca_cert_dir)
            )
        else:
            conn = _HTTPConnection(self.host, self.port)
        conn._pensero_ticket = None
        conn._pensero_read_timeout = None
        return conn

    def _connect(self, conn, url: str, connect_timeout, read_timeout) -> None:
        conn.timeout = connect_timeout  # the TCP connect and the TLS handshake
        try:
            conn.connect()
        except TimeoutError:
            conn.close()
            reason = ConnectTimeoutError(
                conn, f"Connection to {self.host} timed out. (connect timeout={connect_timeout})"
            )
            raise MaxRetryError(self, url, reason) from None
        except (ssl.SSLError, ssl.CertificateError) as error:
            conn.close()
            raise MaxRetryError(self, url, SSLError(error)) from None
        except OSError as error:
            conn.close()
            reason = NewConnectionError(conn, f"Failed to establish a new connection: {error}")
            raise MaxRetryError(self, url, reason) from None
        conn.sock.settimeout(read_timeout)
        conn._pensero_read_timeout = read_timeout

    def _put(self, conn: http.client.HTTPConnection) -> None:
        """Back to the pool after its response was read to the end."""
        if _watchdog.detach(conn) or conn.sock is None:
            conn.close()  # shut down at the deadline, or closed by the response
            return
        with self._lock:
            if not self._closed and len(self._idle) < self.maxsize:
                self._idle.append(conn)
                return
        conn.close()

    @staticmethod
    def _discard(conn: http.client.HTTPConnection) -> None:
        _watchdog.detach(conn)
        conn.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


class _Decoder:
    """Streaming gzip/deflate decoding, never more than `limit` bytes out per call."""

    __slots__ = ("_gzip", "_obj", "tail", "_started")

    def __init__(self, gzip: bool):
        self._gzip = gzip
        self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS if gzip else zlib.MAX_WBITS)
        self.tail = b""  # input not decoded yet because `limit` was reached
        self._started = False

    def decompress(self, data: bytes, limit: int) -> bytes:
        if self.tail:
            data = self.tail + data
        try:
            out = self._obj.decompress(data, limit)
        except zlib.error:
            if self._gzip or self._started:
                raise
            # "deflate" is sometimes sent raw, without the zlib header (urllib3 reads both).
            self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self._obj.decompress(data, limit)
        self._started = self._started or bool(out)
        self.tail = self._obj.unconsumed_tail
        if self._gzip and self._obj.eof and self._obj.unused_data.startswith(b"\x1f\x8b"):
            # Another gzip member follows.
            self.tail = self._obj.unused_data + self.tail
            self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS)
        return out

    def flush(self) -> bytes:
        return self._obj.flush()


class _Response:
    """The response of `_Pool.urlopen`: what requests and `fetch` use of urllib3's."""

    def __init__(self, pool: _Pool, conn, response: http.client.HTTPResponse, decode: bool):
        self.status = response.status
        self.reason = response.reason
        self.version = response.version
        # One entry per name, whatever its case; repeated headers joined, as urllib3 does.
        headers: dict[str, str] = {}
        names: dict[str, str] = {}
        for name, value in response.header_pairs:
            first = names.setdefault(name.lower(), name)
            headers[first] = f"{headers[first]}, {value}" if first in headers else value
        self.headers = headers
        self.decode_content = decode
        encoding = (response.msg.get("Content-Encoding") or "").strip().lower()
        self._decoder = _Decoder(encoding == "gzip") if encoding in ("gzip", "deflate") else None
        self._pool = pool
        self._conn = conn
        self._fp: http.client.HTTPResponse | None = response
        self._will_close = response.will_close

    @property
    def closed(self) -> bool:
        return self._fp is None

    def read(self, amt: int | None = None, decode_content: bool | None = None, **_) -> bytes:
        """Up to `amt` bytes of the body (decoded); b"" at its end, when the connection
        goes back to the pool."""
        fp = self._fp
        if fp is None:
            return b""
        decode = self.decode_content if decode_content is None else decode_content
        decoder = self._decoder if decode else None
        try:
            while True:
                data = b""
                if decoder is None or not decoder.tail:
                    data = fp.read(amt)
                    if fp.isclosed() and fp.length:
                        raise http.client.IncompleteRead(b"", fp.length)
                ended = fp.isclosed()
                if decoder is not None:
                    data = decoder.decompress(data, amt or 0)
                    ended = ended and not decoder.tail
                    if ended:
                        data += decoder.flush()
                if ended:
                    self._release()
                    return data
                if data:
                    return data
        except TimeoutError:
            self.close()
            raise ReadTimeoutError(self._pool, None, "Read timed out.") from None
        except zlib.error as error:
            self.close()
            raise DecodeError("The body's Content-Encoding could not be decoded.", error) from None
        except (OSError, http.client.HTTPException) as error:
            self.close()
            raise ProtocolError(f"Connection broken: {error!r}", error) from None

    def stream(self, amt: int = 2**16, decode_content: bool | None = None):
        while data := self.read(amt, decode_content=decode_content):
            yield data

    def _release(self) -> None:
        fp, conn = self._fp, self._conn
        self._fp = self._conn = None
        if conn is not None:
            if self._will_close:
                _Pool._discard(conn)
            else:
                self._pool._put(conn)
        if fp is not None:
            fp.close()

    def close(self) -> None:
        """Drop the connection: the body was not read to the end."""
        fp, conn = self._fp, self._conn
        self._fp = self._conn = None
        if fp is not None:
            fp.close()
        if conn is not None:
            _Pool._discard(conn)

    def release_conn(self) -> None:
        if self._fp is not None:
            self.close()


class BoundedAdapter(HTTPAdapter):
    """requests' adapter on `_Pool`: connections the deadline watchdog can cut (see
    module doc), kept alive with less work per request than urllib3's.

    Its sessions use no proxy and keep no cookies (`bounded_session`): the steps of `send`
    that look for proxies and cookies are skipped, about 7% of the client's CPU per
    request at zero latency. `send` itself stays requests' own, the one the unit tests'
    `responses` fakes; `responses` also calls this `build_response`. A request with a
    proxy, a client certificate or `verify=False` (nothing here sends one) goes through
    requests' urllib3 pools instead.
    """

    def __init__(self, *args, **kwargs):
        self._pools: dict[tuple, _Pool] = {}
        self._pools_lock = threading.Lock()
        self._by_origin: dict[tuple, _Pool] = {}
        super().__init__(*args, **kwargs)

    def get_connection_with_tls_context(self, request, verify, proxies=None, cert=None):
        if proxies or verify is False or cert is not None:
            return super().get_connection_with_tls_context(request, verify, proxies, cert)
        # The pool by the URL's "scheme://host:port" as written, without parsing it again
        # on every request.
        url = request.url
        end = url.find("/", url.find("://") + 3)
        origin = (url[:end], verify) if end > 0 else None
        pool = self._by_origin.get(origin)
        if pool is not None:
            return pool
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS:
            return super().get_connection_with_tls_context(request, verify, proxies, cert)
        try:
            port = parts.port or _DEFAULT_PORTS[scheme]
        except ValueError as error:
            raise requests.exceptions.InvalidURL(error, request=request) from None
        if not parts.hostname:
            raise LocationValueError("No host specified.")
        key = (scheme, parts.hostname, port, verify)
        with self._pools_lock:
            pool = self._pools.get(key)
            if pool is None:
                pool = self._pools[key] = _Pool(scheme, parts.hostname, port, self._pool_maxsize)
                while len(self._pools) > self._pool_connections:
                    self._pools.pop(next(iter(self._pools))).close()
                    self._by_origin.clear()
            if origin is not None and len(self._by_origin) < 64:
                self._by_origin[origin] = pool
        return pool

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

    def close(self) -> None:
        super().close()
        with self._pools_lock:
            pools, self._pools = list(self._pools.values()), {}
            self._by_origin = {}
        for pool in pools:
            pool.close()


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

    Raises requests' exceptions for connect/read failures (of the headers or the body:
    a read timeout is requests.ReadTimeout, a broken connection requests.ConnectionError,
    a body that can't be decoded ContentDecodingError), DeadlinePassed when the whole
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
        try:
            body = _read_capped(response, limits, ticket)
        # Failures while reading the body, in requests' terms as for the headers.
        except ReadTimeoutError as error:
            raise requests.ReadTimeout(error, request=prepared) from None
        except ProtocolError as error:
            raise requests.ConnectionError(error, request=prepared) from None
        except DecodeError as error:
            raise requests.exceptions.ContentDecodingError(error, request=prepared) from None
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
