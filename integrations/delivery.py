"""What counts as delivered in a workspace: its not-delivered resolutions, and applying them.

The rule itself is ``workflow.is_delivered``; this module stores a workspace's list and
re-applies the rule to the issues already synced when an admin changes it.
"""

from django.db import transaction

from integrations.jira.workflow import (
    DEFAULT_NOT_DELIVERED_RESOLUTIONS,
    is_delivered,
    normalise_resolution,
)
from integrations.models import DeliveryRules, Issue, JiraConnection
from pensero.models import Workspace

BATCH = 5000


def not_delivered_resolutions(workspace_id: int) -> tuple[str, ...]:
    """The workspace's not-delivered resolution names (the defaults until an admin edits them)."""
    names = (
        DeliveryRules.objects.filter(workspace_id=workspace_id)
        .values_list("not_delivered_resolutions", flat=True)
        .first()
    )
    if names is None:
        return DEFAULT_NOT_DELIVERED_RESOLUTIONS
    return tuple(str(name) for name in names if isinstance(name, str))


def site_resolutions(workspace: Workspace) -> dict[str, list[str]]:
    """Resolution name -> the sites that have it, from each connection's last sync."""
    names: dict[str, list[str]] = {}
    seen: dict[str, str] = {}
    for subdomain, resolutions in JiraConnection.objects.filter(workspace=workspace).values_list(
        "subdomain", "resolutions"
    ):
        for resolution in resolutions or []:
            name = str(resolution.get("name", "")).strip() if isinstance(resolution, dict) else ""
            if not name:
                continue
            name = seen.setdefault(normalise_resolution(name), name)
            sites = names.setdefault(name, [])
            if subdomain not in sites:
                sites.append(subdomain)
    return names


def apply_delivery_rules(workspace: Workspace) -> int:
    """Re-derive ``Issue.delivered`` of the workspace's completed issues; how many changed."""
    rules = not_delivered_resolutions(workspace.pk)
    changed = 0
    completed = Issue.objects.filter(workspace=workspace, done_at__isnull=False)
    last_pk = 0
    while True:
        rows = list(
            completed.filter(pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", "done_at", "resolution", "delivered")[:BATCH]
        )
        if not rows:
            return changed
        last_pk = rows[-1][0]
        flips = {True: [], False: []}
        for pk, done_at, resolution, delivered in rows:
            now = is_delivered(completed=done_at, resolution=resolution, not_delivered=rules)
            if now != delivered:
                flips[now].append(pk)
        for value, pks in flips.items():
            if pks:
                changed += Issue.objects.filter(pk__in=pks).update(delivered=value)


@transaction.atomic
def delivery_rules_update(*, workspace: Workspace, not_delivered: list[str]) -> int:
    """Save the workspace's not-delivered resolutions and apply them at once.

    Returns how many synced issues changed between delivered and not delivered.
    """
    unique: dict[str, str] = {}
    for name in not_delivered:
        name = name.strip()[:255]
        if name:
            unique.setdefault(normalise_resolution(name), name)
    names = sorted(unique.values())
    # Saving the list in use stores nothing: a workspace on the defaults stays on them.
    if names != sorted(not_delivered_resolutions(workspace.pk)):
        DeliveryRules.objects.update_or_create(
            workspace=workspace, defaults={"not_delivered_resolutions": names}
        )
    return apply_delivery_rules(workspace)
