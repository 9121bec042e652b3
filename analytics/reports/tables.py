"""The report tables, built once and rendered twice: as HTML and as CSV.

Cells are formatted here and only here, so the numbers in a downloaded CSV are the
numbers on the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from django.utils import timezone
from django.utils.safestring import mark_safe

from analytics.reports.flow import Flow
from analytics.reports.metrics import HEADLINE
from analytics.reports.people import GroupRow
from analytics.reports.summary import DeliverySummary

SECONDS_PER_DAY = 86400
EMPTY = "–"


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = "text"  # text, int, decimal, percent, days, change, date
    sort: str = ""  # the ?sort= key, for sortable tables

    @property
    def numeric(self) -> bool:
        return self.kind != "text"


@dataclass
class Row:
    values: list
    url: str = ""
    # Per-cell kinds overriding the columns' (the headline table mixes units).
    kinds: list[str] | None = None


@dataclass
class Table:
    slug: str
    title: str
    columns: list[Column]
    rows: list[Row] = field(default_factory=list)
    sort: str = ""

    def headers(self) -> list[dict]:
        """Column headers with their aria-sort state and the ?sort= value of their link."""
        headers = []
        for column in self.columns:
            aria_sort, next_sort = "", ""
            if column.sort:
                if self.sort == column.sort:
                    aria_sort, next_sort = "ascending", "-" + column.sort
                elif self.sort == "-" + column.sort:
                    aria_sort, next_sort = "descending", column.sort
                else:
                    # Numbers start with the largest first, names from A.
                    next_sort = "-" + column.sort if column.numeric else column.sort
            headers.append({"column": column, "aria_sort": aria_sort, "next_sort": next_sort})
        return headers

    def body_html(self) -> str:
        """The table's rows as HTML.

        Built here rather than with template loops, which for a 200-person table took
        longer than all the report's queries. Every value is escaped below.
        """
        lines = []
        for row, cells in self.cells():
            first = escape(cells[0][0] or EMPTY)
            if row.url:
                first = f'<a href="{escape(row.url)}">{first}</a>'
            parts = [f'<tr><th scope="row">{first}</th>']
            for text, is_number in cells[1:]:
                parts.append(
                    f'<td class="num">{escape(text or EMPTY)}</td>'
                    if is_number
                    else f"<td>{escape(text or EMPTY)}</td>"
                )
            parts.append("</tr>")
            lines.append("".join(parts))
        return mark_safe("\n".join(lines))  # noqa: S308 - built from escaped values

    def cells(self) -> list[tuple[Row, list[tuple[str, bool]]]]:
        """Each row with its formatted cells as (text, is_number) pairs."""
        out = []
        for row in self.rows:
            kinds = row.kinds or [column.kind for column in self.columns]
            out.append(
                (
                    row,
                    [
                        (format_cell(v, k), k != "text")
                        for v, k in zip(row.values, kinds, strict=True)
                    ],
                )
            )
        return out


def format_cell(value, kind: str) -> str:
    if value is None:
        return ""
    if kind == "int":
        return str(int(value))
    if kind == "decimal":
        return f"{value:.1f}"
    if kind == "percent":
        return f"{value * 100:.0f}"
    if kind == "days":
        return f"{value / SECONDS_PER_DAY:.1f}"
    if kind == "change":
        return f"{value:+.0f}" if round(value) else "0"
    if kind == "date":
        return value.isoformat()
    return str(value)


# ------------------------------------------------------------------- the Reports page


def headline_table(summary: DeliverySummary) -> Table:
    table = Table(
        "headline",
        "Headline numbers",
        [
            Column("Metric"),
            Column("This period", "int"),
            Column("Previous period", "int"),
            Column("Change (%)", "change"),
            Column("Comparison"),
        ],
    )
    for metric in HEADLINE:
        if metric.now:
            values = [getattr(summary, metric.attribute), None, None, ""]
        else:
            change = summary.change(metric.attribute)
            values = [
                getattr(summary.current, metric.attribute),
                getattr(summary.previous, metric.attribute),
                change.percent,
                change.reason,
            ]
        table.rows.append(
            Row([metric.label, *values], kinds=["text", metric.kind, metric.kind, "change", "text"])
        )
    return table


def cycle_time_table(flow: Flow) -> Table:
    return Table(
        "cycle_time",
        "Cycle time distribution",
        [Column("Cycle time"), Column("Delivered issues", "int")],
        [Row([label, count]) for label, count in flow.cycle_buckets],
    )


def score_table(summary: DeliverySummary) -> Table:
    rows = [Row([label, count]) for label, count in summary.score_buckets]
    if summary.unscored:
        rows.append(Row(["Not scored yet", summary.unscored]))
    return Table(
        "scores",
        "Score distribution",
        [Column("Score"), Column("Delivered issues", "int")],
        rows,
    )


def team_points_table(teams: list[GroupRow]) -> Table:
    return Table(
        "team_points",
        "Total score by team",
        [Column("Team"), Column("Total score", "int")],
        [Row([team.name, team.points]) for team in sorted(teams, key=by_name)],
    )


CONTRIBUTOR_SORTS = {
    "name": lambda row: (row.id is None, by_name(row)),
    "delivered": lambda row: row.delivered,
    "points": lambda row: row.points,
    "cycle": lambda row: row.cycle_median,
    "prs": lambda row: row.pull_requests,
    "comments": lambda row: row.comments,
}


def by_name(row: GroupRow) -> tuple:
    return (row.name.casefold(), row.id or 0)


def sort_rows(rows: list[GroupRow], sort: str, sorts: dict) -> tuple[list[GroupRow], str]:
    """Rows in the ?sort= order if it is a known key (with "-" for descending), else by name.

    Empty values (no cycle time) go last either way, and so does the "Unassigned" row,
    which is not a person.
    """
    key = sort.removeprefix("-") if isinstance(sort, str) else ""
    if key not in sorts:
        sort, key = "name", "name"
    unassigned = [row for row in rows if row.id is None]
    by_name = sorted((row for row in rows if row.id is not None), key=sorts["name"])
    if key == "name":
        return (by_name[::-1] if sort.startswith("-") else by_name) + unassigned, sort
    present = [row for row in by_name if sorts[key](row) is not None]
    missing = [row for row in by_name if sorts[key](row) is None]
    present.sort(key=sorts[key], reverse=sort.startswith("-"))
    return present + missing + unassigned, sort


def contributor_table(rows: list[GroupRow], *, sort: str = "name", url_for=None) -> Table:
    rows, sort = sort_rows(rows, sort, CONTRIBUTOR_SORTS)
    return Table(
        "contributors",
        "Contributors",
        [
            Column("Person", sort="name"),
            Column("Delivered issues", "int", sort="delivered"),
            Column("Total score", "int", sort="points"),
            Column("Median cycle time (days)", "days", sort="cycle"),
            Column("Pull requests linked", "int", sort="prs"),
            Column("Comments written", "int", sort="comments"),
        ],
        [
            Row(
                [
                    row.name,
                    row.delivered,
                    row.points,
                    row.cycle_median,
                    row.pull_requests,
                    row.comments,
                ],
                url=url_for(row) if url_for and row.id is not None else "",
            )
            for row in rows
        ],
        sort=sort,
    )


def team_table(rows: list[GroupRow], *, url_for=None) -> Table:
    return Table(
        "teams",
        "Teams",
        [
            Column("Team"),
            Column("People", "int"),
            Column("Delivered issues", "int"),
            Column("Total score", "int"),
            Column("Average score", "decimal"),
            Column("With a linked pull request (%)", "percent"),
            Column("With a linked document (%)", "percent"),
            Column("Comments written", "int"),
        ],
        [
            Row(
                [
                    row.name,
                    row.people,
                    row.delivered,
                    row.points,
                    row.average_score,
                    row.pull_request_rate,
                    row.document_rate,
                    row.comments,
                ],
                url=url_for(row) if url_for else "",
            )
            for row in sorted(rows, key=by_name)
        ],
    )


def issue_table(issues, *, url_for=None) -> Table:
    """The issues behind a drill-down (``issues`` from ``selectors.delivered_issues``)."""
    table = Table(
        "issues",
        "Delivered issues",
        [
            Column("Key"),
            Column("Summary"),
            Column("Type"),
            Column("Site"),
            Column("Delivered on", "date"),
            Column("Cycle time (days)", "days"),
            Column("Score", "int"),
            Column("Pull requests", "int"),
            Column("Documents", "int"),
        ],
    )
    for issue in issues:
        score = getattr(issue, "score", None)
        cycle = None
        if issue.started_at and issue.done_at and issue.started_at <= issue.done_at:
            cycle = (issue.done_at - issue.started_at).total_seconds()
        table.rows.append(
            Row(
                [
                    issue.key,
                    issue.summary,
                    issue.issue_type,
                    issue.connection.site_host,
                    timezone.localtime(issue.done_at).date(),
                    cycle,
                    score.score if score else None,
                    issue.pull_request_count,
                    issue.document_count,
                ],
                url=url_for(issue) if url_for else "",
            )
        )
    return table
