from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.jira.fields import JiraUserRef
from integrations.jira.workflow import StatusCatalog
from integrations.sync.estimates import estimate_changes
from integrations.sync.finish import (
    Workflow,
    _ChangelogByField,
    assignee_at,
    collect_links,
    finish,
    map_transitions,
    unknown_statuses,
)
from integrations.sync.mapping import SUMMARY_LIMIT, TEXT_LIMIT, map_issue, map_issues
from integrations.sync.sprints import sprint_changes

ANA = {"accountId": "acc-ana", "displayName": "Ana"}


def _issue(histories, assignee=ANA):
    raw = {
        "id": "10001",
        "key": "ENG-1",
        "fields": {
            "summary": "Ship it",
            "status": {"name": "Done", "statusCategory": {"key": "done"}},
            "created": "2026-11-01T09:00:00.000+0000",
            "updated": "2026-11-10T09:00:00.000+0000",
            "assignee": assignee,
        },
        "changelog": {"histories": histories, "total": len(histories)},
    }
    return map_issue(raw)


def _reassign(when, from_id, from_name, to_id, to_name):
    return {
        "id": "1" + when.replace("-", "")[:8],
        "created": f"{when}T10:00:00.000+0000",
        "items": [
            {
                "field": "assignee",
                "fieldId": "assignee",
                "from": from_id,
                "fromString": from_name,
                "to": to_id,
                "toString": to_name,
            }
        ],
    }


DONE = datetime(2026, 11, 5, 12, tzinfo=UTC)


def test_without_reassignments_the_current_assignee_gets_the_credit():
    assert assignee_at(_issue([]), DONE).account_id == "acc-ana"


def test_work_reassigned_after_completion_stays_with_who_completed_it():
    record = _issue([_reassign("2026-11-08", "acc-bo", "Bo", "acc-ana", "Ana")])
    assert assignee_at(record, DONE) == JiraUserRef("acc-bo", "Bo", "", True)


def test_the_last_reassignment_before_completion_wins():
    record = _issue(
        [
            _reassign("2026-11-02", None, None, "acc-cy", "Cy"),
            _reassign("2026-11-04", "acc-cy", "Cy", "acc-bo", "Bo"),
            _reassign("2026-11-08", "acc-bo", "Bo", "acc-ana", "Ana"),
        ]
    )
    assert assignee_at(record, DONE).account_id == "acc-bo"


def test_unassigned_at_completion_credits_nobody():
    record = _issue([_reassign("2026-11-04", "acc-bo", "Bo", None, None)], assignee=None)
    assert assignee_at(record, DONE) is None


# -- mapping that survives real and broken shapes -------------------------------------------

CATALOG = StatusCatalog(
    [
        {"id": "10001", "name": "To Do", "statusCategory": {"key": "new"}},
        {"id": "3", "name": "In Progress", "statusCategory": {"key": "indeterminate"}},
        {"id": "10003", "name": "Done", "statusCategory": {"key": "done"}},
    ]
)
PR = "https://github.com/acme/api/pull/12"


def _raw(n=1, **fields):
    base = {
        "summary": "Ship it",
        "status": {"id": "10003", "name": "Done", "statusCategory": {"key": "done"}},
        "created": "2026-11-01T09:00:00.000+0000",
        "updated": "2026-11-10T09:00:00.000+0000",
    }
    return {"id": str(10000 + n), "key": f"ENG-{n}", "fields": {**base, **fields}}


def _status_move(history_id, when, source, target, author=ANA):
    names = {"10001": "To Do", "3": "In Progress", "10003": "Done", "5": "Resolved"}
    return {
        "id": str(history_id),
        "created": f"{when}T10:00:00.000+0000",
        "author": author,
        "items": [
            {
                "field": "status",
                "fieldId": "status",
                "from": source,
                "fromString": names.get(source, "Old"),
                "to": target,
                "toString": names.get(target, "Old"),
            }
        ],
    }


