import json
import math
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.scoring import (
    COMPLETENESS_POINTS,
    INTERACTIONS_POINTS,
    KIND_BUG,
    KIND_EPIC,
    KIND_STORY,
    KIND_SUBTASK,
    KIND_TASK,
    KINDS,
    PART_COMPLETENESS,
    PART_INTERACTIONS,
    SCORE_VERSION,
    Check,
    IssueFacts,
    ScoreResult,
    comment_not_counted_reason,
    find_criteria_markers,
    is_placeholder_summary,
    issue_kind,
    max_points,
    score_issue,
)

LONG_TEXT = "The export button on the reports page should produce a CSV of the table. " * 4
AC_TEXT = LONG_TEXT + "\n\nAcceptance criteria:\n- CSV has a header row\n- Dates are ISO 8601\n"
BUG_TEXT = (
    LONG_TEXT + "\n\nSteps to reproduce:\n1. Open reports\n2. Click export\n"
    "Expected: a CSV downloads\nActual: a 500 error\n"
)

TYPES = {
    KIND_EPIC: ("Epic", 1),
    KIND_STORY: ("Story", 0),
    KIND_BUG: ("Bug", 0),
    KIND_TASK: ("Task", 0),
    KIND_SUBTASK: ("Sub-task", -1),
}


def complete(kind=KIND_STORY, **overrides):
    """An issue of the given kind that earns every point available to it."""
    issue_type, level = TYPES[kind]
    values = dict(
        issue_type=issue_type,
        hierarchy_level=level,
        summary="Export the reports table as CSV",
        description=BUG_TEXT if kind == KIND_BUG else AC_TEXT,
        has_assignee=True,
        story_points=3.0,
        labels=("reports",),
        components=("web",),
        parent_key="" if kind == KIND_EPIC else "PRJ-1",
        reporter_id="reporter",
        assignee_id="dev",
        comment_author_ids=("dev", "qa", "pm", "dev", "reporter", "qa", "dev"),
        pull_request_states=("MERGED",),
        document_count=1,
        status_categories_visited=("new", "indeterminate", "done"),
        status_category="done",
    )
    values.update(overrides)
    return IssueFacts(**values)


def empty(kind=KIND_STORY, **overrides):
    issue_type, level = TYPES[kind]
    return IssueFacts(issue_type=issue_type, hierarchy_level=level, **overrides)


def check(result: ScoreResult, key: str) -> Check:
    matches = [c for c in result.checks if c.key == key]
    assert len(matches) == 1, f"expected exactly one {key!r} check, got {result.checks}"
    return matches[0]


def fraction(result: ScoreResult, key: str) -> float:
    c = check(result, key)
    return c.points / c.max_points


def keys(result: ScoreResult) -> set[str]:
    return {c.key for c in result.checks}


# ------------------------------------------------------------------ issue kinds


@pytest.mark.parametrize(
    ("issue_type", "level", "kind"),
    [
        ("Epic", 1, KIND_EPIC),
        ("Initiative", 2, KIND_EPIC),
        ("Story", 0, KIND_STORY),
        ("User Story", 0, KIND_STORY),
        ("Historia", 0, KIND_STORY),
        ("Bug", 0, KIND_BUG),
        ("Production bug", 0, KIND_BUG),
        ("Fehler", 0, KIND_BUG),
        ("Bogue", 0, KIND_BUG),
        ("Task", 0, KIND_TASK),
        ("Improvement", 0, KIND_TASK),
        ("History cleanup", 0, KIND_TASK),
        ("Debug session", 0, KIND_TASK),
        ("Sub-task", -1, KIND_SUBTASK),
        ("Unteraufgabe", -1, KIND_SUBTASK),
    ],
)
def test_issue_kind_maps_jira_types_including_localized_names(issue_type, level, kind):
    assert issue_kind(issue_type, level) == kind


def test_hierarchy_level_decides_before_the_type_name():
    assert issue_kind("Bug", 1) == KIND_EPIC
    assert issue_kind("Story", -1) == KIND_SUBTASK


def test_epic_and_subtask_names_are_recognised_when_level_is_zero():
    assert issue_kind("Epic", 0) == KIND_EPIC
    assert issue_kind("Sub-task", 0) == KIND_SUBTASK


