from django import forms
from django.core.exceptions import ValidationError

from pensero.models import Membership, Workspace


class WorkspaceForm(forms.Form):
    name = forms.CharField(
        max_length=80,
        min_length=2,
        help_text="Your company or team name, as your colleagues know it.",
    )
    slug = forms.SlugField(
        max_length=50,
        required=False,
        label="Short name",
        help_text="Letters, digits and hyphens. Leave blank to derive it from the name.",
    )

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if len(name) < 2:
            raise ValidationError("Enter a name of at least 2 characters.")
        return name

    def clean_slug(self):
        slug = self.cleaned_data["slug"].strip().lower()
        if slug and Workspace.objects.filter(slug=slug).exists():
            raise ValidationError("This short name is taken. Choose another one.")
        return slug


class MemberAddForm(forms.Form):
    email = forms.EmailField(max_length=254, help_text="They need to have signed up already.")
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.MEMBER)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices)
