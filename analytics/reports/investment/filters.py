"""The Investment report's filters: the report filters and the measure shares are taken of."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.utils.http import urlencode

from analytics.reports.extended_filters import ExtendsReportFilters
from analytics.reports.filters import ReportFilterForm, ReportFilters, filter_choices

MEASURES = {
    "issues": "Issues",
    "points": "Total score",
    "story_points": "Story points",
}


@dataclass(frozen=True)
class InvestmentFilters(ExtendsReportFilters):
    report: ReportFilters
    measure: str = "issues"

    @property
    def querystring(self) -> str:
        return urlencode(self.report.params() + [("measure", self.measure)])

    def form(self) -> InvestmentFilterForm:
        return InvestmentFilterForm(
            choices=self.report.choices, initial=self.report.initial() | {"measure": self.measure}
        )


class InvestmentFilterForm(ReportFilterForm):
    measure = forms.ChoiceField(
        label="Share of",
        choices=list(MEASURES.items()),
        required=False,
        initial="issues",
        error_messages={"invalid_choice": "Unknown measure; showing the share of issues."},
    )

    def clean_measure(self) -> str:
        return self.cleaned_data["measure"] or "issues"

    def investment_filters(self, workspace) -> InvestmentFilters:
        """The filters in effect, read from the bound data."""
        report = self.report_filters(workspace)
        return InvestmentFilters(report=report, measure=self.cleaned_data["measure"])


def investment_filters(request) -> InvestmentFilters:
    form = InvestmentFilterForm(request.GET, choices=filter_choices(request.workspace))
    return form.investment_filters(request.workspace)
