"""Forms of the feed pages; choices come from the operation catalog and the seller's data."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from feeds.checks import region_charset, single_byte_charset
from feeds.models import FeedSubmission
from feeds.services import FEED_DEFAULT_SORT, FEED_SORTS, list_recent_feed_types
from feeds.uploads import size_text
from mwsportal.gateway.mws import FEED_CATEGORIES, FEED_TYPES
from mwsportal.listforms import SortedListForm
from mwsportal.picker import RECENTLY_USED, PickerEntry, PickerSelect
from sellers.models import Seller

FORMAT_LABELS = {"xml": "XML", "flat_file": "flat file"}
# A table for the builder is at most 30,000 short rows.
MAX_TABLE_BYTES = 5 * 1024 * 1024


def feed_type_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Feed types grouped by category (an ``<optgroup>`` each), each named with its format.
    Binary types need metadata the portal does not collect (FeedOptions), so only XML and
    flat-file types are offered."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for value, info in FEED_TYPES.items():
        if info.format in FORMAT_LABELS:
            label = f"{info.name} ({FORMAT_LABELS[info.format]})"
            groups.setdefault(info.category, []).append((value, label))
    return [(category, groups[category]) for category in FEED_CATEGORIES if category in groups]


def offered_feed_types() -> list[str]:
    """The feed types the upload form offers (see ``feed_type_choices``)."""
    return [value for value, info in FEED_TYPES.items() if info.format in FORMAT_LABELS]


class FeedTypeSelect(PickerSelect):
    """The feed type picker: the report picker's search and description line, on feeds."""

    def entry(self, value: str) -> PickerEntry | None:
        info = FEED_TYPES.get(value)
        if info is None:
            return None
        kind = FORMAT_LABELS.get(info.format, "")
        return PickerEntry(
            description=info.description,
            search=f"{info.name} {kind} {info.category} {info.description}",
        )


def purge_types() -> list[str]:
    return [info.name for info in FEED_TYPES.values() if info.purge_and_replace]


class _SellerForm(forms.Form):
    marketplaces = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: Amazon applies the feed to the seller's default marketplace.",
    )

    def __init__(self, *args, seller: Seller, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.seller = seller
        self.fields["marketplaces"].choices = [
            (m.marketplace_id, f"{m.name or m.marketplace_id} ({m.marketplace_id})")
            for m in seller.marketplaces.all()
        ]


class UploadFeedForm(_SellerForm):
    field_order = [
        "feed_type",
        "marketplaces",
        "purge_and_replace",
        "confirm_purge",
        "convert_charset",
        "file",
    ]
    feed_type = forms.ChoiceField(
        label="Feed type",
        widget=FeedTypeSelect,
        help_text="Grouped by kind, the ones you sent lately first.",
    )
    purge_and_replace = forms.BooleanField(
        required=False,
        label="Purge and replace",
        help_text="Deletes every listing that is not in this file. Only for: "
        + ", ".join(purge_types())
        + ". Amazon allows it once every 24 hours.",
    )
    confirm_purge = forms.BooleanField(
        required=False,
        label="I understand that purge and replace deletes my whole catalogue first",
    )
    convert_charset = forms.BooleanField(
        required=False,
        label="Convert a UTF-8 flat file to the region's charset",
        help_text="Without this a flat file saved as UTF-8 is refused, because Amazon would read "
        "its accented letters wrongly. Characters that charset cannot hold are refused either "
        "way.",
    )
    # Last in the form: a refused oversized upload stops reading the request at this field, and
    # every field before it still arrives.
    file = forms.FileField(label="Feed file")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        recent = list_recent_feed_types(self.seller, offered_feed_types())
        recently_used = (
            [(RECENTLY_USED, [(v, FEED_TYPES[v].name) for v in recent])] if recent else []
        )
        self.fields["feed_type"].choices = [
            ("", "Choose a feed type"),
            *recently_used,
            *feed_type_choices(),
        ]
        charset = region_charset(self.seller.region)
        if single_byte_charset(charset):
            self.fields["convert_charset"].label = f"Convert a UTF-8 flat file to {charset}"
        else:
            # Only single-byte charsets take UTF-8 text unnoticed; the others refuse it as is.
            del self.fields["convert_charset"]

    def clean(self) -> dict:
        data = super().clean()
        feed_type = data.get("feed_type")
        if data.get("purge_and_replace"):
            info = FEED_TYPES.get(feed_type or "")
            if info is not None and not info.purge_and_replace:
                self.add_error(
                    "purge_and_replace", f"Purge and replace does not apply to {info.name}."
                )
            elif not data.get("confirm_purge"):
                self.add_error(
                    "confirm_purge",
                    "Tick this to confirm: purge and replace deletes every listing not in the "
                    "file.",
                )
        return data


class BuildFeedForm(_SellerForm):
    field_order = ["kind", "table", "csv_file", "marketplaces"]
    KIND_CHOICES = [
        ("inventory", "Inventory: SKU, quantity, optional fulfillment latency (days)"),
        ("price", "Prices: SKU, price, currency"),
    ]

    kind = forms.ChoiceField(
        choices=KIND_CHOICES, widget=forms.RadioSelect, initial="inventory", label="Feed"
    )
    table = forms.CharField(
        required=False,
        label="Rows",
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false"}),
        help_text="One SKU per line, comma-, semicolon- or tab-separated, a header line is "
        "optional. For example <code>ABC-123,5,2</code> or <code>ABC-123,19.99,USD</code>.",
    )
    csv_file = forms.FileField(
        required=False, label="…or a CSV file", help_text="The same columns, as a .csv file."
    )

    def clean_csv_file(self) -> UploadedFile | None:
        upload = self.cleaned_data.get("csv_file")
        if upload is not None and upload.size > MAX_TABLE_BYTES:
            raise forms.ValidationError(
                f"The file is {size_text(upload.size)}; a table for the builder is at most "
                f"{size_text(MAX_TABLE_BYTES)}. Upload a feed file instead."
            )
        return upload

    def clean(self) -> dict:
        data = super().clean()
        upload = data.get("csv_file")
        if upload is not None and (data.get("table") or "").strip():
            raise forms.ValidationError("Paste rows or choose a file, not both.")
        if upload is not None:
            raw = b"".join(upload.chunks())
            try:
                data["table"] = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                # Spreadsheets on Windows save CSV in the ANSI code page.
                data["table"] = raw.decode("cp1252", errors="replace")
        if not (data.get("table") or "").strip() and not self.errors:
            raise forms.ValidationError("Paste some rows or choose a CSV file.")
        return data


class FeedFilterForm(SortedListForm):
    """Filters of a seller's feed list, from the query string."""

    sort_columns = FEED_SORTS
    default_sort = FEED_DEFAULT_SORT

    q = forms.CharField(
        required=False,
        max_length=100,
        label="Search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "e.g. inventory, pricing"}),
    )
    state = forms.ChoiceField(
        required=False,
        label="Status",
        choices=[("", "All statuses"), *FeedSubmission.State.choices],
    )
    feed_type = forms.ChoiceField(required=False, label="Type")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["feed_type"].choices = [("", "All types"), *feed_type_choices()]

    def query(self) -> dict[str, Any]:
        """The valid filters, as keyword arguments of ``services.page_feeds``."""
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "search": data.get("q") or "",
            "state": data.get("state") or None,
            "feed_type": data.get("feed_type") or None,
            **self.list_arguments(),
        }
