"""Investment categories and the ordered rules that place each issue in one. Pure, no ORM.

A rule reads one thing of an issue (its type, a label, a component, its epic, its
project) and names a category; the first rule that matches wins, and an issue no rule
matches goes to the workspace's fallback category. Matching ignores case. Until an admin
edits them, a workspace has the defaults below.
"""

from __future__ import annotations

from dataclasses import dataclass

# What a rule can read, and how it is said.
FIELDS = {
    "type": "Issue type is",
    "label": "Has the label",
    "component": "Has the component",
    "epic": "Is in the epic",
    "project": "Is in the project",
}
CATEGORY_LIMIT = 12
NAME_LIMIT = 40
RULE_LIMIT = 50
VALUE_LIMIT = 255

DEFAULT_CATEGORIES = ("Features", "Bugs", "Tech debt", "Support", "Other")
DEFAULT_FALLBACK = "Other"


@dataclass(frozen=True)
class Rule:
    field: str
    value: str
    category: str

    def describe(self) -> str:
        """In words, e.g. "Issue type is Bug → Bugs"."""
        return f"{FIELDS.get(self.field, self.field)} {self.value} → {self.category}"

    def as_dict(self) -> dict:
        return {"field": self.field, "value": self.value, "category": self.category}


DEFAULT_RULES = (
    Rule("type", "Bug", "Bugs"),
    Rule("label", "tech-debt", "Tech debt"),
    Rule("label", "support", "Support"),
    Rule("label", "customer", "Support"),
    Rule("type", "Story", "Features"),
    Rule("type", "Epic", "Features"),
)


@dataclass(frozen=True)
class RuleSet:
    categories: tuple[str, ...] = DEFAULT_CATEGORIES
    fallback: str = DEFAULT_FALLBACK
    rules: tuple[Rule, ...] = DEFAULT_RULES

    def category_of(self, rule_index: int) -> str:
        """The category of the issues a rule placed (-1: no rule matched)."""
        return self.rules[rule_index].category if rule_index >= 0 else self.fallback

    def explain(self, rule_index: int) -> str:
        """Why an issue is in its category, in words."""
        if rule_index < 0:
            return f"No rule matched: {self.fallback} is the category of issues no rule places."
        rule = self.rules[rule_index]
        return f"Rule {rule_index + 1} placed it: {rule.describe()}."

    @classmethod
    def from_stored(cls, categories, fallback, rules) -> RuleSet:
        """From a stored row, skipping anything that doesn't fit (a category since removed)."""
        names = tuple(name for name in categories or () if isinstance(name, str) and name)
        names = names or DEFAULT_CATEGORIES
        kept = tuple(
            Rule(str(rule["field"]), str(rule["value"]), str(rule["category"]))
            for rule in rules or ()
            if isinstance(rule, dict)
            and rule.get("field") in FIELDS
            and rule.get("value")
            and rule.get("category") in names
        )
        return cls(names, fallback if fallback in names else names[-1], kept)
