"""The Jira accounts a page of issues mentions, and the workspace's people behind them.

Accounts are keyed by account id per site; people by email per workspace, so the same
email on two sites is one person (the other site may be syncing at the same moment).
"""

from integrations.jira.fields import JiraUserRef
from integrations.models import JiraConnection, JiraUser, Person
from integrations.sync.mapping import IssueRecord


def account_ids_for(connection: JiraConnection, records: list[IssueRecord]) -> dict[str, int]:
    """account id → JiraUser pk of every account the records mention, creating new ones."""
    return _users_for(connection, _all_user_refs(records))


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
