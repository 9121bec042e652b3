"""The headline metrics of the Delivery report: one list, which feeds both the cards at the
top of the page and the headline table (and so its CSV), in this order."""

from __future__ import annotations

from dataclasses import dataclass

# What "Total score" is, wherever it is first shown.
TOTAL_SCORE_MEANS = "the sum of the delivered issues' scores; not story points"


@dataclass(frozen=True)
class Metric:
    attribute: str  # of PeriodNumbers; NOW: of the summary, without a previous period
    label: str  # the headline table's row
    kind: str  # a tables.Column kind: int, decimal, days, percent
    # The card's label; "" for a number shown in another card's note (``detail``).
    card: str = ""
    # The metric shown in this card's note ("85th percentile: ...").
    detail: str = ""
    lower_is_better: bool = False
    # A number of now, whatever the period: no previous period, no change.
    now: bool = False


HEADLINE = (
    Metric("delivered", "Delivered issues", "int", card="Delivered issues"),
    Metric("points", "Total score", "int", card="Total score"),
    Metric("average_score", "Average score", "decimal", card="Average score"),
    Metric(
        "cycle_median",
        "Median cycle time (days)",
        "days",
        card="Cycle time (median)",
        detail="cycle_p85",
        lower_is_better=True,
    ),
    Metric("cycle_p85", "85th percentile cycle time (days)", "days", lower_is_better=True),
    Metric(
        "lead_median",
        "Median lead time (days)",
        "days",
        card="Lead time (median)",
        detail="lead_p85",
        lower_is_better=True,
    ),
    Metric("lead_p85", "85th percentile lead time (days)", "days", lower_is_better=True),
    Metric("work_in_progress", "Work in progress now", "int", card="Work in progress", now=True),
    Metric(
        "pull_request_rate",
        "Delivered with a linked pull request (%)",
        "percent",
        card="With a linked pull request",
    ),
    Metric(
        "document_rate",
        "Delivered with a linked document (%)",
        "percent",
        card="With a linked document",
    ),
)
BY_ATTRIBUTE = {metric.attribute: metric for metric in HEADLINE}
