import pytest
from django.urls import reverse

from analytics.scores import recompute_scores
from analytics.scoring import comment_not_counted_reason
from integrations.models import IssueDocument, JiraConnection, PullRequest
from tests.analytics.factories import (
    make_comment,
    make_connection,
    make_issue,
    make_person,
    make_transition,
    utc,
)


@pytest.fixture
def issue(acme):
    connection = make_connection(acme, "acme")
    ann = make_person(acme, "Ann Archer", connection)
    ben = make_person(acme, "Ben Baker", connection)
    make_issue(connection, key="ENG-1", summary="Epic for checkout", issue_type="Epic")
    issue = make_issue(
        connection,
        key="ENG-7",
        summary="Let customers retry a failed card payment",
        description="As a customer I want to retry.\n\nAcceptance criteria:\n- [ ] a retry button",
        issue_type="Story",
        priority="High",
        labels=["payments"],
        components=["checkout"],
        parent_key="ENG-1",
        story_points=3,
        assignee=ann,
        created=utc(2025, 6, 1),
        started=utc(2025, 6, 2),
        done=utc(2025, 6, 5),
    )
    issue.reporter = ben.jira_user
    issue.save()
    PullRequest.objects.create(
        issue=issue,
        url="https://git.example.test/acme/shop/pull/12",
        title="Retry card payments",
        state="MERGED",
        source="dev_status",
    )
    PullRequest.objects.create(
        issue=issue, url="javascript:alert(1)", title="Odd link", state="OPEN", source="description"
    )
    IssueDocument.objects.create(
        issue=issue,
        url="https://docs.example.test/retry",
        title="Retry design",
        source="remote_link",
    )
    make_comment(issue, ben, utc(2025, 6, 3))
    make_transition(issue, utc(2025, 6, 2), "new", "indeterminate", to_status="In Progress")
    make_transition(issue, utc(2025, 6, 5), "indeterminate", "done", to_status="Done")
    return issue


