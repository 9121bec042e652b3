"""The sprint page's issue groups (committed, added, ... completed outside) and their rows.

A long-running active sprint lists hundreds of issues, most of them twice (committed, and
still open): each issue's row is written once, here, and reused in every group it is in.
Like ``tables.Table.body_html``, the markup is built in Python because template loops over
that many rows took longer than the rest of the page. Every text is escaped in ``_row_html``.
"""

from __future__ import annotations

from html import escape

from django.db.models import QuerySet
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.safestring import SafeString, mark_safe

from analytics.reports.sprints.numbers import (
    CARRIED_OVER,
    COMPLETED,
    COMPLETED_OUTSIDE,
    NOT_DELIVERED,
    STILL_OPEN,
    Placement,
)
from integrations.jira.sites import issue_browse_url
from integrations.models import Issue

# The sprint page's groups: (title, what puts an issue in it, what it means).
GROUPS = [
    ("Committed", lambda p: p.committed, "In the sprint when it started."),
    ("Added", lambda p: p.added, "Joined after the start."),
    ("Removed", lambda p: p.removed, "Taken out after the start, and not back by the close."),
    ("Completed", lambda p: p.outcome == COMPLETED, "Delivered while in the sprint."),
    (
        "Not delivered",
        lambda p: p.outcome == NOT_DELIVERED,
        "Closed while in the sprint with a resolution that counts as not delivered.",
    ),
    ("Carried over", lambda p: p.outcome == CARRIED_OVER, "In the sprint at its close, not done."),
    ("Still open", lambda p: p.outcome == STILL_OPEN, "In the active sprint, not done yet."),
    (
        "Completed outside this sprint",
        lambda p: p.outcome == COMPLETED_OUTSIDE,
        "Already completed before the sprint started, or before it joined: counted in none "
        "of the numbers above.",
    ),
]
ISSUE_FIELDS = (
    "id",
    "key",
    "summary",
    "issue_type",
    "status",
    "story_points",
    "done_at",
    "delivered",
    "resolution",
    "connection__subdomain",
)


def path_before_id(name: str) -> str:
    # reverse() once per page, not once per row: the path ends with "<id>/".
    return reverse(name, args=[0]).removesuffix("0/")


def issue_rows(in_sprint: QuerySet[Issue]) -> dict[int, dict]:
    """Issue id → what the sprint page shows of the issues ``in_sprint``: its fields, its
    page (``url``) and Jira's (``jira_url``), and its table row (``html``)."""
    path = path_before_id("issue_detail")
    rows = {}
    for issue in Issue.objects.filter(pk__in=in_sprint.values("pk")).values(*ISSUE_FIELDS):
        issue["url"] = f"{path}{issue['id']}/"
        issue["jira_url"] = issue_browse_url(issue.pop("connection__subdomain"), issue["key"])
        issue["html"] = _row_html(issue)
        rows[issue["id"]] = issue
    return rows


def _row_html(issue: dict) -> str:
    """The issue's row; every text is escaped here."""
    points = issue["story_points"]
    points = (
        floatformat(points, -1) if points is not None else '<span class="muted">unestimated</span>'
    )
    done = "–"
    if issue["done_at"]:
        at = timezone.localtime(issue["done_at"])
        done = f'<time datetime="{at.isoformat()}">{date_format(at, "M j, Y")}</time>'
        if not issue["delivered"]:
            done += f' <span class="muted">({escape(issue["resolution"])})</span>'
    jira = issue["jira_url"]
    if jira:
        jira = f'<a href="{escape(jira)}" rel="noopener noreferrer">Open in Jira</a>'
    return (
        f'<tr><th scope="row"><a href="{escape(issue["url"])}">{escape(issue["key"])}</a></th>'
        f"<td>{escape(issue['summary'] or '(no summary)')}</td>"
        f"<td>{escape(issue['issue_type'] or '–')}</td><td>{escape(issue['status'] or '–')}</td>"
        f'<td class="num">{points}</td><td>{done}</td><td class="nowrap">{jira}</td></tr>'
    )


def _key_order(issue: dict) -> tuple:
    """ENG-9 before ENG-10."""
    project, _, number = issue["key"].rpartition("-")
    return (project, int(number)) if number.isdigit() else (issue["key"], 0)


def issue_groups(
    placements: dict[int, Placement], issues: dict[int, dict], *, closed: bool
) -> list[dict]:
    """The page's groups, each with its issues in key order and their rows (``rows_html``)."""
    groups = []
    for title, belongs, meaning in GROUPS:
        if title == ("Still open" if closed else "Carried over"):
            continue
        chosen = sorted(
            (issues[pk] for pk, placement in placements.items() if belongs(placement)),
            key=_key_order,
        )
        html: SafeString = mark_safe("".join(issue["html"] for issue in chosen))  # noqa: S308 - texts escaped in _row_html
        groups.append({"title": title, "meaning": meaning, "issues": chosen, "rows_html": html})
    return groups
