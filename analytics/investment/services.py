"""Change a workspace's investment categories and rules (stored on first change)."""

from django.db import transaction

from analytics.investment.models import InvestmentRules
from analytics.investment.placement import rule_set
from analytics.investment.rules import Rule


def _row(workspace) -> InvestmentRules:
    """The workspace's row, created from what it uses now (the defaults) when missing."""
    current = rule_set(workspace)
    row, _created = InvestmentRules.objects.select_for_update().get_or_create(
        workspace=workspace,
        defaults={
            "categories": list(current.categories),
            "fallback": current.fallback,
            "rules": [rule.as_dict() for rule in current.rules],
        },
    )
    return row


@transaction.atomic
def investment_categories_update(*, workspace, categories: list[str], fallback: str) -> None:
    """Rename, add, remove or reorder categories; raises ValidationError if a rule still
    places issues in a removed one. Saving what is in use already stores nothing."""
    current = rule_set(workspace)
    if (tuple(categories), fallback) == (current.categories, current.fallback):
        return
    row = _row(workspace)
    row.categories, row.fallback = categories, fallback
    row.full_clean()
    row.save()


@transaction.atomic
def investment_rules_update(*, workspace, rules: list[Rule]) -> None:
    """Replace the rules, in order (the first that matches an issue places it). Saving the
    rules in use already stores nothing: a workspace on the defaults stays on them."""
    if tuple(rules) == rule_set(workspace).rules:
        return
    row = _row(workspace)
    row.rules = [rule.as_dict() for rule in rules]
    row.full_clean()
    row.save()
