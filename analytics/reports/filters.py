"""The report filters: a period, sites, projects and a team, read from the query string.

Reading them never fails: a value that does not parse, is out of range or names
something of another workspace is replaced by a safe default, and a note says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.http import urlencode

from analytics.teams.selectors import TeamMembers, teams_with_members
from integrations.models import JiraConnection, JiraProject

DEFAULT_DAYS = 90
EARLIEST = date(1990, 1, 1)
LONGEST = timedelta(days=5 * 366)


@dataclass(frozen=True)
class Period:
    """Whole days from ``first`` to ``last``, both included, in the current time zone."""

    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def start(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.first, time.min))

    @property
    def end(self) -> datetime:
        """The first moment after the period (exclusive bound)."""
        return timezone.make_aware(datetime.combine(self.last + timedelta(days=1), time.min))

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return Period(self.first - timedelta(days=self.days), self.first - timedelta(days=1))

    @classmethod
    def last_days(cls, days: int, *, today: date | None = None) -> Period:
        today = today or timezone.localdate()
        return cls(today - timedelta(days=days - 1), today)


@dataclass(frozen=True)
class FilterChoices:
    """What the filters can name in a workspace: sites, projects, teams with their people."""

    sites: tuple[tuple[str, str], ...] = ()  # (connection id, site host)
    projects: tuple[tuple[str, str], ...] = ()  # (key, key)
    teams: tuple[TeamMembers, ...] = ()

    @property
    def team_options(self) -> list[tuple[str, str]]:
        return [(str(team.id), team.name) for team in self.teams]


@dataclass(frozen=True)
class ReportFilters:
    workspace: object
    period: Period
    connection_ids: tuple[int, ...] = ()
    project_keys: tuple[str, ...] = ()
    team_id: int | None = None
    team_name: str = ""
    notes: tuple[str, ...] = ()
    choices: FilterChoices = field(default_factory=FilterChoices, compare=False, repr=False)

    def params(self) -> list[tuple[str, str]]:
        params = [("start", self.period.first.isoformat()), ("end", self.period.last.isoformat())]
        params += [("site", str(pk)) for pk in self.connection_ids]
        params += [("project", key) for key in self.project_keys]
        if self.team_id:
            params.append(("team", str(self.team_id)))
        return params

    @property
    def querystring(self) -> str:
        return urlencode(self.params())

    def form(self) -> ReportFilterForm:
        """The filter form showing the values in effect."""
        return ReportFilterForm(
            choices=self.choices,
            initial={
                "start": self.period.first,
                "end": self.period.last,
                "site": [str(pk) for pk in self.connection_ids],
                "project": list(self.project_keys),
                "team": str(self.team_id) if self.team_id else "",
            },
        )


class ReportFilterForm(forms.Form):
    """Renders the filters; the values are read by :func:`report_filters`."""

    start = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    site = forms.MultipleChoiceField(label="Sites", required=False)
    project = forms.MultipleChoiceField(label="Projects", required=False)
    team = forms.ChoiceField(label="Team", required=False)

    def __init__(self, *args, choices: FilterChoices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = choices.sites
        self.fields["project"].choices = choices.projects
        self.fields["team"].choices = [("", "All people"), *choices.team_options]
        for name in ("site", "project"):
            self.fields[name].widget.attrs["size"] = min(4, max(2, len(self.fields[name].choices)))


def filter_choices(workspace) -> FilterChoices:
    """Sites, projects, and teams with their people, of the workspace (three small queries)."""
    connections = list(
        JiraConnection.objects.filter(workspace=workspace).only("id", "subdomain", "project_keys")
    )
    keys = set(
        JiraProject.objects.filter(connection__workspace=workspace)
        .values_list("key", flat=True)
        .distinct()
    )
    for connection in connections:
        keys.update(connection.project_key_list)
    return FilterChoices(
        sites=tuple((str(c.pk), c.site_host) for c in connections),
        projects=tuple((key, key) for key in sorted(keys)),
        teams=tuple(teams_with_members(workspace)),
    )


def _date(params, name: str, default: date, notes: list[str], label: str) -> date:
    raw = params.get(name, "")
    if raw in ("", None):
        return default
    try:
        value = forms.DateField().clean(raw[:40])
    except ValidationError:
        notes.append(f"“{label}” is not a date; showing {default.isoformat()} instead.")
        return default
    latest = timezone.localdate() + timedelta(days=366)
    if not EARLIEST <= value <= latest:
        notes.append(f"“{label}” is out of range; showing {default.isoformat()} instead.")
        return default
    return value


def _period(params, notes: list[str], today: date) -> Period:
    default = Period.last_days(DEFAULT_DAYS, today=today)
    first = _date(params, "start", default.first, notes, "From")
    last = _date(params, "end", default.last, notes, "To")
    if first > last:
        notes.append("The start date was after the end date; they were swapped.")
        first, last = last, first
    if last - first > LONGEST:
        first = last - LONGEST
        notes.append("Periods are limited to 5 years; showing the last 5 years of the range.")
    return Period(first, last)


def _known(values: list[str], choices: list[tuple[str, str]], label: str, notes: list[str]):
    known = {value for value, _ in choices}
    kept = [value for value in dict.fromkeys(values) if value in known]
    if len(kept) < len(set(values)):
        notes.append(f"Unknown {label} in the filters were ignored.")
    return kept


def report_filters(request, *, today: date | None = None) -> ReportFilters:
    """The filters of a report request, scoped to ``request.workspace``."""
    params = request.GET
    notes: list[str] = []
    choices = filter_choices(request.workspace)
    period = _period(params, notes, today or timezone.localdate())
    sites = _known(params.getlist("site")[:100], choices.sites, "sites", notes)
    projects = _known(params.getlist("project")[:500], choices.projects, "projects", notes)
    team_id, team_name = None, ""
    team_value = params.get("team", "")
    if team_value:
        names = dict(choices.team_options)
        if team_value in names:
            team_id, team_name = int(team_value), names[team_value]
        else:
            notes.append("The team in the filters is unknown; showing all people.")
    return ReportFilters(
        workspace=request.workspace,
        period=period,
        connection_ids=tuple(int(pk) for pk in sites),
        project_keys=tuple(projects),
        team_id=team_id,
        team_name=team_name,
        notes=tuple(notes),
        choices=choices,
    )
