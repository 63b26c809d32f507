"""Keyset pagination shared by the portal's lists (reports, report requests, feeds): pages
walk a queryset by primary key in either direction, so every page is an index range scan and
no list needs a COUNT(*) or an OFFSET."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest


@dataclass(frozen=True)
class Page:
    """One page of a keyset-paginated list. ``next_before`` continues it towards older rows
    (``before=``), ``newer_after`` back towards newer ones (``after=``); None at either end."""

    items: list[Any]
    next_before: int | None
    newer_after: int | None = None


def keyset_page(
    rows: QuerySet,
    before: int | None,
    size: int,
    *,
    after: int | None = None,
    oldest_first: bool = False,
) -> Page:
    # Ordered by the primary key within the seller's index: each page is an index range scan,
    # as fast on page 4000 as on page 1, and no COUNT(*) over the whole list. Walking towards
    # newer rows (``after``) reads the index upwards and turns the page round.
    if after is not None:
        items = list(rows.filter(pk__gt=after).order_by("pk")[: size + 1])
        more_newer = len(items) > size
        items = items[:size]
        newer = items[-1].pk if more_newer and items else None
        older = items[0].pk if items else None
        if not oldest_first:
            items.reverse()
        return Page(items, older, newer)
    if oldest_first and before is None:
        items = list(rows.order_by("pk")[: size + 1])
        more_newer = len(items) > size
        items = items[:size]
        return Page(items, None, items[-1].pk if more_newer and items else None)
    if before is not None:
        rows = rows.filter(pk__lt=before)
    items = list(rows.order_by("-pk")[: size + 1])
    more_older = len(items) > size
    items = items[:size]
    older = items[-1].pk if more_older and items else None
    newer = items[0].pk if before is not None and items else None
    if oldest_first:
        items.reverse()
    return Page(items, older, newer)


def pager_links(request: HttpRequest, page: Page, *, oldest_first: bool) -> dict[str, str | None]:
    """Query strings of a list page's links: the neighbouring pages in the list's order, its
    first page, and the date column's sort toggle; each keeps the page's filters."""

    def with_cursor(**cursor: int | str | None) -> str:
        query = request.GET.copy()
        for key in ("before", "after", *cursor):
            query.pop(key, None)
        for key, value in cursor.items():
            if value is not None:
                query[key] = str(value)
        return query.urlencode()

    older = with_cursor(before=page.next_before) if page.next_before else None
    newer = with_cursor(after=page.newer_after) if page.newer_after else None
    return {
        "next_query": newer if oldest_first else older,
        "previous_query": older if oldest_first else newer,
        "first_query": with_cursor(),
        "sort_query": with_cursor(order=None if oldest_first else "oldest"),
    }
