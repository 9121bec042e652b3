"""The Delivery analysis numbers on the small dataset of factories.build_report_dataset.

Every expected number is worked out by hand in the comments.
"""

from datetime import date

import pytest

from analytics.reports.delivery import delivery_report, headline_cards
from analytics.reports.filters import Period, ReportFilters, filter_choices
from integrations.models import Person
from tests.analytics.factories import (
    build_report_dataset,
    make_comment,
    make_issue,
    make_person,
    utc,
)

DAY = 86400
JUNE = Period(date(2025, 6, 1), date(2025, 6, 30))


@pytest.fixture
def data(acme, globex):
    return build_report_dataset(acme, globex)


def _filters(workspace, **kwargs):
    return ReportFilters(
        workspace=workspace, period=JUNE, choices=filter_choices(workspace), **kwargs
    )


def _report(workspace, **kwargs):
    return delivery_report(_filters(workspace, **kwargs))


def test_it_counts_delivered_work_and_the_total_score(data, acme):
    current = _report(acme).summary.current
    # ENG-1..5 were done in June; ENG-11 (removed) and Globex's issue are left out.
    assert current.delivered == 5
    assert current.points == 80 + 60 + 40 + 20  # ENG-5 has no score yet
    assert current.scored == 4
    assert current.average_score == pytest.approx(50.0)


def test_it_computes_median_and_85th_percentile_cycle_and_lead_time(data, acme):
    current = _report(acme).summary.current
    # Cycle times 1, 3, 11 and 2 days (ENG-4 never went through in progress).
    assert current.cycle_median == pytest.approx(2.5 * DAY)
    assert current.cycle_p85 == pytest.approx((3 + 0.55 * 8) * DAY)  # 7.4 days
    # Lead times 14, 4, 42, 2 and 3 days.
    assert current.lead_median == pytest.approx(4 * DAY)
    assert current.lead_p85 == pytest.approx((14 + 0.4 * 28) * DAY)  # 25.2 days


def test_it_computes_the_rates_of_linked_pull_requests_and_documents(data, acme):
    current = _report(acme).summary.current
    assert current.with_pull_requests == 3  # ENG-1, ENG-2, ENG-5
    assert current.pull_request_rate == pytest.approx(0.6)
    assert current.with_documents == 2  # ENG-1, ENG-3
    assert current.document_rate == pytest.approx(0.4)


def test_it_counts_work_in_progress_now(data, acme):
    assert _report(acme).summary.work_in_progress == 2  # ENG-8, ENG-9


def test_it_compares_with_the_previous_period_of_the_same_length(data, acme):
    report = _report(acme)
    previous = report.summary.previous
    # May 2 - May 31: ENG-6 and ENG-7.
    assert previous.delivered == 2
    assert previous.points == 80
    assert previous.cycle_median == pytest.approx(6 * DAY)  # 2 and 10 days
    assert previous.lead_median == pytest.approx(28 * DAY)  # 41 and 15 days
    headline = {row.values[0]: row.values[1:] for row in report.tables()["headline"].rows}
    # 2 -> 5 issues, 80 -> 200 points: two issues are too few for a change.
    assert headline["Delivered issues"][1:] == [
        2,
        None,
        "No comparison: only 2 issues in the previous period",
    ]
    assert headline["Total score"][1:] == [
        80,
        None,
        "No comparison: only 2 issues in the previous period",
    ]


def test_it_counts_throughput_per_iso_week(data, acme):
    weeks = _report(acme).flow.weeks
    assert [(monday.isoformat(), n) for monday, n in weeks] == [
        ("2025-05-26", 0),
        ("2025-06-02", 2),  # ENG-1 (Tue), ENG-2 (Thu)
        ("2025-06-09", 2),  # ENG-3, ENG-4 (Thu)
        ("2025-06-16", 0),
        ("2025-06-23", 1),  # ENG-5 (Mon)
        ("2025-06-30", 0),
    ]


def test_it_buckets_cycle_times_and_scores(data, acme):
    report = _report(acme)
    summary = report.summary
    assert report.flow.cycle_buckets == [
        ("< 1 day", 0),
        ("1–3 days", 2),  # 1 and 2 days
        ("3–7 days", 1),  # 3 days
        ("1–2 weeks", 1),  # 11 days
        ("2–4 weeks", 0),
        ("> 4 weeks", 0),
    ]
    assert summary.score_buckets == [
        ("0–20", 0),
        ("20–40", 1),
        ("40–60", 1),
        ("60–80", 1),
        ("80–100", 1),
    ]
    assert summary.unscored == 1


def test_it_gives_numbers_per_contributor(data, acme):
    rows = {row.name: row for row in _report(acme).contributors}
    ann, ben, cid = rows["Ann Archer"], rows["Ben Baker"], rows["Cid Cole"]
    assert (ann.delivered, ann.points, ann.pull_requests, ann.comments) == (2, 140, 3, 2)
    assert ann.cycle_median == pytest.approx(2 * DAY)  # 1 and 3 days
    # Comments count whatever became of the issue: Ben's second is on the removed ENG-11.
    assert (ben.delivered, ben.points, ben.pull_requests, ben.comments) == (2, 60, 0, 2)
    assert ben.cycle_median == pytest.approx(11 * DAY)  # ENG-4 has no cycle time
    # Cid delivered nothing in June but wrote a comment.
    assert (cid.delivered, cid.points, cid.comments, cid.cycle_median) == (0, 0, 1, None)
    assert rows["Unassigned"].delivered == 1
    assert rows["Unassigned"].id is None


