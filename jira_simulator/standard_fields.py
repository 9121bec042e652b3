"""``GET /rest/api/3/field``: Jira's system fields plus the site's custom fields."""

from __future__ import annotations

from .constants import (
    ESTIMATE_FIELD,
    ESTIMATE_SCHEMA,
    NUMBER_SCHEMA,
    SPRINT_FIELD,
    SPRINT_SCHEMA,
    STORY_POINTS_FIELD,
)

SYSTEM_FIELDS = (
    # (id, name, schema type, items/system)
    ("summary", "Summary", "string"),
    ("description", "Description", "string"),
    ("status", "Status", "status"),
    ("issuetype", "Issue Type", "issuetype"),
    ("priority", "Priority", "priority"),
    ("assignee", "Assignee", "user"),
    ("reporter", "Reporter", "user"),
    ("creator", "Creator", "user"),
    ("created", "Created", "datetime"),
    ("updated", "Updated", "datetime"),
    ("resolutiondate", "Resolved", "datetime"),
    ("statuscategorychangedate", "Status Category Changed", "datetime"),
    ("resolution", "Resolution", "resolution"),
    ("labels", "Labels", "array"),
    ("components", "Components", "array"),
    ("parent", "Parent", "issuelink"),
    ("project", "Project", "project"),
    ("comment", "Comment", "comments-page"),
)
ARRAY_ITEMS = {"labels": "string", "components": "component"}
# Decoys every Jira Cloud site has; a client finding fields by name must not pick these up.
OTHER_CUSTOM_FIELDS = (
    ("customfield_10019", "Rank", "any", "com.pyxis.greenhopper.jira:gh-lexo-rank"),
    (*SPRINT_FIELD, "array", SPRINT_SCHEMA),
    (
        "customfield_10021",
        "Flagged",
        "array",
        "com.atlassian.jira.plugin.system.customfieldtypes:multicheckboxes",
    ),
    (
        "customfield_10015",
        "Start date",
        "date",
        "com.atlassian.jira.plugin.system.customfieldtypes:datepicker",
    ),
)


def _system(field_id: str, name: str, kind: str) -> dict:
    schema = {"type": kind, "system": field_id}
    if field_id in ARRAY_ITEMS:
        schema["items"] = ARRAY_ITEMS[field_id]
    return {
        "id": field_id,
        "key": field_id,
        "name": name,
        "custom": False,
        "orderable": field_id not in {"created", "updated", "creator", "resolutiondate"},
        "navigable": True,
        "searchable": True,
        "clauseNames": [field_id],
        "schema": schema,
    }


def _custom(field_id: str, name: str, kind: str, plugin: str) -> dict:
    number = int(field_id.rsplit("_", 1)[1])
    return {
        "id": field_id,
        "key": field_id,
        "name": name,
        "untranslatedName": name,
        "custom": True,
        "orderable": True,
        "navigable": True,
        "searchable": True,
        "clauseNames": [f"cf[{number}]", name],
        "schema": {"type": kind, "custom": plugin, "customId": number},
    }


def fields_json(dev_id: str, dev_name: str) -> list[dict]:
    result = [_system(*f) for f in SYSTEM_FIELDS]
    result.append({"id": "id", "key": "id", "name": "ID", "custom": False, "orderable": False,
                   "navigable": False, "searchable": False, "clauseNames": ["id"]})  # fmt: skip
    # Both estimation fields, as on many real sites; each project uses one of them.
    result.append(_custom(*ESTIMATE_FIELD, "number", ESTIMATE_SCHEMA))
    result.append(_custom(*STORY_POINTS_FIELD, "number", NUMBER_SCHEMA))
    result.append(
        _custom(
            dev_id,
            dev_name,
            "any",
            "com.atlassian.jira.plugins.jira-development-integration-plugin:devsummarycf",
        )
    )
    result += [_custom(*f) for f in OTHER_CUSTOM_FIELDS]
    return result
