"""The site picker's form: which of the Jira sites a consent covers to connect."""

from django import forms


class PickSitesForm(forms.Form):
    """Which of the Jira sites an Atlassian grant covers to connect (ids only; tokens stay server-side)."""

    sites = forms.MultipleChoiceField(
        label="Jira sites to connect",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Pick at least one site, or choose Cancel."},
    )

    def __init__(self, *args, sites, taken: set[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sites"].choices = [
            (site.cloud_id, f"{site.name} ({site.host})")
            for site in sites
            if site.cloud_id not in taken
        ]
