"""Reading teams: each team of a workspace with the people in it."""

from __future__ import annotations

from dataclasses import dataclass

from analytics.models import Team
from integrations.models import Person


@dataclass(frozen=True)
class TeamMembers:
    id: int
    name: str
    # The team's people in name order: unsaved ``Person`` rows with only the fields a page
    # shows, so their names come from ``Person.__str__`` like everywhere else.
    people: tuple[Person, ...] = ()

    @property
    def person_ids(self) -> tuple[int, ...]:
        return tuple(person.pk for person in self.people)


def teams_with_members(workspace) -> list[TeamMembers]:
    """The workspace's teams by name, each with its people in name order. One query."""
    teams: dict[int, str] = {}
    members: dict[int, list[Person]] = {}
    rows = Team.objects.filter(workspace=workspace).values_list(
        "id",
        "name",
        "memberships__person_id",
        "memberships__person__display_name",
        "memberships__person__email",
    )
    order = (
        "name",
        "id",
        "memberships__person__display_name",
        "memberships__person__email",
        "memberships__person_id",
    )
    for pk, name, person_id, display_name, email in rows.order_by(*order):
        teams[pk] = name
        members.setdefault(pk, [])
        if person_id is not None:
            members[pk].append(
                Person(id=person_id, workspace=workspace, display_name=display_name, email=email)
            )
    return [TeamMembers(pk, name, tuple(members[pk])) for pk, name in teams.items()]
