"""Speed of the report pages (Delivery analysis, Flow, Sprints, Investment, a team's page), of
scoring and of storing the status spans (time in status), on 100,000 issues.

Runs on the database of DATABASE_URL (PostgreSQL expected) in a database of its own,
``pensero_bench`` (or $BENCH_DATABASE), created and dropped here with Django's test database utilities.
Prints each figure next to its target and returns 1 when a target is missed.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python -m benchmarks.reports
"""

from __future__ import annotations

import logging
import os
import random
import statistics
import sys
import time
from datetime import timedelta

BENCH_DATABASE = os.environ.get("BENCH_DATABASE", "pensero_bench")
ISSUES = 100_000
PEOPLE = 200
TEAMS = 10
PROJECTS = ("CORE", "WEB", "APP", "DATA", "OPS")
REPORT_RUNS = 9
TARGET_REPORT_MS = 150
TARGET_REPORT_QUERIES = 15
TARGET_RECOMPUTE_S = 20
# Storing every issue's status spans is, like scoring, one pass per sync over the issues
# it stored: a first sync of 100,000 issues pays it once.
TARGET_SPANS_S = 20
BATCH = 5000
# Every project of both sites runs a scrum board of two-week sprints over the two years.
SPRINT_DAYS = 14
BOARD_SPRINTS = 730 // SPRINT_DAYS + 1
REPORT_PAGES = (
    ("Reports page", "/reports/"),
    ("Flow page", "/reports/flow/"),
    ("Sprints page", "/reports/sprints/"),
    ("Investment page", "/reports/investment/"),
)
# One sprint's page (its burndown, groups and re-estimates), for the first board's active
# sprint (the one with the most issues: the open work of two years) and its last closed one.
SPRINT_PAGES = (("Sprint page, active sprint", "active"), ("Sprint page, closed sprint", "closed"))

WORDS = [
    "checkout",
    "payment",
    "retry",
    "webhook",
    "invoice",
    "export",
    "search",
    "index",
    "cache",
    "login",
    "session",
    "mobile",
    "banner",
    "latency",
    "timeout",
    "migration",
    "report",
    "filter",
    "dashboard",
    "billing",
    "email",
]
TYPES = ("Story", "Story", "Task", "Bug", "Sub-task", "Epic")


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pensero.test_settings")
    import django

    django.setup()


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def _description(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.25:
        return ""
    text = _text(rng, rng.randint(5, 80))
    if roll > 0.6:
        text += "\n\nAcceptance criteria:\n- [ ] " + _text(rng, 6) + "\n- [ ] " + _text(rng, 5)
    return text


def _insert(model, fields: list[str], rows: list[tuple]) -> None:
    """Insert rows of ``fields`` values: COPY on PostgreSQL, bulk_create elsewhere."""
    from django.db import connection

    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            [model(**dict(zip(fields, row, strict=True))) for row in rows], batch_size=BATCH
        )
        return
    from psycopg.types.json import Jsonb

    # COPY does not apply Django's defaults: add the model's other columns with theirs.
    given = {model._meta.get_field(name).column for name in fields}
    others = [
        field
        for field in model._meta.concrete_fields
        if field.column not in given and not field.primary_key
    ]
    defaults = [field.get_default() for field in others]
    quote = connection.ops.quote_name
    columns = ", ".join(
        quote(column)
        for column in [model._meta.get_field(n).column for n in fields]
        + [field.column for field in others]
    )
    table = quote(model._meta.db_table)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row([Jsonb(v) if isinstance(v, list) else v for v in (*row, *defaults)])


def _reset_sequences(*models) -> None:
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


def _lifecycle(rng: random.Random, n: int, now):
    """Created, started, done and status category of the n-th issue.

    Issues come in creation order, as a first sync stores them; recent ones are more
    often still open.
    """
    age = 730 * (1 - n / ISSUES) + rng.uniform(0, 2)
    created = now - timedelta(days=age)
    done_share, open_share = (0.3, 0.6) if age < 30 else (0.7, 0.8) if age < 120 else (0.88, 0.9)
    roll = rng.random()
    started = done = None
    category = "new"
    if roll < open_share:
        started = created + timedelta(hours=rng.uniform(1, 24 * 20))
        category = "indeterminate"
        if roll < done_share:
            done = started + timedelta(hours=rng.expovariate(1 / 120))
            category = "done"
        if (done or started) > now:
            started, done, category = None, None, "new"
    return created, started, done, category


