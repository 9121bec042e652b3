from datetime import date

import pytest
from django.http import QueryDict
from django.test import RequestFactory

from analytics.reports.filters import Period, report_filters
from tests.analytics.factories import make_connection, make_team

TODAY = date(2025, 6, 30)


def _filters(workspace, query: str):
    request = RequestFactory().get("/reports/")
    request.GET = QueryDict(query)
    request.workspace = workspace
    return report_filters(request, today=TODAY)


def test_the_default_period_is_the_last_90_days(acme):
    filters = _filters(acme, "")
    assert filters.period == Period(date(2025, 4, 2), date(2025, 6, 30))
    assert filters.period.days == 90
    assert filters.notes == ()


def test_the_previous_period_has_the_same_length():
    period = Period(date(2025, 6, 1), date(2025, 6, 30))
    assert period.previous() == Period(date(2025, 5, 2), date(2025, 5, 31))
    assert period.previous().days == period.days


def test_it_reads_sites_projects_and_team(acme):
    connection = make_connection(acme, "acme", projects=("ENG", "OPS"))
    team = make_team(acme, "Platform")
    filters = _filters(
        acme,
        f"start=2025-06-01&end=2025-06-30&site={connection.pk}&project=OPS&team={team.pk}",
    )
    assert filters.connection_ids == (connection.pk,)
    assert filters.project_keys == ("OPS",)
    assert (filters.team_id, filters.team_name) == (team.pk, "Platform")
    assert filters.querystring == (
        f"start=2025-06-01&end=2025-06-30&site={connection.pk}&project=OPS&team={team.pk}"
    )


@pytest.mark.parametrize(
    "query",
    [
        "start=yesterday",
        "start=2025-02-30",
        "end=99999-01-01",
        "start=0001-01-01",
        "end=2999-01-01",
        "start=%00",
        "start=" + "9" * 5000,
    ],
)
def test_bad_dates_fall_back_to_the_default_with_a_note(acme, query):
    filters = _filters(acme, query)
    assert filters.period.days <= 90
    assert filters.notes


def test_each_note_says_what_is_read_instead(acme):
    filters = _filters(acme, "start=garbage&end=2999-01-01&team=nope")
    assert filters.period == Period(date(2025, 4, 2), date(2025, 6, 30))
    assert filters.team_id is None
    assert filters.notes == (
        "“From” is not a date; showing 2025-04-02 instead.",
        "“To” is out of range; showing 2025-06-30 instead.",
        "The team in the filters is unknown; showing all people.",
    )


def test_a_very_long_period_is_cut_to_five_years(acme):
    filters = _filters(acme, "start=1995-01-01&end=2025-06-30")
    assert filters.period.last == date(2025, 6, 30)
    assert filters.period.days <= 5 * 366 + 1
    assert any("5 years" in note for note in filters.notes)


def test_unknown_values_are_dropped_and_known_ones_kept(acme):
    connection = make_connection(acme, "acme", projects=("ENG",))
    filters = _filters(acme, f"site={connection.pk}&site=nope&project=ENG&project=ZZZ")
    assert filters.connection_ids == (connection.pk,)
    assert filters.project_keys == ("ENG",)
    assert len(filters.notes) == 2


def test_the_form_shows_the_values_in_effect(acme):
    make_connection(acme, "acme", projects=("ENG",))
    form = _filters(acme, "start=garbage&project=ENG").form()
    html = str(form)
    assert 'value="2025-04-02"' in html
    assert '<option value="ENG" selected>' in html
