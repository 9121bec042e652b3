"""Jira's webhooks, simulated: registrations, and signed deliveries of every change.

Two kinds of registration (endpoints in webhook_api.py):
- *admin* webhooks (``/rest/webhooks/1.0/webhook``, Basic auth, Jira admins only), signed
  with ``X-Hub-Signature: sha256=<hex>`` of the body when they have a secret;
- *dynamic* webhooks of the OAuth app (``/rest/api/3/webhook`` through ``/ex/jira/{cloudId}``,
  scope manage:jira-webhook), signed with ``Authorization: Bearer <JWT>`` (HS256 with the
  client secret; claims ``iss`` = client id, ``iat``, ``exp``, ``context.cloudId``). They
  stop being delivered 30 days after registration or the last refresh.

Every change a mutation makes (mutations.py) is delivered to each registration whose
events and JQL filter match, as Jira does: a POST with ``X-Atlassian-Webhook-Identifier``
(unchanged on retries). Sender threads post them, optionally ``delay_ms`` late, twice
(``duplicate_rate``) or held back up to ``reorder_ms`` so later changes overtake them
(``reorder_rate``). A delivery answered 408, 429 or 5xx, or not answered, is retried up to
``max_retries`` times, after its Retry-After or a doubling wait from ``retry_base_seconds``.
Standard library only, like the rest of the simulator.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import hmac
import itertools
import json
import random
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from . import jql
from .constants import DEMO_EMAIL, OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET
from .render import FieldSelection, comment_json, issue_json

DYNAMIC_LIFETIME_MS = 30 * 86_400_000
ADMIN, DYNAMIC = "admin", "dynamic"
PAYLOAD_FIELDS = ["summary", "status", "issuetype", "priority", "assignee", "project", "updated"]
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
SENDER_THREADS = 4
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
ISSUE_EVENT_TYPE = {
    "jira:issue_created": "issue_created",
    "jira:issue_updated": "issue_generic",
    "jira:issue_deleted": "issue_deleted",
}


class RegistrationError(ValueError):
    """A registration Jira would refuse (400)."""


@dataclass
class Registration:
    id: int
    kind: str
    subdomain: str
    url: str
    events: tuple[str, ...]
    jql: str
    projects: list[list[str]]  # the filter's `project in (...)` clauses, AND-ed
    secret: str = ""
    name: str = ""
    email: str = ""  # dynamic: the consenting account; only issues it can see are sent
    expires_ms: int = 0  # dynamic only
    enabled: bool = True
    # Admin webhooks' "Exclude body": Jira posts an empty (still signed) body.
    exclude_body: bool = False

    def matches(self, event: str, project_key: str) -> bool:
        return (
            self.enabled
            and event in self.events
            and all(project_key in clause for clause in self.projects)
        )


@dataclass(frozen=True)
class DeliveryRecord:
    identifier: str
    registration_id: int
    event: str
    issue_id: str
    attempt: int
    status: int  # 0: no answer
    at: float


@dataclass(order=True)
class _Pending:
    due: float
    seq: int
    identifier: str = field(compare=False)
    registration: Registration = field(compare=False)
    cloud_id: str = field(compare=False)
    event: str = field(compare=False)
    issue_id: str = field(compare=False)
    body: bytes = field(compare=False)
    attempt: int = field(compare=False, default=0)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt_hs256(claims: dict, secret: str) -> str:
    """A compact JWT signed HS256 (what Jira puts in a dynamic webhook's Authorization)."""
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{header}.{payload}".encode()
    signature = hmac.new(secret.encode(), signing_input, hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def hub_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class Webhooks:
    """The registrations and the delivery queue of one ``JiraSimulator`` (all its sites)."""

    def __init__(self, simulator, *, seed: int = 1):
        self.simulator = simulator
        self.delay_ms = 0
        self.duplicate_rate = 0.0
        self.reorder_rate = 0.0
        self.reorder_ms = 1000
        self.max_retries = 5
        self.retry_base_seconds = 1.0
        self.timeout_seconds = 5.0
        self.admins = {DEMO_EMAIL}  # accounts that are Jira admins on every site
        self.deliveries: deque[DeliveryRecord] = deque(maxlen=100_000)
        self._rng = random.Random(seed)
        self._cond = threading.Condition()
        self._registrations: dict[int, Registration] = {}
        self._ids = itertools.count(1)
        self._seq = itertools.count(1)
        self._queue: list[_Pending] = []
        self._in_flight = 0
        self._threads: list[threading.Thread] = []
        self._closed = False

    # -- settings (also POST /_sim/webhooks) ---------------------------------------------------
    def configure(self, **options) -> None:
        for name in ("delay_ms", "reorder_ms", "max_retries"):
            if options.get(name) is not None:
                setattr(self, name, int(options[name]))
        for name in ("duplicate_rate", "reorder_rate", "retry_base_seconds", "timeout_seconds"):
            if options.get(name) is not None:
                setattr(self, name, float(options[name]))

    # -- registrations -------------------------------------------------------------------------
    def register(
        self, site, *, kind: str, url: str, events, jql_text: str, **extra
    ) -> Registration:
        parts = urlsplit(url if isinstance(url, str) else "")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise RegistrationError("The webhook URL must be an absolute http(s) URL.")
        if parts.hostname not in LOOPBACK_HOSTS:
            raise RegistrationError("The simulator delivers webhooks to loopback addresses only.")
        if (
            not isinstance(events, list)
            or not events
            or not all(isinstance(e, str) for e in events)
        ):
            raise RegistrationError("At least one event is required.")
        projects = self._projects_of(jql_text)
        with self._cond:
            registration = Registration(
                next(self._ids), kind, site.subdomain, url, tuple(events), jql_text, projects
            )
            for name, value in extra.items():
                setattr(registration, name, value)
            self._registrations[registration.id] = registration
        return registration

    @staticmethod
    def _projects_of(jql_text: str) -> list[list[str]]:
        if not jql_text:
            return []
        try:
            query = jql.parse(jql_text, tz_name="UTC", now_ms=0, require_bound=False)
        except jql.JqlError as error:
            raise RegistrationError(f"Invalid JQL filter: {error.messages[0]}") from None
        if query.issues or query.ranges or query.order:
            raise RegistrationError("The simulator filters webhooks by project only.")
        return [[key.upper() for key in clause] for clause in query.projects]

    def registrations(self, subdomain: str | None = None, kind: str | None = None) -> list:
        with self._cond:
            return [
                r
                for r in self._registrations.values()
                if (subdomain is None or r.subdomain == subdomain)
                and (kind is None or r.kind == kind)
            ]

    def get(self, registration_id: int) -> Registration | None:
        with self._cond:
            return self._registrations.get(registration_id)

    def remove(self, registration_id: int) -> bool:
        with self._cond:
            return self._registrations.pop(registration_id, None) is not None

    def expire(self, registration_id: int) -> None:
        """For tests: make a dynamic webhook expired, as if 30 days went by unrefreshed."""
        with self._cond:
            self._registrations[registration_id].expires_ms = 0

    # -- emitting (called by mutations, under the site lock) -----------------------------------
    def emit(self, site, event: str, idx: int, *, changelog=None, comment=None) -> None:
        project_key = site.project_of(idx).key
        now_ms = site.clock()
        with self._cond:
            targets = [
                r
                for r in self._registrations.values()
                if r.subdomain == site.subdomain
                and r.matches(event, project_key)
                and (r.kind == ADMIN or r.expires_ms > now_ms)
            ]
        targets = [
            r for r in targets if r.kind == ADMIN or project_key in site.visible_keys(r.email)
        ]
        if not targets:
            return
        payload = self._payload(site, event, idx, changelog, comment, now_ms)
        for registration in targets:
            sent = payload
            if registration.kind == DYNAMIC:
                sent = {**payload, "matchedWebhookIds": [registration.id]}
            body = json.dumps(sent, separators=(",", ":")).encode()
            if registration.exclude_body:
                body = b""
            identifier = f"{registration.id}-{next(self._seq)}"
            self._schedule(registration, site.cloud_id, event, site.issue_id(idx), identifier, body)

    def emit_sprint(self, site, event: str, sprint) -> None:
        """A sprint event, as Jira sends it: the payload names the sprint and nothing else.
        Only admin webhooks get it (dynamic webhooks can't subscribe to sprint events)."""
        with self._cond:
            targets = [
                r
                for r in self._registrations.values()
                if r.subdomain == site.subdomain
                and r.kind == ADMIN
                and r.enabled
                and event in r.events
            ]
        if not targets:
            return
        base = f"https://{site.subdomain}.atlassian.net"
        payload = {
            "timestamp": site.clock(),
            "webhookEvent": event,
            "sprint": {**sprint.as_json(), "self": f"{base}/rest/agile/1.0/sprint/{sprint.id}"},
        }
        body = json.dumps(payload, separators=(",", ":")).encode()
        for registration in targets:
            identifier = f"{registration.id}-{next(self._seq)}"
            sent = b"" if registration.exclude_body else body
            self._schedule(registration, site.cloud_id, event, "", identifier, sent)

    def _payload(self, site, event, idx, changelog, comment, now_ms) -> dict:
        base = f"https://{site.subdomain}.atlassian.net"
        issue = issue_json(site, idx, FieldSelection(PAYLOAD_FIELDS), base=base)
        payload = {"timestamp": now_ms, "webhookEvent": event, "user": site.user_json(0)}
        if event in ISSUE_EVENT_TYPE:
            payload["issue_event_type_name"] = ISSUE_EVENT_TYPE[event]
        payload["issue"] = issue
        if changelog is not None:
            payload["changelog"] = {"id": str(changelog.id), "items": changelog.items}
        if comment is not None:
            core = site.core(idx)
            payload["comment"] = comment_json(site, core, comment, issue["self"])
        return payload

    def _schedule(self, registration, cloud_id, event, issue_id, identifier, body) -> None:
        now = time.monotonic()
        due = now + self.delay_ms / 1000
        copies = [due]
        with self._cond:
            if self._rng.random() < self.reorder_rate:
                copies[0] += self._rng.uniform(0, self.reorder_ms / 1000)
            if self._rng.random() < self.duplicate_rate:
                copies.append(due + self._rng.uniform(0, max(self.reorder_ms, 100) / 1000))
            for when in copies:
                heapq.heappush(
                    self._queue,
                    _Pending(
                        when, next(self._seq), identifier, registration, cloud_id, event,
                        issue_id, body,
                    ),
                )  # fmt: skip
            self._start_senders()
            self._cond.notify_all()

    # -- sending -------------------------------------------------------------------------------
    def _start_senders(self) -> None:
        if self._threads or self._closed:
            return
        for n in range(SENDER_THREADS):
            thread = threading.Thread(
                target=self._send_loop, name=f"jira-webhooks-{n}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def _send_loop(self) -> None:
        while True:
            with self._cond:
                while not self._closed and (
                    not self._queue or self._queue[0].due > time.monotonic()
                ):
                    wait = self._queue[0].due - time.monotonic() if self._queue else None
                    self._cond.wait(timeout=wait)
                if self._closed:
                    return
                pending = heapq.heappop(self._queue)
                self._in_flight += 1
            try:
                status, retry_after = self._post(pending)
                self.deliveries.append(
                    DeliveryRecord(
                        pending.identifier, pending.registration.id, pending.event,
                        pending.issue_id, pending.attempt, status, time.time(),
                    )
                )  # fmt: skip
                if (status == 0 or status in RETRY_STATUSES) and (
                    pending.attempt < self.max_retries
                ):
                    wait = retry_after
                    if wait is None:
                        wait = self.retry_base_seconds * 2**pending.attempt
                    pending.attempt += 1
                    pending.due = time.monotonic() + wait
                    with self._cond:
                        heapq.heappush(self._queue, pending)
            finally:
                with self._cond:
                    self._in_flight -= 1
                    self._cond.notify_all()

    def _headers(self, pending: _Pending) -> dict[str, str]:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Atlassian Webhook HTTP Client",
            "X-Atlassian-Webhook-Identifier": pending.identifier,
        }
        if pending.attempt:
            headers["X-Atlassian-Webhook-Retry"] = str(pending.attempt)
        registration = pending.registration
        if registration.kind == ADMIN and registration.secret:
            headers["X-Hub-Signature"] = hub_signature(registration.secret, pending.body)
        elif registration.kind == DYNAMIC:
            now = int(time.time())
            claims = {
                "iss": OAUTH_CLIENT_ID,
                "iat": now,
                "exp": now + 180,
                "context": {"cloudId": pending.cloud_id},
            }
            headers["Authorization"] = f"Bearer {jwt_hs256(claims, OAUTH_CLIENT_SECRET)}"
        return headers

    def _post(self, pending: _Pending) -> tuple[int, float | None]:
        request = urllib.request.Request(  # noqa: S310 - loopback http(s) URLs only (register)
            pending.registration.url,
            data=pending.body,
            headers=self._headers(pending),
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:  # noqa: S310
                return response.status, None
        except urllib.error.HTTPError as error:
            retry_after = error.headers.get("Retry-After") if error.headers else None
            try:
                seconds = float(retry_after) if retry_after else None
            except ValueError:
                seconds = None
            return error.code, seconds
        except (OSError, ValueError):
            return 0, None

    # -- for tests and shutdown ----------------------------------------------------------------
    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until every delivery due within `timeout` was sent; False if time ran out."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._queue or self._in_flight:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(timeout=min(left, 0.05))
        return True

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._queue.clear()
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout=self.timeout_seconds + 1)
