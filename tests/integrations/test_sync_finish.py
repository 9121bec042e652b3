from datetime import UTC, datetime

from integrations.jira.fields import JiraUserRef
from integrations.sync.finish import assignee_at
from integrations.sync.mapping import map_issue

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
