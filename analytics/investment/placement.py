"""Which rule places each issue, as one SQL expression: reports group by it in the query.

The rules are matched here and only here, for the reports, the issue page and the
export alike: ``placement(rules)`` is the index of the first matching rule, -1 when
none does (the fallback category). Labels and components are JSON lists of names,
matched as a quoted name in the list's JSON text, which both databases can do.
"""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, Value, When

from analytics.investment.models import InvestmentRules
from analytics.investment.rules import Rule, RuleSet
from analytics.reports.aggregates import json_string_as_stored

NO_RULE = -1


def rule_set(workspace) -> RuleSet:
    """The workspace's categories and rules (the defaults until an admin edits them)."""
    stored = (
        InvestmentRules.objects.filter(workspace=workspace)
        .values_list("categories", "fallback", "rules")
        .first()
    )
    return RuleSet() if stored is None else RuleSet.from_stored(*stored)


def _list_has(field: str, name: str) -> Q:
    return Q(**{f"{field}__icontains": json_string_as_stored(name)})


def condition(rule: Rule) -> Q:
    value = rule.value
    if rule.field == "type":
        return Q(issue_type__iexact=value)
    if rule.field == "project":
        return Q(project_key__iexact=value)
    if rule.field == "epic":
        return Q(parent_key__iexact=value) | Q(key__iexact=value)
    if rule.field == "label":
        return _list_has("labels", value)
    if rule.field == "component":
        return _list_has("components", value)
    raise ValueError(f"unknown rule field {rule.field!r}")


def placement(rules: RuleSet) -> Case | Value:
    """The index of the first rule an issue matches, NO_RULE when none does."""
    if not rules.rules:
        return Value(NO_RULE, output_field=IntegerField())
    return Case(
        *[When(condition(rule), then=Value(index)) for index, rule in enumerate(rules.rules)],
        default=Value(NO_RULE),
        output_field=IntegerField(),
    )
