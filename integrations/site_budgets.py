"""The request budget of each Jira site, shared by every sync that talks to it.

Within a process, connections of the same site (several workspaces, or a sync next to a
Connect-form check) get the same `SitePacer` (integrations/jira/pacing.py): one window
of requests in flight per endpoint family, one rate per family, the limits Jira stated.
Across processes the budgets are booked in Redis when `REDIS_URL` is set (a GCRA in one
Lua script, on Redis's own clock): each endpoint family's,
`JIRA_ENDPOINT_REQUESTS_PER_SECOND`, and the site-wide ceiling an admin may set,
`JIRA_MAX_REQUESTS_PER_SECOND`, so every worker on every machine stays under them
together. Without Redis — the default single-machine setup — each worker process keeps
its own budgets: two syncs of the same site in two worker processes can together reach
`Q_WORKERS` times the limits (docs/deploy.md says so).

The OAuth points quota (integrations/jira/points.py) is counted in the cache: shared
through Redis too, per process without it.
"""

import logging
import threading
from hashlib import blake2b

from django.conf import settings
from django.core.cache import cache

from integrations.jira.pacing import SitePacer
from integrations.jira.points import PointsQuota

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_pacers: dict[tuple, SitePacer] = {}
_quota: dict[tuple, PointsQuota] = {}

# KEYS: the next free slot (microseconds, Redis clock) of each budget the request meets,
# the family's then the site's; ARGV[i]: microseconds between requests of KEYS[i]; the
# last ARGV: the earliest the caller can send, from now. The slot is the first one every
# budget has free, booked in each; returns how many microseconds from now it is.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local slot = now + tonumber(ARGV[#KEYS + 1])
for i, key in ipairs(KEYS) do
  slot = math.max(slot, tonumber(redis.call('GET', key) or '0'))
end
for i, key in ipairs(KEYS) do
  redis.call('SET', key, string.format('%.0f', slot + tonumber(ARGV[i])), 'PX', 60000)
end
return string.format('%.0f', slot - now)
"""


class _SharedBudgets:
    """The budgets every process books a site's requests in, through Redis: one per
    endpoint family (when `per_endpoint` is set) and one for the site (`per_site`)."""

    def __init__(self, redis_url: str, site: str, *, per_endpoint: float, per_site: float):
        import redis

        self._client = redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
        self._script = self._client.register_script(_RESERVE)
        self._key = f"pensero:jira-rate:{blake2b(site.encode(), digest_size=12).hexdigest()}"
        self._endpoint_us = round(1_000_000 / per_endpoint) if per_endpoint > 0 else 0
        self._site_us = round(1_000_000 / per_site) if per_site > 0 else 0
        self._failed = False

    def __call__(self, family: str, not_before: float) -> float:
        keys, intervals = [], []
        if self._endpoint_us:
            keys.append(f"{self._key}:{family}")
            intervals.append(self._endpoint_us)
        if self._site_us:
            keys.append(self._key)
            intervals.append(self._site_us)
        try:
            booked = self._script(keys=keys, args=[*intervals, round(not_before * 1e6)])
        except Exception as error:  # Redis down: the per-process budgets still hold
            if not self._failed:
                logger.warning(
                    "Shared Jira rate budget unavailable (%s); pacing per process", error
                )
                self._failed = True
            return not_before
        self._failed = False
        return max(not_before, int(booked) / 1_000_000)


def pacer_for(base_url: str) -> SitePacer:
    """The pacer of the site at `base_url`, for the current settings."""
    per_site = settings.JIRA_MAX_REQUESTS_PER_SECOND
    per_endpoint = settings.JIRA_ENDPOINT_REQUESTS_PER_SECOND
    key = (base_url, settings.JIRA_MAX_CONCURRENCY, per_site, per_endpoint, settings.REDIS_URL)
    with _lock:
        pacer = _pacers.get(key)
        if pacer is None:
            shared = (
                _SharedBudgets(
                    settings.REDIS_URL, base_url, per_endpoint=per_endpoint, per_site=per_site
                )
                if settings.REDIS_URL and (per_site > 0 or per_endpoint > 0)
                else None
            )
            pacer = _pacers[key] = SitePacer(
                concurrency=settings.JIRA_MAX_CONCURRENCY,
                max_per_second=per_site,
                endpoint_per_second=per_endpoint,
                shared_reserve=shared,
            )
        return pacer


def _add_points(hour: int, points: int) -> int:
    key = f"pensero:jira-oauth-points:{hour}"
    cache.add(key, 0, timeout=2 * 3600)
    try:
        return cache.incr(key, points)
    except ValueError:  # expired between add and incr
        cache.set(key, points, timeout=2 * 3600)
        return points


def oauth_points_quota() -> PointsQuota:
    """The installation's OAuth app quota: one for every OAuth connection, all sites."""
    key = (settings.JIRA_OAUTH_POINTS_PER_HOUR,)
    with _lock:
        quota = _quota.get(key)
        if quota is None:
            quota = _quota[key] = PointsQuota(
                settings.JIRA_OAUTH_POINTS_PER_HOUR, add_points=_add_points
            )
        return quota