def test_issues_of_unexpected_shapes_are_skipped_not_their_page():
    good = _raw(1)
    odd_project = _raw(2, project="ENG", issuetype="Story")  # strings where objects belong
    fields_list = {"id": "10003", "key": "ENG-3", "fields": ["summary", "Ship it"]}
    not_a_dict = "ENG-4"
    records, skipped = map_issues([good, odd_project, fields_list, not_a_dict])
    assert [r.key for r in records] == ["ENG-1", "ENG-2"]
    assert records[1].project_key == "ENG" and records[1].issue_type == ""
    assert [s.key for s in skipped] == ["ENG-3", ""]
    assert "ENG-3" in str(skipped[0])


def test_stored_text_is_capped_with_a_visible_marker():
    huge = "x" * (TEXT_LIMIT * 3)
    body = {
        "type": "doc",
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": huge}]}],
    }
    comment = {"id": "7", "created": "2026-11-02T09:00:00.000+0000", "body": body}
    raw = _raw(1, summary="s" * 10_000, description=body)
    raw["fields"]["comment"] = {"comments": [comment], "total": 1}
    record = map_issues([raw])[0][0]
    assert len(record.summary) == SUMMARY_LIMIT
    assert len(record.description) == TEXT_LIMIT and record.description.endswith("in Jira]")
    assert len(record.comments[0].body) == TEXT_LIMIT


def test_story_points_are_the_first_non_empty_estimation_field():
    raw = _raw(1, customfield_10016=None, customfield_10024="5")
    record = map_issues([raw], story_points_fields=["customfield_10016", "customfield_10024"])[0][0]
    assert record.story_points == 5.0
    raw = _raw(2, customfield_10016=3, customfield_10024=8)
    record = map_issues([raw], story_points_fields=["customfield_10016", "customfield_10024"])[0][0]
    assert record.story_points == 3.0


def _finished(raw, *, not_delivered=("Won't Do",), remote_links=(), prs=()):
    record = map_issues([raw])[0][0]
    rules = Workflow(catalog=CATALOG, not_delivered=not_delivered)
    finish(record, rules, remote_links=remote_links, dev_status_prs=prs)
    return record, rules


def test_a_wont_do_issue_is_completed_but_not_delivered():
    raw = _raw(1, resolution={"id": "10001", "name": "Won't Do"})
    raw["changelog"] = {"histories": [_status_move(1, "2026-11-03", "10001", "10003")], "total": 1}
    record, _rules = _finished(raw)
    assert record.completed_at == datetime(2026, 11, 3, 10, tzinfo=UTC)
    assert record.resolution == "Won't Do" and not record.delivered


def test_a_deleted_status_is_classified_or_reported():
    raw = _raw(1, statuscategorychangedate="2026-11-02T10:00:00.000+0000")
    raw["changelog"] = {
        "histories": [
            _status_move(1, "2026-11-02", "3", "5"),  # In Progress -> Resolved (deleted, built-in)
            _status_move(2, "2026-11-09", "5", "10003"),  # the workflow migration
            _status_move(3, "2026-11-09", "10100", "10003"),  # an unknown old status
        ],
        "total": 3,
    }
    record, rules = _finished(raw)
    assert [t.from_category for t in record.transitions] == ["indeterminate", "done", ""]
    assert unknown_statuses(record.transitions) == {"Old (10100)"}
    assert record.completed_at == datetime(2026, 11, 2, 10, tzinfo=UTC)


def test_integrations_are_never_credited_with_completion():
    bot = {"accountId": "557058:bot", "displayName": "Automation for Jira", "accountType": "app"}
    record, _ = _finished(_raw(1, assignee=bot))
    assert record.completed_at is not None and record.completed_by is None
    record, _ = _finished(_raw(2, assignee=ANA))
    assert record.completed_by.account_id == "acc-ana"


def _comment(n, *content):
    return {
        "id": str(n),
        "created": "2026-11-02T09:00:00.000+0000",
        "author": ANA,
        "body": {"type": "doc", "content": [{"type": "paragraph", "content": list(content)}]},
    }


