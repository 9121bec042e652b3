"""The app's Jira errors: one small hierarchy, built from a response in one place.

`str(exc)` is for logs: method, path (never the query string) and status, then
the user-facing `exc.message`. Neither ever contains credentials, request headers
or the request body; only Jira's own error text is quoted, truncated.

Status handling follows https://developer.atlassian.com/cloud/jira/platform/rate-limiting
and the error table of the Jira REST v3 docs.
"""

from __future__ import annotations

import email.utils
import time
from datetime import datetime
from urllib.parse import urlsplit

import requests

from .transport import parse_json

_MAX_MESSAGES = 10
_MAX_MESSAGE_CHARS = 300
_MAX_PATH_CHARS = 200


class JiraError(Exception):
    """Base class. `permanent` means retrying the same request will not help."""

    permanent: bool = True
    default_message = "Jira returned an unexpected response."

    def __init__(
        self,
        message: str | None = None,
        *,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        reason: str | None = None,
        error_messages: list[str] | None = None,
    ):
        self.method = (method or "?").upper()
        self.path = (path or "?")[:_MAX_PATH_CHARS]
        self.status = status
        self.reason = reason
        self.error_messages = list(error_messages or [])
        self.message = message or self._build_message()
        super().__init__(self.message)

    def _build_message(self) -> str:
        msg = self.default_message
        if self.error_messages:
            msg = f"{msg} Jira said: {'; '.join(self.error_messages)}"
        return msg

    def __str__(self) -> str:
        outcome = f"HTTP {self.status}" if self.status is not None else (self.reason or "failed")
        return f"{self.method} {self.path} -> {outcome}: {self.message}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class JiraAuthError(JiraError):
    """401: credentials missing, wrong, expired or revoked, or an OAuth scope mismatch."""

    default_message = (
        "Jira rejected the credentials. The API token may have expired or been revoked; "
        "reconnect the site."
    )


class JiraForbiddenError(JiraError):
    """403: authenticated but not allowed (e.g. issue linking disabled)."""

    default_message = "Jira refused access: the account is not allowed to do this."


class JiraNotFoundError(JiraError):
    """404: missing or invisible to this account (Jira does not say which)."""

    default_message = "Not found in Jira, or the connected account cannot see it."


class JiraBadRequestError(JiraError):
    """400: bad JQL, unknown or invisible project key, bad parameter. Never ignore."""

    default_message = "Jira rejected the request."


class JiraGoneError(JiraError):
    """410: the endpoint was removed (e.g. legacy /rest/api/3/search, CHANGE-2046)."""

    default_message = "This Jira API has been removed; the app needs an update."


class JiraUnavailableError(JiraError):
    """5xx, timeouts, connection errors, malformed JSON, unexpected redirects."""

    permanent = False
    default_message = "Jira is unavailable or sent an unusable response. Try again later."


class JiraTimeoutError(JiraUnavailableError):
    """No whole response in time: connect or read timeout, or the response deadline."""

    default_message = "Jira took too long to answer. Try again later."


class JiraRequestsStopped(JiraError):
    """The client was stopped (its sync was cancelled): the request was never sent."""

    default_message = "The sync was cancelled; nothing more is sent to Jira."


class JiraResponseTooLargeError(JiraError):
    """The body was larger than the app accepts; it was not read to the end."""

    default_message = "Jira sent a response larger than this app accepts."


class JiraRateLimitedError(JiraError):
    """429, or 503 with Retry-After. `retry_after` is in seconds, if Jira said."""

    permanent = False
    default_message = "Jira is rate-limiting requests. Try again later."

    def __init__(
        self, *args, retry_after: float | None = None, limit_reason: str | None = None, **kwargs
    ):
        self.retry_after = retry_after
        self.limit_reason = limit_reason
        super().__init__(*args, **kwargs)

    def _build_message(self) -> str:
        msg = self.default_message
        if self.retry_after is not None:
            msg = f"Jira is rate-limiting requests; retry after {self.retry_after:g} s."
        return msg


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), or None."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        seconds = None
    if seconds is not None:
        # float() accepts "nan"/"inf"; neither is a usable wait.
        if seconds != seconds or seconds in (float("inf"), float("-inf")):
            return None
        return max(0.0, seconds)
    return seconds_until_http_date(value, now=now)