def test_scored_kind_is_reported_on_the_result():
    assert score_issue(empty(KIND_BUG)).kind == KIND_BUG


# -------------------------------------------------- applicability and rescaling


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (
            KIND_STORY,
            {"summary", "description", "criteria", "assignee", "estimate", "labels", "parent"},
        ),
        (
            KIND_TASK,
            {"summary", "description", "criteria", "assignee", "estimate", "labels", "parent"},
        ),
        (KIND_BUG, {"summary", "description", "criteria", "assignee", "labels", "parent"}),
        (KIND_EPIC, {"summary", "description", "criteria", "assignee", "labels"}),
        (KIND_SUBTASK, {"summary", "description", "assignee"}),
    ],
)
def test_only_checks_that_apply_to_the_issue_type_are_listed(kind, expected):
    result = score_issue(empty(kind))
    completeness = {c.key for c in result.checks if c.part == PART_COMPLETENESS}
    assert completeness == expected


def test_pull_requests_do_not_apply_to_epics_but_apply_to_everything_else():
    assert "pull_requests" not in keys(score_issue(empty(KIND_EPIC)))
    for kind in (KIND_STORY, KIND_BUG, KIND_TASK, KIND_SUBTASK):
        assert "pull_requests" in keys(score_issue(empty(kind)))


def test_story_uses_raw_weights_without_rescaling():
    assert max_points(KIND_STORY) == {
        "summary": 8.0,
        "description": 15.0,
        "criteria": 12.0,
        "assignee": 8.0,
        "estimate": 7.0,
        "labels": 5.0,
        "parent": 5.0,
        "comments": 10.0,
        "participants": 8.0,
        "pull_requests": 10.0,
        "documents": 4.0,
        "progress": 8.0,
    }


def test_epic_completeness_is_rescaled_from_48_to_60_points():
    points = max_points(KIND_EPIC)
    # Applicable raw weights: 8 + 15 + 12 + 8 + 5 = 48, scaled by 60 / 48 = 1.25.
    assert points["summary"] == pytest.approx(10.0)
    assert points["description"] == pytest.approx(18.75)
    assert points["criteria"] == pytest.approx(15.0)
    assert points["assignee"] == pytest.approx(10.0)
    assert points["labels"] == pytest.approx(6.25)


def test_epic_interactions_are_rescaled_from_30_to_40_points():
    points = max_points(KIND_EPIC)
    # No pull requests: 10 + 8 + 4 + 8 = 30, scaled by 40 / 30.
    assert points["comments"] == pytest.approx(40 / 3)
    assert points["participants"] == pytest.approx(32 / 3)
    assert points["documents"] == pytest.approx(16 / 3)
    assert points["progress"] == pytest.approx(32 / 3)


def test_bug_completeness_is_rescaled_from_53_to_60_points():
    points = max_points(KIND_BUG)
    assert points["description"] == pytest.approx(15 * 60 / 53)
    assert points["criteria"] == pytest.approx(12 * 60 / 53)


def test_subtask_completeness_is_rescaled_from_31_to_60_points():
    points = max_points(KIND_SUBTASK)
    assert points["summary"] == pytest.approx(8 * 60 / 31)
    assert points["description"] == pytest.approx(15 * 60 / 31)
    assert points["assignee"] == pytest.approx(8 * 60 / 31)


@pytest.mark.parametrize("kind", KINDS)
def test_max_points_of_each_part_add_up_to_the_part_weight_for_every_kind(kind):
    result = score_issue(empty(kind))
    completeness = sum(c.max_points for c in result.checks if c.part == PART_COMPLETENESS)
    interactions = sum(c.max_points for c in result.checks if c.part == PART_INTERACTIONS)
    assert completeness == pytest.approx(COMPLETENESS_POINTS)
    assert interactions == pytest.approx(INTERACTIONS_POINTS)


@pytest.mark.parametrize("kind", KINDS)
def test_complete_issue_of_every_kind_scores_100(kind):
    result = score_issue(complete(kind))
    assert result.score == 100
    assert result.completeness == pytest.approx(1.0)
    assert result.interactions == pytest.approx(1.0)
    assert all(c.points == pytest.approx(c.max_points) for c in result.checks), result.checks


