"""CSV downloads of the report tables."""

import csv

from django.http import HttpResponse

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