def test_pull_requests_in_comments_are_linked_once_with_their_source():
    comments = [
        _comment(1, {"type": "inlineCard", "attrs": {"url": PR}}),
        _comment(
            2,
            {
                "type": "text",
                "text": "PR",
                "marks": [
                    {"type": "link", "attrs": {"href": "https://github.com/acme/web/pull/3"}}
                ],
            },
        ),
        _comment(
            3, {"type": "blockCard", "attrs": {"url": "https://gitlab.com/g/r/-/merge_requests/9"}}
        ),
        _comment(4, {"type": "text", "text": "spec https://docs.google.com/document/d/abc/edit"}),
    ]
    raw = _raw(1, comment={"comments": comments, "total": 4})
    dev_status = [{"url": PR, "name": "Fix login", "status": "MERGED", "author": {"name": "ana"}}]
    record, _ = _finished(raw, prs=dev_status)
    sources = {link.url: link.source for link in record.pull_requests}
    assert sources == {
        PR: "dev_status",
        "https://github.com/acme/web/pull/3": "comment",
        "https://gitlab.com/g/r/-/merge_requests/9": "comment",
    }
    assert [(d.kind, d.source) for d in record.documents] == [("google_docs", "comment")]


def test_links_from_every_source_are_deduplicated_by_url():
    record = map_issues([_raw(1)])[0][0]
    record.description_urls = [PR]
    remote = [{"object": {"url": PR, "title": "PR #12"}, "application": {}}]
    collect_links(record, remote, [{"url": PR, "status": "OPEN"}])
    assert [(p.url, p.source, p.state) for p in record.pull_requests] == [
        (PR, "dev_status", "OPEN")
    ]


# -- one pass over the changelog ----------------------------------------------------

_SPRINT_ID, _POINTS_ID, _ESTIMATE_ID = "customfield_10020", "customfield_10024", "customfield_10016"
_names = st.sampled_from(
    ["status", "assignee", "Sprint", "Story Points", "Story point estimate", "labels", "x"]
)
_ids = st.sampled_from(
    ["status", "assignee", _SPRINT_ID, _POINTS_ID, _ESTIMATE_ID, "labels", "", None, 5]
)
_values = st.sampled_from([None, "", "3", "5.0", "10", "10, 11", "acc-ana", "acc-bo", "Done"])
_item = st.fixed_dictionaries(
    {},
    optional={
        "field": _names,
        "fieldId": _ids,
        "from": _values,
        "fromString": _values,
        "to": _values,
        "toString": _values,
    },
)
_history = st.fixed_dictionaries(
    {
        "id": st.sampled_from(["1", "2", "30", "x"]),
        "created": st.sampled_from(
            ["2026-11-01T09:00:00.000+0000", "2026-11-02T09:00:00.000+0000", "bad"]
        ),
        "items": st.lists(_item | st.just("not an item"), max_size=4),
    },
    optional={"author": st.just(ANA)},
)
_rules = st.builds(
    Workflow,
    catalog=st.just(StatusCatalog()),
    sprint_field=st.sampled_from([_SPRINT_ID, ""]),
    estimation_fields=st.sampled_from(
        [
            ((_ESTIMATE_ID, "Story point estimate"), (_POINTS_ID, "Story Points")),
            ((_POINTS_ID, "Story Points"),),
            ((_SPRINT_ID, "status"),),  # a misreading site: one field in two roles
            (),
        ]
    ),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_history, max_size=6), _rules)
def test_each_fact_reads_the_same_changes_from_its_share_of_the_changelog(histories, rules):
    changelog = _ChangelogByField(histories, rules)
    assert map_transitions(changelog.status, rules) == map_transitions(histories, rules)
    field = rules.sprint_field
    assert sprint_changes(changelog.sprint, field) == sprint_changes(histories, field)
    fields, now = rules.estimation_fields, [None] * len(rules.estimation_fields)
    assert estimate_changes(changelog.estimates, fields, now) == estimate_changes(
        histories, fields, now
    )
    record = _issue(histories)
    moment = datetime(2026, 11, 1, 12, tzinfo=UTC)
    assert assignee_at(record, moment, changelog.assignee) == assignee_at(record, moment)
    # Each share keeps the changelog's order and only histories with an item for it.
    for share in (changelog.status, changelog.assignee, changelog.sprint, changelog.estimates):
        assert share == [h for h in histories if any(h is s for s in share)]
