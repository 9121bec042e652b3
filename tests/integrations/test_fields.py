import dataclasses
import json
import math
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.jira import fields as fields_module
from integrations.jira.fields import (
    DEVELOPMENT_FIELD_NAMES,
    EstimationField,
    JiraUserRef,
    development_has_pull_requests,
    estimation_fields,
    find_field_id,
    parse_jira_datetime,
    parse_story_points,
    status_category,
    user_ref,
)

# -- parse_jira_datetime --------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # Jira's own format: milliseconds and a +hhmm offset without a colon.
        ("2022-06-09T16:29:31.871-0700", datetime(2022, 6, 9, 23, 29, 31, 871000, tzinfo=UTC)),
        ("2022-06-09T16:29:31.871+0000", datetime(2022, 6, 9, 16, 29, 31, 871000, tzinfo=UTC)),
        ("2022-06-09T16:29:31.871+05:30", datetime(2022, 6, 9, 10, 59, 31, 871000, tzinfo=UTC)),
        ("2022-06-09T16:29:31Z", datetime(2022, 6, 9, 16, 29, 31, tzinfo=UTC)),
        ("2022-06-09T16:29:31z", datetime(2022, 6, 9, 16, 29, 31, tzinfo=UTC)),
        ("2022-06-09T16:29:31-0700", datetime(2022, 6, 9, 23, 29, 31, tzinfo=UTC)),
        ("2022-06-09T16:29-0700", datetime(2022, 6, 9, 23, 29, tzinfo=UTC)),
        ("2022-06-09 16:29:31.5+0100", datetime(2022, 6, 9, 15, 29, 31, 500000, tzinfo=UTC)),
        (
            "2022-06-09T16:29:31.123456789+0000",
            datetime(2022, 6, 9, 16, 29, 31, 123456, tzinfo=UTC),
        ),
        ("2022-06-09T16:29:31", datetime(2022, 6, 9, 16, 29, 31, tzinfo=UTC)),
        ("2022-06-09", datetime(2022, 6, 9, tzinfo=UTC)),
        ("  2022-06-09T16:29:31.871-0700\n", datetime(2022, 6, 9, 23, 29, 31, 871000, tzinfo=UTC)),
    ],
)
def test_jira_datetimes_are_parsed_to_utc(value, expected):
    parsed = parse_jira_datetime(value)
    assert parsed == expected
    assert parsed.utcoffset() == timedelta(0)


def test_offset_crossing_midnight_changes_the_utc_date():
    assert parse_jira_datetime("2024-01-01T01:00:00.000+0300") == datetime(
        2023, 12, 31, 22, 0, tzinfo=UTC
    )


def test_datetime_objects_are_normalized_to_utc():
    aware = datetime(2022, 6, 9, 16, 0, tzinfo=timezone(timedelta(hours=-7)))
    assert parse_jira_datetime(aware) == datetime(2022, 6, 9, 23, 0, tzinfo=UTC)
    assert parse_jira_datetime(datetime(2022, 6, 9, 16, 0)).tzinfo is UTC


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "   ",
        "garbage",
        "2022-13-09T16:29:31.871-0700",
        "2022-02-30T10:00:00Z",
        "2022-06-09T25:29:31Z",
        "2022-06-09T16:29:31+2500",
        "2022-06-09T16:29:31+0199",
        "0000-01-01T00:00:00Z",
        "9999-12-31T23:59:59-1200",
        "2022-06-09T16:29:31.871-0700 trailing",
        1654817371871,
        ["2022-06-09"],
    ],
)
def test_empty_or_invalid_datetimes_give_none(value):
    assert parse_jira_datetime(value) is None


# -- parse_story_points ---------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3, 3.0),
        (0, 0.0),
        (2.5, 2.5),
        ("3", 3.0),
        ("2.5", 2.5),
        (" 5 ", 5.0),
        ("1,5", 1.5),
        (".5", 0.5),
        ("8.", 8.0),
        ("+2", 2.0),
    ],
)
def test_story_points_accept_numbers_and_numeric_strings(value, expected):
    assert parse_story_points(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "  ",
        "abc",
        "3 points",
        "1,000,000",
        "1.5,2",
        "1e3",
        "1_000",
        "nan",
        "inf",
        "-3",
        -1,
        -0.5,
        math.nan,
        math.inf,
        True,
        False,
        10**400,
        [3],
        {"value": 3},
    ],
)
def test_story_points_reject_empty_negative_or_non_numeric_values(value):
    assert parse_story_points(value) is None


