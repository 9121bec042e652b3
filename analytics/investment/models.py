"""A workspace's investment categories and rules, once an admin changed the defaults."""

from django.core.exceptions import ValidationError
from django.db import models

from analytics.investment.rules import (
    CATEGORY_LIMIT,
    DEFAULT_CATEGORIES,
    DEFAULT_FALLBACK,
    DEFAULT_RULES,
    FIELDS,
    NAME_LIMIT,
    RULE_LIMIT,
    VALUE_LIMIT,
)
from pensero.models import Workspace


def default_categories() -> list[str]:
    return list(DEFAULT_CATEGORIES)


def default_rules() -> list[dict]:
    return [rule.as_dict() for rule in DEFAULT_RULES]


class InvestmentRules(models.Model):
    """One row per workspace that edited its categories or rules; without one, the defaults."""

    workspace = models.OneToOneField(
        Workspace, on_delete=models.CASCADE, related_name="investment_rules"
    )
    # Category names in the order reports show them.
    categories = models.JSONField(default=default_categories)
    # The category of issues no rule places.
    fallback = models.CharField(max_length=NAME_LIMIT, default=DEFAULT_FALLBACK)
    # [{"field", "value", "category"}] in order: the first that matches wins.
    rules = models.JSONField(default=default_rules, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "investment rules"

    def __str__(self):
        return f"Investment rules of {self.workspace}"

    def clean(self):
        names = self.categories
        if not isinstance(names, list) or not names or len(names) > CATEGORY_LIMIT:
            raise ValidationError(f"Between 1 and {CATEGORY_LIMIT} categories.")
        if any(not isinstance(n, str) or not n or len(n) > NAME_LIMIT for n in names):
            raise ValidationError(f"Category names have 1 to {NAME_LIMIT} characters.")
        if len({n.casefold() for n in names}) < len(names):
            raise ValidationError("Two categories have the same name.")
        if self.fallback not in names:
            raise ValidationError({"fallback": "Choose one of the categories."})
        if not isinstance(self.rules, list) or len(self.rules) > RULE_LIMIT:
            raise ValidationError(f"At most {RULE_LIMIT} rules.")
        for number, rule in enumerate(self.rules, start=1):
            if (
                not isinstance(rule, dict)
                or rule.get("field") not in FIELDS
                or not isinstance(rule.get("value"), str)
                or not 0 < len(rule["value"]) <= VALUE_LIMIT
            ):
                raise ValidationError(f"Rule {number} is incomplete.")
            if rule.get("category") not in names:
                raise ValidationError(
                    f"Rule {number} places issues in “{rule.get('category')}”, which is not a "
                    "category: change or delete the rule first."
                )