ISSUE_FIELDS = [
    "id", "workspace_id", "connection_id", "jira_id", "key", "project_key", "summary",
    "description", "status", "status_category", "issue_type", "hierarchy_level", "priority",
    "labels", "components", "parent_key", "story_points", "reporter_id", "assignee_id", "completed_by_id",
    "created_at", "updated_at", "resolved_at", "started_at", "done_at", "delivered",
    "comment_count", "pull_request_count", "document_count", "removed_at", "synced_at",
]  # fmt: skip


def _issue_rows(
    rng: random.Random, start: int, stop: int, workspace, connections, users, now, epics
):
    """Rows of issues start..stop-1 and of their comments, pull requests, documents and
    status transitions, with counters that match. Issues belong to one of the latest
    epics of their site and project (``epics``, kept across batches) half of the time."""
    issues, comments, prs, docs, transitions = [], [], [], [], []
    for n in range(start, stop):
        issue_id = n + 1
        created, started, done, category = _lifecycle(rng, n, now)
        project = PROJECTS[n % 5]
        kind = rng.choice(TYPES)
        site_epics = epics.setdefault((n % 2, project), [])
        parent = rng.choice(site_epics[-20:]) if site_epics and rng.random() < 0.5 else ""
        if kind == "Epic":
            site_epics.append(f"{project}-{n}")
        comment_count = rng.choice((0, 0, 1, 2, 3, 5))
        for c in range(comment_count):
            at = created + timedelta(hours=c + 1)
            comments.append((issue_id, c, rng.choice(users), "", at, at))
        pr_count = int(rng.random() < 0.6)
        if pr_count:
            state = rng.choice(("MERGED", "MERGED", "OPEN", "DECLINED"))
            prs.append((issue_id, f"https://git.bench.test/{n}", "", state, "dev_status"))
        doc_count = int(rng.random() < 0.3)
        if doc_count:
            docs.append((issue_id, f"https://docs.bench.test/{n}", "", "remote_link"))
        # Named statuses, as the changelog gives them; a third of the work goes
        # through review before it is done.
        if started:
            transitions.append(
                (issue_id, 1, started, "new", "indeterminate", "To Do", "In Progress")
            )
        if done and n % 3 == 0:
            review = started + (done - started) / 2
            transitions.append(
                (issue_id, 2, review, "indeterminate", "indeterminate", "In Progress", "In Review")
            )
            transitions.append((issue_id, 3, done, "indeterminate", "done", "In Review", "Done"))
        elif done:
            transitions.append((issue_id, 2, done, "indeterminate", "done", "In Progress", "Done"))
        issues.append(
            (
                issue_id, workspace.pk, connections[n % 2].pk, n, f"{project}-{n}", project,
                _text(rng, rng.randint(1, 10)), _description(rng),
                {"done": "Done", "indeterminate": "In Progress"}.get(category, "To Do"),
                category, kind, {"Epic": 1, "Sub-task": -1}.get(kind, 0), "Medium",
                [rng.choice(WORDS)] if rng.random() < 0.5 else [],
                [rng.choice(WORDS)] if rng.random() < 0.3 else [],
                parent,
                rng.choice((None, 1, 2, 3, 5, 8)), rng.choice(users),
                assignee := rng.choice(users) if rng.random() < 0.9 else None,
                assignee if done else None,
                created, done or started or created, done, started, done,
                done is not None and rng.random() < 0.94,  # some closed as Won't Do
                comment_count, pr_count, doc_count,
                now if rng.random() < 0.01 else None, now,
            )
        )  # fmt: skip
    return issues, comments, prs, docs, transitions


def _create_sprints(workspace, connections, now):
    """Every board's sprints; returns the first sprint's start and, per (site, project),
    the sprint row ids in order (the last one is active)."""
    from integrations.models import Sprint

    base = now - timedelta(days=730)
    sprints = []
    for connection in connections:
        for p, project in enumerate(PROJECTS):
            for k in range(BOARD_SPRINTS):
                start = base + timedelta(days=SPRINT_DAYS * k)
                end = start + timedelta(days=SPRINT_DAYS)
                closed = end <= now
                sprints.append(
                    Sprint(
                        workspace=workspace, connection=connection, jira_id=p * 1000 + k + 1,
                        name=f"{project} Sprint {k + 1}", state="closed" if closed else "active",
                        board_id=p + 1, start_at=start, end_at=end,
                        completed_at=end if closed else None,
                    )
                )  # fmt: skip
    rows = Sprint.objects.bulk_create(sprints)
    boards = {
        (c, p): [
            sprint.pk for sprint in rows[(c * len(PROJECTS) + p) * BOARD_SPRINTS :][:BOARD_SPRINTS]
        ]
        for c in range(len(connections))
        for p in range(len(PROJECTS))
    }
    return base, boards


