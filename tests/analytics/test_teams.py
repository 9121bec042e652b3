import pytest
from django.urls import reverse

from analytics.models import Team, TeamMember
from tests.analytics.factories import make_connection, make_person, make_team


@pytest.fixture
def people(acme):
    connection = make_connection(acme, "acme")
    return [make_person(acme, name, connection) for name in ("Ann Archer", "Ben Baker")]


def test_admins_create_a_team(alice_client, acme):
    response = alice_client.post(reverse("teams"), {"name": "  Platform   team "})
    team = Team.objects.get(workspace=acme)
    assert team.name == "Platform team"
    assert response.status_code == 302
    assert response["Location"] == reverse("team_edit", args=[team.pk])


def test_it_lists_the_teams_with_their_people(alice_client, acme, people):
    make_team(acme, "Platform", people)
    page = alice_client.get(reverse("teams")).content.decode()
    assert "Platform" in page
    assert 'href="/settings/teams/"' in page  # the subnav link
    assert '<td class="num">2</td>' in page


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("", "Enter a team name."),
        ("    ", "Enter a team name."),
        ("x" * 81, "Keep the name to 80 characters or fewer (it has 81)."),
        ("platform", "There is already a team called “platform”."),
    ],
)
def test_it_explains_what_is_wrong_with_a_name(alice_client, acme, name, error):
    make_team(acme, "Platform")
    response = alice_client.post(reverse("teams"), {"name": name})
    assert response.status_code == 200
    assert error in response.content.decode()
    assert Team.objects.filter(workspace=acme).count() == 1


def test_the_same_name_may_exist_in_another_workspace(alice_client, acme, globex):
    make_team(globex, "Platform")
    alice_client.post(reverse("teams"), {"name": "Platform"})
    assert Team.objects.filter(workspace=acme, name="Platform").exists()


def test_admins_rename_a_team(alice_client, acme):
    team = make_team(acme, "Platform")
    make_team(acme, "Mobile")
    response = alice_client.post(reverse("team_edit", args=[team.pk]), {"name": "Core"})
    assert response.status_code == 302
    team.refresh_from_db()
    assert team.name == "Core"
    # Keeping its own name (in another case) is fine; taking another team's is not.
    alice_client.post(reverse("team_edit", args=[team.pk]), {"name": "CORE"})
    team.refresh_from_db()
    assert team.name == "CORE"
    response = alice_client.post(reverse("team_edit", args=[team.pk]), {"name": "mobile"})
    assert "There is already a team called “mobile”." in response.content.decode()
    team.refresh_from_db()
    assert team.name == "CORE"


def test_admins_add_and_remove_people(alice_client, acme, people):
    ann, ben = people
    team = make_team(acme, "Platform")
    response = alice_client.post(
        reverse("team_members_add", args=[team.pk]), {"people": [ann.pk, ben.pk]}
    )
    assert response.status_code == 302
    assert set(team.members.all()) == {ann, ben}
    page = alice_client.get(reverse("team_edit", args=[team.pk])).content.decode()
    assert "Ann Archer" in page and "Ben Baker" in page

    alice_client.post(reverse("team_member_remove", args=[team.pk, ann.pk]))
    assert list(team.members.all()) == [ben]


def test_a_person_can_be_in_several_teams(alice_client, acme, people):
    ann, _ben = people
    first, second = make_team(acme, "Platform"), make_team(acme, "Mobile")
    for team in (first, second):
        alice_client.post(reverse("team_members_add", args=[team.pk]), {"people": [ann.pk]})
    assert TeamMember.objects.filter(person=ann).count() == 2


@pytest.mark.parametrize("people_value", [[], ["abc"], ["99999999999999999999"], ["-1"]])
def test_adding_nobody_or_unknown_people_is_explained(alice_client, acme, people, people_value):
    team = make_team(acme, "Platform")
    response = alice_client.post(
        reverse("team_members_add", args=[team.pk]), {"people": people_value}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose at least one person to add." in page or "Choose people from the list." in page
    assert not team.members.exists()


def test_people_of_another_workspace_cannot_be_added(alice_client, acme, globex):
    outsider = make_person(globex, "Olga Outsider", make_connection(globex, "globex"))
    team = make_team(acme, "Platform")
    response = alice_client.post(
        reverse("team_members_add", args=[team.pk]), {"people": [outsider.pk]}
    )
    assert "Choose people from the list." in response.content.decode()
    assert not team.members.exists()


def test_admins_delete_a_team_and_keep_its_people(alice_client, acme, people):
    team = make_team(acme, "Platform", people)
    assert alice_client.get(reverse("team_delete", args=[team.pk])).status_code == 200
    response = alice_client.post(reverse("team_delete", args=[team.pk]))
    assert response.status_code == 302
    assert not Team.objects.filter(pk=team.pk).exists()
    assert all(type(person).objects.filter(pk=person.pk).exists() for person in people)


def test_members_get_403(bob_client, acme):
    team = make_team(acme, "Platform")
    assert bob_client.get(reverse("teams")).status_code == 403
    assert bob_client.post(reverse("teams"), {"name": "Mine"}).status_code == 403
    assert bob_client.get(reverse("team_edit", args=[team.pk])).status_code == 403
    assert bob_client.post(reverse("team_delete", args=[team.pk])).status_code == 403
    assert Team.objects.filter(workspace=acme).count() == 1


def test_admins_of_another_workspace_get_404(charlie_client, acme, people):
    team = make_team(acme, "Platform")
    ann = people[0]
    assert charlie_client.get(reverse("team_edit", args=[team.pk])).status_code == 404
    assert charlie_client.post(reverse("team_delete", args=[team.pk])).status_code == 404
    response = charlie_client.post(
        reverse("team_members_add", args=[team.pk]), {"people": [ann.pk]}
    )
    assert response.status_code == 404
    assert Team.objects.filter(pk=team.pk).exists()
    assert not team.members.exists()


def test_anonymous_users_are_sent_to_login(client, acme):
    response = client.get(reverse("teams"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_teams_are_in_the_django_admin(admin_client, acme):
    team = make_team(acme, "Platform")
    assert admin_client.get(reverse("admin:analytics_team_changelist")).status_code == 200
    assert (
        admin_client.get(reverse("admin:analytics_team_change", args=[team.pk])).status_code == 200
    )
    assert admin_client.get(reverse("admin:analytics_issuescore_changelist")).status_code == 200
