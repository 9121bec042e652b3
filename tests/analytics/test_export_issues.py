import csv
import io
import json

import pytest
from django.core.management import call_command

from tests.analytics.factories import make_connection, make_issue

pytestmark = pytest.mark.django_db

FORMULA = "=cmd|' /C calc'!A0"


def _export(*args) -> str:
    out = io.StringIO()
    call_command("export_issues", *args, stdout=out)
    return out.getvalue()


def test_csv_quotes_cells_a_spreadsheet_would_run_like_the_web_export(acme):
    connection = make_connection(acme)
    make_issue(connection, key="ENG-1", summary=FORMULA, issue_type="@SUM(A1:A9)")
    make_issue(connection, key="ENG-2", summary="A plain summary")
    rows = list(csv.DictReader(io.StringIO(_export("--format", "csv"))))
    by_key = {row["key"]: row for row in rows}
    assert by_key["ENG-1"]["summary"] == "'" + FORMULA
    assert by_key["ENG-1"]["issue_type"] == "'@SUM(A1:A9)"
    assert by_key["ENG-2"]["summary"] == "A plain summary"
    assert by_key["ENG-2"]["jira_id"].isdigit()


def test_json_lines_keep_the_text_as_it_is(acme):
    make_issue(make_connection(acme), key="ENG-1", summary=FORMULA)
    (row,) = [json.loads(line) for line in _export("--format", "jsonl").splitlines()]
    assert row["summary"] == FORMULA
