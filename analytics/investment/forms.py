from django import forms
from django.core.exceptions import ValidationError

from analytics.investment.rules import (
    CATEGORY_LIMIT,
    FIELDS,
    NAME_LIMIT,
    RULE_LIMIT,
    VALUE_LIMIT,
    Rule,
    RuleSet,
)


class CategoriesForm(forms.Form):
    categories = forms.CharField(
        label="Categories",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=f"One per line, in the order reports show them (at most {CATEGORY_LIMIT}).",
    )
    fallback = forms.CharField(
        label="Issues no rule places go to",
        max_length=NAME_LIMIT,
        help_text="One of the categories above, e.g. Other.",
    )

    def clean_categories(self) -> list[str]:
        names = [" ".join(line.split()) for line in self.cleaned_data["categories"].splitlines()]
        names = [name for name in names if name]
        if not names:
            raise ValidationError("Enter at least one category.")
        if len(names) > CATEGORY_LIMIT:
            raise ValidationError(f"At most {CATEGORY_LIMIT} categories.")
        if any(len(name) > NAME_LIMIT for name in names):
            raise ValidationError(f"Keep each name to {NAME_LIMIT} characters or fewer.")
        if len({name.casefold() for name in names}) < len(names):
            raise ValidationError("Each category needs a name of its own.")
        return names

    def clean(self):
        data = super().clean()
        names = data.get("categories") or []
        fallback = " ".join(data.get("fallback", "").split())
        by_folded = {name.casefold(): name for name in names}
        if names and fallback.casefold() not in by_folded:
            self.add_error("fallback", "Choose one of the categories.")
        elif names:
            data["fallback"] = by_folded[fallback.casefold()]
        return data


class RuleForm(forms.Form):
    field = forms.ChoiceField(label="When the issue", choices=[("", "—"), *FIELDS.items()])
    value = forms.CharField(label="Value", max_length=VALUE_LIMIT)
    category = forms.ChoiceField(label="It goes to")

    def __init__(self, *args, categories: tuple[str, ...] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—")] + [(name, name) for name in categories]
        self.fields["value"].widget.attrs["placeholder"] = "Bug, tech-debt, ENG-12, ENG…"

    def rule(self) -> Rule:
        data = self.cleaned_data
        return Rule(data["field"], data["value"].strip(), data["category"])


class BaseRuleFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        if len(self.rules()) > RULE_LIMIT:
            raise ValidationError(f"At most {RULE_LIMIT} rules.")

    def rules(self) -> list[Rule]:
        """The kept rules, in the order chosen: every row not marked for deletion.

        ``ordered_forms`` already leaves out deleted rows and blank extra rows; an existing
        rule the admin didn't touch is kept as it is (it has not "changed", but it stays).
        """
        return [form.rule() for form in self.ordered_forms]


RuleFormSet = forms.formset_factory(
    RuleForm, formset=BaseRuleFormSet, extra=2, can_order=True, can_delete=True
)


def rule_formset(rules: RuleSet, data=None) -> forms.BaseFormSet:
    initial = [rule.as_dict() | {"ORDER": n} for n, rule in enumerate(rules.rules, start=1)]
    return RuleFormSet(
        data,
        initial=initial,
        prefix="rules",
        form_kwargs={"categories": rules.categories},
    )
