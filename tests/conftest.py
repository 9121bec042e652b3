"""The fixed cast: alice is an admin of Acme, bob a member of Acme, charlie an
admin of Globex, another company."""

import pytest

from pensero.models import Membership, User, Workspace

PASSWORD = "correct horse battery staple"


@pytest.fixture
def acme(db):
    return Workspace.objects.create(name="Acme", slug="acme")


@pytest.fixture
def globex(db):
    return Workspace.objects.create(name="Globex", slug="globex")


def _member(email, workspace, role):
    user = User.objects.create_user(email=email, password=PASSWORD)
    Membership.objects.create(user=user, workspace=workspace, role=role)
    return user


@pytest.fixture
def alice(acme):
    return _member("alice@acme.test", acme, Membership.Role.ADMIN)


@pytest.fixture
def bob(acme):
    return _member("bob@acme.test", acme, Membership.Role.MEMBER)


@pytest.fixture
def charlie(globex):
    return _member("charlie@globex.test", globex, Membership.Role.ADMIN)


def _client_for(client_class, user):
    client = client_class()
    client.force_login(user)
    return client


@pytest.fixture
def alice_client(alice):
    from django.test import Client

    return _client_for(Client, alice)


@pytest.fixture
def bob_client(bob):
    from django.test import Client

    return _client_for(Client, bob)


@pytest.fixture
def charlie_client(charlie):
    from django.test import Client

    return _client_for(Client, charlie)