def test_it_shows_the_ticket_and_its_links(issue, bob_client):
    response = bob_client.get(reverse("issue_detail", args=[issue.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        "ENG-7",
        "Let customers retry a failed card payment",
        "acme.atlassian.net",
        "High",
        "payments",
        "checkout",
        "Ann Archer",
        "Ben Baker",
        "Retry card payments",
        "Merged",
        "Retry design",
        "In Progress",
        "3 days",  # cycle time
        "Acceptance criteria:",
        "Delivered",
        "· from development panel",
        "· from remote link",
    ):
        assert text in page, text
    assert f'href="{reverse("issue_detail", args=[issue.pk - 1])}"' in page  # the parent epic
    assert 'href="javascript:' not in page


def test_it_links_to_the_issue_in_jira_on_its_own_site(issue, bob_client, settings):
    settings.JIRA_SITE_URL_TEMPLATE = "https://{subdomain}.atlassian.net"
    page = bob_client.get(reverse("issue_detail", args=[issue.pk])).content.decode()
    assert 'href="https://acme.atlassian.net/browse/ENG-7"' in page


def test_an_issue_of_a_site_with_an_invalid_stored_label_has_no_jira_link(issue, bob_client):
    JiraConnection.objects.filter(pk=issue.connection_id).update(subdomain="not a site")
    page = bob_client.get(reverse("issue_detail", args=[issue.pk])).content.decode()
    assert "Open in Jira" not in page


def test_a_wont_do_issue_says_it_was_closed_not_delivered(issue, bob_client):
    issue.resolution, issue.delivered = "Won't Do", False
    issue.save()
    page = bob_client.get(reverse("issue_detail", args=[issue.pk])).content.decode()
    assert "Closed, not delivered" in page
    assert "Won&#x27;t Do" in page and "counts as not delivered" in page
    assert "3 days" not in page  # no cycle time for work that wasn't delivered


def test_it_explains_the_score_check_by_check(issue, alice_client):
    recompute_scores(issue_ids=[issue.pk])
    response = alice_client.get(reverse("issue_detail", args=[issue.pk]))
    score = response.context["score"]
    page = response.content.decode()
    assert f"Score: {score.score}" in page
    for check in score.checks:
        assert check.label in page
        assert check.reason in page
    assert "Has acceptance criteria or a definition of done" in page
    assert "1 merged, 1 open pull requests" in page
    assert response.context["stored_score"] is not None


def test_it_computes_a_score_not_stored_yet(issue, alice_client):
    response = alice_client.get(reverse("issue_detail", args=[issue.pk]))
    assert response.status_code == 200
    assert response.context["stored_score"] is None
    assert "Not stored yet" in response.content.decode()


def test_outsiders_get_404(issue, charlie_client):
    assert charlie_client.get(reverse("issue_detail", args=[issue.pk])).status_code == 404


def test_removed_issues_are_404(issue, alice_client):
    issue.removed_at = utc(2025, 6, 20)
    issue.save()
    assert alice_client.get(reverse("issue_detail", args=[issue.pk])).status_code == 404


def test_it_requires_login(issue, client):
    response = client.get(reverse("issue_detail", args=[issue.pk]))
    assert response.status_code == 302


# -- comments ---------------------------------------------------------------------------


def _comment(issue, author, when, body, *, account_type="atlassian"):
    """A comment by `author` (a Person), whose Jira account is of `account_type`."""
    make_comment(issue, author, when)
    comment = issue.comments.order_by("-jira_id").first()
    comment.body = body
    comment.save()
    author.jira_user.account_type = account_type
    author.jira_user.save()
    return comment


@pytest.fixture
def discussed(issue, acme):
    """ENG-7 with three more comments: by a person, an integration and a service desk customer."""
    connection = issue.connection
    cat = make_person(acme, "Cat Cole", connection)
    robot = make_person(acme, "Automation for Jira", connection)
    customer = make_person(acme, "Dee Customer", connection)
    _comment(issue, cat, utc(2025, 6, 4), "Tried it on staging:\n\nthe retry   works " + "x" * 400)
    _comment(issue, robot, utc(2025, 6, 4, 12), "PR merged by CI", account_type="app")
    _comment(issue, customer, utc(2025, 6, 4, 13), "Thanks!", account_type="customer")
    issue.comment_count = 4
    issue.save()
    return issue


def test_it_lists_the_comments_with_author_date_and_an_excerpt(discussed, bob_client):
    page = bob_client.get(reverse("issue_detail", args=[discussed.pk])).content.decode()
    assert 'id="comments-heading"' in page
    for text in ("Cat Cole", "Automation for Jira", "Dee Customer", "Ben Baker"):
        assert text in page, text
    assert "Jun 4, 2025" in page
    assert "Tried it on staging: the retry works" in page  # whitespace folded
    assert "x" * 400 not in page  # an excerpt, not the whole body
    assert "PR merged by CI" in page


def test_comments_the_score_leaves_out_say_why_with_the_scores_own_words(discussed, bob_client):
    response = bob_client.get(reverse("issue_detail", args=[discussed.pk]))
    page = response.content.decode()
    assert comment_not_counted_reason("app") in page
    assert comment_not_counted_reason("customer") in page
    assert "Integration" in page
    comments = response.context["comments"]
    counted = [c for c in comments if not c.not_counted_reason]
    # The score's comment check counts exactly the comments the page shows as counted.
    check = next(c for c in response.context["score"].checks if c.key == "comments")
    assert check.reason.startswith(f"{len(counted)} comments")
    assert len(comments) == 4 and len(counted) == 2
    assert "4 comments, 2 counted by the score" in page


def test_an_issue_without_comments_says_so(issue, bob_client):
    issue.comments.all().delete()
    page = bob_client.get(reverse("issue_detail", args=[issue.pk])).content.decode()
    assert "No comments." in page


def test_the_comment_list_is_the_issues_own(discussed, acme, bob_client):
    other = make_issue(discussed.connection, key="ENG-99")
    make_comment(other, make_person(acme, "Eve Elsewhere", discussed.connection), utc(2025, 6, 9))
    page = bob_client.get(reverse("issue_detail", args=[discussed.pk])).content.decode()
    assert "Eve Elsewhere" not in page


# -- links, document kinds, status ---------------------------------------------------------


def test_only_http_links_are_links_and_others_are_text(issue, bob_client):
    IssueDocument.objects.create(
        issue=issue, url="ftp://files.example.test/spec.pdf", title="Old spec", source="comment"
    )
    page = bob_client.get(reverse("issue_detail", args=[issue.pk])).content.decode()
    assert 'href="https://git.example.test/acme/shop/pull/12"' in page
    assert 'href="https://docs.example.test/retry"' in page
    assert "Old spec" in page and 'href="ftp:' not in page
    assert "Odd link" in page and 'href="javascript:' not in page


@pytest.mark.parametrize(
    ("kind", "application", "shown"),
    [
        ("confluence", "com.atlassian.confluence", "Confluence page"),
        ("google_docs", "", "Google Docs document"),
        ("other", "com.acme.design-docs", "Design docs"),
    ],
)
def test_a_documents_kind_reads_as_words(issue, bob_client, kind, application, shown):
    IssueDocument.objects.filter(issue=issue).update(kind=kind, application=application)
    page = bob_client.get(reverse("issue_detail", args=[issue.pk])).content.decode()
    assert shown in page
    assert "com.atlassian.confluence" not in page


def _badge(page: str) -> str:
    start = page.index('<span class="badge', page.index('class="lead"'))
    return page[page.index(">", start) + 1 : page.index("</span>", start)]


def test_the_status_is_said_once_when_it_is_its_category(issue, bob_client):
    page = bob_client.get(reverse("issue_detail", args=[issue.pk])).content.decode()
    assert _badge(page) == "Done"


def test_the_category_is_added_when_the_status_says_something_else(issue, bob_client):
    issue.status, issue.status_category = "In Review", "indeterminate"
    issue.save()
    page = bob_client.get(reverse("issue_detail", args=[issue.pk])).content.decode()
    assert _badge(page) == "In Review · In progress"
