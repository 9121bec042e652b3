from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef

from analytics.models import TEAM_NAME_MAX_LENGTH, Team
from integrations.jira.fields import BOT_ACCOUNT_TYPES
from integrations.models import JiraUser, Person


class TeamNameForm(forms.Form):
    name = forms.CharField(
        label="Team name",
        max_length=TEAM_NAME_MAX_LENGTH,
        error_messages={
            "required": "Enter a team name.",
            "max_length": "Keep the name to %(limit_value)d characters or fewer "
            "(it has %(show_value)d).",
        },
    )

    def __init__(self, *args, workspace, team: Team | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.workspace = workspace
        self.team = team

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise ValidationError("Enter a team name.")
        others = Team.objects.filter(workspace=self.workspace, name__iexact=name)
        if self.team is not None:
            others = others.exclude(pk=self.team.pk)
        if others.exists():
            raise ValidationError(f"There is already a team called “{name}”.")
        return name


# The largest primary key a database column holds; larger numbers are not ids.
MAX_ID = 2**63 - 1


class PersonChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        # Reject what cannot be an id before it reaches the database (SQLite raises
        # OverflowError on huge integers).
        for pk in value:
            text = str(pk)
            if not text.isdigit() or int(text) > MAX_ID:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)

    def label_from_instance(self, person):
        if person.display_name and person.email:
            return f"{person.display_name} ({person.email})"
        return str(person)


class TeamMembersAddForm(forms.Form):
    people = PersonChoiceField(
        queryset=Person.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one person to add.",
            "invalid_choice": "Choose people from the list.",
            "invalid_pk_value": "Choose people from the list.",
        },
    )

    def __init__(self, *args, team: Team, **kwargs):
        super().__init__(*args, **kwargs)
        people_accounts = JiraUser.objects.filter(person=OuterRef("pk")).exclude(
            account_type__in=BOT_ACCOUNT_TYPES
        )
        self.fields["people"].queryset = (
            Person.objects.filter(workspace_id=team.workspace_id)
            .filter(Exists(people_accounts))  # integrations are not team members
            .exclude(team_memberships__team=team)
            .order_by("display_name", "email", "pk")
        )
