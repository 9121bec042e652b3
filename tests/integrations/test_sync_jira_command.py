"""`manage.py sync_jira` in the foreground: it returns with the synced issues scored."""

import csv
import io

import pytest
from django_q.models import OrmQ

from integrations.models import Issue
from jira_simulator import JiraSimulator
from tests.hardening.helpers import manage
from tests.simulated import demo_connection, serving

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def simulator(settings):
    with serving(JiraSimulator(seed=23, issues=120), settings) as running:
        yield running


def test_sync_jira_returns_with_every_synced_issue_scored_and_no_worker_running(simulator, acme):
    connection = demo_connection(acme)
    sync = manage("sync_jira", "--connection", str(connection.pk))
    output, _ = sync.communicate(timeout=120)
    assert sync.returncode == 0, output
    assert "120 issues seen" in output and "120 issues scored." in output

    export = manage("export_issues", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(export.communicate(timeout=60)[0])))
    assert len(rows) == Issue.objects.filter(connection=connection).count() == 120
    assert all(row["score"] != "" for row in rows)
    assert not OrmQ.objects.exists()  # nothing was left waiting for a worker