@pytest.mark.parametrize("kind", KINDS)
def test_empty_issue_of_every_kind_scores_0(kind):
    result = score_issue(empty(kind))
    assert result.score == 0
    assert result.completeness == 0.0
    assert result.interactions == 0.0


def test_same_gap_costs_an_epic_more_than_a_story_because_of_rescaling():
    story = score_issue(complete(KIND_STORY, has_assignee=False, assignee_id=""))
    epic = score_issue(complete(KIND_EPIC, has_assignee=False, assignee_id=""))
    assert check(story, "assignee").max_points == 8.0
    assert check(epic, "assignee").max_points == pytest.approx(10.0)
    assert story.completeness == pytest.approx(52 / 60)
    assert epic.completeness == pytest.approx(50 / 60)


# ----------------------------------------------------------------------- summary


@pytest.mark.parametrize(
    "summary",
    [
        "TBD",
        "fix",
        "Test",
        "todo",
        "WIP",
        "asdf",
        "...",
        "",
        "   ",
        "Test 2",
        "xxxx",
        "TODO!",
        "n/a",
    ],
)
def test_placeholder_summaries_earn_nothing(summary):
    assert is_placeholder_summary(summary)
    result = score_issue(complete(summary=summary))
    assert check(result, "summary").points == 0


def test_placeholder_reason_quotes_the_summary():
    assert check(score_issue(complete(summary="TBD")), "summary").reason == (
        'Summary "TBD" is a placeholder'
    )


@pytest.mark.parametrize(
    "summary", ["Fix login crash on Safari", "Test the CSV export with 10k rows", "WIP limits"]
)
def test_real_summaries_starting_with_placeholder_words_are_not_placeholders(summary):
    assert not is_placeholder_summary(summary)


def test_short_summary_earns_half_the_summary_points():
    result = score_issue(complete(summary="Fix login"))
    assert fraction(result, "summary") == 0.5
    assert "short" in check(result, "summary").reason


def test_clear_summary_earns_full_summary_points():
    result = score_issue(complete(summary="Export the reports table as CSV"))
    assert fraction(result, "summary") == 1.0
    assert check(result, "summary").reason == "Summary has 6 words"


# ------------------------------------------------------------------- description


def test_missing_description_earns_nothing():
    c = check(score_issue(complete(description="")), "description")
    assert c.points == 0
    assert c.reason == "No description"


def test_substantial_description_earns_full_points_and_says_how_long_it_is():
    c = check(score_issue(complete(description="x" * 412)), "description")
    assert c.points == c.max_points
    assert c.reason == "Description has 412 characters (substantial is 200+)"


def test_short_description_earns_points_in_proportion_to_its_length():
    assert fraction(score_issue(complete(description="y" * 100)), "description") == 0.5
    assert fraction(score_issue(complete(description="y" * 50)), "description") == 0.25


def test_description_length_does_not_count_spaces_or_line_breaks():
    c = check(score_issue(complete(description="  ab\n\n\r\n   c\td\xa0e  ")), "description")
    assert c.reason.startswith("Description has 5 characters")


def test_windows_line_endings_do_not_hide_result_lines():
    found = find_criteria_markers("Expected\r\nok\r\nActual\r\nerror")
    assert found == {"expected": 1, "actual": 1}


def test_markers_on_the_first_line_are_found():
    assert find_criteria_markers("AC: works") == {"ac": 1}


def test_subtask_description_is_substantial_from_80_characters():
    result = score_issue(complete(KIND_SUBTASK, description="z" * 80))
    assert fraction(result, "description") == 1.0
    assert "substantial is 80+" in check(result, "description").reason


# ---------------------------------------------------------------------- criteria


@pytest.mark.parametrize(
    "text",
    [
        "Acceptance criteria\n- it works",
        "## Acceptance Criteria:\n* exports CSV",
        "AC: the button is blue",
        "Definition of done\nDeployed to prod",
        "h3. Acceptance criteria\nfoo",
        "1. Acceptance criterion: a header row",
    ],
)
def test_acceptance_criteria_headings_are_found(text):
    result = score_issue(complete(description=LONG_TEXT + "\n" + text))
    assert fraction(result, "criteria") == 1.0
    assert check(result, "criteria").reason == "Has acceptance criteria or a definition of done"


