"""The request budget of each Jira site, shared by every sync that talks to it.

Within a process, connections of the same site (several workspaces, or a sync next to a
Connect-form check) get the same `SitePacer` (integrations/jira/pacing.py): one window
of requests in flight, one rate, the limits Jira stated. Across processes the ceiling,
`JIRA_MAX_REQUESTS_PER_SECOND`, is booked in Redis when `REDIS_URL` is set (a GCRA in
one Lua script, on Redis's own clock), so every worker on every machine stays under it
together. Without Redis — the default single-machine setup — each worker process keeps
its own budget: two syncs of the same site in two worker processes can together reach
`Q_WORKERS` times the limit (docs/deploy.md says so).

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

# KEYS[1]: the site's next free slot (microseconds, Redis clock). ARGV[1]: microseconds
# between requests; ARGV[2]: the earliest the caller can send, from now. Returns how many
# microseconds from now the booked slot is.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local slot = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now + tonumber(ARGV[2]))
redis.call('SET', KEYS[1], string.format('%.0f', slot + tonumber(ARGV[1])), 'PX', 60000)
return string.format('%.0f', slot - now)
"""


class _SharedRate:
    """A rate every process books its requests in, through Redis."""

    def __init__(self, redis_url: str, site: str, per_second: float):
        import redis

        self._client = redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
        self._script = self._client.register_script(_RESERVE)
        self._key = f"pensero:jira-rate:{blake2b(site.encode(), digest_size=12).hexdigest()}"
        self._interval_us = round(1_000_000 / per_second)
        self._failed = False

    def __call__(self, not_before: float) -> float:
        try:
            booked = self._script(
                keys=[self._key], args=[self._interval_us, round(not_before * 1e6)]
            )
        except Exception as error:  # Redis down: the per-process budget still holds
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
    key = (
        base_url,
        settings.JIRA_MAX_CONCURRENCY,
        settings.JIRA_MAX_REQUESTS_PER_SECOND,
        settings.REDIS_URL,
    )
    with _lock:
        pacer = _pacers.get(key)
        if pacer is None:
            per_second = settings.JIRA_MAX_REQUESTS_PER_SECOND
            shared = (
                _SharedRate(settings.REDIS_URL, base_url, per_second)
                if settings.REDIS_URL and per_second > 0
                else None
            )
            pacer = _pacers[key] = SitePacer(
                concurrency=settings.JIRA_MAX_CONCURRENCY,
                max_per_second=per_second,
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
