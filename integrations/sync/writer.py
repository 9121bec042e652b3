"""Store a page of mapped issues: bulk upserts in one transaction, idempotent.

Re-running a page writes the same rows again (keyed by the Jira ids), so a sync
killed at any point and run again neither loses nor duplicates anything.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from integrations.jira.fields import JiraUserRef
from integrations.models import (
    Comment,
    Issue,
    IssueDocument,
    JiraConnection,
    JiraUser,
    Person,
    PullRequest,
    StatusTransition,
)
from integrations.sync.bulk import insert_rows, upsert_rows
from integrations.sync.mapping import IssueRecord
from integrations.sync.remote_links import keep_stored_remote_links
from integrations.sync.sprint_rows import store_sprints


@dataclass
class PageResult:
    created: int = 0
    updated: int = 0
    changed_issue_ids: list[int] | None = None


def stored_versions(connection: JiraConnection, *, jira_ids=None) -> dict[int, tuple]:
    """jira_id → (updated_at as a timestamp, removed) of every stored row: ~100 bytes an issue.

    With `jira_ids`, only those issues' rows.
    """
    rows = Issue.objects.filter(connection=connection)
    if jira_ids is not None:
        rows = rows.filter(jira_id__in=list(jira_ids))
    return {
        jira_id: (updated.timestamp(), removed is not None)
        for jira_id, updated, removed in rows.values_list(
            "jira_id", "updated_at", "removed_at"
        ).iterator(chunk_size=5000)
    }


def _users_for(connection: JiraConnection, refs: dict[str, JiraUserRef]) -> dict[str, int]:
    """account id → JiraUser pk, creating users (and their Person) that are new."""
    if not refs:
        return {}
    existing = {
        account_id: (pk, name, email, account_type)
        for account_id, pk, name, email, account_type in JiraUser.objects.filter(
            connection=connection, account_id__in=refs
        ).values_list("account_id", "pk", "display_name", "email", "account_type")
    }
    workspace_id = connection.workspace_id
    for account_id, (pk, name, email, account_type) in existing.items():
        ref = refs[account_id]
        if (
            (ref.display_name and ref.display_name != name)
            or (ref.email and ref.email != email)
            or (ref.account_type and ref.account_type != account_type)
        ):
            JiraUser.objects.filter(pk=pk).update(
                display_name=ref.display_name[:255] or name,
                email=ref.email[:254] or email,
                account_type=ref.account_type or account_type,
            )
    new = [ref for account_id, ref in refs.items() if account_id not in existing]
    if new:
        people = _people_by_email(workspace_id, new)
        users = []
        for ref in new:
            email = ref.email.lower()[:254]
            person_id = people.get(email) if email else None
            if person_id is None:
                person_id = Person.objects.create(
                    workspace_id=workspace_id, display_name=ref.display_name[:255], email=email
                ).pk
                if email:
                    people[email] = person_id
            users.append(
                JiraUser(
                    connection=connection,
                    person_id=person_id,
                    account_id=ref.account_id[:128],
                    display_name=ref.display_name[:255],
                    email=ref.email[:254],
                    active=ref.active,
                    account_type=ref.account_type or "atlassian",
                )
            )
        JiraUser.objects.bulk_create(users, ignore_conflicts=True)
        existing.update(
            {
                account_id: (pk, "", "", "")
                for account_id, pk in JiraUser.objects.filter(
                    connection=connection, account_id__in=[u.account_id for u in users]
                ).values_list("account_id", "pk")
            }
        )
    return {account_id: value[0] for account_id, value in existing.items()}


def _people_by_email(workspace_id: int, refs: list[JiraUserRef]) -> dict[str, int]:
    """email → Person pk for the refs that have an email, creating the people that are new.

    The same email on another site of this workspace is the same person, and that site
    may be syncing right now: a person it inserts first is kept (the conflicting insert is
    skipped, in email order so two such inserts never deadlock) and read back.
    """
    names = {ref.email.lower()[:254]: ref.display_name[:255] for ref in refs if ref.email}
    people = Person.objects.filter(workspace_id=workspace_id, email__in=names)
    found = dict(people.values_list("email", "pk"))
    missing = sorted(email for email in names if email not in found)
    if missing:
        Person.objects.bulk_create(
            [Person(workspace_id=workspace_id, display_name=names[e], email=e) for e in missing],
            ignore_conflicts=True,
        )
        found.update(people.filter(email__in=missing).values_list("email", "pk"))
    return found


def _user_pk(user_ids: dict[str, int], ref: JiraUserRef | None) -> int | None:
    return user_ids.get(ref.account_id) if ref else None


def _all_user_refs(records: list[IssueRecord]) -> dict[str, JiraUserRef]:
    refs: dict[str, JiraUserRef] = {}
    for record in records:
        candidates = [record.creator, record.reporter, record.assignee]
        candidates += [c.author for c in record.comments]
        candidates += [t.author for t in record.transitions]
        for ref in candidates:
            if ref is not None:
                refs[ref.account_id] = ref
        # From the changelog, with a name but no email: never in place of a fuller ref.
        if record.completed_by is not None:
            refs.setdefault(record.completed_by.account_id, record.completed_by)
    return refs


def _not_older_than_stored(connection: JiraConnection, records: list[IssueRecord]) -> list:
    """`records` less those older than the stored row, which stays locked until the commit.

    `known` was read when the page was, but another writer (a webhook batch, a second
    sync) may have stored a newer version of an issue since: it is never overwritten
    with an older one.
    """
    stored = dict(
        Issue.objects.select_for_update()
        .filter(
            connection=connection,
            jira_id__in=[r.jira_id for r in records],
            removed_at__isnull=True,
        )
        .values_list("jira_id", "updated_at")
    )
    return [r for r in records if r.jira_id not in stored or r.updated_at >= stored[r.jira_id]]


def write_page(
    connection: JiraConnection, records: list[IssueRecord], *, known: dict, on_saved=None
) -> PageResult:
    """Upsert `records` (already filtered to changed issues) and their children in one transaction.

    `known` is what `stored_versions` returned at the start of the run (it tells new
    issues from updated ones); `on_saved` runs inside the same transaction (the run's
    progress is saved with the page).
    """
    result = PageResult(changed_issue_ids=[])
    if not records:
        if on_saved:
            with transaction.atomic():
                on_saved(result)
        return result
    with transaction.atomic():
        records = _not_older_than_stored(connection, records)
        keep_stored_remote_links(
            connection, [r for r in records if not r.remote_links_read and r.jira_id in known]
        )
        user_ids = _users_for(connection, _all_user_refs(records))
        now = timezone.now()
        issues = []
        for record in records:
            issues.append(
                {
                    "workspace_id": connection.workspace_id,
                    "connection_id": connection.pk,
                    "jira_id": record.jira_id,
                    "key": record.key[:64],
                    "project_key": record.project_key[:32],
                    "summary": record.summary,
                    "description": record.description,
                    "status": record.status[:255],
                    "status_category": record.status_category,
                    "issue_type": record.issue_type[:255],
                    "hierarchy_level": record.hierarchy_level,
                    "priority": record.priority[:255],
                    "labels": record.labels,
                    "components": record.components,
                    "parent_key": record.parent_key[:64],
                    "story_points": record.story_points,
                    "creator_id": _user_pk(user_ids, record.creator),
                    "reporter_id": _user_pk(user_ids, record.reporter),
                    "assignee_id": _user_pk(user_ids, record.assignee),
                    "completed_by_id": _user_pk(user_ids, record.completed_by),
                    "created_at": record.created_at,
                    "updated_at": record.updated_at,
                    "resolved_at": record.resolved_at,
                    "resolution": record.resolution,
                    "resolution_id": record.resolution_id,
                    "started_at": record.started_at,
                    "done_at": record.completed_at,
                    "delivered": record.delivered,
                    "comment_count": record.comment_total,
                    "pull_request_count": len(record.pull_requests),
                    "document_count": len(record.documents),
                    "removed_at": None,
                    "synced_at": now,
                }
            )
        upsert_rows(Issue, issues, unique=["connection_id", "jira_id"])
        pks = dict(
            Issue.objects.filter(
                connection=connection, jira_id__in=[r.jira_id for r in records]
            ).values_list("jira_id", "pk")
        )
        issue_pks = list(pks.values())
        # Children are replaced as a whole, so deleted comments and links vanish too.
        Comment.objects.filter(issue_id__in=issue_pks).delete()
        StatusTransition.objects.filter(issue_id__in=issue_pks).delete()
        IssueDocument.objects.filter(issue_id__in=issue_pks).delete()
        PullRequest.objects.filter(issue_id__in=issue_pks).delete()
        comments, transitions, documents, pulls = [], [], [], []
        for record in records:
            pk = pks[record.jira_id]
            seen_comments = set()
            for c in record.comments:
                if c.jira_id in seen_comments:
                    continue
                seen_comments.add(c.jira_id)
                comments.append(
                    {
                        "issue_id": pk,
                        "jira_id": c.jira_id,
                        "author_id": user_ids.get(c.author.account_id) if c.author else None,
                        "body": c.body,
                        "created_at": c.created_at,
                        "updated_at": c.updated_at,
                    }
                )
            seen_histories = set()
            for t in record.transitions:
                if t.history_id in seen_histories:
                    continue
                seen_histories.add(t.history_id)
                transitions.append(
                    {
                        "issue_id": pk,
                        "history_id": t.history_id,
                        "at": t.at,
                        "from_status": t.from_status[:255],
                        "to_status": t.to_status[:255],
                        "from_category": t.from_category,
                        "to_category": t.to_category,
                        "from_status_id": t.from_status_id,
                        "to_status_id": t.to_status_id,
                        "author_id": user_ids.get(t.author.account_id) if t.author else None,
                    }
                )
            documents += [
                {
                    "issue_id": pk,
                    "url": d.url,
                    "title": d.title,
                    "kind": d.kind,
                    "application": d.application,
                    "source": d.source,
                }
                for d in record.documents
            ]
            pulls += [
                {
                    "issue_id": pk,
                    "url": p.url,
                    "title": p.title,
                    "state": p.state,
                    "author": p.author,
                    "repository": p.repository,
                    "source": p.source,
                }
                for p in record.pull_requests
            ]
        insert_rows(Comment, comments)
        insert_rows(StatusTransition, transitions)
        insert_rows(IssueDocument, documents)
        insert_rows(PullRequest, pulls)
        store_sprints(connection, records, pks)
        result.created = sum(1 for r in records if r.jira_id not in known)
        result.updated = len(records) - result.created
        result.changed_issue_ids = issue_pks
        if on_saved:
            on_saved(result)
    return result
