"""Forms of the reports pages; every choice list is read from the MWS operation catalog."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, time
from typing import Any

from django import forms
from django.utils import timezone

from mwsportal.gateway.mws import (
    REPORT_CATEGORIES,
    REPORT_OPTIONS,
    REPORT_TYPES,
    REQUESTABLE_REPORT_TYPES,
    SCHEDULES,
    InvalidParameterError,
    encode_params,
    get_operation,
)
from mwsportal.gateway.routing import MixedHosts, check_one_host
from mwsportal.listforms import SortedListForm
from mwsportal.picker import RECENTLY_USED, PickerEntry, PickerSelect
from reports.models import Report, ReportRequest
from reports.services import (
    REPORT_DEFAULT_SORT,
    REPORT_SORTS,
    REQUEST_DEFAULT_SORT,
    REQUEST_SORTS,
    SCHEDULE_SORTS,
    clean_report_options,
    list_marketplaces,
    list_recent_report_types,
    takes_marketplaces,
)
from sellers.models import Seller

GroupedChoices = list[tuple[str, list[tuple[str, str]]]]


def _by_category(values: Iterable[str]) -> GroupedChoices:
    """Report types under their category (an ``<optgroup>`` each), in the catalog's order."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for value in values:
        info = REPORT_TYPES[value]
        groups.setdefault(info.category, []).append((value, info.name))
    return [(category, groups[category]) for category in REPORT_CATEGORIES if category in groups]


def _requestable_choices() -> GroupedChoices:
    return _by_category(REQUESTABLE_REPORT_TYPES)


class _DateInput(forms.DateInput):
    input_type = "date"


def _start_of(day: Any) -> datetime | None:
    return datetime.combine(day, time.min, tzinfo=UTC) if day else None


def _end_of(day: Any) -> datetime | None:
    return datetime.combine(day, time.max.replace(microsecond=0), tzinfo=UTC) if day else None


def options_help(report_type: str) -> str:
    """The options a report type takes, as the picker shows them; empty when it takes none."""
    options = REPORT_OPTIONS.get(report_type, ())
    if not options:
        return ""
    listed = "; ".join(
        f"{o.key}={'true|false' if o.kind == 'boolean' else o.example} ({o.description})"
        for o in options
    )
    return f"Options: {listed}"


class ReportTypeSelect(PickerSelect):
    """The report picker: each option's title is the type's description and the options it
    takes."""

    def entry(self, value: str) -> PickerEntry | None:
        info = REPORT_TYPES.get(value)
        if info is None:
            return None
        return PickerEntry(
            description=info.description,
            search=f"{info.name} {info.category} {info.description}",
            title=" ".join(part for part in (info.description, options_help(value)) if part),
        )


