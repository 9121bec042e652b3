"""How fast the client talks to one Jira site: requests in flight and requests per second.

Jira applies its limits per site (https://developer.atlassian.com/cloud/jira/platform/rate-limiting):
a per-second burst limit per tenant, endpoint and method, and for OAuth apps an hourly
points quota; a request over a limit gets 429 (sometimes 503) with `Retry-After`,
`RateLimit-Reason` and `X-RateLimit-*` headers, and responses close to a limit carry
`X-RateLimit-NearLimit: true`. One `SitePacer` per site and process, shared by every
client of that site, keeps the sync inside them. As Jira does, it paces each endpoint
family on its own (`endpoint_family`: search, changelog, comments, remote links,
dev-status, other), so a throttled endpoint never slows the others:

- **Requests in flight** (AIMD, per family): a window that starts at `concurrency`, grows
  while responses are fast and clean (by one per answer up to `SLOW_START_FACTOR` times
  the start, or up to the window that sends `SLOW_START_RATE` requests a second when
  answers are slow, unless Jira pushed back before; by one per window's worth after that;
  up to `CEILING_FACTOR` times the start) and halves on a 429 or 503 of that family. "Fast"
  means close to the fastest answer seen lately: when more requests only make each one
  slower (a busy machine, a busy Jira), it stops growing. The site's requests in flight,
  every family together, stay under `ceiling`.
- **Requests per second**: each family's budget is `endpoint_per_second`, and the whole
  site never gets more than `max_per_second` (an upper bound an admin sets; both also
  across processes, when the caller gives `shared_reserve(family, not_before) -> delay`,
  which books a slot in the budgets every process shares). Below that, the limit Jira
  states with a burst-based 429 (`X-RateLimit-Limit`, per second) is kept to by that
  family with a margin (by the whole site when the 429 gives no reason), and near a
  limit the family's rate eases off instead of growing.
- **Pauses**: after a 429, no request of its scope (the family for a burst-based one,
  else the whole site) goes out before its `Retry-After` (or `X-RateLimit-Reset`), kept
  to at most `MAX_PAUSE_SECONDS` (a site answering `Retry-After: 999999` would otherwise
  stop everyone's work on it for days). A caller that can't wait that long (`max_wait`)
  is told at once (`SitePaused`), before anything is booked in the shared budget.

The pacer never sleeps itself: `acquire` waits only for a place in the window and says
how long to wait before sending, so the client sleeps with its own (testable) clock.
"""

from __future__ import annotations

import functools
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from integrations.jira.errors import seconds_until, seconds_until_http_date

CEILING_FACTOR = 8
# The window doubles per round trip up to this many times the start, or up to what sends
# SLOW_START_RATE requests a second at the family's fastest answer time if that is more
# (see _clean): far from Jira, at 200 ms an answer, three times the start sends only
# 120 requests a second, while close by (50 ms) it already sends 480.
SLOW_START_FACTOR = 3
SLOW_START_RATE = 400.0
# A response within this factor (plus a little) of the fastest recent one counts as fast.
FAST_FACTOR = 1.5
FAST_SLACK_SECONDS = 0.002
LATENCY_MEMORY_SECONDS = 30
# Keep this share of a limit Jira states: a little room for clocks and bursts.
STATED_LIMIT_SHARE = 0.98
# Near a limit, ease off to this share of the recent rate, at most once per interval.
NEAR_LIMIT_SHARE = 0.95
NEAR_LIMIT_INTERVAL = 1.0
# How fast an eased-off rate climbs back while Jira says nothing: per second.
RATE_RECOVERY = 0.10
MIN_RATE = 0.5
BURST_REASON = "jira-burst-based"
# The longest pause a 429 sets: past it, a request goes out and Jira says again if it must.
MAX_PAUSE_SECONDS = 3600.0
THROTTLED = frozenset({429, 503})
# Each family's window grows up to CEILING_FACTOR times the start; the site's requests in
# flight, every family together, up to this many times that.
SITE_CEILING_FACTOR = 2
FAMILIES = ("search", "changelog", "comments", "remote-links", "dev-status", "other")
_ISSUE_FAMILIES = (
    ("/changelog", "changelog"),
    ("/comment", "comments"),
    ("/remotelink", "remote-links"),
)


class SitePaused(Exception):
    """Jira paused the site (or the endpoint) longer than the caller can wait."""

    def __init__(self, seconds: float):
        super().__init__(f"paused for {seconds:.0f} s")
        self.seconds = seconds


