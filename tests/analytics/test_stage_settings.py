"""Settings → Stages, saved as a browser submits it, and who may open it.

Alice (an admin) GETs the page, the form is read from the rendered HTML as a browser
sends it and posted back: unchanged, nothing stored changes; with one row changed, only
that row changes, and the reports use the new stage at once.
"""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.flow.mapping import status_rows
from analytics.flow.models import StatusStage
from analytics.flow.stages import STAGE_LABELS
from analytics.flow.time_in_status import timeline
from integrations.models import Issue, StatusTransition
from tests.analytics.factories import make_connection, make_issue, make_transition, utc
from tests.rows import stored_rows
from tests.submitted_forms import form_data

pytestmark = pytest.mark.django_db

PAGE = "stage_settings"
SAVE = "Save stages"
EXAMPLES = settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
WORKFLOW = [
    ("To Do", "new"),
    ("In Progress", "indeterminate"),
    ("Code Review", "indeterminate"),
    ("Blocked", "indeterminate"),
    ("Ready for Dev", ""),  # deleted from Jira: only the changelog names it
    ("Done", "done"),
]


def _walk(issue, workflow):
    for n, ((before, before_cat), (after, after_cat)) in enumerate(
        zip(workflow, workflow[1:], strict=False), start=1
    ):
        make_transition(
            issue, utc(2025, 6, n + 1), before_cat, after_cat, from_status=before, to_status=after
        )


@pytest.fixture
def workflow(acme):
    c = make_connection(acme, "acme", projects=("ENG", "OPS"))
    for project in ("ENG", "OPS"):
        issue = make_issue(c, project=project, created=utc(2025, 6, 1), done=utc(2025, 6, 6))
        _walk(issue, WORKFLOW)
    return c


def _page(client) -> str:
    response = client.get(reverse(PAGE))
    assert response.status_code == 200
    return response.content.decode()


def _save(client, data):
    response = client.post(reverse(PAGE), data)
    assert response.status_code == 302, response.content.decode()[:2000]


def _stages(workspace) -> dict:
    return {row.key: row.stage for row in status_rows(workspace)}


def test_the_page_lists_every_status_of_every_project_with_its_default(alice_client, workflow):
    html = _page(alice_client)
    assert "Ready for Dev" in html and "Unknown (deleted from Jira)" in html
    stages = _stages(workflow.workspace)
    assert len(stages) == 2 * len(WORKFLOW)
    c = workflow.pk
    assert stages[(c, "ENG", "Code Review")] == "review"
    assert stages[(c, "OPS", "Blocked")] == "waiting"
    assert stages[(c, "ENG", "Ready for Dev")] == "queue"
    assert stages[(c, "ENG", "Done")] == "done"


def test_saving_the_page_unchanged_stores_nothing(alice_client, acme, workflow):
    _save(alice_client, form_data(_page(alice_client), button=SAVE))
    assert stored_rows(StatusStage.objects.all()) == []


def test_saving_stored_choices_unchanged_changes_nothing(alice_client, acme, workflow):
    StatusStage.objects.create(
        connection=workflow, project_key="OPS", status="Ready for Dev", stage="waiting"
    )
    before, stages = stored_rows(StatusStage.objects.all()), _stages(acme)
    _save(alice_client, form_data(_page(alice_client), button=SAVE))
    assert stored_rows(StatusStage.objects.all()) == before
    assert _stages(acme) == stages


@EXAMPLES
@given(data=st.data())
def test_changing_one_row_changes_only_that_row(alice_client, acme, workflow, data):
    StatusStage.objects.all().delete()
    before = _stages(acme)
    posted = form_data(_page(alice_client), button=SAVE)
    index = data.draw(st.integers(0, len(before) - 1))
    stage = data.draw(st.sampled_from(sorted(STAGE_LABELS)))
    key = (
        int(posted[f"stages-{index}-connection"][0]),
        posted[f"stages-{index}-project"][0],
        posted[f"stages-{index}-status"][0],
    )
    posted[f"stages-{index}-stage"] = [stage]
    _save(alice_client, posted)
    assert _stages(acme) == before | {key: stage}
    # Only a choice that differs from the default is stored.
    assert StatusStage.objects.count() == (0 if stage == before[key] else 1)


TYPED = st.characters(blacklist_categories=("Cs", "Cc"))
NAMES = st.text(TYPED, min_size=1, max_size=40).map(lambda n: " ".join(n.split())).filter(bool)


@EXAMPLES
@given(names=st.lists(NAMES, min_size=1, max_size=6, unique=True))
def test_any_status_names_round_trip_unchanged(alice_client, acme, workflow, names):
    StatusTransition.objects.all().delete()
    StatusStage.objects.all().delete()
    issue = Issue.objects.filter(connection=workflow).first()
    _walk(issue, [("To Do", "new"), *[(name, "indeterminate") for name in names]])
    before = _stages(acme)
    _save(alice_client, form_data(_page(alice_client), button=SAVE))
    assert stored_rows(StatusStage.objects.all()) == []
    assert _stages(acme) == before


def test_a_new_stage_applies_to_the_timeline_at_once(alice_client, acme, workflow):
    issue = Issue.objects.get(connection=workflow, project_key="ENG")
    assert [s.stage for s in timeline(issue)][:2] == ["queue", "active"]
    posted = form_data(_page(alice_client), button=SAVE)
    index = next(
        n
        for n in range(int(posted["stages-TOTAL_FORMS"][0]))
        if posted[f"stages-{n}-project"] == ["ENG"] and posted[f"stages-{n}-status"] == ["To Do"]
    )
    posted[f"stages-{index}-stage"] = ["waiting"]
    _save(alice_client, posted)
    assert [s.stage for s in timeline(issue)][:2] == ["waiting", "active"]


def test_members_may_not_change_stages(bob_client, workflow):
    assert bob_client.get(reverse(PAGE)).status_code == 403
    assert bob_client.post(reverse(PAGE), {}).status_code == 403


def test_another_workspaces_statuses_are_neither_shown_nor_changed(
    charlie_client, globex, workflow
):
    html = charlie_client.get(reverse(PAGE)).content.decode()
    assert "Code Review" not in html
    response = charlie_client.post(
        reverse(PAGE),
        {
            "stages-TOTAL_FORMS": "1",
            "stages-INITIAL_FORMS": "1",
            "stages-0-connection": str(workflow.pk),
            "stages-0-project": "ENG",
            "stages-0-status": "Code Review",
            "stages-0-stage": "queue",
        },
    )
    assert response.status_code == 400
    assert not StatusStage.objects.exists()
