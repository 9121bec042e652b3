"""The Investment report's filters: the report filters and the measure shares are taken of."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from django import forms
from django.utils.http import urlencode

from analytics.reports.extended_filters import ExtendsReportFilters
from analytics.reports.filters import ReportFilterForm, ReportFilters, report_filters

MEASURES = {
    "issues": "Issues",
    "points": "Delivery points",
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
        form = InvestmentFilterForm(choices=self.report.choices)
        form.initial = self.report.form().initial | {"measure": self.measure}
        return form


class InvestmentFilterForm(ReportFilterForm):
    measure = forms.ChoiceField(label="Share of", choices=list(MEASURES.items()), required=False)


def investment_filters(request) -> InvestmentFilters:
    report = report_filters(request)
    measure = request.GET.get("measure", "issues")
    if measure not in MEASURES:
        report = dataclasses.replace(
            report, notes=(*report.notes, "Unknown measure; showing the share of issues.")
        )
        measure = "issues"
    return InvestmentFilters(report=report, measure=measure)
