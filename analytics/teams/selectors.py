"""Reading teams: each team of a workspace with the people in it."""

from __future__ import annotations

from dataclasses import dataclass

from analytics.models import Team


@dataclass(frozen=True)
class TeamMembers:
    id: int
    name: str
    person_ids: tuple[int, ...] = ()


def teams_with_members(workspace) -> list[TeamMembers]:
    """The workspace's teams by name, each with its people's ids. One query."""
    teams: dict[int, str] = {}
    members: dict[int, list[int]] = {}
    rows = Team.objects.filter(workspace=workspace).values_list(
        "id", "name", "memberships__person_id"
    )
    for pk, name, person_id in rows.order_by("name", "id"):
        teams[pk] = name
        members.setdefault(pk, [])
        if person_id is not None:
            members[pk].append(person_id)
    return [TeamMembers(pk, name, tuple(members[pk])) for pk, name in teams.items()]