@dataclass
class Permit:
    """A place in the window: hand it back to `release`. Send after `delay` seconds."""

    endpoint: str
    delay: float
    started_at: float = 0.0


@dataclass
class _Scope:
    """Pacing of the whole site or of one endpoint."""

    rate: float = math.inf  # requests a second this scope may send now
    stated: float = math.inf  # the per-second limit Jira stated for it
    tat: float = 0.0  # the GCRA "theoretical arrival time" of the next request
    paused_until: float = 0.0
    eased_at: float = -math.inf
    recovered_at: float = 0.0
    starts: deque = field(default_factory=deque)  # when recent requests were answered

    def reserve(self, start: float, *, paused: bool = True) -> float:
        """The earliest time >= start this scope lets a request go, booked."""
        if paused:
            start = max(start, self.paused_until)
        rate = min(self.rate, self.stated)
        if rate < math.inf:
            start = max(start, self.tat)
            self.tat = start + 1.0 / rate
        return start

    @property
    def limit(self) -> float:
        return min(self.rate, self.stated)

    def recent_rate(self, now: float) -> float:
        while self.starts and self.starts[0] < now - 1.0:
            self.starts.popleft()
        return float(len(self.starts))

    def recover(self, now: float, ceiling: float) -> None:
        """Climb an eased-off rate back towards `ceiling` while Jira says nothing."""
        if self.rate >= ceiling or now - self.eased_at < NEAR_LIMIT_INTERVAL:
            return
        self.rate *= 1.0 + RATE_RECOVERY * (now - self.recovered_at)
        self.recovered_at = now
        if self.rate >= ceiling or self.rate > 4 * max(self.recent_rate(now), 1.0):
            self.rate = ceiling


@dataclass
class _Lane:
    """One endpoint family's share of the site: its window (AIMD) and its budget."""

    family: str
    scope: _Scope
    window: float
    cond: threading.Condition
    in_flight: int = 0
    cut_at: float = -math.inf
    pushed_back_at: float = -math.inf
    full_at: float = -math.inf
    latencies: deque = field(default_factory=deque)  # (second, fastest answer in it)
    fastest: float = math.inf


@functools.lru_cache(maxsize=256)  # a site has a few dozen endpoints; asked twice a request
def endpoint_family(endpoint: str) -> str:
    """The family of an endpoint ("METHOD /path", issue ids as {id}) that Jira's per-endpoint
    limits, and so the pacer's budgets, apply to."""
    path = endpoint.partition(" ")[2]
    if path.startswith(("/rest/api/3/search", "/rest/api/2/search")):
        return "search"
    if path.startswith("/rest/dev-status/"):
        return "dev-status"
    for suffix, family in _ISSUE_FAMILIES:
        if path.endswith(suffix):
            return family
    return "other"


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    if not headers:
        return None
    value = headers.get(name)
    return value.strip() if isinstance(value, str) else None


def _number(value: str | None) -> float | None:
    try:
        number = float(value) if value is not None else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) and number >= 0 else None


