"""CSV out of the app: the report tables' downloads, and the export commands' rows.

Either way a text cell that a spreadsheet would run as a formula is written as text.
"""

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from itertools import islice

from django.core.management.base import CommandError
from django.http import Http404, HttpResponse
from django.utils.text import slugify

from analytics.reports.tables import Table
from integrations.models import Issue
from pensero.models import Workspace

# A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str) -> str:
    """Text that a spreadsheet shows as text: a formula-like value gets a leading quote."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def table_csv_response(table: Table, filename: str) -> HttpResponse:
    """The table as a CSV download. Numbers are written as formatted on the page."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow([safe_cell(column.label) for column in table.columns])
    for _row, cells in table.cells():
        writer.writerow([text if is_number else safe_cell(text) for text, is_number in cells])
    return response


def csv_filename(*parts) -> str:
    """The parts slugified and joined by hyphens: ``acme-contributors-2025-06-01-2025-06-30.csv``."""
    return "-".join(slugify(str(part)) or "report" for part in parts) + ".csv"


def table_download(tables: dict[str, Table], slug: str, *name_parts) -> HttpResponse:
    """The report's table ``slug`` as a CSV download named after ``name_parts``; 404 when
    the report has no such table."""
    if slug not in tables:
        raise Http404("No such table.")
    return table_csv_response(tables[slug], csv_filename(*name_parts))


def iso_time(value: datetime | None) -> str:
    """A timestamp as the export commands write it: ISO 8601 with its offset, "" if unknown."""
    return value.isoformat() if value else ""


def _csv_value(value):
    """A text cell made safe, a JSON object (time in status) written as JSON text."""
    if isinstance(value, str):
        return safe_cell(value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value


class ColumnWriter:
    """Rows written to ``stream`` as CSV (with a header) or JSON lines, for the export commands.

    ``columns`` is the command's one list of columns: (name, how a row's value is read).
    """

    def __init__(self, stream, columns: list[tuple[str, Callable]], *, format: str = "csv"):
        self.stream, self.columns = stream, columns
        self.names = [name for name, _value in columns]
        self.csv = csv.writer(stream, lineterminator="\n") if format == "csv" else None
        if self.csv:
            self.csv.writerow(self.names)

    def write(self, row) -> None:
        values = [value(row) for _name, value in self.columns]
        if self.csv:
            self.csv.writerow([_csv_value(v) for v in values])
        else:
            self.stream.write(json.dumps(dict(zip(self.names, values, strict=True))))


# Issues an export command reads at a time (one query each for their related rows).
EXPORT_CHUNK = 2000


def add_export_arguments(parser) -> None:
    """The export commands' shared options: which workspace or connection, which format."""
    parser.add_argument("--workspace", metavar="SLUG")
    parser.add_argument("--connection", type=int, metavar="ID")
    parser.add_argument("--format", choices=["csv", "jsonl"], default="csv")


def exported_issues(workspace: str | None, connection: int | None, **filters):
    """The issues an export command writes: not removed, in the workspace or connection asked."""
    issues = Issue.objects.filter(removed_at__isnull=True, **filters)
    if workspace:
        if not Workspace.objects.filter(slug=workspace).exists():
            raise CommandError(f"No workspace with the slug {workspace!r}.")
        issues = issues.filter(workspace__slug=workspace)
    if connection is not None:
        issues = issues.filter(connection_id=connection)
    return issues


def in_chunks(rows: Iterable[dict], size: int = EXPORT_CHUNK) -> Iterator[list[dict]]:
    """Rows in lists of ``size``, so related rows are read per list, not per row."""
    rows = iter(rows)
    while chunk := list(islice(rows, size)):
        yield chunk