def test_given_when_then_scenario_counts_as_criteria():
    text = "Given a signed-in user\nWhen they click Export\nThen a CSV downloads"
    result = score_issue(complete(description=text))
    assert fraction(result, "criteria") == 1.0
    assert check(result, "criteria").reason == "Has a Given/When/Then scenario"


def test_given_without_when_and_then_is_not_a_scenario():
    result = score_issue(complete(description="Given the deadline, we ship on Friday."))
    assert fraction(result, "criteria") == 0.0


def test_checklist_counts_as_criteria_and_items_are_counted():
    text = "Todo list\n- [ ] header row\n- [x] ISO dates\n[X] totals\n"
    result = score_issue(complete(description=text))
    assert fraction(result, "criteria") == 1.0
    assert check(result, "criteria").reason == "Has a checklist (3 items)"


def test_mentioning_acceptance_criteria_mid_sentence_does_not_count():
    text = "We still have to write the acceptance criteria for this one."
    result = score_issue(complete(description=text))
    assert fraction(result, "criteria") == 0.0
    assert check(result, "criteria").reason == (
        "No acceptance criteria, definition of done or checklist"
    )


def test_bug_with_steps_to_reproduce_meets_the_criteria_check():
    result = score_issue(complete(KIND_BUG, description="Steps to reproduce:\n1. open the page"))
    c = check(result, "criteria")
    assert c.points == c.max_points
    assert c.label == "Reproduction steps or acceptance criteria"
    assert c.reason == "Has steps to reproduce"


def test_bug_with_expected_and_actual_results_meets_the_criteria_check():
    text = "Expected result: CSV downloads\nActual result: error 500"
    result = score_issue(complete(KIND_BUG, description=text))
    assert fraction(result, "criteria") == 1.0
    assert check(result, "criteria").reason == "Has expected and actual results"


def test_bug_with_only_expected_result_gets_half_the_criteria_points():
    result = score_issue(complete(KIND_BUG, description="Expected:\nit downloads"))
    assert fraction(result, "criteria") == 0.5


def test_bug_with_acceptance_criteria_meets_the_criteria_check():
    result = score_issue(complete(KIND_BUG, description="AC: no more 500s"))
    assert fraction(result, "criteria") == 1.0


def test_bug_without_reproduction_details_gets_no_criteria_points():
    result = score_issue(complete(KIND_BUG, description=LONG_TEXT))
    assert fraction(result, "criteria") == 0.0


def test_reproduction_steps_do_not_count_as_criteria_for_stories():
    result = score_issue(complete(KIND_STORY, description="Steps to reproduce:\n1. open"))
    assert fraction(result, "criteria") == 0.0


def test_actually_in_prose_is_not_an_actual_result_line():
    assert "actual" not in find_criteria_markers("Actually this works\nExpected to ship soon")
    assert "expected" not in find_criteria_markers("Expected to ship soon")


# --------------------------------------------------- assignee, estimate, labels


def test_missing_assignee_earns_nothing():
    c = check(score_issue(complete(has_assignee=False, assignee_id="")), "assignee")
    assert c.points == 0
    assert c.reason == "No assignee"


def test_missing_story_points_earn_nothing_on_stories_and_tasks():
    for kind in (KIND_STORY, KIND_TASK):
        c = check(score_issue(complete(kind, story_points=None)), "estimate")
        assert c.points == 0
        assert c.reason == "No story points estimate"


def test_zero_story_points_is_a_valid_estimate():
    assert fraction(score_issue(complete(story_points=0.0)), "estimate") == 1.0


@pytest.mark.parametrize("points", [math.nan, math.inf, -1.0])
def test_invalid_story_points_earn_nothing(points):
    assert fraction(score_issue(complete(story_points=points)), "estimate") == 0.0


def test_estimate_reason_names_the_points():
    assert check(score_issue(complete(story_points=5.0)), "estimate").reason == (
        "Estimated at 5 story points"
    )
    assert check(score_issue(complete(story_points=1)), "estimate").reason == (
        "Estimated at 1 story point"
    )