def seconds_until_reset(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds until `X-RateLimit-Reset` (ISO 8601, e.g. 2026-05-02T10:15Z) or an HTTP date."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return seconds_until_http_date(value, now=now)
    return seconds_until(when, now=now)


def near_limit(headers: Mapping[str, str] | None) -> bool:
    """Whether a successful response says a budget is nearly spent (under a fifth left)."""
    if (_header(headers, "X-RateLimit-NearLimit") or "").lower() == "true":
        return True
    for prefix in ("X-RateLimit-", "RateLimit-"):
        limit = _number(_header(headers, prefix + "Limit"))
        remaining = _number(_header(headers, prefix + "Remaining"))
        if limit and remaining is not None and remaining < 0.2 * limit:
            return True
    return False


class SitePacer:
    def __init__(
        self,
        *,
        concurrency: int = 8,
        max_per_second: float = 0.0,
        endpoint_per_second: float = 0.0,
        shared_reserve: Callable[[str, float], float] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.initial_window = float(concurrency)
        self.lane_ceiling = float(concurrency * CEILING_FACTOR)
        # The most requests in flight to the site, every family together: also how many
        # connections and per-issue threads a client of the site keeps.
        self.ceiling = self.lane_ceiling * SITE_CEILING_FACTOR
        self.max_per_second = max_per_second if max_per_second > 0 else math.inf
        self.endpoint_per_second = endpoint_per_second if endpoint_per_second > 0 else math.inf
        self._shared_reserve = shared_reserve
        self._clock = clock
        self._lock = threading.Lock()
        self._in_flight = 0
        self._site = _Scope(rate=self.max_per_second)
        self._lanes: dict[str, _Lane] = {}
        self.throttled = 0
        self.near_limit_responses = 0

    def _lane(self, endpoint: str) -> _Lane:
        family = endpoint_family(endpoint)
        lane = self._lanes.get(family)
        if lane is None:
            lane = self._lanes[family] = _Lane(
                family=family,
                scope=_Scope(rate=self.endpoint_per_second),
                window=self.initial_window,
                cond=threading.Condition(self._lock),
            )
        return lane

    # -- what tests and logs look at ------------------------------------------------------

    def window_of(self, endpoint: str) -> float:
        """The requests in flight `endpoint`'s family may have now."""
        with self._lock:
            return self._lane(endpoint).window

    def rate_of(self, endpoint: str) -> float:
        """The requests per second `endpoint`'s family may be sent now (inf: no limit)."""
        with self._lock:
            return min(self._lane(endpoint).scope.limit, self._site.limit)

    def fastest_answer(self) -> float | None:
        """The fastest answer of the site lately, any family, in seconds (None: none yet)."""
        with self._lock:
            fastest = min((lane.fastest for lane in self._lanes.values()), default=math.inf)
        return fastest if math.isfinite(fastest) else None

    @property
    def rate(self) -> float:
        """The requests per second the whole site may be sent now (inf: no limit)."""
        with self._lock:
            return self._site.limit

    # -- the two calls around every request ------------------------------------------------

    def paused_for(self, endpoint: str) -> float:
        """Seconds until a pause of the site or of `endpoint`'s family is over (0: none)."""
        with self._lock:
            return self._paused_for(self._lane(endpoint))

    def _paused_for(self, lane: _Lane) -> float:
        until = max(self._site.paused_until, lane.scope.paused_until)
        return max(0.0, until - self._clock())

    def acquire(
        self, endpoint: str, *, waited_retry_after: bool = False, max_wait: float | None = None
    ) -> Permit:
        """Wait for a place in the family's window; book the request's slot in every rate
        it meets (its family's, then the site's).

        `waited_retry_after`: the retry of a throttled request that already slept its own
        Retry-After (the pause its 429 set is over for it). `max_wait`: raise SitePaused,
        without taking a place or booking anything, if a pause lasts longer than that.
        """
        paused = not waited_retry_after
        with self._lock:
            lane = self._lane(endpoint)
            if paused and max_wait is not None:
                pause = self._paused_for(lane)
                if pause > max_wait:
                    raise SitePaused(pause)
            while lane.in_flight >= int(lane.window) or self._in_flight >= self.ceiling:
                lane.cond.wait()
            lane.in_flight += 1
            self._in_flight += 1
            if lane.in_flight >= int(lane.window):
                lane.full_at = self._clock()
            now = self._clock()
            start = lane.scope.reserve(now, paused=paused)
            # The site's slot last, at or after the family's: the site's ceiling is the
            # one that must never be exceeded.
            start = self._site.reserve(start, paused=paused)
        delay = max(0.0, start - now)
        if self._shared_reserve is not None:
            # Booked for when the request really goes: other processes count it then.
            delay = self._shared_reserve(lane.family, delay)
        return Permit(endpoint, delay)

    def sending(self, permit: Permit) -> None:
        """Call when the request goes out (after the permit's delay)."""
        permit.started_at = self._clock()

    def release(
        self, permit: Permit, *, status: int | None, headers: Mapping[str, str] | None
    ) -> None:
        """Learn from the answer (None: no answer at all) and free the place in the window."""
        with self._lock:
            lane = self._lane(permit.endpoint)
            site_was_full = self._in_flight >= self.ceiling
            lane.in_flight -= 1
            self._in_flight -= 1
            if permit.started_at:  # it went out (else there is nothing to learn)
                self._learn(lane, permit, status, headers)
            free = int(lane.window) - lane.in_flight
            if free > 0:
                lane.cond.notify(free)
            if site_was_full:
                # The site's cap held other families back: one of theirs may go now.
                for other in self._lanes.values():
                    if other is not lane:
                        other.cond.notify()

    # -- learning ----------------------------------------------------------------------

    def _learn(self, lane: _Lane, permit: Permit, status: int | None, headers) -> None:
        # Read under the lock: the recent-rate queues stay in time order.
        now = self._clock()
        latency = now - permit.started_at
        self._site.starts.append(now)
        lane.scope.starts.append(now)
        if status in THROTTLED:
            self._throttled(lane, status, headers, now, latency)
        elif status is not None and status < 500:
            if near_limit(headers):
                self._ease_off(lane, now)
            else:
                self._clean(lane, latency, now)

    def _throttled(self, lane: _Lane, status, headers, now, latency) -> None:
        self.throttled += 1
        lane.pushed_back_at = now
        # Halve once per round trip: the requests already in flight answer 429 too. Only
        # this family's window: Jira limits each endpoint on its own.
        if now - lane.cut_at > max(latency, 0.05):
            lane.window = max(1.0, lane.window / 2)
            lane.cut_at = now
        reason = (_header(headers, "RateLimit-Reason") or "").lower()
        burst = reason == BURST_REASON
        # A burst limit is the endpoint's (Jira's scope: tenant, endpoint and method);
        # anything else, or a 429 that says nothing, holds for the whole site.
        scope = lane.scope if burst else self._site
        wait = _number(_header(headers, "Retry-After"))
        if wait is None:
            wait = seconds_until_reset(_header(headers, "X-RateLimit-Reset"))
        if wait is not None:
            wait = min(wait, MAX_PAUSE_SECONDS)
            scope.paused_until = max(scope.paused_until, now + wait)
        stated = _number(_header(headers, "X-RateLimit-Limit"))
        if (burst or not reason) and stated:
            # A per-second limit: kept with a margin, by the scope it was stated for.
            scope.stated = min(scope.stated, max(MIN_RATE, stated * STATED_LIMIT_SHARE))
        elif status == 429 and not reason.startswith("jira-quota"):
            recent = scope.recent_rate(now) or lane.scope.recent_rate(now)
            scope.rate = max(MIN_RATE, 0.5 * min(scope.rate, recent or math.inf))
            scope.eased_at = scope.recovered_at = now

    def _ease_off(self, lane: _Lane, now: float) -> None:
        self.near_limit_responses += 1
        lane.pushed_back_at = now
        scope = lane.scope
        if now - scope.eased_at < NEAR_LIMIT_INTERVAL:
            return
        recent = scope.recent_rate(now)
        if recent:
            scope.rate = max(MIN_RATE, NEAR_LIMIT_SHARE * min(scope.rate, recent))
            scope.eased_at = scope.recovered_at = now

    def _clean(self, lane: _Lane, latency: float, now: float) -> None:
        # The fastest answer of the last half minute, from per-second minimums: an old,
        # lucky one must not stop growth forever, nor a slow spell set the bar at once.
        second = int(now)
        if lane.latencies and lane.latencies[-1][0] == second:
            if latency < lane.latencies[-1][1]:
                lane.latencies[-1] = (second, latency)
        else:
            lane.latencies.append((second, latency))
            while lane.latencies[0][0] < second - LATENCY_MEMORY_SECONDS:
                lane.latencies.popleft()
            lane.fastest = min(fastest for _, fastest in lane.latencies)
        lane.fastest = min(lane.fastest, latency)
        fast = latency <= lane.fastest * FAST_FACTOR + FAST_SLACK_SECONDS
        # Growing only helps when the window was full in this round trip.
        busy = now - lane.full_at <= 2 * latency + FAST_SLACK_SECONDS
        if fast and busy and now - lane.cut_at > 1.0:
            # Up to SLOW_START_FACTOR times the start (or SLOW_START_RATE's worth), one
            # more per fast answer (the window doubles in a round trip, like TCP's slow
            # start); past that, or once Jira pushed back, one more per window's worth: a
            # sudden burst at a site's unknown limit would come back as a burst of 429s.
            slow_start_end = max(
                SLOW_START_FACTOR * self.initial_window, SLOW_START_RATE * lane.fastest
            )
            slow_start = lane.pushed_back_at == -math.inf and lane.window < slow_start_end
            step = 1.0 if slow_start else 1.0 / lane.window
            lane.window = min(self.lane_ceiling, lane.window + step)
        for scope, ceiling in (
            (self._site, self.max_per_second),
            (lane.scope, self.endpoint_per_second),
        ):
            scope.recover(now, ceiling)
