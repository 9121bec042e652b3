"""A hostile Jira-like server on 127.0.0.1: paging loops, dripping and huge bodies, nested JSON.

Each site name picks a behaviour (`http://127.0.0.1:PORT/s/{behaviour}/rest/api/3/...`);
everything the behaviour doesn't twist answers like a tiny, valid Jira site with one
project (HOS) and one issue, so a whole sync runs against it.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PATH = re.compile(r"^/s/(?P<site>[a-z0-9-]+)(?P<rest>/[^?]*)")
MB = 1024 * 1024
HUGE_BYTES = 200 * MB
NESTING = 100_000
DRIP_EVERY_SECONDS = 0.5

BEHAVIOURS = (
    "offset-loop",  # comments, changelog and projects: total 1e9, the same items forever
    "token-fresh",  # a new nextPageToken on every page, the same issues
    "token-alternate",  # two tokens taking turns
    "token-endless",  # a new token and new issues on every page, far past the count
    "drip",  # the search body one byte every half second
    "drip-headers",  # the search's status line and headers, one byte every half second
    "huge",  # a 200 MB search body, no Content-Length
    "nested",  # /myself and the search answer deeply nested JSON
)


def _issue(issue_id: int, *, comments_total: int = 0, histories_total: int = 0) -> dict:
    when = "2026-01-05T10:00:00.000+0000"
    return {
        "id": str(issue_id),
        "key": f"HOS-{issue_id - 10000}",
        "fields": {
            "summary": f"Issue {issue_id}",
            "created": when,
            "updated": when,
            "project": {"id": "1", "key": "HOS", "name": "Hostile"},
            "status": {"id": "1", "name": "To Do", "statusCategory": {"key": "new"}},
            "issuetype": {"id": "1", "name": "Task", "hierarchyLevel": 0},
            "comment": {"comments": [], "total": comments_total, "maxResults": 20},
        },
        "changelog": {"histories": [], "total": histories_total, "maxResults": 40},
    }


def _comment(n: int) -> dict:
    return {
        "id": str(n),
        "author": {"accountId": "a-1", "displayName": "Ann"},
        "body": {"type": "doc", "version": 1, "content": []},
        "created": "2026-01-05T10:00:00.000+0000",
        "updated": "2026-01-05T10:00:00.000+0000",
    }


def _history(n: int) -> dict:
    return {"id": str(n), "created": "2026-01-05T10:00:00.000+0000", "items": []}


class HostileHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without this, Nagle's algorithm and
    # delayed ACKs add 40 ms to every keep-alive request.
    disable_nagle_algorithm = True

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass

    def do_GET(self):
        self._serve()

    def do_POST(self):
        self._serve()

    def _serve(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}") if length else {}
        match = PATH.match(self.path)
        if match is None:
            return self._json(404, {"errorMessages": ["no site"]})
        site, rest = match["site"], match["rest"]
        self.server.count(site, rest)
        # The client hanging up on a body it didn't want is the point, not an error.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._route(site, rest, body)

    def _route(self, site: str, rest: str, body: dict):
        if rest == "/rest/api/3/myself":
            if site == "nested":
                return self._raw(200, b"[" * NESTING + b"]" * NESTING)
            return self._json(200, {"accountId": "a-1", "displayName": "Ann", "timeZone": "UTC"})
        if rest == "/rest/api/3/field":
            return self._json(200, [])
        if rest == "/rest/api/3/status":
            return self._json(200, [{"id": "1", "name": "To Do", "statusCategory": {"key": "new"}}])
        if rest == "/rest/api/3/project/search":
            project = {"id": "1", "key": "HOS", "name": "Hostile"}
            if site == "offset-loop":
                return self._json(200, {"values": [project], "total": 1_000_000_000})
            return self._json(200, {"values": [project], "total": 1, "isLast": True})
        if rest == "/rest/api/3/search/approximate-count":
            return self._json(200, {"count": 1})
        if rest == "/rest/api/3/search/jql":
            return self._search(site, body)
        if rest.endswith("/comment"):
            comments = [_comment(n) for n in range(100)]
            return self._json(200, {"comments": comments, "total": 1_000_000_000})
        if rest.endswith("/changelog"):
            histories = [_history(n) for n in range(100)]
            return self._json(200, {"values": histories, "total": 1_000_000_000, "isLast": False})
        if rest.endswith("/remotelink"):
            return self._json(200, [])
        return self._json(404, {"errorMessages": [f"nothing at {rest}"]})

    def _search(self, site: str, body: dict):
        if body.get("fields") == ["id"]:  # the census: one honest page
            return self._json(200, {"issues": [{"id": "10001"}], "isLast": True})
        if site == "offset-loop":
            issue = _issue(10001, comments_total=1_000_000_000, histories_total=1_000_000_000)
            return self._json(200, {"issues": [issue], "isLast": True})
        if site == "token-fresh":
            token = f"tok-{next(self.server.tokens)}"
            return self._json(
                200, {"issues": [_issue(10001), _issue(10002)], "nextPageToken": token}
            )
        if site == "token-alternate":
            token = "A" if body.get("nextPageToken") != "A" else "B"
            return self._json(200, {"issues": [_issue(10001)], "nextPageToken": token})
        if site == "token-endless":
            page = next(self.server.tokens)
            issues = [_issue(20000 + page * 200 + n) for n in range(200)]
            return self._json(200, {"issues": issues, "nextPageToken": f"tok-{page}"})
        if site == "drip":
            return self._drip(json.dumps({"issues": [_issue(10001)], "isLast": True}).encode())
        if site == "drip-headers":
            return self._drip_headers(json.dumps({"issues": [], "isLast": True}).encode())
        if site == "huge":
            return self._huge()
        if site == "nested":
            return self._raw(200, b"{" + b'"a":{' * NESTING + b"}" * (NESTING + 1))
        return self._json(200, {"issues": [_issue(10001)], "isLast": True})

    # -- ways of answering --------------------------------------------------------------

    def _json(self, status: int, payload) -> None:
        self._raw(status, json.dumps(payload).encode())

    def _raw(self, status: int, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _drip(self, data: bytes) -> None:
        """A valid body, one byte at a time: each read is quick, the whole never ends soon."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        for byte in data:
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
            time.sleep(DRIP_EVERY_SECONDS)

    def _drip_headers(self, data: bytes) -> None:
        head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(data)}\r\n\r\n".encode()
        for byte in head:
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
            time.sleep(DRIP_EVERY_SECONDS)
        self.wfile.write(data)

    def _huge(self) -> None:
        """200 MB without a Content-Length: only reading it says how large it is."""
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(b'{"issues": [], "padding": "')
        chunk = b"x" * MB
        for _ in range(HUGE_BYTES // MB):
            self.wfile.write(chunk)
        self.wfile.write(b'"}')


class HostileJira(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), HostileHandler)
        self.tokens = itertools.count(1)
        self.requests: dict[str, int] = {}
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def count(self, site: str, rest: str) -> None:
        key = f"{site} {re.sub(r'/issue/[^/]+/', '/issue/{id}/', rest)}"
        with self._lock:
            self.requests[key] = self.requests.get(key, 0) + 1

    @property
    def site_url_template(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/s/{{subdomain}}"

    def __enter__(self) -> HostileJira:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
        self.server_close()
