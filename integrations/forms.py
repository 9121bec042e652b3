import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.safestring import mark_safe

from integrations.jira.sites import InvalidSubdomain, parse_subdomain
from integrations.jira.workflow import normalise_resolution
from integrations.models import JiraConnection

MAX_PROJECT_KEYS = 100
# Help texts with markup are marked safe here; every other help text is escaped.
ATLASSIAN_HOWTO_HELP = mark_safe(  # noqa: S308 - fixed markup, nothing user-supplied
    "Create one in your Atlassian account: Account settings → Security → API tokens → "
    "<em>Create API token</em>. Atlassian shows it only once; it is stored encrypted here."
)
PROJECTS_HELP = mark_safe(  # noqa: S308 - fixed markup, nothing user-supplied
    "Comma-separated project keys, e.g. <code>ENG,KAN,PLAT</code> (the Key column of Jira's "
    "project list). Leave blank to sync every project the account can see. The account needs "
    "access to each listed project."
)
SITE_HELP = mark_safe(  # noqa: S308 - fixed markup, nothing user-supplied
    "Your site's name, e.g. <code>acme</code> for acme.atlassian.net. "
    "Pasting the site's address works too."
)


def parse_project_keys(text: str) -> list[str]:
    """`" eng, KAN,,eng "` → `["ENG", "KAN"]`: trimmed, upper-cased, de-duplicated, in order."""
    max_length = settings.JIRA_PROJECT_KEY_MAX_LENGTH
    pattern = re.compile(rf"[A-Z][A-Z0-9_]{{0,{max_length - 1}}}\Z")
    keys: list[str] = []
    for raw in text.split(","):
        key = raw.strip().upper()
        if not key or key in keys:
            continue
        if not pattern.match(key):
            shown = key if len(key) <= 40 else key[:40] + "…"
            raise ValidationError(
                f"“{shown}” is not a Jira project key. A key starts with a letter, has only "
                f"letters, digits or underscores, and at most {max_length} characters "
                "(e.g. KAN).",
                code="invalid_key",
            )
        keys.append(key)
    if len(keys) > MAX_PROJECT_KEYS:
        raise ValidationError(
            f"List at most {MAX_PROJECT_KEYS} project keys, or leave the field blank to sync "
            "every project the account can see.",
            code="too_many_keys",
        )
    return keys


class ProjectKeysField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 1000)
        kwargs.setdefault("label", "Projects")
        kwargs.setdefault("help_text", PROJECTS_HELP)
        kwargs.setdefault("widget", forms.TextInput(attrs={"placeholder": "ENG,KAN,PLAT"}))
        super().__init__(**kwargs)

    def clean(self, value):
        return parse_project_keys(super().clean(value) or "")


def account_email_field() -> forms.EmailField:
    """The Atlassian account's email, asked the same way when connecting and managing."""
    return forms.EmailField(
        max_length=254,
        help_text="The email of the Atlassian account that created the API token.",
    )


