"""Every URL of the app, as another workspace's admin, as a member and anonymously.

Objects of another workspace are 404, admin-only pages are 403 for members,
anonymous visitors are sent to login, except on Jira's webhook receivers, which answer an
unsigned delivery with a bare 401. A URL missing from ACCESS fails the sweep.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from integrations.models import Issue, JiraUser, Person, Sprint
from integrations.webhooks.setup import webhook_for
from pensero.models import Membership

pytestmark = pytest.mark.django_db

PUBLIC, LOGIN, MEMBER, ADMIN, SIGNED = "public", "login", "member", "admin", "signed"

# name: (who may open it, HTTP method, the Acme objects its URL names)
ACCESS = {
    "home": (PUBLIC, "get", ()),
    "healthz": (PUBLIC, "get", ()),
    "favicon": (PUBLIC, "get", ()),
    "workspace_create": (LOGIN, "get", ()),
    "workspace_switch": (LOGIN, "post", ()),
    "dashboard": (MEMBER, "get", ()),
    "reports": (MEMBER, "get", ()),
    "report_scoring": (MEMBER, "get", ()),
    "report_export": (MEMBER, "get", ("table",)),
    "report_contributor": (MEMBER, "get", ("person_id",)),
    "report_contributor_csv": (MEMBER, "get", ("person_id",)),
    "report_team": (MEMBER, "get", ("team_id",)),
    "report_team_csv": (MEMBER, "get", ("team_id",)),
    "report_sprints": (MEMBER, "get", ()),
    "report_sprints_export": (MEMBER, "get", ("sprint_table",)),
    "report_sprint": (MEMBER, "get", ("sprint_id",)),
    "report_sprint_burndown_export": (MEMBER, "get", ("sprint_id",)),
    "report_investment": (MEMBER, "get", ()),
    "report_flow": (MEMBER, "get", ()),
    "report_flow_export": (MEMBER, "get", ("flow_table",)),
    "report_investment_export": (MEMBER, "get", ("investment_table",)),
    "issue_detail": (MEMBER, "get", ("issue_id",)),
    "settings": (ADMIN, "get", ()),
    "members": (ADMIN, "get", ()),
    "member_role": (ADMIN, "post", ("membership_id",)),
    "member_remove": (ADMIN, "post", ("membership_id",)),
    "teams": (ADMIN, "get", ()),
    "team_edit": (ADMIN, "get", ("team_id",)),
    "team_members_add": (ADMIN, "post", ("team_id",)),
    "team_member_remove": (ADMIN, "post", ("team_id", "person_id")),
    "team_delete": (ADMIN, "post", ("team_id",)),
    "integrations": (ADMIN, "get", ()),
    "jira_connect_token": (ADMIN, "get", ()),
    "jira_oauth_start": (ADMIN, "get", ()),
    "jira_oauth_callback": (ADMIN, "get", ()),
    "jira_oauth_pick": (ADMIN, "get", ()),
    "jira_oauth_reconnect": (ADMIN, "get", ("connection_id",)),
    "jira_manage": (ADMIN, "get", ("connection_id",)),
    "jira_story_points": (ADMIN, "post", ("connection_id",)),
    "delivery_settings": (ADMIN, "get", ()),
    "investment_settings": (ADMIN, "get", ()),
    "stage_settings": (ADMIN, "get", ()),
    "jira_sync_now": (ADMIN, "post", ("connection_id",)),
    "jira_sync_progress": (ADMIN, "get", ("connection_id",)),
    "jira_disconnect": (ADMIN, "post", ("connection_id",)),
    "jira_webhook_secret": (ADMIN, "post", ("connection_id",)),
    "jira_webhook_rotate": (ADMIN, "post", ("connection_id",)),
    "jira_webhook_register": (ADMIN, "post", ("connection_id",)),
    "jira_webhook_delivery": (SIGNED, "post", ("token",)),
    "jira_webhook_app_delivery": (SIGNED, "post", ()),
}
APP_MODULES = ("pensero.", "integrations.", "analytics.")


def _app_url_names(resolver=None):
    resolver = resolver or get_resolver()
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in ("admin",) or pattern.urlconf_name.__class__.__name__ == "list":
                continue
            if getattr(pattern.urlconf_module, "__name__", "").startswith(APP_MODULES):
                names |= _app_url_names(pattern)
        elif (
            isinstance(pattern, URLPattern)
            and pattern.name
            and pattern.lookup_str.startswith(APP_MODULES)
        ):
            names.add(pattern.name)
    return names


def test_every_app_url_is_in_the_sweep():
    names = _app_url_names()
    assert names - set(ACCESS) == set(), "new URLs need an entry in ACCESS"
    assert set(ACCESS) - names == set(), "ACCESS names URLs that no longer exist"


@pytest.fixture
def acme_objects(acme, bob, acme_connection):
    from analytics.models import Team

    person = Person.objects.create(workspace=acme, display_name="Dana", email="dana@acme.test")
    user = JiraUser.objects.create(connection=acme_connection, person=person, account_id="acc-dana")
    now = timezone.now()
    issue = Issue.objects.create(
        workspace=acme,
        connection=acme_connection,
        jira_id=10001,
        key="ENG-1",
        project_key="ENG",
        created_at=now,
        updated_at=now,
        assignee=user,
    )
    team = Team.objects.create(workspace=acme, name="Platform")
    team.members.add(person)
    sprint = Sprint.objects.create(
        workspace=acme, connection=acme_connection, jira_id=1, state="active", start_at=now
    )
    return {
        "connection_id": acme_connection.pk,
        "issue_id": issue.pk,
        "person_id": person.pk,
        "team_id": team.pk,
        "sprint_id": sprint.pk,
        "membership_id": Membership.objects.get(user=bob).pk,
        "table": "contributors",
        "token": webhook_for(acme_connection).url_token,
        "sprint_table": "sprints",
        "investment_table": "months",
        "flow_table": "status_hours",
    }


def _url(name, kinds, objects):
    return reverse(name, kwargs={kind: objects[kind] for kind in kinds})


def _request(client, method, url):
    return getattr(client, method)(url)


@pytest.mark.parametrize("name", sorted(ACCESS))
def test_anonymous_visitors_are_sent_to_login(client, acme_objects, name):
    access, method, kinds = ACCESS[name]
    response = _request(client, method, _url(name, kinds, acme_objects))
    if access == PUBLIC:
        assert response.status_code in (200, 302)
    elif access == SIGNED:
        assert response.status_code == 401, name
        assert response.content == b"", name
    else:
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("account_login")), name


@pytest.mark.parametrize(
    "name", sorted(n for n, (access, _, _) in ACCESS.items() if access == ADMIN)
)
def test_members_get_403_on_admin_pages(bob_client, acme_objects, name):
    _, method, kinds = ACCESS[name]
    assert _request(bob_client, method, _url(name, kinds, acme_objects)).status_code == 403, name


@pytest.mark.parametrize(
    "name",
    sorted(
        n for n, (access, method, kinds) in ACCESS.items() if access == MEMBER and method == "get"
    ),
)
def test_members_open_member_pages(bob_client, acme_objects, name):
    _, method, kinds = ACCESS[name]
    assert _request(bob_client, method, _url(name, kinds, acme_objects)).status_code == 200, name


@pytest.mark.parametrize(
    "name",
    sorted(
        n
        for n, (access, _, kinds) in ACCESS.items()
        # Table names are not objects of a workspace.
        if access in (MEMBER, ADMIN) and {kind for kind in kinds if not kind.endswith("table")}
    ),
)
def test_another_workspaces_admin_gets_404_on_acme_objects(charlie_client, acme_objects, name):
    _, method, kinds = ACCESS[name]
    assert _request(charlie_client, method, _url(name, kinds, acme_objects)).status_code == 404, (
        name
    )


def test_another_workspaces_admin_cannot_switch_into_acme(charlie_client, acme):
    assert (
        charlie_client.post(reverse("workspace_switch"), {"workspace": acme.pk}).status_code == 404
    )