class RequestReportForm(forms.Form):
    report_type = forms.ChoiceField(
        label="Report",
        choices=_requestable_choices,
        widget=ReportTypeSelect,
        help_text="Grouped by kind, the ones you asked for lately first.",
    )
    start_date = forms.DateField(
        required=False,
        widget=_DateInput,
        help_text="First day covered (UTC). Reports of a period use the range; reports of "
        "the current state ignore it.",
    )
    end_date = forms.DateField(required=False, widget=_DateInput, help_text="Last day covered.")
    marketplaces = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: the seller's home marketplace.",
    )
    report_options = forms.CharField(
        required=False,
        max_length=500,
        help_text="Only for reports that take options (the MWS reference page lists them): "
        "key=value;key=value (e.g. ShowSalesChannel=true). Leave empty for the others.",
    )

    def __init__(self, *args: Any, seller: Seller, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seller = seller
        recent = list_recent_report_types(seller)
        if recent:
            self.fields["report_type"].choices = [
                (RECENTLY_USED, [(value, REPORT_TYPES[value].name) for value in recent]),
                *_requestable_choices(),
            ]
            self.initial.setdefault("report_type", recent[0])
        if takes_marketplaces(seller):
            self.fields["marketplaces"].choices = [
                (m.marketplace_id, f"{m.name or m.marketplace_id} ({m.marketplace_id})")
                for m in list_marketplaces(seller)
            ]
        else:
            # MWS refuses MarketplaceIdList in Japan and China.
            del self.fields["marketplaces"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = _start_of(data.get("start_date")), _end_of(data.get("end_date"))
        now = timezone.now()
        if start and start > now:
            self.add_error("start_date", "The start date cannot be in the future.")
        try:
            check_one_host(data.get("marketplaces") or ())
        except MixedHosts as mixed:
            self.add_error("marketplaces", str(mixed))
        if start and end and start > end:
            self.add_error("end_date", "The end date must not be before the start date.")
        if self.errors:
            return data
        data["start"], data["end"] = start, min(end, now) if end else None
        try:
            data["report_options"] = clean_report_options(
                data["report_type"], data.get("report_options", "")
            )
        except InvalidParameterError as error:
            self.add_error("report_options", f"{error.rule[:1].upper()}{error.rule[1:]}.")
            return data
        # The catalog's own checks (lengths) as the gateway will apply them.
        params: dict[str, Any] = {"ReportType": data["report_type"]}
        if data["report_options"]:
            params["ReportOptions"] = data["report_options"]
        try:
            encode_params(get_operation("RequestReport"), params)
        except InvalidParameterError as error:
            self.add_error("report_options", error.message)
        return data

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "report_type": data["report_type"],
            "start_date": data["start"],
            "end_date": data["end"],
            "marketplace_ids": data.get("marketplaces") or (),
            "report_options": data.get("report_options", ""),
        }


class ReportFilterForm(SortedListForm):
    """Filters of a seller's reports page, from the query string.

    The page lists requests, or with ``reports=True`` the reports themselves: there the status
    is the report's download state and the dates are when the portal found the report.
    """

    sort_columns = REQUEST_SORTS
    default_sort = REQUEST_DEFAULT_SORT

    type = forms.ChoiceField(
        required=False,
        choices=lambda: [("", "All types"), *_by_category(REPORT_TYPES)],
    )
    status = forms.ChoiceField(
        required=False, choices=[("", "All statuses"), *ReportRequest.Status.choices]
    )
    q = forms.CharField(
        required=False,
        max_length=100,
        label="Search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "e.g. returns, fees"}),
    )
    since = forms.DateField(required=False, widget=_DateInput, label="Requested from")
    until = forms.DateField(required=False, widget=_DateInput, label="Requested until")

    def __init__(self, *args: Any, reports: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reports = reports
        if reports:
            self.sort_columns = REPORT_SORTS
            self.default_sort = REPORT_DEFAULT_SORT
            self.fields["status"].choices = [("", "All states"), *Report.State.choices]
            self.fields["since"].label = "Found from"
            self.fields["until"].label = "Found until"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", "“Until” must not be before “from”.")
        return data

    def query(self) -> dict[str, Any]:
        """The valid filters, as keyword arguments of ``services.list_report_requests`` (or of
        ``services.list_reports`` for a form made with ``reports=True``)."""
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "report_type": data.get("type") or None,
            "state" if self.reports else "status": data.get("status") or None,
            "since": _start_of(data.get("since")),
            "until": _end_of(data.get("until")),
            "search": data.get("q") or "",
            **self.list_arguments(),
        }


class ScheduleForm(forms.Form):
    report_type = forms.ChoiceField(
        label="Report", choices=_requestable_choices, widget=ReportTypeSelect
    )
    schedule = forms.ChoiceField(
        choices=lambda: [(v, i.name) for v, i in SCHEDULES.items() if i.interval_seconds],
        help_text="How often Amazon generates the report; the portal downloads each one.",
    )
    schedule_date = forms.DateTimeField(
        required=False,
        label="First run",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Optional (UTC): when the first report is generated.",
    )

    def clean_schedule_date(self) -> datetime | None:
        value = self.cleaned_data.get("schedule_date")
        if value and value < timezone.now():
            raise forms.ValidationError("The first run must be in the future.")
        return value


class ReportSettingsForm(forms.Form):
    acknowledge_downloads = forms.BooleanField(
        required=False,
        label="Acknowledge reports in Amazon after downloading them",
        help_text="Other tools that read only unacknowledged reports will no longer see them.",
    )


class ScheduleListForm(forms.Form):
    """Search and sort of a seller's schedule list, from the query string."""

    q = forms.CharField(
        required=False,
        max_length=100,
        label="Search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "e.g. orders"}),
    )
    every = forms.ChoiceField(
        required=False,
        label="Every",
        choices=lambda: [
            ("", "Any frequency"),
            *((v, i.name) for v, i in SCHEDULES.items() if i.interval_seconds),
        ],
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[
            (f"{way}{column}", f"{column} {way}") for column in SCHEDULE_SORTS for way in ("", "-")
        ],
        widget=forms.HiddenInput,
    )
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def query(self) -> dict[str, Any]:
        # A bad value is named on the page and the list drops it, keeping the others.
        self.is_valid()
        data = self.cleaned_data
        return {
            "search": data.get("q") or "",
            "sort": data.get("sort") or "next",
            "every": data.get("every") or None,
        }

    def page_number(self) -> int:
        self.is_valid()
        return self.cleaned_data.get("page") or 1
