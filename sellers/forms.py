"""Forms of the seller pages. They only collect input: checks that need MWS live in services."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from django import forms

from mwsportal.gateway.mws import OPERATIONS
from mwsportal.listforms import SortedListForm
from sellers.services import (
    HISTORY_DEFAULT_SORT,
    HISTORY_OUTCOMES,
    HISTORY_SORTS,
    AuthorizationCheckFailed,
)


def token_input() -> forms.PasswordInput:
    # A token is never rendered back into a page, not even into the form it was typed in.
    return forms.PasswordInput(
        render_value=False,
        attrs={"autocomplete": "off", "spellcheck": "false", "placeholder": "amzn.mws.…"},
    )


class CheckedForm(forms.Form):
    def add_check_failure(self, failure: AuthorizationCheckFailed) -> None:
        """Show the service's message on the field it concerns, or above the form."""
        self.add_error(failure.field if failure.field in self.fields else None, failure.message)


class ConnectSellerForm(CheckedForm):
    seller_id = forms.CharField(
        label="Seller ID",
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text="Also called Merchant Token, such as A1B2C3D4E5F6G7.",
    )
    auth_token = forms.CharField(
        label="MWS Authorization Token", max_length=200, strip=True, widget=token_input()
    )
    name = forms.CharField(
        label="Name in the portal",
        max_length=100,
        required=False,
        help_text="Optional: a name you will recognise, such as “US store”.",
    )


class ReplaceTokenForm(CheckedForm):
    auth_token = forms.CharField(
        label="New MWS Authorization Token", max_length=200, strip=True, widget=token_input()
    )


class RenameSellerForm(forms.Form):
    name = forms.CharField(label="Name in the portal", max_length=100)


class _DateInput(forms.DateInput):
    input_type = "date"


class RequestHistoryFilterForm(SortedListForm):
    """Search, filters, sort and page of a seller's MWS request history, from the query
    string."""

    sort_columns = HISTORY_SORTS
    default_sort = HISTORY_DEFAULT_SORT

    q = forms.CharField(
        required=False,
        max_length=100,
        label="Search",
        help_text="An operation, an MWS request id or an error code.",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "e.g. RequestReport"}),
    )
    outcome = forms.ChoiceField(
        required=False,
        label="Outcome",
        choices=[("", "All outcomes"), *HISTORY_OUTCOMES.items()],
    )
    operation = forms.ChoiceField(
        required=False,
        label="Request",
        choices=lambda: [("", "All requests"), *((name, name) for name in sorted(OPERATIONS))],
    )
    since = forms.DateField(required=False, widget=_DateInput, label="Sent from")
    until = forms.DateField(required=False, widget=_DateInput, label="Sent until")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", "“Until” must not be before “from”.")
        return data

    def query(self) -> dict[str, Any]:
        """The valid filters, as keyword arguments of ``services.list_request_history``."""
        data = self.cleaned_data if self.is_valid() else {}
        since, until = data.get("since"), data.get("until")
        return {
            "search": data.get("q") or "",
            "outcome": data.get("outcome") or None,
            "operation": data.get("operation") or None,
            "since": datetime.combine(since, time.min, tzinfo=UTC) if since else None,
            "until": datetime.combine(until, time.max, tzinfo=UTC) if until else None,
            **self.list_arguments(),
        }
