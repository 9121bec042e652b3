"""Plain ORM helpers to build synced Jira data for the analytics tests."""

from datetime import UTC, datetime, timedelta
from itertools import count

from analytics.flow.time_in_status import store_spans
from analytics.models import IssueScore, Team, TeamMember
from integrations.jira.workflow import DEFAULT_NOT_DELIVERED_RESOLUTIONS as NOT_DELIVERED
from integrations.models import (
    Comment,
    Issue,
    IssueDocument,
    JiraConnection,
    JiraProject,
    JiraUser,
    Person,
    PullRequest,
    StatusTransition,
)

_ids = count(1)
# Fixed "now" of the small datasets; tests pass it as the report's `today`.
NOW = datetime(2025, 6, 30, 12, 0, tzinfo=UTC)


def at(days_ago: float, *, now: datetime = NOW) -> datetime:
    return now - timedelta(days=days_ago)


def make_connection(workspace, subdomain="acme", projects=("ENG",)) -> JiraConnection:
    connection = JiraConnection.objects.create(
        workspace=workspace,
        subdomain=subdomain,
        email=f"bot@{subdomain}.test",
        project_keys=",".join(projects),
    )
    for key in projects:
        JiraProject.objects.create(connection=connection, key=key, name=f"{key} project")
    return connection


def make_person(workspace, name, connection=None) -> Person:
    """A person with one Jira account on `connection` (its JiraUser is `person.jira_user`)."""
    email = f"{name.lower().replace(' ', '.')}@{workspace.slug}.test"
    person = Person.objects.create(workspace=workspace, display_name=name, email=email)
    if connection is not None:
        person.jira_user = JiraUser.objects.create(
            connection=connection,
            person=person,
            account_id=f"acc-{next(_ids)}",
            display_name=name,
            email=email,
        )
    return person


def make_issue(
    connection,
    *,
    key=None,
    project="ENG",
    assignee=None,
    created=None,
    started=None,
    done=None,
    status_category=None,
    score=None,
    prs=0,
    docs=0,
    removed=None,
    **fields,
) -> Issue:
    """An issue; `assignee` is a Person (its Jira account is used), `score` stores an IssueScore.

    A done issue is credited to its assignee unless `completed_by` (a Person) says otherwise,
    and delivered unless `resolution` names a not-delivered one (or `delivered` says so).
    """
    number = next(_ids)
    completed_by = fields.pop("completed_by", assignee if done else None)
    created = created or at(200)
    if status_category is None:
        status_category = "done" if done else ("indeterminate" if started else "new")
    issue = Issue.objects.create(
        workspace=connection.workspace,
        connection=connection,
        jira_id=10000 + number,
        key=key or f"{project}-{number}",
        project_key=project,
        summary=fields.pop("summary", f"Issue number {number} for the tests"),
        status={"done": "Done", "indeterminate": "In Progress"}.get(status_category, "To Do"),
        status_category=status_category,
        issue_type=fields.pop("issue_type", "Story"),
        assignee=assignee.jira_user if assignee is not None else None,
        completed_by=completed_by.jira_user if completed_by is not None else None,
        created_at=created,
        updated_at=done or started or created,
        started_at=started,
        done_at=done,
        resolved_at=done,
        delivered=fields.pop(
            "delivered", done is not None and fields.get("resolution") not in NOT_DELIVERED
        ),
        pull_request_count=prs,
        document_count=docs,
        removed_at=removed,
        **fields,
    )
    for n in range(prs):
        PullRequest.objects.create(
            issue=issue,
            url=f"https://git.example.test/{issue.key}/pull/{n}",
            state="MERGED",
            source="dev_status",
        )
    for n in range(docs):
        IssueDocument.objects.create(
            issue=issue, url=f"https://docs.example.test/{issue.key}/{n}", source="remote_link"
        )
    if score is not None:
        store_score(issue, score)
    # What the sync does after storing issues: their status spans (time in status).
    store_spans([issue.pk])
    return issue


def store_score(issue, score: int) -> IssueScore:
    return IssueScore.objects.create(
        issue=issue,
        score=score,
        version=1,
        completeness=0.5,
        interactions=0.5,
        breakdown={},
        computed_at=NOW,
    )


def make_comment(issue, author: Person, created) -> Comment:
    return Comment.objects.create(
        issue=issue,
        jira_id=next(_ids),
        author=author.jira_user,
        body="Looks good",
        created_at=created,
        updated_at=created,
    )


def make_transition(issue, when, from_category, to_category, **fields) -> StatusTransition:
    """A status move, stored as the sync stores it: with the issue's spans recomputed."""
    transition = StatusTransition.objects.create(
        issue=issue,
        history_id=next(_ids),
        at=when,
        from_category=from_category,
        to_category=to_category,
        **fields,
    )
    store_spans([issue.pk])
    return transition


def make_team(workspace, name, people=()) -> Team:
    team = Team.objects.create(workspace=workspace, name=name)
    for person in people:
        TeamMember.objects.create(team=team, person=person)
    return team


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# The period of the small dataset and the query string selecting it.
PERIOD = {"start": "2025-06-01", "end": "2025-06-30"}