def seconds_until_http_date(value: str, *, now: float | None = None) -> float | None:
    """Seconds from `now` until an HTTP date (0 if it has passed), or None if it isn't one."""
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return seconds_until(when, now=now)


def seconds_until(when: datetime | None, *, now: float | None = None) -> float | None:
    """Seconds from `now` (epoch seconds, default the clock) until an aware `when`, at least 0."""
    if when is None or when.tzinfo is None:
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def error_messages_from_body(content: bytes) -> list[str]:
    """Flatten Jira's error body shapes into a short list of strings.

    Shapes: {"errorMessages":[...],"errors":{field: msg}} (Jira),
    {"code":401,"message":"..."} (API gateway),
    {"error":"invalid_grant","error_description":"..."} (token endpoint).
    """
    try:
        body = parse_json(content)
    except ValueError:
        return []
    if not isinstance(body, dict):
        return []
    out: list[str] = []
    msgs = body.get("errorMessages")
    if isinstance(msgs, list):
        out.extend(m for m in msgs if isinstance(m, str))
    errors = body.get("errors")
    if isinstance(errors, dict):
        out.extend(f"{k}: {v}" for k, v in errors.items() if isinstance(v, str))
    for key in ("message", "error_description"):
        if isinstance(body.get(key), str):
            out.append(body[key])
    if not out and isinstance(body.get("error"), str):
        out.append(body["error"])
    return [m.strip()[:_MAX_MESSAGE_CHARS] for m in out if m.strip()][:_MAX_MESSAGES]


def request_path(url: str | None) -> str:
    """Only the path of a URL: no scheme, host, userinfo, query or fragment."""
    if not url:
        return "?"
    try:
        return urlsplit(url).path or "/"
    except ValueError:
        return "?"


def from_response(
    response: requests.Response,
    *,
    body: bytes | None = None,
    method: str | None = None,
    path: str | None = None,
) -> JiraError:
    """Build the right JiraError for a non-2xx response (the one place that maps statuses).

    `body` is the response's content when it was read separately (a streamed response).
    """
    request = getattr(response, "request", None)
    method = method or getattr(request, "method", None)
    path = path or request_path(getattr(request, "url", None) or response.url)
    status = response.status_code
    common = {"method": method, "path": path, "status": status}

    if 300 <= status < 400:
        # We never follow redirects: the host must only ever be the configured base URL.
        return JiraUnavailableError(
            "Jira answered with an unexpected redirect; check the site address.", **common
        )
    messages = error_messages_from_body(response.content if body is None else body)
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    if status == 429 or (status == 503 and retry_after is not None):
        return JiraRateLimitedError(
            retry_after=retry_after,
            limit_reason=response.headers.get("RateLimit-Reason"),
            error_messages=messages,
            **common,
        )
    cls = {
        400: JiraBadRequestError,
        401: JiraAuthError,
        403: JiraForbiddenError,
        404: JiraNotFoundError,
        410: JiraGoneError,
    }.get(status)
    if cls is not None:
        return cls(error_messages=messages, **common)
    if status >= 500:
        return JiraUnavailableError(error_messages=messages, **common)
    return JiraError(error_messages=messages, **common)


def wait_phrase(seconds: float) -> str:
    """A wait Jira asked for, as a person says it: "40 seconds", "about 17 minutes"."""
    if seconds < 90:
        return f"{max(1, round(seconds))} seconds"
    if seconds < 55 * 60:
        return f"about {round(seconds / 60)} minutes"
    hours = round(seconds / 3600)
    return "about 1 hour" if hours == 1 else f"about {hours} hours"
