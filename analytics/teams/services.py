"""Create, rename and delete teams; add and remove their people."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from analytics.models import Team, TeamMember
from integrations.models import Person


def team_create(*, workspace, name: str) -> Team:
    team = Team(workspace=workspace, name=name)
    team.full_clean()
    team.save()
    return team


def team_rename(*, team: Team, name: str) -> Team:
    team.name = name
    team.full_clean()
    team.save(update_fields=["name"])
    return team


def team_delete(*, team: Team) -> None:
    team.delete()


@transaction.atomic
def team_members_add(*, team: Team, people: Iterable[Person]) -> int:
    """Add people of the team's workspace; people already in the team are skipped."""
    people = list(people)
    if any(person.workspace_id != team.workspace_id for person in people):
        raise ValidationError("A team can only have people of its own workspace.")
    existing = set(
        TeamMember.objects.filter(team=team, person__in=people).values_list("person_id", flat=True)
    )
    new = [TeamMember(team=team, person=person) for person in people if person.pk not in existing]
    TeamMember.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def team_member_remove(*, team: Team, person: Person) -> bool:
    deleted, _ = TeamMember.objects.filter(team=team, person=person).delete()
    return bool(deleted)
