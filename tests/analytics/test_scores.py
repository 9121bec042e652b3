import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from analytics import tasks
from analytics.facts import facts_for_issues
from analytics.models import IssueScore
from analytics.scores import breakdown_json, recompute_scores
from analytics.scoring import SCORE_VERSION, comment_not_counted_reason, score_issue
from integrations.models import Issue, PullRequest
from tests.analytics.factories import (
    make_comment,
    make_connection,
    make_issue,
    make_person,
    make_transition,
    utc,
)


@pytest.fixture
def issues(acme, globex):
    connection = make_connection(acme, "acme")
    ann = make_person(acme, "Ann Archer", connection)
    ben = make_person(acme, "Ben Baker", connection)
    bare = make_issue(connection, key="ENG-1", summary="fix", description="")
    rich = make_issue(
        connection,
        key="ENG-2",
        summary="Let customers retry a failed card payment",
        description="Acceptance criteria:\n- [ ] a retry button\n" + "Context. " * 30,
        labels=["payments"],
        parent_key="ENG-9",
        story_points=3,
        assignee=ann,
        prs=1,
        docs=1,
        started=utc(2025, 6, 2),
        done=utc(2025, 6, 5),
    )
    rich.reporter = ben.jira_user
    rich.save()
    make_comment(rich, ann, utc(2025, 6, 3))
    make_comment(rich, ben, utc(2025, 6, 4))
    make_transition(rich, utc(2025, 6, 2), "new", "indeterminate")
    make_transition(rich, utc(2025, 6, 5), "indeterminate", "done")
    other = make_issue(make_connection(globex, "globex"), key="GLO-1")
    return bare, rich, other


def test_it_stores_a_score_for_every_issue(issues):
    assert recompute_scores() == 3
    assert IssueScore.objects.count() == 3
    bare, rich, _other = issues
    assert IssueScore.objects.get(issue=rich).score > IssueScore.objects.get(issue=bare).score
    stored = IssueScore.objects.get(issue=rich)
    assert stored.version == SCORE_VERSION
    assert stored.breakdown["score"] == stored.score
    assert {check["key"] for check in stored.breakdown["checks"]} >= {"summary", "pull_requests"}


def test_it_stores_what_score_issue_computes_from_the_facts(issues):
    _bare, rich, _other = issues
    recompute_scores(issue_ids=[rich.pk])
    expected = score_issue(facts_for_issues([rich.pk])[rich.pk])
    stored = IssueScore.objects.get(issue=rich)
    assert (stored.score, stored.completeness, stored.interactions) == (
        expected.score,
        pytest.approx(expected.completeness),
        pytest.approx(expected.interactions),
    )
    reasons = [check["reason"] for check in stored.breakdown["checks"]]
    assert reasons == [check.reason for check in expected.checks]


def test_it_is_idempotent(issues):
    recompute_scores()
    first = {s.issue_id: (s.score, s.breakdown) for s in IssueScore.objects.all()}
    assert recompute_scores() == 3
    assert IssueScore.objects.count() == 3
    second = {s.issue_id: (s.score, s.breakdown) for s in IssueScore.objects.all()}
    assert first == second


def test_it_updates_a_score_when_the_issue_changes(issues):
    _bare, rich, _other = issues
    recompute_scores()
    before = IssueScore.objects.get(issue=rich).score
    PullRequest.objects.filter(issue=rich).delete()
    recompute_scores(issue_ids=[rich.pk])
    assert IssueScore.objects.get(issue=rich).score < before


def test_it_scores_one_workspace_or_only_outdated_issues(issues, acme):
    bare, rich, other = issues
    assert recompute_scores(workspace=acme) == 2
    assert not IssueScore.objects.filter(issue=other).exists()
    IssueScore.objects.filter(issue=bare).update(version=0)
    assert recompute_scores(outdated_only=True) == 2  # bare (old version) and other (none)
    assert recompute_scores(outdated_only=True) == 0


def test_small_batches_give_the_same_scores(issues):
    recompute_scores(batch_size=1)
    one_by_one = dict(IssueScore.objects.values_list("issue_id", "score"))
    IssueScore.objects.all().delete()
    recompute_scores()
    assert dict(IssueScore.objects.values_list("issue_id", "score")) == one_by_one


def test_facts_come_from_the_rows_of_the_issue(issues):
    _bare, rich, _other = issues
    facts = facts_for_issues([rich.pk])[rich.pk]
    assert facts.summary == "Let customers retry a failed card payment"
    assert facts.labels == ("payments",)
    assert facts.has_assignee
    assert len(facts.comment_author_ids) == 2
    assert facts.pull_request_states == ("MERGED",)
    assert facts.document_count == 1
    assert facts.status_categories_visited == ("new", "indeterminate", "done")
    assert facts.reporter_id != facts.assignee_id


