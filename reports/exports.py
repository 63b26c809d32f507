"""Exports of a report's rows (all of them, or a filtered and sorted view) as CSV or XLSX.

Both are produced row by row from a chunked query: CSV is streamed to the client as it is
written; XLSX (a zip archive, which needs its directory at the end) is written to a temporary
file in xlsxwriter's constant-memory mode and then streamed from there.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import IO, Any

import xlsxwriter

from reports.reading import ColumnType
from reports.rows import RowQuery, Rows

# A worksheet holds 1,048,576 rows, one of them the header.
XLSX_MAX_ROWS = 1_048_575


class ExportTooLarge(Exception):
    """The view has more rows than the format can hold; the message says what to do."""


class _Echo:
    """A file-like ``csv.writer`` writes to, which hands back what it was given."""

    def write(self, text: str) -> str:
        return text


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def csv_chunks(rows: Rows, query: RowQuery) -> Iterator[bytes]:
    """The view as UTF-8 CSV (with a byte order mark, so spreadsheet programs read it as
    UTF-8), in blocks of about 64 KiB."""
    writer = csv.writer(_Echo())
    names = [column.name for column in rows.columns]
    buffer = ["\ufeff", writer.writerow(names)]
    size = 0
    for row in rows.iterate(query):
        line = writer.writerow([_cell_text(row[name]) for name in names])
        buffer.append(line)
        size += len(line)
        if size >= 64 * 1024:
            yield "".join(buffer).encode()
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer).encode()


def write_xlsx(rows: Rows, query: RowQuery) -> IO[bytes]:
    """The view as an XLSX workbook in a temporary file (deleted when closed), positioned at
    its start. Amounts and quantities are numbers, dates are dates (in UTC)."""
    count = rows.queryset(query).order_by().count() if query.is_filtered else rows.data.row_count
    if count > XLSX_MAX_ROWS:
        raise ExportTooLarge(
            f"This view has {count:,} rows and a spreadsheet holds at most {XLSX_MAX_ROWS:,}: "
            "filter it further, or export it as CSV."
        )
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - handed to the response
    workbook = xlsxwriter.Workbook(
        handle, {"constant_memory": True, "remove_timezone": True, "in_memory": False}
    )
    sheet = workbook.add_worksheet("Rows")
    bold = workbook.add_format({"bold": True})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    columns = rows.columns
    for index, column in enumerate(columns):
        sheet.write_string(0, index, column.name, bold)
    for number, row in enumerate(rows.iterate(query), start=1):
        for index, column in enumerate(columns):
            value = row[column.name]
            if value is None:
                continue
            if column.type == ColumnType.DATETIME and isinstance(value, datetime):
                sheet.write_datetime(number, index, value, date_format)
            elif isinstance(value, (Decimal, int)) and not isinstance(value, bool):
                sheet.write_number(number, index, value)
            else:
                sheet.write_string(number, index, str(value))
    workbook.close()
    handle.seek(0)
    return handle
