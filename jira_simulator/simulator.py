"""``JiraSimulator``: any number of deterministic Jira Cloud sites plus accounts, faults, counters."""

from __future__ import annotations

import base64
import binascii
import threading
import time
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from .constants import (
    DEFAULT_PROJECTS,
    DEMO_EMAIL,
    DEMO_TIMEZONE,
    DEMO_TOKEN,
    LIMITED_EMAIL,
    LIMITED_TIMEZONE,
    LIMITED_TOKEN,
)
from .data import Site
from .dates import hour_floor, now_ms, to_ms
from .encoding import KEPT_BYTES
from .faults import FAULT_KINDS, FaultInjector
from .oauth import OAuthServer
from .ratelimit import RateLimiter
from .seeding import derive_seed
from .webhooks import Webhooks

REQUEST_LOG_SIZE = 100_000


@dataclass(frozen=True)
class RequestRecord:
    at: float  # time.time() when the response was sent
    method: str
    path: str  # with the query string
    status: int  # 0 for a connection reset


@dataclass(frozen=True)
class Account:
    email: str
    token: str
    time_zone: str
    user_index: int | None = None  # index into a site's users; None: a user outside the pool
    display_name: str = ""


def default_accounts() -> dict[str, Account]:
    return {
        DEMO_EMAIL: Account(DEMO_EMAIL, DEMO_TOKEN, DEMO_TIMEZONE, 0),
        LIMITED_EMAIL: Account(LIMITED_EMAIL, LIMITED_TOKEN, LIMITED_TIMEZONE, 1),
    }


class JiraSimulator:
    """Holds one site per subdomain, each created on its first request.

    ``now`` anchors the generated data (issues span the 180 days before it); by default the
    current UTC time truncated to the hour, so data stays stable within an hour.
    ``clock`` (callable -> epoch ms) is the wall clock for mutations and relative JQL dates.
    """

    def __init__(
        self,
        seed: int = 1,
        issues: int = 2000,
        projects: Iterable[str] = DEFAULT_PROJECTS,
        latency_ms: int = 0,
        fault_rate: float = 0.0,
        now: datetime | None = None,
        rate_limit: float = 0.0,
        *,
        slow_seconds: float = 2.0,
        fault_kinds: Iterable[str] = FAULT_KINDS,
    ):
        self.seed = seed
        self.issue_count = issues
        self.project_keys = tuple(k.strip().upper() for k in projects if k.strip())
        if not self.project_keys:
            raise ValueError("at least one project key is needed")
        self.latency_ms = latency_ms
        if now is None:
            now = hour_floor(datetime.now(UTC))
        elif now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
        self.now = now
        self.now_ms = to_ms(self.now)
        self.clock = now_ms
        self.faults = FaultInjector(
            rate=fault_rate,
            seed=derive_seed(seed, "faults"),
            kinds=tuple(fault_kinds),
            slow_seconds=slow_seconds,
        )
        # Jira's per-second limit, per site (ratelimit.py); 0 means none.
        self.rate_limiter = RateLimiter(rate_limit)
        # Sites (subdomain → Retry-After seconds) that refuse every request with 429.
        self.throttled_sites: dict[str, float] = {}
        self.accounts = default_accounts()
        self.request_counts: Counter[str] = Counter()
        # The latest requests, e.g. to check a client waited Retry-After before retrying.
        self.request_log: deque[RequestRecord] = deque(maxlen=REQUEST_LOG_SIZE)
        self._lock = threading.Lock()
        self._sites: dict[str, Site] = {}
        # Per site, encoded issues and per-issue answers kept until it changes (encoding.py).
        self.kept_bytes = KEPT_BYTES
        self._auth_cache: dict[str, Account | None] = {}
        # Atlassian's authorization server, for OAuth connections (oauth.py).
        self.oauth = OAuthServer(self)
        # Webhook registrations and deliveries of every site (webhooks.py).
        self.webhooks = Webhooks(self, seed=derive_seed(seed, "webhooks"))

    # -- sites ---------------------------------------------------------------------------------
    def site(self, subdomain: str) -> Site:
        subdomain = subdomain.lower()
        with self._lock:
            site = self._sites.get(subdomain)
            if site is None:
                site = Site(
                    seed=self.seed,
                    subdomain=subdomain,
                    issue_count=self.issue_count,
                    project_keys=self.project_keys,
                    now_ms=self.now_ms,
                    clock=lambda: self.clock(),
                )
                site.webhooks = self.webhooks  # mutations deliver their changes through it
                site.encoded_issues.max_bytes = self.kept_bytes
                self._sites[subdomain] = site
            return site

    @property
    def sites(self) -> dict[str, Site]:
        with self._lock:
            return dict(self._sites)

    # -- accounts ------------------------------------------------------------------------------
    def add_account(self, email: str, token: str, time_zone: str = "UTC") -> Account:
        """An extra account (sees nothing until ``site.set_project_access(email, keys)``)."""
        account = Account(email.lower(), token, time_zone, None, email)
        with self._lock:
            self.accounts[account.email] = account
            self._auth_cache.clear()
        return account

    def authenticate(self, authorization: str | None) -> Account | None:
        if not authorization:
            return None
        with self._lock:
            if authorization in self._auth_cache:
                return self._auth_cache[authorization]
        account = None
        scheme, _, encoded = authorization.partition(" ")
        if scheme.lower() == "basic":
            try:
                email, _, token = base64.b64decode(encoded, validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                email, token = "", ""
            candidate = self.accounts.get(email.lower())
            if candidate is not None and candidate.token == token:
                account = candidate
        with self._lock:
            self._auth_cache[authorization] = account
        return account

    # -- counters and faults -------------------------------------------------------------------
    def count(self, route: str) -> None:
        with self._lock:
            self.request_counts[route] += 1

    def log_request(self, method: str, path: str, status: int) -> None:
        self.request_log.append(RequestRecord(time.time(), method, path, status))

    def reset_counts(self) -> None:
        with self._lock:
            self.request_counts.clear()
            self.request_log.clear()
        self.faults.clear()

    @property
    def fault_log(self) -> list:
        return list(self.faults.records)

    @property
    def fault_rate(self) -> float:
        return self.faults.rate

    @fault_rate.setter
    def fault_rate(self, value: float) -> None:
        self.faults.configure(rate=value)
