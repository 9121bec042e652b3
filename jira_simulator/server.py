"""HTTP/1.1 keep-alive server for a ``JiraSimulator``, bound to loopback only.

Jira endpoints live under ``/s/{subdomain}`` (so ``JIRA_SITE_URL_TEMPLATE`` is
``http://127.0.0.1:PORT/s/{subdomain}``) with Basic auth, and under ``/ex/jira/{cloudId}``
with OAuth bearer tokens (so ``ATLASSIAN_API_URL`` is ``http://127.0.0.1:PORT``); Atlassian's
OAuth endpoints at ``/authorize``, ``/oauth/token``, ``/oauth/token/accessible-resources``
and ``/me``; the control API under ``/_sim``. Each response is
written with a single ``send`` and Nagle disabled, which keeps small keep-alive requests
fast (no delayed-ACK stalls between headers and body).
"""

from __future__ import annotations

import contextlib
import itertools
import re
import socket
import struct
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from . import api, control, oauth
from .constants import MSG_UNAUTHORIZED, error_body
from .encoding import FRAGMENTS
from .encoding import encode as _encode

SITE_PATH = re.compile(r"^/s/(?P<sub>[A-Za-z0-9][A-Za-z0-9-]{0,62})(?P<rest>/[^?]*)?$")
# Atlassian's API gateway for OAuth (3LO): api.atlassian.com/ex/jira/{cloudId}/rest/...
CLOUD_PATH = re.compile(r"^/ex/jira/(?P<cloud>[A-Za-z0-9-]{1,64})(?P<rest>/[^?]*)?$")
NO_FAULTS = {"/rest/api/3/serverInfo"}  # a health probe must always answer
IDLE_TIMEOUT_SECONDS = 120
MAX_HEADER_LINE = 65_536
MAX_HEADERS = 100
_request_ids = itertools.count(0x5EED0000)
_date_header: tuple[int, str] = (0, "")  # (second, its Date header)


class SimulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address, simulator):
        self.simulator = simulator
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, SimulatorRequestHandler)

    def handle_error(self, request, client_address) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return  # the client gave up (its timeout, or a reset we injected): not a server error
        super().handle_error(request, client_address)

    def close_connections(self) -> None:
        with self.connections_lock:
            sockets = list(self.connections)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class SimulatorRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "JiraSimulator/1.0"
    disable_nagle_algorithm = True
    timeout = IDLE_TIMEOUT_SECONDS

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def parse_request(self) -> bool:
        """The common case (HTTP/1.x, plain headers) without the email-package parser.

        The standard parser costs about a third of a small request's server time; anything
        unusual falls back to it (the headers are still unread at that point).
        """
        words = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n").split()
        if len(words) != 3 or words[2] not in ("HTTP/1.1", "HTTP/1.0"):
            return super().parse_request()
        self.requestline = " ".join(words)
        self.command, self.path, self.request_version = words
        headers = _Headers()
        while True:
            raw = self.rfile.readline(MAX_HEADER_LINE + 1)
            if raw in (b"\r\n", b"\n", b""):
                break
            name, colon, value = raw.decode("iso-8859-1").partition(":")
            if len(raw) > MAX_HEADER_LINE or not colon or len(headers) >= MAX_HEADERS:
                self.close_connection = True
                self.send_error(431 if colon else 400, "Bad request headers")
                return False
            headers[name.strip().lower()] = value.strip()
        self.headers = headers
        connection = headers.get("connection", "").lower()
        old_client = self.request_version == "HTTP/1.0"
        self.close_connection = connection == "close" or (old_client and connection != "keep-alive")
        if headers.get("expect", "").lower() == "100-continue":
            return self.handle_expect_100()
        return True

    def date_time_string(self, timestamp=None) -> str:
        """The Date header, formatted once per second rather than per response."""
        if timestamp is not None:
            return super().date_time_string(timestamp)
        global _date_header
        second = int(time.time())
        if _date_header[0] != second:
            _date_header = (second, super().date_time_string(second))
        return _date_header[1]

    def log_message(self, format, *args) -> None:  # noqa: A002 - signature of the base class
        pass  # quiet: benchmarks make tens of thousands of requests

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    # -- request handling ----------------------------------------------------------------------
    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        params = parse_qs(url.query, keep_blank_values=True)
        simulator = self.server.simulator
        if url.path.startswith("/_sim/"):
            status, payload = control.handle(simulator, method, url.path, params, body)
            self._send(status, _encode(payload))
            return
        if url.path in oauth.PATHS:
            status, payload, headers = simulator.oauth.handle(
                method, url.path, params, body, self.headers
            )
            self._send(status, _encode(payload), headers)
            return
        cloud = CLOUD_PATH.match(url.path)
        if cloud is not None:
            subdomain = simulator.oauth.subdomain_for(cloud["cloud"])
            if subdomain is None:
                self._send(404, _encode(error_body("Site not found.")))
                return
            prefix = f"/ex/jira/{cloud['cloud']}"
            self._serve_site(
                method, url.path, params, body, subdomain, cloud["rest"], prefix, cloud["cloud"]
            )
            return
        match = SITE_PATH.match(url.path)
        if match is None:
            self._send(404, _encode(error_body("Not found: Jira sites live under /s/{subdomain}.")))
            return
        self._serve_site(
            method, url.path, params, body, match["sub"], match["rest"], f"/s/{match['sub']}"
        )

    def _serve_site(
        self, method, path, params, body, subdomain, rest, prefix, cloud_id=None
    ) -> None:
        """A Jira REST call on one site: Basic auth under /s/, OAuth bearer under /ex/jira/."""
        simulator = self.server.simulator
        rest = rest or "/"
        route, route_match = api.find_route(rest)
        template = route.template if route else "(unknown)"
        simulator.count(template)
        if simulator.latency_ms:
            time.sleep(simulator.latency_ms / 1000)
        extra_headers: dict[str, str] = {}
        paused_for = simulator.throttled_sites.get(subdomain)
        if paused_for is not None and template not in NO_FAULTS:
            # A site over its tenant quota, as seen on a real one: every request refused
            # with a Retry-After far beyond anything worth waiting for.
            headers = {
                "Retry-After": str(int(paused_for)),
                "RateLimit-Reason": "jira-quota-tenant-based",
            }
            self._send(429, _encode(error_body("Rate limit exceeded.")), headers)
            return
        if template not in NO_FAULTS:
            allowed, extra_headers = simulator.rate_limiter.check(
                subdomain, method, self.path, body, endpoint=template
            )
            if not allowed:
                self._send(429, _encode(error_body("Rate limit exceeded.")), extra_headers)
                return
        fault = None if template in NO_FAULTS else simulator.faults.decide(method, path)
        if fault and self._serve_fault(fault):
            return
        if route is None:
            self._send(404, _encode(error_body(f"No Jira resource at {rest}")))
            return
        site = simulator.site(subdomain)
        host = (
            self.headers.get("Host")
            or f"{self.server.server_address[0]}:{self.server.server_address[1]}"
        )
        request = api.Request(
            method, rest, params, body, site, f"http://{host}{prefix}", match=route_match
        )
        request.oauth = cloud_id is not None
        request.fragments = FRAGMENTS
        if route.auth and cloud_id is not None:
            # 3LO bearer tokens only work through the gateway (and Basic isn't simulated there).
            request.account, denial = simulator.oauth.authenticate(
                self.headers.get("Authorization"), cloud_id, template
            )
            if request.account is None:
                self._send(401, _encode(denial))
                return
        elif route.auth:
            request.account = simulator.authenticate(self.headers.get("Authorization"))
            if request.account is None:
                self._send(401, _encode(error_body(MSG_UNAUTHORIZED)))
                return
        try:
            response = api.call(route, request)
        except Exception:  # a simulator bug: answer like Jira would, and say where it broke
            traceback.print_exc(file=sys.stderr)
            response = api.Response(500, error_body("Internal server error (simulator bug)"))
        payload = _encode(response.body)
        if fault == "malformed" and response.status == 200:
            payload = payload[: max(1, len(payload) // 2)]  # truncated JSON, with a 200
        self._send(response.status, payload, {**response.headers, **extra_headers})

    def _serve_fault(self, fault: str) -> bool:
        """Serve a failure; False when the request should then proceed (slow, malformed)."""
        if fault == "reset":
            # SO_LINGER 0 makes close() send RST: the client sees a reset, not a response.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.server.simulator.log_request(self.command, self.path, 0)
            self.connection.close()
            return True
        if fault == "rate_limit":
            headers = {
                "Retry-After": "1",
                "RateLimit-Reason": "jira-burst-based",
                "X-RateLimit-Limit": "100",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": time.strftime(
                    "%Y-%m-%dT%H:%MZ", time.gmtime(time.time() + 60)
                ),
            }
            self._send(429, _encode(error_body("Rate limit exceeded.")), headers)
            return True
        if fault == "server_error":
            self._send(500, _encode(error_body("Internal server error")))
            return True
        if fault == "unavailable":
            self._send(503, _encode(error_body("Service unavailable")), {"Retry-After": "1"})
            return True
        if fault == "slow":
            time.sleep(self.server.simulator.faults.slow_seconds)
        return False

    def _send(self, status: int, payload: bytes, headers: dict[str, str] | None = None) -> None:
        reason = self.responses.get(status, ("",))[0]
        lines = [
            f"HTTP/1.1 {status} {reason}",
            "Content-Type: application/json;charset=UTF-8",
            f"Content-Length: {len(payload)}",
            f"X-Arequestid: {next(_request_ids):x}",
            f"Date: {self.date_time_string()}",
        ]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        if self.close_connection:
            lines.append("Connection: close")
        self.server.simulator.log_request(self.command, self.path, status)
        self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload)


class _Headers(dict):
    """Request headers keyed in lower case; ``get`` is case-insensitive like ``email.Message``."""

    def get(self, name: str, default=None):
        return super().get(name.lower(), default)

    def __getitem__(self, name: str):
        return super().__getitem__(name.lower())

    def __contains__(self, name) -> bool:
        return super().__contains__(str(name).lower())


class RunningSimulator:
    """A simulator served on a daemon thread; ``stop()`` (or ``with``) shuts it down."""

    def __init__(self, simulator, server: SimulatorHTTPServer, thread: threading.Thread):
        self.simulator = simulator
        self.server = server
        self.thread = thread
        self.host, self.port = server.server_address[:2]
        self.url = f"http://{self.host}:{self.port}"

    @property
    def site_url_template(self) -> str:
        return f"{self.url}/s/{{subdomain}}"

    def site_url(self, subdomain: str) -> str:
        return f"{self.url}/s/{subdomain}"

    def stop(self) -> None:
        self.simulator.webhooks.close()
        self.server.shutdown()
        self.server.close_connections()
        self.server.server_close()
        self.thread.join(timeout=5)

    def __enter__(self) -> RunningSimulator:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_simulator(simulator, host: str = "127.0.0.1", port: int = 0) -> RunningSimulator:
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError("the simulator binds to loopback only")
    server = SimulatorHTTPServer((host, port), simulator)
    # A short poll interval lets stop() return quickly (tests start and stop many servers).
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name="jira-simulator",
        daemon=True,
    )
    thread.start()
    return RunningSimulator(simulator, server, thread)