CREATED, DONE = ISSUE_FIELDS.index("created_at"), ISSUE_FIELDS.index("done_at")
TYPE = ISSUE_FIELDS.index("issue_type")


def _stays(rng: random.Random, issues: list[tuple], base, boards, now) -> list[tuple]:
    """Sprint memberships of issues: done work in the sprint it was completed in (some
    carried over from one or two before), some open work in the active sprint, some
    issues taken out mid-sprint."""
    period = timedelta(days=SPRINT_DAYS)
    stays = []
    for row in issues:
        issue_id, created, done = row[0], row[CREATED], row[DONE]
        if row[TYPE] == "Epic" or rng.random() < 0.2 or (done is None and rng.random() < 0.5):
            continue
        n = issue_id - 1
        sprints = boards[n % 2, n % 5]
        target = min((((done or now) - base) // period), len(sprints) - 1)
        first = max(int((created - base) // period), target - rng.choice((0, 0, 0, 1, 1, 2)))
        joined = max(created, base + first * period - timedelta(hours=rng.uniform(1, 72)))
        for k in range(first, target + 1):
            left = None
            if rng.random() < 0.05:  # taken out mid-sprint
                left = joined + (base + (k + 1) * period - joined) * rng.random()
            stays.append((sprints[k], issue_id, joined, left))
            if left is not None:
                break
            joined = base + (k + 1) * period  # carried over at the close
    return stays


def generate(rng: random.Random):
    """Insert a workspace with 100,000 issues and what hangs off them, in bulk."""
    from django.utils import timezone

    from analytics.models import Team, TeamMember
    from integrations.models import (
        Comment,
        Issue,
        IssueDocument,
        JiraConnection,
        JiraProject,
        JiraUser,
        Person,
        PullRequest,
        SprintMembership,
        StatusTransition,
    )
    from pensero.models import Membership, User, Workspace

    now = timezone.now()
    workspace = Workspace.objects.create(name="Bench", slug="bench")
    user = User.objects.create_user(email="bench@example.test", password=None)
    Membership.objects.create(user=user, workspace=workspace, role=Membership.Role.ADMIN)
    connections = [
        JiraConnection.objects.create(workspace=workspace, subdomain=name, project_keys="")
        for name in ("bench", "bench-eu")
    ]
    JiraProject.objects.bulk_create(
        JiraProject(connection=c, key=key, name=key) for c in connections for key in PROJECTS
    )
    people = Person.objects.bulk_create(
        Person(workspace=workspace, display_name=f"Person {n:03d}", email=f"p{n}@bench.test")
        for n in range(PEOPLE)
    )
    users = [
        jira_user.pk
        for jira_user in JiraUser.objects.bulk_create(
            JiraUser(
                connection=connections[n % 2],
                person=person,
                account_id=f"acc-{n}",
                display_name=person.display_name,
            )
            for n, person in enumerate(people)
        )
    ]
    teams = Team.objects.bulk_create(
        Team(workspace=workspace, name=f"Team {n}") for n in range(TEAMS)
    )
    # 25 people per team, overlapping: some people are in two teams.
    TeamMember.objects.bulk_create(
        TeamMember(team=team, person=people[(t * 20 + i) % PEOPLE])
        for t, team in enumerate(teams)
        for i in range(25)
    )
    sprint_base, boards = _create_sprints(workspace, connections, now)
    epics: dict = {}
    for start in range(0, ISSUES, BATCH):
        stop = min(start + BATCH, ISSUES)
        issues, comments, prs, docs, transitions = _issue_rows(
            rng, start, stop, workspace, connections, users, now, epics
        )
        _insert(Issue, ISSUE_FIELDS, issues)
        _insert(
            Comment,
            ["issue_id", "jira_id", "author_id", "body", "created_at", "updated_at"],
            comments,
        )
        _insert(PullRequest, ["issue_id", "url", "title", "state", "source"], prs)
        _insert(IssueDocument, ["issue_id", "url", "title", "source"], docs)
        _insert(
            StatusTransition,
            [
                "issue_id",
                "history_id",
                "at",
                "from_category",
                "to_category",
                "from_status",
                "to_status",
            ],
            transitions,
        )
        _insert(
            SprintMembership,
            ["sprint_id", "issue_id", "joined_at", "left_at"],
            _stays(rng, issues, sprint_base, boards, now),
        )
    _reset_sequences(Issue, Comment, PullRequest, IssueDocument, StatusTransition, SprintMembership)
    return user


def _vacuum() -> None:
    """What autovacuum does soon after bulk writes: planner statistics, and the
    visibility map that lets the report queries read scores from an index only."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def measure_recompute() -> tuple[int, float]:
    from analytics.scores import recompute_scores

    started = time.perf_counter()
    count = recompute_scores()
    return count, time.perf_counter() - started


def measure_spans() -> tuple[int, float]:
    """Status spans of every issue, as a first sync of them all stores them."""
    from analytics.flow.time_in_status import store_all_spans

    started = time.perf_counter()
    count = store_all_spans()
    return count, time.perf_counter() - started


def team_page_path() -> str:
    """The first team's page (its people completed and hold a tenth of the work)."""
    from analytics.models import Team

    return f"/reports/teams/{Team.objects.order_by('pk').values_list('pk', flat=True)[0]}/"


def measure_reports(user, path: str = "/reports/") -> tuple[float, int]:
    """Median time of a report page and its query count, as the server sees them.

    Not under ``setup_test_environment()``: its template instrumentation copies every
    context and would be part of the measured time.
    """
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    client = Client()
    client.force_login(user)
    with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
        for _ in range(3):  # warm-up: session, caches, template loading, shared buffers
            assert client.get(path).status_code == 200
        timings = []
        for _ in range(REPORT_RUNS):
            started = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
    return statistics.median(timings), len(queries)


def _sprint_page_path(user, state: str) -> str:
    """The page of the first board's latest sprint in ``state``."""
    from django.urls import reverse

    from integrations.models import Sprint

    sprint = (
        Sprint.objects.filter(workspace__memberships__user=user, board_id=1, state=state)
        .order_by("connection_id", "-start_at")
        .first()
    )
    return reverse("report_sprint", args=[sprint.pk])


def _delivered_last_90_days(user) -> int:
    from analytics.reports.filters import Period, ReportFilters
    from analytics.reports.selectors import delivered_in, report_issues

    workspace = user.memberships.get().workspace
    filters = ReportFilters(workspace=workspace, period=Period.last_days(90))
    return report_issues(filters).filter(delivered_in(filters.period)).count()


def _line(label: str, value: str, target: str, ok: bool) -> str:
    return f"  {label:<36} {value:>14}   target {target:<10} {'OK' if ok else 'MISSED'}"


def main() -> int:
    _setup_django()
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    connection.settings_dict.setdefault("TEST", {})["NAME"] = BENCH_DATABASE
    if connection.vendor != "postgresql":
        print("warning: the targets are for PostgreSQL; DATABASE_URL points elsewhere.")
    old_config = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    try:
        print(f"reports benchmark on {connection.vendor} ({connection.settings_dict['NAME']})")
        started = time.perf_counter()
        user = generate(random.Random(42))
        _vacuum()
        print(f"  generated {ISSUES:,} issues in {time.perf_counter() - started:.1f} s")
        scored, recompute_s = measure_recompute()
        spans, spans_s = measure_spans()
        _vacuum()
        delivered = _delivered_last_90_days(user)
        logging.disable(logging.INFO)  # the request log line of every page view
        paths = [*REPORT_PAGES, ("Team page", team_page_path())]
        paths += [(label, _sprint_page_path(user, state)) for label, state in SPRINT_PAGES]
        pages = [(label, *measure_reports(user, path)) for label, path in paths]
        logging.disable(logging.NOTSET)
    finally:
        teardown_databases(old_config, verbosity=0)

    results = []
    for label, report_ms, queries in pages:
        results += [
            (
                f"{label}, median server time",
                f"{report_ms:.1f} ms",
                f"< {TARGET_REPORT_MS} ms",
                report_ms < TARGET_REPORT_MS,
            ),
            (
                f"{label}, SQL queries",
                str(queries),
                f"<= {TARGET_REPORT_QUERIES}",
                queries <= TARGET_REPORT_QUERIES,
            ),
        ]
    results += [
        (
            f"recompute_scores, {scored:,} issues",
            f"{recompute_s:.1f} s",
            f"< {TARGET_RECOMPUTE_S} s",
            recompute_s < TARGET_RECOMPUTE_S and scored == ISSUES,
        ),
        (
            f"store_all_spans, {spans:,} spans",
            f"{spans_s:.1f} s",
            f"< {TARGET_SPANS_S} s",
            spans_s < TARGET_SPANS_S and spans >= ISSUES,
        ),
    ]
    print(f"  {delivered:,} issues delivered in the report's last 90 days")
    for label, value, target, ok in results:
        print(_line(label, value, target, ok))
    return 0 if all(ok for *_, ok in results) else 1


if __name__ == "__main__":
    sys.exit(main())
