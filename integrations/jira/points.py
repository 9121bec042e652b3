"""An estimate of Atlassian's hourly points quota for OAuth (3LO) apps, spent before Jira says so.

Since March 2026 Atlassian charges OAuth, Connect and Forge traffic against an hourly
quota of points per app: 1 point per call plus points per object returned
(https://developer.atlassian.com/cloud/jira/platform/rate-limiting); API-token traffic
is exempt. Jira only says so with a 429 once the quota is gone, for the rest of the
hour. The client counts an estimate instead (1 + the objects in each response) in an
hourly counter every process of the installation shares (through the caller's
`add_points`), and once `SLOW_DOWN_SHARE` of the quota is spent it spreads what is left
over the rest of the hour instead of spending it at once.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any

HOUR = 3600.0
SLOW_DOWN_SHARE = 0.8
_OBJECT_KEYS = ("issues", "comments", "values", "histories", "detail")


class QuotaSpent(Exception):
    """The estimated quota for this hour is spent; `retry_after` is when the next hour starts."""

    def __init__(self, retry_after: float):
        super().__init__(f"points quota spent for {retry_after:.0f} s")
        self.retry_after = retry_after


def points_of(data: Any) -> int:
    """Atlassian's charge for one read: 1 for the call and 1 per object it returned."""
    if isinstance(data, list):
        return 1 + len(data)
    if isinstance(data, dict):
        for key in _OBJECT_KEYS:
            if isinstance(data.get(key), list):
                return 1 + len(data[key])
        return 2  # one object (an issue, /myself...)
    return 1


class PointsQuota:
    def __init__(
        self,
        per_hour: int,
        *,
        add_points: Callable[[int, int], int],
        clock: Callable[[], float] = time.time,
    ):
        """`add_points(hour, points)` adds to that hour's shared counter and returns its total."""
        self.per_hour = per_hour
        self._add = add_points
        self._clock = clock
        self._lock = threading.Lock()
        self._used = 0
        self._hour = -1
        self._spent_here = 0
        self._calls_here = 0
        self._next_slot = 0.0

    def spend(self, points: int) -> None:
        hour = int(self._clock() // HOUR)
        total = self._add(hour, points)
        with self._lock:
            self._hour, self._used = hour, total
            self._spent_here += points
            self._calls_here += 1

    def delay(self) -> float:
        """Seconds to wait before the next call; QuotaSpent when nothing is left this hour."""
        now = self._clock()
        with self._lock:
            used = self._used if int(now // HOUR) == self._hour else 0
            left_in_hour = HOUR - now % HOUR
            remaining = self.per_hour - used
            if remaining <= 0:
                raise QuotaSpent(left_in_hour)
            if used < SLOW_DOWN_SHARE * self.per_hour:
                return 0.0
            per_call = self._spent_here / self._calls_here if self._calls_here else 1.0
            calls_per_second = remaining / per_call / left_in_hour
            if calls_per_second <= 0 or not math.isfinite(calls_per_second):
                raise QuotaSpent(left_in_hour)
            slot = max(now, self._next_slot)
            self._next_slot = slot + 1.0 / calls_per_second
            return slot - now
