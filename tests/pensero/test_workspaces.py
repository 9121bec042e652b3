import pytest
from django.urls import reverse

from pensero.models import Membership, User, Workspace
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_member_cannot_open_settings(bob_client):
    assert bob_client.get(reverse("integrations")).status_code == 403
    assert bob_client.get(reverse("members")).status_code == 403
    assert bob_client.get(reverse("settings")).status_code == 403


def test_member_sees_reports_but_no_settings_link(bob_client):
    page = bob_client.get(reverse("reports"))
    assert page.status_code == 200
    assert reverse("integrations") not in page.content.decode()


def test_admin_opens_settings(alice_client):
    assert alice_client.get(reverse("integrations")).status_code == 200
    page = alice_client.get(reverse("members")).content.decode()
    assert "alice@acme.test" in page


def test_admin_adds_a_member_by_email(alice_client, acme, charlie):
    response = alice_client.post(
        reverse("members"), {"email": "CHARLIE@globex.test", "role": "member"}
    )
    assert response.status_code == 302
    assert Membership.objects.get(workspace=acme, user=charlie).role == "member"


def test_adding_an_unknown_email_is_a_form_error(alice_client, acme):
    response = alice_client.post(
        reverse("members"), {"email": "nobody@nowhere.test", "role": "member"}
    )
    assert response.status_code == 200
    assert "No account uses this email yet" in response.content.decode()
    assert Membership.objects.filter(workspace=acme).count() == 1


def test_adding_an_existing_member_is_a_form_error(alice_client, bob):
    response = alice_client.post(reverse("members"), {"email": "bob@acme.test", "role": "admin"})
    assert "already a member" in response.content.decode()
    assert Membership.objects.get(user=bob).role == "member"


def test_admin_changes_a_role(alice_client, bob):
    membership = Membership.objects.get(user=bob)
    alice_client.post(reverse("member_role", args=[membership.id]), {"role": "admin"})
    membership.refresh_from_db()
    assert membership.role == "admin"


def test_demoting_the_last_admin_is_refused(alice_client, alice):
    membership = Membership.objects.get(user=alice)
    response = alice_client.post(
        reverse("member_role", args=[membership.id]), {"role": "member"}, follow=True
    )
    assert "needs at least one admin" in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == "admin"


def test_removing_the_last_admin_is_refused(alice_client, alice):
    membership = Membership.objects.get(user=alice)
    response = alice_client.post(reverse("member_remove", args=[membership.id]), follow=True)
    assert "needs at least one admin" in response.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_invalid_role_is_refused(alice_client, bob):
    membership = Membership.objects.get(user=bob)
    alice_client.post(reverse("member_role", args=[membership.id]), {"role": "owner"})
    membership.refresh_from_db()
    assert membership.role == "member"


def test_other_workspace_admin_gets_404_on_acme_objects(charlie_client, bob):
    membership = Membership.objects.get(user=bob)
    assert (
        charlie_client.post(
            reverse("member_role", args=[membership.id]), {"role": "admin"}
        ).status_code
        == 404
    )
    assert charlie_client.post(reverse("member_remove", args=[membership.id])).status_code == 404
    membership.refresh_from_db()
    assert membership.role == "member"


def test_switching_to_a_workspace_you_are_not_in_is_404(charlie_client, acme):
    response = charlie_client.post(reverse("workspace_switch"), {"workspace": acme.id})
    assert response.status_code == 404


def test_user_in_two_workspaces_switches_between_them(client, alice, globex):
    Membership.objects.create(user=alice, workspace=globex, role="member")
    client.login(email="alice@acme.test", password=PASSWORD)
    assert "Acme" in client.get(reverse("dashboard")).content.decode()
    client.post(reverse("workspace_switch"), {"workspace": globex.id})
    # Now a member of Globex: reports yes, settings no.
    assert client.get(reverse("integrations")).status_code == 403
    client.post(reverse("workspace_switch"), {"workspace": Workspace.objects.get(slug="acme").id})
    assert client.get(reverse("integrations")).status_code == 200


def test_switch_ignores_an_offsite_next(alice_client, acme):
    response = alice_client.post(
        reverse("workspace_switch"), {"workspace": acme.id, "next": "https://evil.test/"}
    )
    assert response["Location"] == reverse("dashboard")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "slug": ""}, "This field is required"),
        ({"name": "A", "slug": ""}, "at least 2 characters"),
        ({"name": "x" * 81, "slug": ""}, "at most 80 characters"),
        ({"name": "Another Acme", "slug": "acme"}, "short name is taken"),
        ({"name": "Bad slug", "slug": "no spaces!"}, "valid"),
    ],
)
def test_workspace_form_rejects_bad_input(client, acme, data, message):
    user = User.objects.create_user(email="eve@x.test", password=PASSWORD)
    client.force_login(user)
    response = client.post(reverse("workspace_create"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Workspace.objects.count() == 1


def test_workspace_from_a_taken_name_gets_a_fresh_slug(alice_client, acme):
    alice_client.post(reverse("workspace_create"), {"name": "Acme", "slug": ""})
    assert set(Workspace.objects.values_list("slug", flat=True)) == {"acme", "acme-2"}


def test_admin_registers_workspaces_and_memberships(db):
    from django.contrib import admin

    assert Workspace in admin.site._registry
    assert Membership in admin.site._registry
    assert admin.site._registry[Membership].search_fields
    assert admin.site._registry[Membership].list_filter