def test_labels_or_components_either_one_is_enough():
    assert fraction(score_issue(complete(labels=("a",), components=())), "labels") == 1.0
    assert fraction(score_issue(complete(labels=(), components=("web",))), "labels") == 1.0
    c = check(score_issue(complete(labels=("", "  "), components=())), "labels")
    assert c.points == 0
    assert c.reason == "No labels or components"


def test_missing_parent_epic_earns_nothing_on_standard_issues():
    for kind in (KIND_STORY, KIND_BUG, KIND_TASK):
        c = check(score_issue(complete(kind, parent_key="")), "parent")
        assert c.points == 0
        assert c.reason == "No parent epic"


def test_parent_reason_names_the_parent():
    assert check(score_issue(complete(parent_key="PRJ-7")), "parent").reason == "Belongs to PRJ-7"


# ---------------------------------------------------------------- interactions


def comments(n):
    return score_issue(complete(comment_author_ids=("dev",) * n))


def test_comments_have_diminishing_returns():
    points = [check(comments(n), "comments").points for n in range(9)]
    gains = [later - earlier for earlier, later in zip(points, points[1:], strict=False)]
    assert points[0] == 0
    assert points[1] == pytest.approx(10 / 3)  # log2(2) / log2(8)
    assert points[3] == pytest.approx(20 / 3)  # log2(4) / log2(8)
    assert points[7] == pytest.approx(10.0)
    assert points[8] == pytest.approx(10.0)
    assert all(a > b for a, b in zip(gains[:6], gains[1:7], strict=True))
    assert gains[0] == max(gains)


def test_comment_reason_counts_comments():
    assert check(comments(0), "comments").reason == "No comments"
    assert check(comments(1), "comments").reason.startswith("1 comment ")
    assert check(comments(4), "comments").reason.startswith("4 comments ")


def test_participants_are_distinct_people_besides_the_reporter():
    facts = complete(
        reporter_id="rep",
        assignee_id="dev",
        comment_author_ids=("rep", "rep", "dev", "qa", "qa", ""),
    )
    c = check(score_issue(facts), "participants")
    assert c.reason.startswith("2 people besides the reporter")
    assert c.points == pytest.approx(8 * math.log2(3) / 2)


def test_reporter_alone_is_no_participation():
    facts = complete(reporter_id="rep", assignee_id="rep", comment_author_ids=("rep",) * 3)
    c = check(score_issue(facts), "participants")
    assert c.points == 0
    assert c.reason == "No one besides the reporter took part"


def test_assignee_counts_as_a_participant():
    facts = complete(reporter_id="rep", assignee_id="dev", comment_author_ids=())
    assert fraction(score_issue(facts), "participants") == pytest.approx(0.5)


def test_three_participants_earn_full_points():
    facts = complete(reporter_id="rep", assignee_id="a", comment_author_ids=("b", "c", "d"))
    assert fraction(score_issue(facts), "participants") == 1.0


def prs(*states):
    return check(score_issue(complete(pull_request_states=states)), "pull_requests")


def test_merged_pull_requests_weigh_more_than_open_and_declined_least():
    merged, opened, declined, none = prs("MERGED"), prs("OPEN"), prs("DECLINED"), prs()
    assert merged.points > opened.points > declined.points > none.points == 0
    assert merged.points == merged.max_points
    assert opened.points == pytest.approx(5.0)
    assert declined.points == pytest.approx(2.0)


def test_best_pull_request_decides_the_points():
    assert prs("DECLINED", "OPEN").points == pytest.approx(5.0)
    assert prs("DECLINED", "MERGED", "OPEN").points == pytest.approx(10.0)


def test_pull_request_reason_counts_by_state():
    assert prs("MERGED", "MERGED").reason == "2 merged pull requests"
    assert prs("MERGED", "OPEN").reason == "1 merged, 1 open pull requests"
    assert prs("DECLINED").reason == "1 declined pull request"
    assert prs().reason == "No linked pull requests"


def test_pull_request_states_are_case_insensitive_and_unknown_states_earn_nothing():
    assert prs("merged").points == pytest.approx(10.0)
    unknown = prs("DRAFT")
    assert unknown.points == 0
    assert unknown.reason == "1 pull request in an unrecognised state"
    assert prs("MERGED", "draft").reason == "1 merged pull request, 1 in an unrecognised state"


