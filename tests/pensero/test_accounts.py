import pytest
from django.core import mail
from django.urls import reverse

from pensero.models import Membership, User, Workspace

pytestmark = pytest.mark.django_db


def test_sign_up_then_create_workspace_makes_you_its_admin(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "dana@newco.test",
            "password1": "a long pass phrase 9",
            "password2": "a long pass phrase 9",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="dana@newco.test")

    # Belonging to no workspace, the dashboard sends you to create one.
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"] == reverse("workspace_create")
    page = client.get(reverse("workspace_create"))
    assert "You don't belong to a workspace yet" in page.content.decode()

    response = client.post(reverse("workspace_create"), {"name": "NewCo", "slug": ""})
    assert response.status_code == 302
    workspace = Workspace.objects.get(name="NewCo")
    assert workspace.slug == "newco"
    assert Membership.objects.get(user=user, workspace=workspace).role == "admin"
    assert client.get(reverse("dashboard")).status_code == 200


def test_sign_up_needs_no_username(client):
    page = client.get(reverse("account_signup")).content.decode()
    assert 'name="email"' in page
    assert 'name="username"' not in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {
                "email": "not-an-email",
                "password1": "a long pass phrase 9",
                "password2": "a long pass phrase 9",
            },
            "valid email",
        ),
        ({"email": "x@y.test", "password1": "short", "password2": "short"}, "too short"),
        (
            {
                "email": "x@y.test",
                "password1": "a long pass phrase 9",
                "password2": "different phrase 99",
            },
            "same password",
        ),
    ],
)
def test_sign_up_rejects_bad_input_on_the_form(client, data, message):
    response = client.post(reverse("account_signup"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(email=data["email"]).exists()


def test_sign_up_rejects_an_email_already_in_use(client, alice):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "alice@acme.test",
            "password1": "a long pass phrase 9",
            "password2": "a long pass phrase 9",
        },
    )
    assert response.status_code == 200
    assert "already registered" in response.content.decode()
    assert User.objects.filter(email="alice@acme.test").count() == 1


def test_login_with_email_and_password(client, alice):
    from tests.conftest import PASSWORD

    response = client.post(
        reverse("account_login"), {"login": "alice@acme.test", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200


def test_wrong_password_is_a_form_error(client, alice):
    response = client.post(
        reverse("account_login"), {"login": "alice@acme.test", "password": "nope"}
    )
    assert response.status_code == 200
    assert "not correct" in response.content.decode()


def test_login_is_rate_limited_after_repeated_failures(client, alice):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "alice@acme.test", "password": "nope"})
    response = client.post(
        reverse("account_login"), {"login": "alice@acme.test", "password": "nope"}
    )
    assert "Too many failed login attempts" in response.content.decode()


def test_logout(alice_client):
    response = alice_client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert alice_client.get(reverse("dashboard")).status_code == 302


def test_password_reset_sends_an_email(client, alice):
    response = client.post(reverse("account_reset_password"), {"email": "alice@acme.test"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "alice@acme.test" in mail.outbox[0].to


def test_anonymous_visitors_are_sent_to_login(client, db):
    for name in ["dashboard", "reports", "integrations", "members", "workspace_create"]:
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("account_login")), name
