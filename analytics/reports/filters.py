"""The report filters: a period, sites, projects and a team, read from the query string.

:class:`ReportFilterForm` reads them, and reading never fails: a value that does not
parse, is out of range or names something of another workspace falls back to a safe
default, and the form's error message for it becomes a note above the report.
:class:`ReportFilters` holds the values in effect, which every report selector takes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
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
UNKNOWN_TEAM = "The team in the filters is unknown; showing all people."


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
    # Whether the page filters by team at all (not a team's or a person's own page).
    team_filter: bool = True
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

    def initial(self) -> dict:
        """The values in effect, as the filter form shows them."""
        return {
            "start": self.period.first,
            "end": self.period.last,
            "site": [str(pk) for pk in self.connection_ids],
            "project": list(self.project_keys),
            "team": str(self.team_id) if self.team_id else "",
        }

    def form(self) -> ReportFilterForm:
        """The filter form showing the values in effect (without the team field when the
        filters have none to offer: see ``without_team``)."""
        form = ReportFilterForm(choices=self.choices, initial=self.initial())
        if not self.team_filter:
            del form.fields["team"]
        return form

    def without_team(self) -> ReportFilters:
        """These filters on a page about one team or one person, where a team filter says
        nothing: no team is applied, and the form offers none."""
        notes = tuple(note for note in self.notes if note != UNKNOWN_TEAM)
        return replace(self, team_id=None, team_name="", team_filter=False, notes=notes)


class ChoiceListField(forms.MultipleChoiceField):
    """A list of choices read from the query string: at most ``limit`` values, no repeats."""

    def __init__(self, *, limit: int, **kwargs):
        super().__init__(required=False, **kwargs)
        self.limit = limit

    def to_python(self, value) -> list[str]:
        return list(dict.fromkeys(super().to_python(value)[: self.limit]))

    def known_values(self, value) -> list[str]:
        """The values of ``value`` that are choices: what is kept of a list with unknown ones."""
        return [item for item in self.to_python(value) if self.valid_value(item)]


class ReportFilterForm(forms.Form):
    """Reads the filters from a report's query string, and renders them above the report.

    Bound to ``request.GET``, every value is validated by its field. A value that fails
    falls back to the field's initial value (a list keeps its known values), and its
    error message says so: :attr:`notes` lists them, and :meth:`report_filters` gives
    the values in effect. Unbound, with ``initial``, it shows the values in effect.
    """

    start = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    site = ChoiceListField(
        label="Sites",
        limit=100,
        error_messages={"invalid_choice": "Unknown sites in the filters were ignored."},
    )
    project = ChoiceListField(
        label="Projects",
        limit=500,
        error_messages={"invalid_choice": "Unknown projects in the filters were ignored."},
    )
    team = forms.ChoiceField(
        label="Team",
        required=False,
        initial="",
        error_messages={"invalid_choice": UNKNOWN_TEAM},
    )

    def __init__(self, *args, choices: FilterChoices, today: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.choices = choices
        self.offer("site", choices.sites)
        self.offer("project", choices.projects)
        self.offer("team", [("", "All teams"), *choices.team_options])
        default = Period.last_days(DEFAULT_DAYS, today=today)
        for name, day in (("start", default.first), ("end", default.last)):
            self.fields[name].initial = day
            label = self.fields[name].label
            self.fields[name].error_messages["invalid"] = (
                f"“{label}” is not a date; showing {day.isoformat()} instead."
            )

    def offer(self, name: str, choices) -> None:
        """Give a field its choices; a list shows two to four lines."""
        field = self.fields[name]
        field.choices = choices
        if isinstance(field, ChoiceListField):
            field.widget.attrs["size"] = min(4, max(2, len(field.choices)))

    def _date_in_range(self, name: str) -> date:
        value, default = self.cleaned_data[name], self.fields[name].initial
        if value is None:
            return default
        latest = timezone.localdate() + timedelta(days=366)
        if not EARLIEST <= value <= latest:
            label = self.fields[name].label
            raise ValidationError(
                f"“{label}” is out of range; showing {default.isoformat()} instead."
            )
        return value

    def clean_start(self) -> date:
        return self._date_in_range("start")

    def clean_end(self) -> date:
        return self._date_in_range("end")

    def clean(self):
        cleaned = super().clean()
        for name in list(self.errors):
            if name in self.fields:
                cleaned[name] = self._fallback(name)
        first, last = cleaned["start"], cleaned["end"]
        if first > last:
            self.add_error(None, "The start date was after the end date; they were swapped.")
            first, last = last, first
        if last - first > LONGEST:
            first = last - LONGEST
            self.add_error(
                None, "Periods are limited to 5 years; showing the last 5 years of the range."
            )
        cleaned["period"] = Period(first, last)
        return cleaned

    def _fallback(self, name: str):
        """What a field that failed validation reads as."""
        field = self.fields[name]
        if isinstance(field, ChoiceListField):
            return field.known_values(self[name].data)
        return field.initial

    @property
    def notes(self) -> tuple[str, ...]:
        """What was not read as given, in plain words (each failed value, each adjustment)."""
        return tuple(message for messages in self.errors.values() for message in messages)

    def report_filters(self, workspace) -> ReportFilters:
        """The filters in effect, read from the bound data."""
        notes = self.notes  # reading the errors validates the form
        data = self.cleaned_data
        team = data["team"]
        return ReportFilters(
            workspace=workspace,
            period=data["period"],
            connection_ids=tuple(int(pk) for pk in data["site"]),
            project_keys=tuple(data["project"]),
            team_id=int(team) if team else None,
            team_name=dict(self.choices.team_options).get(team, ""),
            notes=notes,
            choices=self.choices,
        )


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


def report_filters(request, *, today: date | None = None) -> ReportFilters:
    """The filters of a report request, scoped to ``request.workspace``."""
    choices = filter_choices(request.workspace)
    form = ReportFilterForm(request.GET, choices=choices, today=today)
    return form.report_filters(request.workspace)
