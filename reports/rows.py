"""The rows of an ingested report, as every page, export and API answer about them reads them.

One query language for the table browser, the exports and the rows API (the same parameters
in a page's query string and in an API call):

* ``sort=<column>`` or ``sort=-<column>`` (descending); without it, the report's own order;
* ``q=<text>``: rows where any text column contains the text;
* ``f.<column>=<value>``: equal (text columns: any case);
* ``f.<column>.contains=<text>``, ``f.<column>.min=<v>``, ``f.<column>.max=<v>``: part of a
  text, and inclusive bounds on amounts, quantities and dates (``2020-05-01`` or ISO 8601);
* ``cursor=<opaque>``: where the next page starts (keyset: sort value and line number).

Columns are the report's own names. A column with a typed column of its own in the family's
table is filtered and sorted there; the others live in the row's ``extra`` JSON.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models
from django.db.models import F, Q, QuerySet, lookups
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils.dateparse import parse_date, parse_datetime

from reports.ingest import table_for
from reports.models import IngestState, Report, ReportData
from reports.reading import ColumnType

FILTER_PREFIX = "f."
OPERATORS = ("contains", "min", "max")
# Counting stops here: "more than 10,000 rows" is as useful as the exact number, and a count
# over ten million rows is not free.
COUNT_CAP = 10_000
# The most rows a sort, filter or search may read without an index (a few hundred
# milliseconds). Larger reports are sorted and filtered by their indexed columns only: an
# index per column would multiply the cost of reading a report in, and a scan of millions of
# rows takes seconds.
SCAN_LIMIT = 200_000
_NUMBER = models.DecimalField(max_digits=30, decimal_places=6)
_SORT = "row_sort_value"


class RowQueryError(ValueError):
    """A parameter the rows cannot be asked with; ``field`` names it for a form or a 400."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    # The typed column in the family's table; None: the value is in ``extra``.
    field: str | None
    # Sorted and filtered by an index within the report.
    indexed: bool = False

    @property
    def is_number(self) -> bool:
        return self.type in (ColumnType.DECIMAL, ColumnType.INT)

    def expression(self) -> Any:
        if self.field:
            return F(self.field)
        text = KeyTextTransform(self.name, "extra")
        return Cast(text, _NUMBER) if self.is_number else text

    def from_db(self, value: Any) -> Any:
        """A stored value as the reader typed it (``extra`` holds JSON)."""
        if value is None or self.field:
            return value
        if self.type == ColumnType.DECIMAL:
            return Decimal(str(value))
        if self.type == ColumnType.INT:
            return int(value)
        if self.type == ColumnType.DATETIME:
            return datetime.fromisoformat(value)
        return value

    def parse(self, raw: str, parameter: str) -> Any:
        """A filter or cursor value typed as this column compares it."""
        if self.is_number:
            try:
                number = Decimal(raw.strip().replace(",", ""))
            except InvalidOperation:
                raise RowQueryError(parameter, f"“{raw}” is not a number.") from None
            if not number.is_finite():
                raise RowQueryError(parameter, f"“{raw}” is not a number.")
            return number
        if self.type == ColumnType.DATETIME:
            moment = _parse_moment(raw)
            if moment is None:
                raise RowQueryError(
                    parameter, f"“{raw}” is not a date (write 2020-05-01 or 2020-05-01T10:00)."
                )
            # Dates in ``extra`` are ISO 8601 strings in UTC, which compare as text.
            return moment if self.field else moment.isoformat()
        return raw


def _parse_moment(raw: str) -> datetime | None:
    raw = raw.strip()
    try:
        moment = parse_datetime(raw)
        if moment is None:
            day = parse_date(raw)
            moment = datetime.combine(day, time()) if day else None
    except ValueError:
        return None
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class Filter:
    column: Column
    operator: str  # "eq", "contains", "min", "max"
    value: Any
    raw: str


@dataclass(frozen=True)
class RowQuery:
    sort: Column | None = None
    descending: bool = False
    filters: tuple[Filter, ...] = ()
    search: str = ""
    after: tuple[Any, int] | None = None  # (sort value, line) of the last row shown

    @property
    def is_filtered(self) -> bool:
        return bool(self.filters or self.search)

    def parameters(self) -> dict[str, str]:
        """The query string that asks for the same rows (without the cursor)."""
        params: dict[str, str] = {}
        if self.sort:
            params["sort"] = ("-" if self.descending else "") + self.sort.name
        if self.search:
            params["q"] = self.search
        for item in self.filters:
            suffix = "" if item.operator == "eq" else f".{item.operator}"
            params[f"{FILTER_PREFIX}{item.column.name}{suffix}"] = item.raw
        return params


