"""The issue page: one ticket's metadata, links, history and score in plain words."""

from django.db.models.functions import Length, Substr
from django.shortcuts import render

from analytics import scoring
from analytics.facts import facts_for_issues
from analytics.flow.time_in_status import cycle_time, lead_time, timeline
from analytics.investment.placement import placement, rule_set
from analytics.models import IssueScore
from analytics.scoring import (
    PART_COMPLETENESS,
    PART_INTERACTIONS,
    SCORE_VERSION,
    comment_not_counted_reason,
    score_issue,
)
from analytics.timing import format_duration
from integrations.models import Issue
from pensero.access import get_workspace_object_or_404, workspace_member_required

PART_TITLES = {
    PART_COMPLETENESS: "Completeness: is the ticket well specified?",
    PART_INTERACTIONS: "Interactions: was it worked on together and linked to the work?",
}


def _score_of(issue: Issue) -> tuple[scoring.ScoreResult, IssueScore | None]:
    """The stored score, or one computed now when none is stored yet."""
    stored = IssueScore.objects.filter(issue=issue).first()
    if stored is not None and stored.breakdown.get("checks") is not None:
        return scoring.ScoreResult.from_dict(stored.breakdown), stored
    return score_issue(facts_for_issues([issue.pk])[issue.pk]), None


def _parts(result: scoring.ScoreResult) -> list[dict]:
    parts = []
    for part in (PART_COMPLETENESS, PART_INTERACTIONS):
        checks = result.checks_for(part)
        parts.append(
            {
                "title": PART_TITLES[part],
                "points": sum(check.points for check in checks),
                "max_points": sum(check.max_points for check in checks),
                "checks": checks,
            }
        )
    return parts


def _with_safe_urls(objects) -> list:
    """Only http(s) links are rendered as links: the URLs come from Jira as typed."""
    objects = list(objects)
    for obj in objects:
        obj.safe_url = obj.url if obj.url.lower().startswith(("https://", "http://")) else ""
    return objects


# Characters of a comment shown on the page; the rest is in Jira.
EXCERPT_CHARS = 280


def _comments(issue: Issue) -> list:
    """The issue's comments, oldest first, each with an excerpt and, when the score leaves
    it out, the score's own reason (``not_counted_reason``)."""
    comments = list(
        issue.comments.select_related("author")
        .defer("body")
        .annotate(start=Substr("body", 1, EXCERPT_CHARS + 40), length=Length("body"))
        .order_by("created_at", "jira_id")
    )
    for comment in comments:
        text = " ".join(comment.start.split())
        if len(text) > EXCERPT_CHARS:
            text = text[:EXCERPT_CHARS].rsplit(" ", 1)[0] + "…"
        elif comment.length > len(comment.start):
            text += "…"
        comment.excerpt = text
        account_type = comment.author.account_type if comment.author else ""
        comment.not_counted_reason = comment_not_counted_reason(account_type)
    return comments


@workspace_member_required
def issue_detail(request, issue_id):
    issue = get_workspace_object_or_404(
        request,
        Issue.objects.filter(removed_at__isnull=True).select_related(
            "connection", "assignee", "reporter", "creator", "completed_by"
        ),
        pk=issue_id,
    )
    result, stored = _score_of(issue)
    parent = None
    if issue.parent_key:
        parent = (
            Issue.objects.filter(
                connection=issue.connection, key=issue.parent_key, removed_at__isnull=True
            )
            .only("id", "key", "summary")
            .first()
        )
    transitions = list(issue.transitions.select_related("author"))
    comments = _comments(issue)
    rules = rule_set(request.workspace)
    rule = (
        Issue.objects.filter(pk=issue.pk)
        .annotate(rule=placement(rules))
        .values_list("rule", flat=True)[0]
    )
    return render(
        request,
        "analytics/issue_detail.html",
        {
            "issue": issue,
            "parent": parent,
            "pull_requests": _with_safe_urls(issue.pull_requests.order_by("state", "url")),
            "documents": _with_safe_urls(issue.documents.order_by("title", "url")),
            "transitions": transitions,
            "comments": comments,
            "counted_comments": sum(1 for c in comments if not c.not_counted_reason),
            "investment": {"category": rules.category_of(rule), "why": rules.explain(rule)},
            "sprint_stays": issue.sprint_memberships.select_related("sprint").order_by(
                "joined_at", "sprint__jira_id"
            ),
            "score": result,
            "stored_score": stored,
            "outdated": stored is not None and stored.version != SCORE_VERSION,
            "parts": _parts(result),
            # Closed-not-delivered work has no cycle or lead time, as in the reports.
            "cycle_time": format_duration(cycle_time(issue.started_at, issue.done_at))
            if issue.delivered
            else "–",
            "lead_time": format_duration(lead_time(issue.created_at, issue.done_at))
            if issue.delivered
            else "–",
            "status_timeline": timeline(issue),
        },
    )