def test_it_credits_a_person_for_work_on_each_of_their_jira_sites(data, acme):
    from integrations.models import JiraUser
    from tests.analytics.factories import make_connection, make_issue, utc

    eu = make_connection(acme, "acme-eu", projects=("EU",))
    data.ann.jira_user = JiraUser.objects.create(
        connection=eu, person=data.ann, account_id="ann-eu", display_name="Ann"
    )
    make_issue(eu, project="EU", assignee=data.ann, done=utc(2025, 6, 20), score=10)

    rows = {row.name: row for row in _report(acme).contributors}
    assert (rows["Ann Archer"].delivered, rows["Ann Archer"].points) == (3, 150)


def test_it_gives_numbers_per_team_counting_a_person_in_two_teams_in_both(data, acme):
    teams = {row.name: row for row in _report(acme).teams}
    alpha, beta, gamma = teams["Alpha"], teams["Beta"], teams["Gamma"]
    # Alpha is Ann and Ben: ENG-1..4, each once although Ann is also in Beta.
    assert (alpha.people, alpha.delivered, alpha.points) == (2, 4, 200)
    assert alpha.average_score == pytest.approx(50.0)
    assert alpha.pull_request_rate == pytest.approx(0.5)
    assert alpha.document_rate == pytest.approx(0.5)
    assert alpha.comments == 2 + 2
    # Beta is Ann alone.
    assert (beta.people, beta.delivered, beta.points) == (1, 2, 140)
    assert beta.average_score == pytest.approx(70.0)
    assert (gamma.delivered, gamma.points, gamma.comments) == (0, 0, 1)


def test_the_team_filter_counts_each_issue_once(data, acme):
    report = _report(acme, team_id=data.alpha.pk, team_name="Alpha")
    assert report.summary.current.delivered == 4
    assert report.summary.current.points == 200
    assert {row.name for row in report.contributors} == {"Ann Archer", "Ben Baker"}
    assert [row.name for row in report.teams] == ["Alpha"]


def test_the_site_and_project_filters_narrow_the_numbers(data, acme):
    from tests.analytics.factories import make_issue, utc

    make_issue(data.connection, project="OPS", assignee=data.ben, done=utc(2025, 6, 4), score=5)
    assert _report(acme).summary.current.delivered == 6
    assert _report(acme, project_keys=("OPS",)).summary.current.delivered == 1
    assert _report(acme, project_keys=("ENG",)).summary.current.points == 200
    assert _report(acme, connection_ids=(data.connection.pk,)).summary.current.delivered == 6
    assert _report(acme, connection_ids=(999999,)).summary.current.delivered == 0


def test_an_empty_workspace_has_empty_numbers(acme):
    report = _report(acme)
    assert report.summary.current.delivered == 0
    assert report.summary.current.cycle_median is None
    assert report.summary.current.pull_request_rate is None
    assert report.contributors == []
    assert report.teams == []


def ann_person(workspace):
    person = Person.objects.get(workspace=workspace, display_name="Ann Archer")
    person.jira_user = person.jira_users.get()
    return person


def test_work_closed_as_not_delivered_is_counted_apart_and_nowhere_else(data, acme):
    before = _report(acme)
    ann = next(row for row in before.contributors if row.name == "Ann Archer")
    connection = acme.jira_connections.get()
    make_issue(
        connection,
        key="ENG-40",
        assignee=ann_person(acme),
        created=utc(2025, 6, 1),
        started=utc(2025, 6, 2),
        done=utc(2025, 6, 2, 12),
        score=95,
        prs=1,
        resolution="Won't Do",
    )
    after = _report(acme)
    assert after.summary.current.not_delivered == 1
    for name in ("delivered", "points", "cycle_median", "lead_median", "with_pull_requests"):
        assert getattr(after.summary.current, name) == getattr(before.summary.current, name)
    ann_after = next(row for row in after.contributors if row.name == "Ann Archer")
    assert (ann_after.delivered, ann_after.points) == (ann.delivered, ann.points)
    assert [week for week in after.flow.weeks] == [week for week in before.flow.weeks]
    cards = {card["label"]: card for card in headline_cards(after.summary)}
    assert cards["Delivered issues"]["note"] == "Also closed as not delivered: 1"


def test_comments_of_integrations_are_not_a_contributor(data, acme):
    connection = acme.jira_connections.get()
    bot = make_person(acme, "Automation for Jira", connection)
    bot.jira_user.account_type = "app"
    bot.jira_user.save()
    issue = make_issue(connection, key="ENG-41", created=utc(2025, 6, 1))
    make_comment(issue, bot, utc(2025, 6, 3))
    assert "Automation for Jira" not in {row.name for row in _report(acme).contributors}
