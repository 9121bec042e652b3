"""Parsing of Jira Cloud issue field values.

Jira's field values are loosely typed in practice (story points arrive as
numbers or strings, the "Development" field is a pseudo-JSON string), so each
parser here accepts anything and returns None/False/a default instead of
raising.

Public API:

- ``parse_jira_datetime(value) -> datetime | None``
- ``parse_story_points(value) -> float | None``
- ``find_field_id(fields, names) -> str | None``
- ``estimation_fields(fields) -> list[EstimationField]``
- ``STORY_POINTS_FIELD_NAMES``, ``DEVELOPMENT_FIELD_NAMES``
- ``development_has_pull_requests(value) -> bool``
- ``status_category(status) -> "new" | "indeterminate" | "done"``
- ``JiraUserRef(account_id, display_name, email, active, account_type)``, ``user_ref(value)``
"""

from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

__all__ = [
    "BOT_ACCOUNT_TYPES",
    "DEVELOPMENT_FIELD_NAMES",
    "STATUS_CATEGORIES",
    "STORY_POINTS_FIELD_NAMES",
    "EstimationField",
    "JiraUserRef",
    "development_has_pull_requests",
    "estimation_fields",
    "find_field_id",
    "parse_jira_datetime",
    "parse_story_points",
    "status_category",
    "user_ref",
]

# Company-managed projects often use "Story Points" (a plain number field); Jira
# Software's own estimation field is "Story point estimate". Many sites have both,
# used by different projects. Names are localised, so the schema is checked first.
STORY_POINTS_FIELD_NAMES: tuple[str, ...] = (
    "Story point estimate",
    "Story Points",
    "Story Point",
    "Storypoints",
    "Story-Punkte",
    "Story Point-Schätzung",
    "Points d'histoire",
    "Estimation des story points",
    "Puntos de historia",
    "Estimación de puntos de historia",
    "Pontos de história",
    "Estimativa de pontos de história",
    "Punti storia",
    "ストーリーポイント",
    "ストーリー ポイントの見積もり",
    "스토리 포인트",
    "故事点",
    "故事点估算",
)
# Jira Software's estimation field, whatever its name on the site.
ESTIMATION_SCHEMA = "com.pyxis.greenhopper.jira:jsw-story-points"
NUMBER_SCHEMA = "com.atlassian.jira.plugin.system.customfieldtypes:float"
DEVELOPMENT_FIELD_NAMES: tuple[str, ...] = ("Development",)
STATUS_CATEGORIES: tuple[str, ...] = ("new", "indeterminate", "done")

# Jira sends "2022-06-09T16:29:31.871-0700" (offset without a colon); also
# accept "+07:00", "Z", a space separator, missing seconds or fractions.
_DATETIME_RE = re.compile(
    r"""
    (?P<date>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})
    (?:[T\ ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d+))?)?
       \s*(?P<tz>Z|[+-]\d{2}:?\d{2}|[+-]\d{2})?)?
    """,
    re.VERBOSE | re.IGNORECASE,
)
_STORY_POINTS_RE = re.compile(r"\+?(?:\d+(?:\.\d*)?|\.\d+)")
_JSON_PART_RE = re.compile(r"\bjson=\s*")
# Only the "pullrequest={...}" section counts: "repository={...stateCount=...}" or
# "branch={...}" sections carry their own counts.
_PR_STATE_COUNT_RE = re.compile(r"pullrequest=\{[^{}]*?\bstateCount=(\d+)")


# accountType "atlassian" is a person; "app" is an integration (Automation for Jira,
# Git integrations...) and "customer" a service-desk customer: neither is a contributor.
BOT_ACCOUNT_TYPES: frozenset[str] = frozenset({"app", "customer"})


@dataclass(frozen=True)
class JiraUserRef:
    account_id: str
    display_name: str
    email: str  # "" when hidden by the user's privacy settings
    active: bool
    account_type: str = ""  # "" when unknown (a changelog item names the account only)

    @property
    def is_bot(self) -> bool:
        return self.account_type in BOT_ACCOUNT_TYPES


@dataclass(frozen=True)
class EstimationField:
    """A field that holds story points: its id, its name on the site, how it was found."""

    id: str
    name: str
    found_by: str  # "schema" or "name"


