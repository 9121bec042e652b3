"""Settings → Members: each member's role form, posted back as the page renders it."""

import pytest
from django.urls import reverse

from pensero.models import Membership
from tests.rows import stored_rows
from tests.submitted_forms import form_data

pytestmark = pytest.mark.django_db


def _memberships(workspace) -> list[dict]:
    return stored_rows(Membership.objects.filter(workspace=workspace))


def _role_form(client, membership) -> tuple[str, dict]:
    page = client.get(reverse("members")).content.decode()
    action = reverse("member_role", args=[membership.pk])
    return action, form_data(page, button="Change", action=action)


def test_changing_every_role_to_what_it_is_changes_nothing(alice_client, alice, bob, acme):
    before = _memberships(acme)
    for membership in Membership.objects.filter(workspace=acme):
        action, data = _role_form(alice_client, membership)
        assert data["role"] == [membership.role]
        response = alice_client.post(action, data, follow=True)
        assert "A workspace needs at least one admin" not in response.content.decode()
    assert _memberships(acme) == before


def test_changing_one_role_changes_only_that_membership(alice_client, alice, bob, acme):
    before = _memberships(acme)
    bobs = Membership.objects.get(user=bob)
    action, data = _role_form(alice_client, bobs)
    alice_client.post(action, data | {"role": [Membership.Role.ADMIN]})
    expected = [row | {"role": "admin"} if row["id"] == bobs.pk else row for row in before]
    assert _memberships(acme) == expected


def test_adding_nobody_from_the_blank_form_changes_nothing(alice_client, alice, bob, acme):
    before = _memberships(acme)
    page = alice_client.get(reverse("members")).content.decode()
    data = form_data(page, button="Add member")
    assert data["role"] == [Membership.Role.MEMBER]
    assert alice_client.post(reverse("members"), data).status_code == 200
    assert _memberships(acme) == before
