"""The fixed cast: alice is an admin of Acme, bob a member of Acme, charlie an
admin of Globex, another company."""

import ipaddress
import socket

import pytest

from pensero.models import Membership, User, Workspace


class OutboundNetworkBlocked(RuntimeError):
    pass


def _loopback_only(connect):
    def guarded(sock, address, *args, **kwargs):
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0]
            try:
                loopback = ipaddress.ip_address(host).is_loopback
            except ValueError:
                loopback = host == "localhost"
            if not loopback:
                raise OutboundNetworkBlocked(f"Tests may only connect to loopback, not {host}")
        return connect(sock, address, *args, **kwargs)

    return guarded


def pytest_configure(config):
    """Every test runs with outbound network blocked except loopback, so a stray call fails."""
    socket.socket.connect = _loopback_only(socket.socket.connect)
    socket.socket.connect_ex = _loopback_only(socket.socket.connect_ex)


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


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: login rate limits don't carry over between tests."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _fresh_site_pacers():
    """Each test starts with no site paused: a 429 one test provoked doesn't slow the next."""
    from integrations import site_budgets

    with site_budgets._lock:
        site_budgets._pacers.clear()
    yield