def build_report_dataset(acme, globex):
    """A small Acme dataset whose report numbers are worked out by hand in the tests.

    June 2025 (the period): five delivered issues; May 2 - May 31 (the previous
    period): two. Ann is in teams Alpha and Beta, Ben in Alpha, Cid in Gamma.
    """
    connection = make_connection(acme, "acme", projects=("ENG", "OPS"))
    ann = make_person(acme, "Ann Archer", connection)
    ben = make_person(acme, "Ben Baker", connection)
    cid = make_person(acme, "Cid Cole", connection)

    i1 = make_issue(
        connection,
        key="ENG-1",
        assignee=ann,
        created=utc(2025, 5, 20),
        started=utc(2025, 6, 2),
        done=utc(2025, 6, 3),
        score=80,
        prs=1,
        docs=1,
    )
    i2 = make_issue(
        connection,
        key="ENG-2",
        assignee=ann,
        created=utc(2025, 6, 1),
        started=utc(2025, 6, 2),
        done=utc(2025, 6, 5),
        score=60,
        prs=2,
    )
    i3 = make_issue(
        connection,
        key="ENG-3",
        assignee=ben,
        created=utc(2025, 5, 1),
        started=utc(2025, 6, 1),
        done=utc(2025, 6, 12),
        score=40,
        docs=1,
    )
    i4 = make_issue(
        connection,
        key="ENG-4",
        assignee=ben,
        created=utc(2025, 6, 10),
        done=utc(2025, 6, 12),
        score=20,
    )
    i5 = make_issue(
        connection,
        key="ENG-5",
        created=utc(2025, 6, 20),
        started=utc(2025, 6, 21),
        done=utc(2025, 6, 23),
        prs=1,
    )
    # The previous period.
    make_issue(
        connection,
        key="ENG-6",
        assignee=ann,
        created=utc(2025, 4, 1),
        started=utc(2025, 5, 10),
        done=utc(2025, 5, 12),
        score=50,
    )
    make_issue(
        connection,
        key="ENG-7",
        assignee=cid,
        created=utc(2025, 4, 30),
        started=utc(2025, 5, 5),
        done=utc(2025, 5, 15),
        score=30,
    )
    # Work in progress now.
    make_issue(connection, key="ENG-8", assignee=ann, started=utc(2025, 6, 25))
    i9 = make_issue(connection, key="ENG-9", assignee=cid, started=utc(2025, 6, 26))
    make_issue(connection, key="ENG-10", status_category="new")
    # Left out everywhere: removed from Jira, and another workspace's.
    removed = make_issue(
        connection,
        key="ENG-11",
        assignee=ann,
        started=utc(2025, 6, 2),
        done=utc(2025, 6, 5),
        score=100,
        removed=utc(2025, 6, 20),
    )
    globex_connection = make_connection(globex, "globex")
    make_issue(
        globex_connection, key="ENG-1", started=utc(2025, 6, 2), done=utc(2025, 6, 5), score=90
    )

    make_comment(i3, ann, utc(2025, 6, 3))
    make_comment(i3, ann, utc(2025, 6, 4))
    make_comment(i3, ann, utc(2025, 5, 20))  # previous period
    make_comment(i1, ben, utc(2025, 6, 2))
    make_comment(i9, cid, utc(2025, 6, 27))
    make_comment(removed, ben, utc(2025, 6, 4))  # on a removed issue

    alpha = make_team(acme, "Alpha", [ann, ben])
    beta = make_team(acme, "Beta", [ann])
    gamma = make_team(acme, "Gamma", [cid])

    class Data:
        pass

    data = Data()
    data.__dict__.update(
        connection=connection,
        ann=ann,
        ben=ben,
        cid=cid,
        alpha=alpha,
        beta=beta,
        gamma=gamma,
        issues=[i1, i2, i3, i4, i5],
        removed=removed,
    )
    return data


def make_sprint(
    connection, jira_id, *, start=None, end=None, completed=None, state=None, board_id=1, **fields
):
    """A sprint of `connection`; closed when `completed` is given, active when only `start` is."""
    from integrations.models import Sprint

    if state is None:
        state = "closed" if completed else ("active" if start else "future")
    return Sprint.objects.create(
        workspace=connection.workspace,
        connection=connection,
        jira_id=jira_id,
        name=fields.pop("name", f"Sprint {jira_id}"),
        state=state,
        board_id=board_id,
        start_at=start,
        end_at=end or (start + timedelta(days=14) if start else None),
        completed_at=completed,
        **fields,
    )


def make_stay(issue, sprint, joined, left=None):
    from integrations.models import SprintMembership

    return SprintMembership.objects.create(
        issue=issue, sprint=sprint, joined_at=joined, left_at=left
    )


def make_estimate_change(issue, at, before, after):
    """A change of `issue`'s story points at `at`, as the sync stores it from the changelog."""
    from integrations.models import EstimateChange

    return EstimateChange.objects.create(issue=issue, at=at, from_points=before, to_points=after)
