"""Instants are epoch milliseconds internally; these helpers render them the way Jira does."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

# Issue timestamps come back in a mix of offsets, as they do from real sites whose users
# sit in different zones; +0530 catches parsers that assume whole-hour offsets.
RENDER_ZONES = (
    "America/Los_Angeles",
    "Europe/Berlin",
    "UTC",
    "Asia/Kolkata",
    "America/Sao_Paulo",
    "Australia/Sydney",
)


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def to_ms(value: datetime) -> int:
    if value.tzinfo is None:
        raise ValueError("naive datetime: pass an aware datetime")
    return int(value.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def now_ms() -> int:
    return int(time.time() * 1000)


def hour_floor(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def jira_time(ms: int, zone_name: str = "UTC") -> str:
    """Format like Jira: ``2026-06-09T16:29:31.871-0700`` (offset without a colon).

    Search pages format hundreds of thousands of timestamps: the zone's offset per UTC hour
    and the date part per local hour come from small tables, the rest from precomputed text.
    """
    seconds = ms // 1000
    utc_hour = seconds // 3600
    zone_hour = _ZONE_HOURS.get((zone_name, utc_hour))
    if zone_hour is None:
        zone_hour = _zone_hour(zone_name, utc_hour)
    offset, offset_text = zone_hour
    local = seconds + offset
    local_hour = local // 3600
    prefix = _HOUR_PREFIXES.get(local_hour)
    if prefix is None:
        prefix = _hour_prefix(local_hour)
    return prefix + _MINUTE_SECOND[local - local_hour * 3600] + _MILLIS[ms % 1000] + offset_text


_MINUTE_SECOND = tuple(f"{s // 60:02d}:{s % 60:02d}" for s in range(3600))
_MILLIS = tuple(f".{m:03d}" for m in range(1000))
_TABLE_SIZE = 131_072  # hours: 15 years in one zone, or 180 days in 30 zones
_ZONE_HOURS: dict[tuple[str, int], tuple[int, str]] = {}
_HOUR_PREFIXES: dict[int, str] = {}


def _zone_hour(zone_name: str, utc_hour: int) -> tuple[int, str]:
    # Zone transitions happen on whole UTC hours for every zone we render, so an offset per
    # (zone, UTC hour) is exact and makes formatting several times cheaper than datetime.
    utcoffset = datetime.fromtimestamp(utc_hour * 3600, zone(zone_name)).utcoffset()
    offset = int(utcoffset.total_seconds()) if utcoffset else 0
    sign, size = ("+", offset) if offset >= 0 else ("-", -offset)
    entry = (offset, f"{sign}{size // 3600:02d}{size % 3600 // 60:02d}")
    if len(_ZONE_HOURS) >= _TABLE_SIZE:
        _ZONE_HOURS.clear()  # bounded; refilled from the hours in use
    _ZONE_HOURS[zone_name, utc_hour] = entry
    return entry


def _hour_prefix(local_hour: int) -> str:
    t = time.gmtime(local_hour * 3600)
    prefix = f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T{t.tm_hour:02d}:"
    if len(_HOUR_PREFIXES) >= _TABLE_SIZE:
        _HOUR_PREFIXES.clear()
    _HOUR_PREFIXES[local_hour] = prefix
    return prefix


def jira_time_or_none(ms: int | None, zone_name: str = "UTC") -> str | None:
    return None if ms is None else jira_time(ms, zone_name)


def iso_utc(ms: int | None) -> str | None:
    """ISO 8601 in UTC with milliseconds, for the truth view (``datetime.fromisoformat`` reads it)."""
    if ms is None:
        return None
    return from_ms(ms).isoformat(timespec="milliseconds")


def coerce_ms(value: datetime | int | float | str | None, default: int) -> int:
    """Accept an aware datetime, epoch ms or an ISO string (as sent over the control API)."""
    if value is None:
        return default
    if isinstance(value, datetime):
        return to_ms(value)
    if isinstance(value, int | float):
        return int(value)
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return to_ms(parsed)