def parse_jira_datetime(value: Any) -> datetime | None:
    """Parse a Jira timestamp into an aware UTC datetime; None if empty or invalid.

    A value without an offset is taken as UTC, a bare date as midnight UTC.
    An aware ``datetime`` is converted to UTC and a naive one is taken as UTC.
    """
    if value.__class__ is str:
        return _parse_text_cached(value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if not isinstance(value, str):
        return None
    return _parse_text(value)


def _parse_text(value: str) -> datetime | None:
    if len(value) == 28 and value[10] == "T" and value[23] in "+-":
        # The shape Jira always sends (2022-06-09T16:29:31.871-0700): the C parser
        # is ~10x faster than the general path below, and a sync parses millions.
        try:
            return datetime.fromisoformat(value).astimezone(UTC)
        except ValueError:
            pass
    match = _DATETIME_RE.fullmatch(value.strip())
    if match is None:
        return None
    parts = match.groupdict()
    try:
        fraction = (parts["fraction"] or "0")[:6].ljust(6, "0")
        parsed = datetime(
            int(parts["date"]),
            int(parts["month"]),
            int(parts["day"]),
            int(parts["hour"] or 0),
            int(parts["minute"] or 0),
            int(parts["second"] or 0),
            int(fraction),
            tzinfo=_offset(parts["tz"]),
        )
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


# Finishing an issue reads each changelog date several times (status moves, sprints,
# estimates, assignees) and a comment's "updated" is mostly its "created": about 65
# parses an issue, of a few distinct strings. The results are immutable, so the last
# strings' are kept (a lookup is a fraction of a parse).
_parse_text_cached = functools.lru_cache(maxsize=4096)(_parse_text)


def _offset(text: str | None) -> timezone:
    if not text or text.upper() == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if minutes >= 60:
        raise ValueError("bad offset minutes")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def parse_story_points(value: Any) -> float | None:
    """Story points as a non-negative float; None for empty or unusable values.

    Sites store the estimate as a number or, after CSV imports and some apps,
    as a string, sometimes with a decimal comma ("1,5").
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:  # an int too large for a float
            return None
    elif isinstance(value, str):
        text = value.strip()
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        if not _STORY_POINTS_RE.fullmatch(text):
            return None
        number = float(text)
    else:
        return None
    if not math.isfinite(number) or number < 0:
        return None
    return number


def find_field_id(fields: Any, names: tuple[str, ...]) -> str | None:
    """Id of the field named like one of ``names`` in ``/rest/api/3/field`` output.

    Matching ignores case and surrounding spaces, and also checks
    ``untranslatedName`` because field names are localised per site. ``names``
    are in order of preference; among fields with the same name, the first
    listed wins.
    """
    if not isinstance(fields, list) or isinstance(names, str):
        return None
    by_name: dict[str, str] = {}
    for field in fields:
        if not isinstance(field, dict) or not isinstance(field.get("id"), str):
            continue
        for key in ("name", "untranslatedName"):
            name = field.get(key)
            if isinstance(name, str):
                by_name.setdefault(name.strip().casefold(), field["id"])
    for name in names:
        if isinstance(name, str) and name.strip().casefold() in by_name:
            return by_name[name.strip().casefold()]
    return None


def estimation_fields(fields: Any) -> list[EstimationField]:
    """Every story-points field of a site, in the order their values are read.

    Jira Software's estimation field first (found by its schema, whatever its name),
    then number fields named like story points (``STORY_POINTS_FIELD_NAMES``, in that
    order, localised names included). An issue's points are the first non-empty value.
    """
    if not isinstance(fields, list):
        return []
    by_schema: list[EstimationField] = []
    by_name: list[tuple[int, EstimationField]] = []
    wanted = {name.strip().casefold(): rank for rank, name in enumerate(STORY_POINTS_FIELD_NAMES)}
    for field in fields:
        if not isinstance(field, dict) or not isinstance(field.get("id"), str):
            continue
        schema = field.get("schema") if isinstance(field.get("schema"), dict) else {}
        name = field.get("name") if isinstance(field.get("name"), str) else field["id"]
        if schema.get("custom") == ESTIMATION_SCHEMA:
            by_schema.append(EstimationField(field["id"], name, "schema"))
            continue
        if schema and schema.get("type") not in ("number", None):
            continue  # a text or select field that happens to share the name
        ranks = [
            wanted[value.strip().casefold()]
            for value in (field.get("name"), field.get("untranslatedName"))
            if isinstance(value, str) and value.strip().casefold() in wanted
        ]
        if ranks:
            by_name.append((min(ranks), EstimationField(field["id"], name, "name")))
    by_name.sort(key=lambda pair: pair[0])
    return by_schema + [field for _rank, field in by_name]


def development_has_pull_requests(value: Any) -> bool:
    """Whether the cached "Development" field reports at least one pull request.

    The field is a string like ``{pullrequest={dataType=pullrequest,
    state=MERGED, stateCount=2}, json={"cachedValue":{...}}}``: Java map
    syntax around one JSON object. The JSON summary is authoritative; the
    ``stateCount``/``pullrequest={`` text is a fallback when the JSON part is
    missing or broken. The value is a cache, good only to decide whether to
    ask dev-status.
    """
    if isinstance(value, dict):
        count = _pull_request_count(value)
        return bool(count) if count is not None else "pullrequest" in value
    if not isinstance(value, str):
        return False
    text = value.strip()
    if not text or text == "{}":
        return False

    parsed = _development_json(text)
    count = _pull_request_count(parsed) if isinstance(parsed, dict) else None
    if count is not None:
        return count > 0

    state_count = _PR_STATE_COUNT_RE.search(text)
    if state_count:
        return int(state_count.group(1)) > 0
    return "pullrequest={" in text


def development_pull_request_types(value: Any) -> list[str] | None:
    """The dev-status instance types (``byInstanceType`` keys) the cached field lists for PRs.

    Lets the sync ask dev-status for details directly, without the summary call.
    None when the field doesn't say (then ask the summary).
    """
    if not isinstance(value, str):
        return None
    parsed = _development_json(value.strip())
    summary = parsed.get("cachedValue", {}).get("summary") if isinstance(parsed, dict) else None
    pull_request = summary.get("pullrequest") if isinstance(summary, dict) else None
    by_type = pull_request.get("byInstanceType") if isinstance(pull_request, dict) else None
    if not isinstance(by_type, dict) or not by_type:
        return None
    return [key for key in by_type if isinstance(key, str)]


@functools.lru_cache(maxsize=4)
def _development_json(text: str) -> Any:
    """The JSON object after ``json=`` in a Development field's text; None if there is none.

    Cached: mapping an issue reads the same field twice (does it have PRs, of which types).
    """
    match = _JSON_PART_RE.search(text)
    if not match or not text.startswith("{", match.end()):
        return None
    try:
        # raw_decode stops at the end of the balanced JSON object, ignoring the
        # closing "}" of the surrounding map.
        parsed, _end = json.JSONDecoder().raw_decode(text, match.end())
    except (ValueError, RecursionError):
        return None
    return parsed


def _pull_request_count(data: dict) -> int | None:
    """PR count from a dev-status summary in any of its wrappings, else None."""
    for candidate in (data.get("json"), data.get("cachedValue"), data):
        if isinstance(candidate, dict) and isinstance(candidate.get("cachedValue"), dict):
            candidate = candidate["cachedValue"]
        summary = candidate.get("summary") if isinstance(candidate, dict) else None
        if not isinstance(summary, dict):
            continue
        pull_request = summary.get("pullrequest")
        if pull_request is None:
            return 0  # a summary without a pullrequest section: branches/commits only
        overall = pull_request.get("overall") if isinstance(pull_request, dict) else None
        count = overall.get("count") if isinstance(overall, dict) else None
        if isinstance(count, int) and not isinstance(count, bool):
            return count
        return None
    return None


def status_category(status: Any) -> str:
    """``statusCategory.key`` of a status object: "new", "indeterminate" or "done".

    Anything else (missing, or Jira's "undefined" category) counts as "new".
    """
    category = status.get("statusCategory") if isinstance(status, dict) else None
    key = category.get("key") if isinstance(category, dict) else None
    if isinstance(key, str) and key.strip().lower() in STATUS_CATEGORIES:
        return key.strip().lower()
    return "new"


def user_ref(value: Any) -> JiraUserRef | None:
    """A user object (assignee, reporter, author...) keyed on ``accountId``.

    ``emailAddress`` is often hidden and deleted users have blank names, so
    only ``accountId`` is required. ``active`` defaults to True when absent.
    """
    if not isinstance(value, dict):
        return None
    account_id = value.get("accountId")
    display_name = value.get("displayName")
    email = value.get("emailAddress")
    active = value.get("active")
    account_type = value.get("accountType")
    # Equal keys make equal refs: a string never equals anything else, and any other
    # value of the text fields reads as none; but 0 equals False and 1 equals True, and
    # only a bool counts as `active`, so its class is part of the key.
    key = (account_id, display_name, email, active, active.__class__, account_type)
    try:
        ref = _user_refs.get(key)
    except TypeError:  # a list or an object where a string belongs
        return _user_ref(account_id, display_name, email, active, account_type)
    if ref is None:
        ref = _user_ref(account_id, display_name, email, active, account_type)
        if ref is not None:
            if len(_user_refs) >= _USER_REFS_LIMIT:
                _user_refs.clear()
            _user_refs[key] = ref
    return ref


def _user_ref(account_id, display_name, email, active, account_type) -> JiraUserRef | None:
    if not isinstance(account_id, str) or not account_id.strip():
        return None
    return JiraUserRef(
        account_id=account_id.strip(),
        display_name=display_name.strip() if isinstance(display_name, str) else "",
        email=email.strip() if isinstance(email, str) else "",
        active=active if isinstance(active, bool) else True,
        account_type=account_type.strip().lower()[:20] if isinstance(account_type, str) else "",
    )


# A page's issues name the same few people over and over (author of every comment and
# changelog entry, reporter, assignee): each distinct user object is made into a ref once.
# Refs are immutable, so they are shared; the dict is only read and set, which threads may
# do side by side.
_user_refs: dict[tuple, JiraUserRef] = {}
_USER_REFS_LIMIT = 10_000