@dataclass
class RowPage:
    columns: list[Column]
    rows: list[tuple[int, dict[str, Any]]]
    next_cursor: str | None
    count: int
    count_capped: bool = False
    query: RowQuery = field(default_factory=RowQuery)


class Rows:
    """The rows of one ingested report; built only for a report reached through a tenant
    queryset (views and API look the report up with ``for_user``/``granted_sellers`` first)."""

    def __init__(self, report: Report, data: ReportData) -> None:
        if data.state != IngestState.DONE:
            raise ValueError("the report's data is not read yet")
        self.report = report
        self.data = data
        self.table = table_for(data.family)
        types = data.column_types or {}
        self.columns = [
            Column(
                name,
                ColumnType(types.get(name, ColumnType.TEXT)),
                self.table.fields.get(name),
                self.table.fields.get(name) in self.table.indexed,
            )
            for name in data.columns
        ]
        self.large = data.row_count > SCAN_LIMIT
        self._by_name = {column.name: column for column in self.columns}

    @classmethod
    def of(cls, report: Report) -> Rows | None:
        """The rows of ``report``; None while it is not read into rows."""
        data = ReportData.objects.filter(report=report, state=IngestState.DONE).first()
        return cls(report, data) if data else None

    def can_scan(self, column: Column) -> bool:
        """Whether pages of the rows may be sorted and filtered by ``column``."""
        return column.indexed or not self.large

    def _scannable(self, column: Column, parameter: str, doing: str, *, export: bool) -> Column:
        # An export reads every row it writes anyway: any column will do.
        if export or self.can_scan(column):
            return column
        indexed = [c.name for c in self.columns if c.indexed]
        offered = (
            f"it is sorted and filtered by {', '.join(indexed)} only"
            if indexed
            else "it keeps the report's order"
        )
        raise RowQueryError(
            parameter,
            f"{doing} by “{column.name}” is offered for reports of up to {SCAN_LIMIT:,} rows; "
            f"this one has {self.data.row_count:,}, so {offered}. Export the report to sort "
            "or filter by any column.",
        )

    def column(self, name: str, parameter: str) -> Column:
        try:
            return self._by_name[name]
        except KeyError:
            raise RowQueryError(parameter, f"The report has no column “{name}”.") from None

    # ---- the query language ---------------------------------------------------------------

    def parse(self, params: Mapping[str, str], *, export: bool = False) -> RowQuery:
        sort: Column | None = None
        descending = False
        raw_sort = (params.get("sort") or "").strip()
        if raw_sort:
            descending = raw_sort.startswith("-")
            sort = self._scannable(
                self.column(raw_sort.removeprefix("-"), "sort"), "sort", "Sorting", export=export
            )
        filters = []
        for key, raw in params.items():
            if not key.startswith(FILTER_PREFIX) or raw is None or str(raw).strip() == "":
                continue
            name, operator = key[len(FILTER_PREFIX) :], "eq"
            head, _, tail = name.rpartition(".")
            if head and tail in OPERATORS and head in self._by_name:
                name, operator = head, tail
            column = self._scannable(self.column(name, key), key, "Filtering", export=export)
            if operator in ("min", "max") and column.type == ColumnType.TEXT:
                raise RowQueryError(key, f"“{name}” holds text: filter it by a value or a part.")
            value = str(raw) if operator == "contains" else column.parse(str(raw), key)
            filters.append(Filter(column, operator, value, str(raw)))
        search = (params.get("q") or "").strip()
        if search and self.large and not export:
            raise RowQueryError(
                "q",
                f"Searching every column is offered for reports of up to {SCAN_LIMIT:,} rows, "
                f"and this one has {self.data.row_count:,}: filter by a column instead.",
            )
        query = RowQuery(sort, descending, tuple(filters), search)
        cursor = params.get("cursor")
        if cursor:
            query = RowQuery(
                query.sort, query.descending, query.filters, query.search, self._after(cursor)
            )
        return query

    def _after(self, cursor: str) -> tuple[Any, int]:
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            value, line = json.loads(raw)
            line = int(line)
        except (binascii.Error, ValueError, TypeError):
            raise RowQueryError("cursor", "This cursor is not valid.") from None
        return value, line

    # ---- querying ---------------------------------------------------------------------------

    def queryset(self, query: RowQuery) -> QuerySet:
        rows = self.table.model.objects.filter(report=self.report)
        for item in query.filters:
            rows = rows.filter(self._condition(item))
        if query.search:
            rows = rows.filter(self._search(query.search))
        if query.sort is None:
            return rows.order_by("line")
        rows = rows.annotate(**{_SORT: query.sort.expression()})
        if query.descending:
            return rows.order_by(F(_SORT).desc(nulls_last=True), "-line")
        return rows.order_by(F(_SORT).asc(nulls_first=True), "line")

    def _condition(self, item: Filter) -> Q:
        column = item.column
        if item.operator == "contains":
            lookup = lookups.IContains
        elif item.operator == "min":
            lookup = lookups.GreaterThanOrEqual
        elif item.operator == "max":
            lookup = lookups.LessThanOrEqual
        else:
            lookup = lookups.IExact if column.type == ColumnType.TEXT else lookups.Exact
        return Q(lookup(column.expression(), item.value))

    def _search(self, text: str) -> Q:
        condition = Q()
        for column in self.columns:
            if column.type == ColumnType.TEXT:
                condition |= Q(lookups.IContains(column.expression(), text))
        return condition

    def _values(self, query: RowQuery) -> QuerySet:
        names = ["line", "extra", *{c.field for c in self.columns if c.field}]
        if query.sort is not None:
            names.append(_SORT)
        return self.queryset(query).values(*names)

    def _row(self, values: dict[str, Any]) -> dict[str, Any]:
        extra = values.get("extra") or {}
        return {
            column.name: values[column.field]
            if column.field
            else column.from_db(extra.get(column.name))
            for column in self.columns
        }

    def page(self, query: RowQuery, *, size: int) -> RowPage:
        rows = self._values(query)
        if query.after is not None:
            rows = rows.filter(self._after_condition(query))
        found = list(rows[: size + 1])
        more = len(found) > size
        found = found[:size]
        next_cursor = None
        if more and found:
            last = found[-1]
            sort_value = last.get(_SORT) if query.sort is not None else None
            next_cursor = encode_cursor(sort_value, last["line"])
        count, capped = self.count(query)
        return RowPage(
            self.columns,
            [(values["line"], self._row(values)) for values in found],
            next_cursor,
            count,
            capped,
            query,
        )

    def _after_condition(self, query: RowQuery) -> Q:
        value, line = query.after  # type: ignore[misc]
        if query.sort is None:
            return Q(line__gt=line)
        if value is not None:
            value = query.sort.parse(str(value), "cursor")
            if query.sort.field is None and query.sort.type == ColumnType.DATETIME:
                value = str(value)
        if not query.descending:
            # Ascending, empty values first.
            if value is None:
                return Q(**{f"{_SORT}__isnull": True, "line__gt": line}) | Q(
                    **{f"{_SORT}__isnull": False}
                )
            return Q(**{f"{_SORT}__gt": value}) | Q(**{_SORT: value, "line__gt": line})
        # Descending, empty values last.
        if value is None:
            return Q(**{f"{_SORT}__isnull": True, "line__lt": line})
        return (
            Q(**{f"{_SORT}__lt": value})
            | Q(**{_SORT: value, "line__lt": line})
            | Q(**{f"{_SORT}__isnull": True})
        )

    def count(self, query: RowQuery) -> tuple[int, bool]:
        """How many rows the query finds, and whether counting stopped at ``COUNT_CAP``."""
        if not query.is_filtered:
            return self.data.row_count, False
        found = self.queryset(query).order_by()[: COUNT_CAP + 1].count()
        return min(found, COUNT_CAP), found > COUNT_CAP

    def iterate(self, query: RowQuery, *, chunk_size: int = 2000) -> Iterator[dict[str, Any]]:
        """Every row the query finds, in its order, fetched in chunks (exports)."""
        for values in self._values(query).iterator(chunk_size=chunk_size):
            yield self._row(values)


def encode_cursor(value: Any, line: int) -> str:
    if isinstance(value, datetime):
        value = value.isoformat()
    elif isinstance(value, Decimal):
        value = str(value)
    raw = json.dumps([value, line]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")
