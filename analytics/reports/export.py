"""CSV downloads of the report tables."""

import csv

from django.http import Http404, HttpResponse
from django.utils.text import slugify

from analytics.reports.tables import Table

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
