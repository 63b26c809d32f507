"""The part every list page's filter form shares: its sort column and page cursors, read from
the query string and checked against the list's ``mwsportal.keyset`` columns."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms

from mwsportal.keyset import SortColumn, SortError, parse_sort

# A cursor is a pk and one sort value: far shorter than this.
MAX_CURSOR_LENGTH = 300


class SortedListForm(forms.Form):
    """Sort and cursors of a keyset-paged list. Subclasses set ``sort_columns`` and
    ``default_sort`` (or pass them to ``__init__``); ``list_arguments`` gives the valid ones
    as keyword arguments of the list's service, a bad value being a field error on the page
    and the list falling back to its default order."""

    sort_columns: Mapping[str, SortColumn] = {}
    default_sort = ""

    sort = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    before = forms.CharField(required=False, max_length=MAX_CURSOR_LENGTH, widget=forms.HiddenInput)
    after = forms.CharField(required=False, max_length=MAX_CURSOR_LENGTH, widget=forms.HiddenInput)

    def clean_sort(self) -> str:
        value = self.cleaned_data.get("sort") or ""
        try:
            return parse_sort(value, self.sort_columns, self.default_sort).param
        except SortError as error:
            raise forms.ValidationError(str(error)) from None

    def list_arguments(self) -> dict[str, Any]:
        """``sort``, ``before`` and ``after`` when valid; a page with a bad one starts again
        from the first page of the default order."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        if any(name in self.errors for name in ("sort", "before", "after")):
            return {"sort": self.default_sort, "before": None, "after": None}
        return {
            "sort": data.get("sort") or self.default_sort,
            "before": data.get("before") or None,
            "after": data.get("after") or None,
        }

    def refuse_cursor(self, error: SortError) -> None:
        """Names a cursor the list could not use (a link from another order, edited by hand)."""
        self.add_error(None, str(error))
