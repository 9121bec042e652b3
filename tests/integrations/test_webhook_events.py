"""What the app reads from each kind of delivery real Jira sends (fact sheet §10-§11)."""

import pytest

from integrations.webhooks.events import NO_BODY, BadDelivery, parse_delivery
from tests.integrations import webhook_payloads as jira


@pytest.mark.parametrize(
    ("body", "issues"),
    [
        (jira.issue_event("jira:issue_updated", 10001), (10001,)),
        (jira.cloud_comment(10357), (10357,)),
        (jira.server_comment(10013), (10013,)),
        (jira.issuelink(10020, 10021), (10020, 10021)),
        (jira.issuelink(10020, 10021, event="issuelink_deleted"), (10020, 10021)),
        (jira.worklog(10030), (10030,)),
        (jira.worklog(10030, event="worklog_deleted"), (10030,)),
        (jira.dynamic(10040, [7]), (10040,)),
        (jira.project_deleted(), ()),
        (jira.sprint(5), ()),
    ],
    ids=[
        "issue",
        "cloud-comment",
        "server-comment-without-issue",
        "issuelink-created",
        "issuelink-deleted",
        "worklog-created",
        "worklog-deleted",
        "dynamic",
        "project-deleted",
        "sprint",
    ],
)
def test_every_issue_a_delivery_names_is_read(body, issues):
    assert parse_delivery(body, "id-1").issue_jira_ids == issues


def test_a_sprint_event_names_its_sprint():
    delivery = parse_delivery(jira.sprint(42, event="sprint_closed", state="closed"), "id-1")
    assert (delivery.event, delivery.sprint_jira_id) == ("sprint_closed", 42)


def test_a_dynamic_delivery_says_which_webhooks_matched():
    assert parse_delivery(jira.dynamic(10040, [7, "8"]), "id-1").matched_webhook_ids == ("7", "8")


def test_an_unknown_event_is_accepted_and_names_nothing():
    delivery = parse_delivery(b'{"webhookEvent": "board_created", "board": {"id": 3}}', "id-1")
    assert (delivery.event, delivery.issue_jira_ids) == ("board_created", ())


@pytest.mark.parametrize("body", [b"", b"  \n"])
def test_an_empty_body_is_a_change_nobody_named(body):
    first, second = parse_delivery(body, None), parse_delivery(body, None)
    assert first.event == NO_BODY and first.issue_jira_ids == ()
    # Every empty body looks alike: only an identifier of its own keeps two changes apart.
    assert first.identifier != second.identifier
    assert parse_delivery(body, "jira-id-9").identifier == "jira-id-9"


def test_a_body_nested_deeper_than_the_parser_goes_is_a_bad_delivery():
    with pytest.raises(BadDelivery):
        parse_delivery(jira.nested(200_000), "id-1")


@pytest.mark.parametrize(
    "comment_self",
    ["https://x/rest/api/2/issue/abc/comment/1", "https://x/rest/api/2/10357", 17, None],
)
def test_a_comment_url_without_an_issue_id_names_nothing(comment_self):
    body = b'{"webhookEvent": "comment_created", "comment": {"self": %s}}' % (
        b"null" if comment_self is None else repr(comment_self).replace("'", '"').encode()
    )
    assert parse_delivery(body, "id-1").issue_jira_ids == ()