# -- find_field_id --------------------------------------------------------------

FIELDS = [
    {"id": "summary", "name": "Summary", "custom": False, "schema": {"type": "string"}},
    {
        "id": "customfield_10016",
        "name": "Story point estimate",
        "custom": True,
        "schema": {"type": "number", "custom": "com.pyxis.greenhopper.jira:jsw-story-points"},
    },
    {
        "id": "customfield_10024",
        "name": "Story Points",
        "custom": True,
        "schema": {"type": "number"},
    },
    {"id": "customfield_10000", "name": "development", "custom": True, "schema": {"type": "any"}},
]


def test_every_estimation_field_is_found_jira_softwares_first():
    assert estimation_fields(FIELDS) == [
        EstimationField("customfield_10016", "Story point estimate", "schema"),
        EstimationField("customfield_10024", "Story Points", "name"),
    ]


def test_the_estimation_field_is_found_by_schema_whatever_its_name():
    fields = [
        {
            "id": "customfield_10016",
            "name": "Schätzung",
            "schema": {"type": "number", "custom": "com.pyxis.greenhopper.jira:jsw-story-points"},
        }
    ]
    assert [f.id for f in estimation_fields(fields)] == ["customfield_10016"]


def test_localised_story_point_fields_match_by_name_or_untranslated_name():
    fields = [
        {"id": "customfield_1", "name": "Story-Punkte", "schema": {"type": "number"}},
        {"id": "customfield_2", "name": "ストーリーポイント", "schema": {"type": "number"}},
        {"id": "customfield_3", "name": "Points", "untranslatedName": "Story Points"},
    ]
    assert [f.id for f in estimation_fields(fields)] == [
        "customfield_3",
        "customfield_1",
        "customfield_2",
    ]


def test_a_text_field_named_story_points_is_not_an_estimate():
    fields = [{"id": "customfield_9", "name": "Story Points", "schema": {"type": "string"}}]
    assert estimation_fields(fields) == []


@pytest.mark.parametrize(
    "fields",
    [None, {}, "x", [], [None, "x", {"name": "Story Points"}, {"id": 5, "name": "Story Points"}]],
)
def test_missing_or_malformed_fields_give_no_estimation_field(fields):
    assert estimation_fields(fields) == []


def test_field_names_match_case_insensitively():
    assert find_field_id(FIELDS, DEVELOPMENT_FIELD_NAMES) == "customfield_10000"
    assert find_field_id(FIELDS, ("  SUMMARY ",)) == "summary"


def test_localized_fields_match_on_untranslated_name():
    fields = [{"id": "customfield_10000", "name": "Entwicklung", "untranslatedName": "Development"}]
    assert find_field_id(fields, DEVELOPMENT_FIELD_NAMES) == "customfield_10000"


def test_first_listed_field_wins_among_duplicates():
    fields = [
        {"id": "customfield_1", "name": "Development"},
        {"id": "customfield_2", "name": "Development"},
    ]
    assert find_field_id(fields, DEVELOPMENT_FIELD_NAMES) == "customfield_1"


@pytest.mark.parametrize(
    "fields",
    [None, {}, "x", [], [None, "x", {"name": "Development"}, {"id": 5, "name": "Development"}]],
)
def test_missing_or_malformed_fields_give_none(fields):
    assert find_field_id(fields, DEVELOPMENT_FIELD_NAMES) is None


# -- development_has_pull_requests ----------------------------------------------


