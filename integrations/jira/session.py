"""One Jira site's HTTP session: every request to Jira goes through `JiraSession`.

Design notes:
- The host is only ever `base_url` (from sites.site_base_url or the OAuth code). Paths
  are built by the client from constants plus validated ids; redirects are never
  followed, and nothing from a response is ever used as a URL.
- Secrets live only inside the session's auth object; no attribute, repr or
  exception text of ours contains them.
- Retries follow https://developer.atlassian.com/cloud/jira/platform/rate-limiting:
  honour Retry-After on 429/503, jittered exponential backoff otherwise, bounded attempts.
- Every response is bounded (transport.py), every request paced per site (pacing.py),
  and OAuth apps' points counted (points.py).
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import msgspec
import requests
from requests.auth import AuthBase, HTTPBasicAuth

from . import paging, transport
from .errors import (
    JiraError,
    JiraRateLimitedError,
    JiraRequestsStopped,
    JiraResponseTooLargeError,
    JiraTimeoutError,
    JiraUnavailableError,
    from_response,
    wait_phrase,
)
from .pacing import Permit, SitePacer, SitePaused
from .points import PointsQuota, QuotaSpent, points_of

logger = logging.getLogger(__name__)

USER_AGENT = "pensero-jira-sync/0.1 (+self-hosted)"
BACKOFF_BASE = 1.0
BACKOFF_CAP = 30.0
JITTER = (0.7, 1.3)
# Statuses worth retrying without a Retry-After header (503 also with one).
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# The real sleep, as this module was imported: tests replace time.sleep before making a client.
_REAL_SLEEP = time.sleep
# Paced per endpoint (Jira's burst limits are per endpoint and method), so issue ids go.
_ISSUE_SEGMENT_RE = re.compile(r"/issue/[^/]+")


def _endpoint(method: str, path: str) -> str:
    return f"{method} {_ISSUE_SEGMENT_RE.sub('/issue/{id}', path)}"


class _BasicAuth(HTTPBasicAuth):
    def __repr__(self) -> str:
        return "<basic auth (redacted)>"


class _BearerAuth(AuthBase):
    """A fixed token, or a callable asked before every request (OAuth tokens expire hourly).

    The callable may raise a JiraError (e.g. the grant was revoked): it is handled like
    the response of the request it was meant for.
    """

    def __init__(self, token: str | Callable[[], str]):
        self._token = token

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        token = self._token() if callable(self._token) else self._token
        r.headers["Authorization"] = f"Bearer {token}"
        return r

    def __repr__(self) -> str:
        return "<bearer auth (redacted)>"


class JiraSession:
    """A thread-safe session with one Jira site: retries, pacing, limits and counters.

    `JiraClient` builds on it with one short method per Jira operation.
    """

    def __init__(
        self,
        *,
        base_url: str,
        email: str | None = None,
        api_token: str | None = None,
        access_token: str | Callable[[], str] | None = None,
        limits: transport.Limits | None = None,
        pacer: SitePacer | None = None,
        points: PointsQuota | None = None,
        max_attempts: int = 5,
        max_retry_after: float = 60.0,
        sleep: Callable[[float], None] | None = None,
        session: requests.Session | None = None,
    ):
        parts = urlsplit(base_url)
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or "@" in parts.netloc
            or parts.query
            or parts.fragment
        ):
            raise ValueError("base_url must be a plain http(s) URL with no credentials or query")
        if access_token and (email or api_token):
            raise ValueError("use either email + API token or an OAuth access token, not both")
        if bool(email) != bool(api_token):
            raise ValueError("email and API token must be given together")
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")

        self.base_url = base_url.rstrip("/")
        self.limits = limits or transport.Limits()
        # Shared by every client of the site (see pacing.py); a client of its own otherwise.
        self.pacer = pacer or SitePacer()
        self._points = points
        self.max_attempts = max_attempts
        self.max_retry_after = max_retry_after
        # Set by `stop`: no request is sent after it, and waits end at once.
        self._stopped = threading.Event()
        # Looked up when the client is made, so tests can replace time.sleep.
        self._sleep = time.sleep if sleep is None else sleep
        if self._sleep is _REAL_SLEEP:
            self._sleep = self._stopped.wait  # a Retry-After wait ends when the client stops
        self._lock = threading.Lock()
        self._request_count = 0
        self._wait_seconds = 0.0
        self._points_estimate = 0
        self._cut_short: list[str] = []

        if session is None:
            # A connection for every request the site's window may ever allow in flight.
            session = transport.bounded_session(pool_size=max(16, int(self.pacer.ceiling)))
        session.headers.update({"Accept": "application/json", "User-Agent": USER_AGENT})
        if access_token:
            session.auth = _BearerAuth(access_token)
            self.auth_kind = "bearer"
        elif api_token:
            session.auth = _BasicAuth(email, api_token)
            self.auth_kind = "basic"
        else:
            # Anonymous: enough for serverInfo; everything else will 401.
            session.auth = None
            self.auth_kind = "anonymous"
        self._session = session

    def __repr__(self) -> str:
        return f"<JiraClient base_url={self.base_url!r} auth={self.auth_kind}>"

    def close(self) -> None:
        self._session.close()

    def stop(self) -> None:
        """Send nothing more, from any thread: each later request raises JiraRequestsStopped.

        Requests already on the wire finish (within their deadline); waits for a pacing
        slot, a Retry-After or a backoff end at once.
        """
        self._stopped.set()

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def __enter__(self) -> JiraSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def request_count(self) -> int:
        """HTTP attempts made (each retry counts)."""
        with self._lock:
            return self._request_count

    @property
    def wait_seconds(self) -> float:
        """Total seconds slept on Retry-After and backoff."""
        with self._lock:
            return self._wait_seconds

    @property
    def points_estimate(self) -> int:
        """Atlassian's points for the answers so far (1 per call + 1 per object; points.py)."""
        with self._lock:
            return self._points_estimate

    @property
    def pages_cut_short(self) -> list[str]:
        """Why paging loops stopped at a bound (see paging.py), oldest first, each once."""
        with self._lock:
            return list(self._cut_short)

    def _record_cut_short(self, message: str) -> None:
        logger.warning("%s (%s)", message, self.base_url)
        with self._lock:
            if message not in self._cut_short:
                self._cut_short.append(message)

    # -- transport ---------------------------------------------------------------

    def _backoff(self, attempt: int) -> float:
        return min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1)) * random.uniform(*JITTER)

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: list[tuple[str, Any]] | dict[str, Any] | None = None,
        json: Any = None,
        shape: msgspec.json.Decoder | None = None,
    ) -> Any:
        """Send one logical request with retries; return parsed JSON or raise JiraError.

        `shape` (integrations/jira/shapes.py) decodes only what the caller reads.
        """
        if not path.startswith("/"):
            raise ValueError("path must be absolute; the host is always base_url")
        url = self.base_url + path
        endpoint = _endpoint(method, path)
        timeouts = 0
        waited_retry_after = False
        for attempt in range(1, self.max_attempts + 1):
            err = self._paced_attempt(
                endpoint, method, url, path, params, json, waited_retry_after, shape
            )
            if not isinstance(err, JiraError):
                return err
            if isinstance(err, JiraTimeoutError):
                timeouts += 1
                if timeouts > self.limits.timeout_retries:
                    raise err
            delay = self._retry_delay(err, attempt)
            if delay is None:
                # Raised without the requests exception as context: its request object
                # carries the Authorization header.
                raise err
            why = err.status or err.reason
            logger.warning("Jira %s %s: %s; retry %d in %.1fs", method, path, why, attempt, delay)
            self._wait(delay)
            waited_retry_after = isinstance(err, JiraRateLimitedError) and bool(err.retry_after)
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self._sleep(seconds)
            with self._lock:
                self._wait_seconds += seconds

    def _paced_attempt(
        self,
        endpoint: str,
        method: str,
        url: str,
        path: str,
        params,
        body,
        waited_retry_after,
        shape,
    ):
        """One attempt when the site's pacer (and the OAuth points quota) allow it."""
        if self._stopped.is_set():
            return JiraRequestsStopped(method=method, path=path)
        if self._points is not None:
            try:
                self._wait(self._points.delay())
            except QuotaSpent as spent:
                return JiraRateLimitedError(
                    "The Atlassian app's hourly API quota is spent (estimated); the sync "
                    "will resume next hour.",
                    retry_after=spent.retry_after,
                    limit_reason="points quota (estimate)",
                    method=method,
                    path=path,
                )
        try:
            permit: Permit = self.pacer.acquire(
                endpoint, waited_retry_after=waited_retry_after, max_wait=self.max_retry_after
            )
        except SitePaused as paused:
            # Nothing sent: a pause this long is not waited out in a worker or a web request.
            return JiraRateLimitedError(
                f"Jira asked this app to pause requests to the site for {wait_phrase(paused.seconds)}.",
                retry_after=paused.seconds,
                limit_reason="paused",
                method=method,
                path=path,
            )
        status = headers = None
        try:
            self._wait(permit.delay)
            if self._stopped.is_set():  # stopped while it waited for its slot
                return JiraRequestsStopped(method=method, path=path)
            self.pacer.sending(permit)
            with self._lock:
                self._request_count += 1
            result, status, headers = self._attempt(method, url, path, params, body, shape)
        finally:
            self.pacer.release(permit, status=status, headers=headers)
        if status is not None and not isinstance(result, JiraError):
            points = points_of(result)
            with self._lock:
                self._points_estimate += points
            if self._points is not None:
                self._points.spend(points)
        elif status is not None:
            with self._lock:
                self._points_estimate += 1
        return result

    def _attempt(self, method: str, url: str, path: str, params: Any, body: Any, shape=None):
        """One HTTP attempt: (parsed JSON or the JiraError it amounts to, status, headers)."""
        result, resp = self._exchange(method, url, path, params, body, shape)
        if resp is None:
            return result, None, None
        return result, resp.status_code, resp.headers

    def _exchange(self, method: str, url: str, path: str, params: Any, body: Any, shape=None):
        where = {"method": method, "path": path}
        try:
            # Never follow redirects (fetch doesn't): the host must only ever be base_url.
            resp, content = transport.fetch(
                self._session, method, url, limits=self.limits, params=params, json=body
            )
        except (requests.Timeout, transport.DeadlinePassed):
            return JiraTimeoutError(reason="timed out", **where), None
        except transport.BodyTooLarge:
            megabytes = self.limits.max_body_bytes / transport.MB
            return JiraResponseTooLargeError(
                f"Jira sent a response larger than {megabytes:g} MB, more than this app "
                "accepts; it was not read.",
                reason="response too large",
                **where,
            ), None
        except requests.ConnectionError:
            return JiraUnavailableError(reason="connection failed", **where), None
        except requests.RequestException:
            return JiraUnavailableError(reason="request failed", **where), None
        except JiraError as error:
            # From the access-token callable (a failed OAuth refresh): retried if transient.
            if error.path == "?":
                error.method, error.path = method.upper(), path
            return error, None
        if not 200 <= resp.status_code < 300:
            return from_response(resp, body=content, **where), resp
        if resp.status_code == 204 or not content:
            return None, resp
        try:
            return transport.parse_json(content, shape), resp
        except ValueError:
            return JiraUnavailableError(
                "Jira sent a response that was not valid JSON.", status=resp.status_code, **where
            ), resp

    def _retry_delay(self, err: JiraError, attempt: int) -> float | None:
        """Seconds to wait before the next attempt, or None to raise `err` now."""
        if attempt >= self.max_attempts or err.permanent:
            return None
        if isinstance(err, JiraRateLimitedError) and err.retry_after is not None:
            # Never retry earlier than Jira asked (that lengthens the throttling), and
            # never sleep past our cap: a longer wait is left to the next sync run.
            if err.retry_after > self.max_retry_after:
                return None
            return err.retry_after
        # status None: timeout or connection error; 2xx: malformed JSON. Redirects and
        # other 5xx (501, 505...) will not change on retry.
        if err.status is None or err.status in _RETRY_STATUSES or 200 <= err.status < 300:
            return self._backoff(attempt)
        return None

    def _get_json(self, path: str, params: Any = None, *, expect: type = dict) -> Any:
        data = self._request("GET", path, params=params)
        return self._expect(data, expect, "GET", path)

    @staticmethod
    def _expect(data: Any, expect: type, method: str, path: str) -> Any:
        if not isinstance(data, expect):
            raise JiraUnavailableError(
                "Jira sent a response of an unexpected shape.", method=method, path=path
            )
        return data

    def _iter_offset_pages(
        self, path: str, params: list[tuple[str, Any]], items_key: str, *, cap: int, what: str
    ) -> Iterator[dict]:
        """Page a startAt/maxResults endpoint, bounded (paging.iter_offset_items)."""
        return paging.iter_offset_items(
            lambda start, size: self._get_json(
                path, [*params, ("startAt", start), ("maxResults", size)]
            ),
            items_key=items_key,
            cap=cap,
            what=what,
            endpoint=f"GET {path}",
            on_cut_short=self._record_cut_short,
        )