def test_linked_documents_earn_full_points_from_one():
    assert fraction(score_issue(complete(document_count=0)), "documents") == 0.0
    assert fraction(score_issue(complete(document_count=1)), "documents") == 1.0
    c = check(score_issue(complete(document_count=3)), "documents")
    assert c.reason == "3 linked documents"


def progress(*visited, current=""):
    return check(
        score_issue(complete(status_categories_visited=visited, status_category=current)),
        "progress",
    )


def test_moving_through_in_progress_before_done_earns_full_progress_points():
    c = progress("new", "indeterminate", "done")
    assert c.points == c.max_points
    assert c.reason == "Moved through In Progress before Done"


def test_created_straight_into_done_gets_no_progress_points():
    c = progress("done")
    assert c.points == 0
    assert c.reason == "Created directly in Done"


def test_jumping_from_to_do_to_done_gets_no_progress_points():
    c = progress("new", "done")
    assert c.points == 0
    assert c.reason == "Went to Done without passing through In Progress"


def test_work_in_progress_gets_half_the_progress_points():
    c = progress("new", "indeterminate")
    assert c.points == pytest.approx(c.max_points / 2)


def test_never_started_issue_gets_no_progress_points():
    assert progress("new").reason == "Not started"
    assert progress().points == 0


def test_reopened_issue_keeps_its_progress_points():
    assert progress("new", "indeterminate", "done", "indeterminate").points == pytest.approx(8.0)


def test_created_in_done_then_reworked_earns_progress():
    assert progress("done", "indeterminate", "done").points == pytest.approx(8.0)


def test_current_category_is_used_when_no_history_is_known():
    assert progress(current="done").reason == "Created directly in Done"
    assert progress(current="indeterminate").points == pytest.approx(4.0)


def test_category_display_names_are_understood():
    assert progress("To Do", "In Progress", "Done").points == pytest.approx(8.0)


# ------------------------------------------------------------- totals, storage


def test_score_is_the_rounded_sum_of_check_points():
    result = score_issue(complete(summary="Fix login", pull_request_states=("OPEN",)))
    total = sum(c.points for c in result.checks)
    assert total == pytest.approx(100 - 4 - 5)  # half the summary, half the pull requests
    assert result.score == 91


def test_parts_are_the_sum_of_their_checks_over_the_part_weight():
    result = score_issue(complete(has_assignee=False, assignee_id="", document_count=0))
    assert result.completeness == pytest.approx((60 - 8) / 60)
    assert result.interactions == pytest.approx((40 - 4) / 40)
    assert result.score == 88


def test_score_carries_the_version():
    assert SCORE_VERSION == 1
    assert isinstance(SCORE_VERSION, int)
    assert score_issue(empty()).version == SCORE_VERSION


def test_scoring_is_pure_and_repeatable():
    facts = complete(summary="Fix login")
    assert score_issue(facts) == score_issue(facts)


def test_as_dict_is_json_serialisable_and_round_trips():
    result = score_issue(complete(KIND_BUG, summary="Fix login", pull_request_states=("OPEN",)))
    stored = json.loads(json.dumps(result.as_dict()))
    assert stored["version"] == SCORE_VERSION
    assert stored["score"] == result.score
    assert stored["checks"][0] == {
        "part": "completeness",
        "key": "summary",
        "label": "Summary",
        "points": check(result, "summary").points,
        "max_points": check(result, "summary").max_points,
        "reason": check(result, "summary").reason,
    }
    assert ScoreResult.from_dict(stored) == result


def test_from_dict_accepts_breakdowns_without_a_kind():
    data = score_issue(empty()).as_dict()
    del data["kind"]
    assert ScoreResult.from_dict(data).kind == ""


def test_checks_for_returns_one_part():
    result = score_issue(empty())
    assert {c.part for c in result.checks_for(PART_INTERACTIONS)} == {PART_INTERACTIONS}


def test_facts_accept_lists_from_database_rows():
    facts = replace(complete(), labels=["a"], comment_author_ids=["dev", "qa"])
    assert 0 <= score_issue(facts).score <= 100


def test_facts_are_keyword_only():
    with pytest.raises(TypeError):
        IssueFacts("Story")  # type: ignore[misc]


# ---------------------------------------------------------------------- property

