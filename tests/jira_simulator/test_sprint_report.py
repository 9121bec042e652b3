"""What the simulated sites hold for sprint reports, and the simulator's own sprint report."""

from jira_simulator import ESTIMATE_FIELD, STORY_POINTS_FIELD, JiraSimulator
from tests.jira_simulator.helpers import NOW


def _site(seed=7):
    return JiraSimulator(seed=seed, issues=1200, now=NOW).site("acme")


def _joins(core):
    """(at, sprint id) of each time the issue joined a sprint."""
    return [(joined, sprint_id) for sprint_id, joined, _left in core.sprint_stays]


def test_some_done_work_is_dragged_into_a_later_sprint_after_it_was_completed(simulator):
    site = simulator.site("acme")
    dragged = [
        site.key_of(idx)
        for idx in site.live_indexes()
        if (core := site.core(idx)).completed_ms is not None
        and any(at > core.completed_ms for at, _sprint in _joins(core))
    ]
    assert len(dragged) >= 5
    # The simulator's sprint report lists them apart.
    report = site.sprint_report()
    assert sum(numbers["completed_outside"] for numbers in report.values()) >= len(dragged)


def test_issues_are_re_estimated_during_sprints_in_both_estimation_fields(simulator):
    site = simulator.site("acme")
    report = site.sprint_report()
    re_estimated = {key for n in report.values() for key, *_change in n["re_estimates"]}
    assert len(re_estimated) >= 10
    fields = {
        change["fieldId"]: change["field"]
        for idx in site.live_indexes()
        for history in site.core(idx).histories
        for change in history.items
        if change.get("fieldId") in (ESTIMATE_FIELD[0], STORY_POINTS_FIELD[0])
    }
    assert fields == dict([ESTIMATE_FIELD, STORY_POINTS_FIELD])


def test_the_sprint_report_keeps_its_identity_and_is_the_same_on_every_build(simulator):
    report = simulator.site("acme").sprint_report()
    assert report
    for numbers in report.values():
        assert (
            numbers["committed"] + numbers["added"] - numbers["removed"]
            == numbers["completed"]
            + numbers["not_delivered"]
            + numbers["carried_over"]
            + numbers["still_open"]
        )
    assert _site().sprint_report() == _site().sprint_report()
