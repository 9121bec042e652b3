"""Report filters with a report's own extras (boards, a measure) on top of the shared ones."""

from analytics.reports.filters import Period, ReportFilters


class ExtendsReportFilters:
    """What the shared filter and chart templates read, from the wrapped ``report``."""

    report: ReportFilters

    @property
    def period(self) -> Period:
        return self.report.period

    @property
    def notes(self) -> tuple[str, ...]:
        return self.report.notes

    @property
    def team_name(self) -> str:
        return self.report.team_name

    @property
    def workspace(self):
        return self.report.workspace