class ApiTokenConnectForm(forms.Form):
    subdomain = forms.CharField(
        label="Jira site",
        max_length=300,
        help_text=SITE_HELP,
        widget=forms.TextInput(attrs={"placeholder": "acme", "autocomplete": "off"}),
    )
    email = account_email_field()
    api_token = forms.CharField(
        label="API token",
        max_length=1000,
        strip=True,
        help_text=ATLASSIAN_HOWTO_HELP,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    projects = ProjectKeysField()

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.workspace = workspace

    def clean_subdomain(self):
        try:
            subdomain = parse_subdomain(self.cleaned_data["subdomain"])
        except InvalidSubdomain as error:
            raise ValidationError(error.message, code="invalid_site") from None
        taken = (
            JiraConnection.objects.filter(workspace=self.workspace, subdomain=subdomain)
            .exclude(status=JiraConnection.Status.DISCONNECTED)
            .exists()
        )
        if taken:
            raise ValidationError(
                f"{subdomain}.atlassian.net is already connected to this workspace. "
                "Open its Manage page to change it.",
                code="duplicate_site",
            )
        return subdomain


class ManageForm(forms.Form):
    email = account_email_field()
    api_token = forms.CharField(
        label="API token",
        max_length=1000,
        required=False,
        help_text="Leave blank to keep the current token. A new token is checked with Jira "
        "before it replaces the old one.",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    projects = ProjectKeysField(
        widget=forms.TextInput(attrs={"placeholder": "Blank: every project the account can see"})
    )

    def __init__(self, *args, connection: JiraConnection, **kwargs):
        initial = {"email": connection.email, "projects": ",".join(connection.project_key_list)}
        super().__init__(*args, initial=initial, **kwargs)
        self.connection = connection
        if connection.auth_type == JiraConnection.AuthType.OAUTH:
            del self.fields["email"]
            del self.fields["api_token"]


class DisconnectForm(forms.Form):
    delete_data = forms.BooleanField(
        required=False,
        label="Also delete the issues, comments and links synced from this site",
        help_text="Leave unticked to keep them in reports.",
    )


class DeliveryRulesForm(forms.Form):
    """Which resolutions close an issue without delivering it."""

    not_delivered = forms.MultipleChoiceField(
        label="Resolutions that mean “not delivered”",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="A done issue with one of these resolutions is closed, not delivered: it "
        "stays out of delivered issues, total score, cycle and lead time and "
        "contributors' credit. Done issues without a resolution count as delivered.",
    )
    other = forms.CharField(
        label="Other resolution names",
        required=False,
        max_length=2000,
        help_text="Comma-separated, for names your sites don't list yet (any language; "
        "case doesn't matter).",
    )

    def __init__(self, *args, choices: dict[str, list[str]], current: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        # One checkbox per resolution as the rule reads names (without case, either
        # apostrophe): the list's own spelling, with the sites that have it.
        sites = {normalise_resolution(name): names for name, names in choices.items()}
        names = {normalise_resolution(name): name for name in [*choices, *current]}
        self.fields["not_delivered"].choices = [
            (name, f"{name} ({', '.join(sites[key])})" if key in sites else name)
            for key, name in sorted(names.items(), key=lambda item: item[1].casefold())
        ]
        self.initial["not_delivered"] = current

    def clean_other(self) -> list[str]:
        names = [name.strip() for name in self.cleaned_data["other"].split(",")]
        too_long = [name for name in names if len(name) > 255]
        if too_long:
            raise ValidationError("A resolution name has at most 255 characters.")
        return [name for name in names if name]

    def names(self) -> list[str]:
        return [*self.cleaned_data["not_delivered"], *self.cleaned_data["other"]]


class StoryPointsFieldForm(forms.Form):
    """Which of the site's estimation fields story points are read from."""

    story_points_field = forms.ChoiceField(
        label="Story points field",
        required=False,
        help_text="Sites often have two: Jira Software's “Story point estimate” and a "
        "“Story Points” number field, used by different projects.",
    )

    def __init__(self, *args, connection: JiraConnection, **kwargs):
        super().__init__(*args, **kwargs)
        fields = [f for f in connection.estimation_fields if isinstance(f, dict) and f.get("id")]
        automatic = ", then ".join(f"{f['name']}" for f in fields) or "none found yet"
        choices = [
            ("", f"Automatic: the first with a value ({automatic})"),
            *[(f["id"], f"Only {f['name']} ({f['id']})") for f in fields],
        ]
        chosen = connection.story_points_field
        if chosen and chosen not in {value for value, _label in choices}:
            # The site no longer lists the chosen field: it stays chosen (and selected, so
            # saving the page unchanged keeps it) until the admin picks another.
            choices.append((chosen, f"Only {chosen} (not found on the site at the last sync)"))
        self.fields["story_points_field"].choices = choices
        self.initial["story_points_field"] = chosen