ids = st.sampled_from(["", "rep", "dev", "qa", "pm", "bot"])
facts_strategy = st.builds(
    IssueFacts,
    issue_type=st.one_of(st.sampled_from(["Story", "Bug", "Task", "Epic", "Sub-task"]), st.text()),
    hierarchy_level=st.integers(min_value=-3, max_value=3),
    summary=st.text(max_size=80),
    description=st.one_of(
        st.text(max_size=400),
        st.sampled_from([AC_TEXT, BUG_TEXT, "Given x\nWhen y\nThen z", "- [ ] a\n- [x] b"]),
    ),
    has_assignee=st.booleans(),
    story_points=st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),
    labels=st.lists(st.text(max_size=8), max_size=3).map(tuple),
    components=st.lists(st.text(max_size=8), max_size=3).map(tuple),
    parent_key=st.text(max_size=8),
    reporter_id=ids,
    assignee_id=ids,
    comment_author_ids=st.lists(ids, max_size=30).map(tuple),
    pull_request_states=st.lists(
        st.one_of(st.sampled_from(["OPEN", "MERGED", "DECLINED"]), st.text(max_size=8)),
        max_size=5,
    ).map(tuple),
    document_count=st.integers(min_value=-5, max_value=50),
    status_categories_visited=st.lists(
        st.one_of(st.sampled_from(["new", "indeterminate", "done"]), st.text(max_size=8)),
        max_size=6,
    ).map(tuple),
    status_category=st.sampled_from(["", "new", "indeterminate", "done"]),
)


@settings(max_examples=300, deadline=None)
@given(facts_strategy)
def test_any_facts_give_a_bounded_score_whose_checks_add_up_to_the_parts(facts):
    result = score_issue(facts)
    assert 0 <= result.score <= 100
    assert 0.0 <= result.completeness <= 1.0
    assert 0.0 <= result.interactions <= 1.0
    completeness = sum(c.points for c in result.checks if c.part == PART_COMPLETENESS)
    interactions = sum(c.points for c in result.checks if c.part == PART_INTERACTIONS)
    assert completeness == pytest.approx(result.completeness * COMPLETENESS_POINTS, abs=1e-9)
    assert interactions == pytest.approx(result.interactions * INTERACTIONS_POINTS, abs=1e-9)
    assert result.score == int(completeness + interactions + 0.5)
    for c in result.checks:
        assert 0.0 <= c.points <= c.max_points + 1e-12
        assert c.reason
    assert ScoreResult.from_dict(json.loads(json.dumps(result.as_dict()))) == result


def test_going_back_to_to_do_after_starting_keeps_half_the_progress_points():
    assert progress("new", "indeterminate", "new").points == pytest.approx(4.0)


def test_worked_example_in_the_docs_scores_69_and_90_once_finished():
    facts = IssueFacts(
        issue_type="Story",
        summary="Export the reports table as CSV",
        description="x" * 412,
        has_assignee=True,
        story_points=3,
        labels=("reports",),
        parent_key="SHOP-12",
        reporter_id="pm",
        assignee_id="dev",
        comment_author_ids=("dev", "qa"),
        pull_request_states=("OPEN",),
        status_categories_visited=("new", "indeterminate"),
        status_category="indeterminate",
    )
    result = score_issue(facts)
    assert result.score == 69
    assert result.completeness == pytest.approx(0.8)
    assert check(result, "comments").points == pytest.approx(5.28, abs=0.01)
    assert check(result, "participants").points == pytest.approx(6.34, abs=0.01)
    finished = replace(
        facts,
        description=facts.description + "\nAcceptance criteria\n- one row per line",
        pull_request_states=("MERGED",),
        status_categories_visited=("new", "indeterminate", "done"),
        status_category="done",
    )
    assert score_issue(finished).score == 90


# -- which comments count -------------------------------------------------------------------


@pytest.mark.parametrize("account_type", ["atlassian", "", "unknown-kind"])
def test_comments_by_people_and_unknown_accounts_count(account_type):
    assert comment_not_counted_reason(account_type) == ""


@pytest.mark.parametrize("account_type", ["app", "customer"])
def test_comments_by_integrations_and_customers_do_not_count_and_say_why(account_type):
    reason = comment_not_counted_reason(account_type)
    assert reason and reason[0].isupper()