def development(pr_count, *, state="MERGED", state_count=None):
    summary = {
        "pullrequest": {
            "overall": {
                "count": pr_count,
                "lastUpdated": "2024-03-01T10:00:00.000+0000",
                "stateCount": pr_count,
                "state": state,
                "dataType": "pullrequest",
                "open": False,
            },
            "byInstanceType": {
                "GitHub": {"count": 1, "name": "GitHub"},
                "oAuth-com.github.integration.production": {"count": 1, "name": "GitHub"},
            },
        }
    }
    cached = json.dumps({"cachedValue": {"errors": [], "summary": summary}, "isStale": True})
    count = pr_count if state_count is None else state_count
    return f"{{pullrequest={{dataType=pullrequest, state={state}, stateCount={count}}}, json={cached}}}"


# The literal example from the fact sheet (with its "…" elisions filled in).
FACT_SHEET_DEVELOPMENT = (
    "{pullrequest={dataType=pullrequest, state=MERGED, stateCount=2}, "
    'json={"cachedValue":{"errors":[],"summary":{"pullrequest":{"overall":{"count":2,'
    '"state":"MERGED","open":false},"byInstanceType":{"GitHub":{"count":1,"name":"GitHub"},'
    '"oAuth-com.github.integration.production":{"count":1,"name":"GitHub"}}}}},"isStale":true}}'
)


def test_development_field_with_pull_requests():
    assert development_has_pull_requests(FACT_SHEET_DEVELOPMENT) is True
    assert development_has_pull_requests(development(1)) is True


def test_empty_development_field_has_no_pull_requests():
    for value in ("{}", "", " {} ", None, 0, [], {}):
        assert development_has_pull_requests(value) is False


def test_json_count_wins_over_the_map_syntax():
    assert development_has_pull_requests(development(0, state_count=3)) is False


def test_json_with_braces_inside_strings_is_parsed_correctly():
    cached = {"cachedValue": {"summary": {"pullrequest": {"overall": {"count": 0, "x": "}{"}}}}}
    value = f"{{pullrequest={{stateCount=5}}, json={json.dumps(cached)}}}"
    assert development_has_pull_requests(value) is False


def test_branch_only_development_field_has_no_pull_requests():
    cached = {"cachedValue": {"errors": [], "summary": {"branch": {"overall": {"count": 1}}}}}
    value = f"{{branch={{count=1, dataType=branch}}, json={json.dumps(cached)}}}"
    assert development_has_pull_requests(value) is False


def test_falls_back_to_state_count_when_json_is_malformed():
    assert development_has_pull_requests(
        '{pullrequest={dataType=pullrequest, state=OPEN, stateCount=1}, json={"cachedValue":{'
    )
    assert not development_has_pull_requests(
        "{pullrequest={dataType=pullrequest, state=OPEN, stateCount=0}, json=not json}"
    )


def test_falls_back_to_pullrequest_section_when_json_is_missing():
    assert development_has_pull_requests("{pullrequest={dataType=pullrequest, state=OPEN}}")
    # stateCount of another section does not count as a pull request.
    assert not development_has_pull_requests("{repository={count=1, stateCount=4}}")


def test_dict_development_values_are_accepted():
    summary = {"pullrequest": {"overall": {"count": 2}}}
    assert development_has_pull_requests({"cachedValue": {"summary": summary}}) is True
    assert development_has_pull_requests({"summary": summary}) is True
    assert development_has_pull_requests({"json": {"cachedValue": {"summary": summary}}}) is True
    empty = {"summary": {"pullrequest": {"overall": {"count": 0}}}}
    assert development_has_pull_requests(empty) is False


@pytest.mark.parametrize(
    "value",
    [
        "json=",
        "json={",
        "{json=[1,2]}",
        "}{",
        "json=" + "[" * 5000,
        "json=" + '{"a":' * 5000,
        {"json": "x"},
        {"summary": 5},
    ],
)
def test_development_parsing_never_raises(value):
    assert development_has_pull_requests(value) in (True, False)


# -- status_category ------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("new", "new"),
        ("indeterminate", "indeterminate"),
        ("done", "done"),
        ("DONE", "done"),
        ("undefined", "new"),
        ("weird", "new"),
        (None, "new"),
        (4, "new"),
    ],
)
def test_status_category_maps_the_category_key(key, expected):
    status = {"id": "3", "name": "Whatever", "statusCategory": {"id": 3, "key": key, "name": "X"}}
    assert status_category(status) == expected