@pytest.mark.parametrize("account_type", ["app", "customer"])
def test_comments_the_scoring_rule_leaves_out_are_not_in_the_facts(issues, acme, account_type):
    _bare, rich, _other = issues
    bot = make_person(acme, "Automation for Jira", rich.connection)
    bot.jira_user.account_type = account_type
    bot.jira_user.save()
    make_comment(rich, bot, utc(2025, 6, 5))
    assert comment_not_counted_reason(account_type)
    assert len(facts_for_issues([rich.pk])[rich.pk].comment_author_ids) == 2


def test_categories_visited_start_at_creation_and_collapse_moves_within_one(issues, acme):
    connection = make_connection(acme, "acme-eu")
    issue = make_issue(connection, status_category="done")
    moves = [
        (utc(2025, 6, 1), "new", "indeterminate"),
        (utc(2025, 6, 2), "indeterminate", "indeterminate"),
        (utc(2025, 6, 3), "indeterminate", "done"),
        (utc(2025, 6, 4), "done", "indeterminate"),
        (utc(2025, 6, 5), "indeterminate", "done"),
    ]
    for at, from_category, to_category in reversed(moves):
        make_transition(issue, at, from_category, to_category)
    expected = ("new", "indeterminate", "done", "indeterminate", "done")
    assert facts_for_issues([issue.pk])[issue.pk].status_categories_visited == expected
    untouched = make_issue(connection, status_category="new")
    assert facts_for_issues([untouched.pk])[untouched.pk].status_categories_visited == ("new",)


def test_the_stored_breakdown_is_the_rounded_as_dict(issues):
    _bare, rich, _other = issues
    result = score_issue(facts_for_issues([rich.pk])[rich.pk])
    stored = json.loads(breakdown_json(result))
    expected = result.as_dict()
    assert stored.keys() == expected.keys()
    assert stored["score"] == expected["score"]
    for got, want in zip(stored["checks"], expected["checks"], strict=True):
        assert got == {
            **want,
            "points": pytest.approx(want["points"], abs=0.005),
            "max_points": pytest.approx(want["max_points"], abs=0.005),
        }


def test_the_command_scores_everything_and_says_how_long_it_took(issues):
    out = StringIO()
    call_command("recompute_scores", stdout=out)
    assert "Scored 3 issues in" in out.getvalue()
    out = StringIO()
    call_command("recompute_scores", "--workspace", "acme", "--only-outdated", stdout=out)
    assert "Scored 0 issues" in out.getvalue()


def test_the_command_rejects_an_unknown_workspace(issues):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="nope"):
        call_command("recompute_scores", "--workspace", "nope")


@pytest.mark.django_db(transaction=True)
def test_queue_scoring_scores_the_issues_after_commit(issues):
    bare, rich, _other = issues
    with transaction.atomic():
        tasks.queue_scoring([bare.pk, rich.pk, rich.pk])
        assert not IssueScore.objects.exists()  # nothing before the commit
    assert set(IssueScore.objects.values_list("issue_id", flat=True)) == {bare.pk, rich.pk}


@pytest.mark.django_db(transaction=True)
def test_queue_scoring_queues_nothing_when_the_transaction_rolls_back(issues):
    bare, _rich, _other = issues

    class Rollback(Exception):
        pass

    with pytest.raises(Rollback), transaction.atomic():
        tasks.queue_scoring([bare.pk])
        raise Rollback
    assert not IssueScore.objects.exists()


def test_the_task_skips_issues_deleted_since(issues):
    bare, _rich, _other = issues
    assert tasks.score_issues_task([bare.pk, 999_999]) == "scored 1 issues"


@pytest.mark.parametrize("batch_size", [1, 2, 3, 2000])
def test_given_ids_are_scored_in_batches_of_ranges_or_lists_gone_ones_skipped(acme, batch_size):
    connection = make_connection(acme, "acme")
    made = [make_issue(connection, key=f"ENG-{n}").pk for n in range(1, 8)]
    gone = made[4]
    IssueScore.objects.all().delete()

    Issue.objects.filter(pk=gone).delete()
    # Consecutive ids, a gap, an id that is gone, one unknown and one given twice.
    wanted = [made[0], made[1], made[2], made[5], gone, made[6], made[6], max(made) + 100]
    scored = recompute_scores(issue_ids=wanted, batch_size=batch_size)
    expected = sorted({made[0], made[1], made[2], made[5], made[6]})
    assert scored == len(expected)
    assert sorted(IssueScore.objects.values_list("issue_id", flat=True)) == expected