@pytest.mark.parametrize("status", [None, {}, {"statusCategory": None}, "Done", []])
def test_status_category_defaults_to_new(status):
    assert status_category(status) == "new"


# -- user_ref -------------------------------------------------------------------


def test_user_ref_reads_a_jira_user():
    user = {
        "self": "https://x.atlassian.net/rest/api/3/user?accountId=557058:abc",
        "accountId": "557058:abc",
        "emailAddress": "ana@example.com",
        "displayName": "Ana Lima",
        "active": True,
        "timeZone": "Europe/Lisbon",
        "accountType": "atlassian",
    }
    assert user_ref(user) == JiraUserRef(
        "557058:abc", "Ana Lima", "ana@example.com", True, "atlassian"
    )
    assert not user_ref(user).is_bot


def test_user_ref_knows_integrations_and_customers_are_not_people():
    app = {
        "accountId": "557058:f58131cb",
        "displayName": "Automation for Jira",
        "accountType": "app",
    }
    customer = {"accountId": "qm:1", "displayName": "A customer", "accountType": "customer"}
    assert user_ref(app).is_bot and user_ref(customer).is_bot


def test_user_ref_tolerates_hidden_email_and_deleted_users():
    assert user_ref({"accountId": "x", "displayName": "Bo", "active": False}) == JiraUserRef(
        "x", "Bo", "", False
    )
    assert user_ref({"accountId": "gone", "displayName": None}) == JiraUserRef("gone", "", "", True)


@pytest.mark.parametrize(
    "value", [None, {}, {"displayName": "No id"}, {"accountId": ""}, {"accountId": 5}, "x"]
)
def test_user_ref_needs_an_account_id(value):
    assert user_ref(value) is None


def test_user_refs_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        user_ref({"accountId": "x"}).active = False


# -- user_ref's kept refs -------------------------------------------------------------

user_values = st.sampled_from(["", " ", "abc", " Ana ", "APP", 0, 1, 0.0, 1.0, True, False, None])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {},
            optional={
                "accountId": st.sampled_from(["a1", " a1 ", "", 0, False, None]),
                "displayName": user_values,
                "emailAddress": user_values,
                "active": user_values,
                "accountType": user_values,
            },
        ),
        max_size=6,
    )
)
def test_user_refs_read_again_are_those_read_first(values):
    """A kept ref is only ever the one the same user object gives: 0 and False (equal in a
    key) give different refs."""
    fields_module._user_refs.clear()
    expected = [fields_module._user_ref(*(value.get(key) for key in USER_KEYS)) for value in values]
    assert [user_ref(value) for value in values] == expected
    assert [user_ref(value) for value in reversed(values)] == expected[::-1]


USER_KEYS = ("accountId", "displayName", "emailAddress", "active", "accountType")


def test_user_ref_of_an_unhashable_value_is_read_as_usual():
    assert user_ref({"accountId": "a", "displayName": ["x"]}) == JiraUserRef("a", "", "", True)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(
        [
            "2022-06-09T16:29:31.871-0700",
            "2022-06-09T16:29:31.871+07:00",
            "2022-06-09 16:29",
            "2022-06-09",
            " 2022-06-09T16:29:31Z ",
            "2022-13-09T16:29:31.871-0700",
            "2022-06-09T16:29:31.871-0760",
            "",
        ]
    )
    | st.text(alphabet="0123456789-+:.TZ ", max_size=30)
)
def test_dates_parsed_again_are_those_parsed_first(value):
    first = parse_jira_datetime(value)
    assert parse_jira_datetime(value) == first
    assert fields_module._parse_text(value) == first


@pytest.mark.parametrize("first, then", [(0, False), (False, 0), (1.0, True), (True, 1)])
def test_an_active_flag_that_is_no_bool_is_never_read_as_the_equal_bool(first, then):
    fields_module._user_refs.clear()
    refs = [user_ref({"accountId": "a1", "active": value}) for value in (first, then)]
    expected = [value if isinstance(value, bool) else True for value in (first, then)]
    assert [ref.active for ref in refs] == expected
